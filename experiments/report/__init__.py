"""Reports of results: summary outcomes, comparisons of run configs, and figures.

* :func:`summary_outcomes` -- a run, or every scenario of a sweep, reduced to scalars
  (peaks, time integrals, the run's course outcomes of docs/outcomes.md);
  :func:`outcome_table` the same for several datasets along ``config``.
* :func:`decide` -- the best setting of a sweep or comparison whose barrier heals between
  sessions with no injury and petechiae risk below a limit (:class:`DecisionRule`,
  :class:`Decision`); :func:`rule_of` reads a sweep's rule (its ``decision:`` block).
* :func:`compare_configs` -- several run configs run side by side: their outcome table
  and their settings (:class:`CompareResult`).
* Figures (matplotlib; PNG and SVG; axes labelled with units), :func:`plot_result`
  writes those of a run or sweep, one call per kind otherwise:

  - ``timecourse`` (:func:`plot_timecourses`) -- TEWL and roughness (Ra) against time,
    TEWL with each session's peak merged in, the untreated baseline and the recovery band,
    sessions marked (vertical lines for a run; triangles in each line's colour for a
    sweep). A sweep draws one line per value of its first axis, the other axes at their
    middle value, replicates averaged.
  - ``heatmap`` (:func:`plot_heatmaps`) -- an outcome over the first two axes of a grid
    sweep (interval x intensity when those are swept), mean ± SD over the seeds, further
    axes at their middle; the decision drawn on it (healing outline, injury and petechiae
    hatching, best safe setting); one figure per outcome.
  - ``tradeoff`` (:func:`plot_tradeoff`) -- smoothness gain against irritation burden per
    setting (seed means with SD bars), unsafe settings hollow with their reasons, the
    Pareto front (:func:`pareto_front`) over the safe settings and the best one marked.
  - ``profiles`` (:func:`plot_profiles`) -- surface profiles (``surface_um``) and depth
    profiles (variables on ``z``) at the start, after the last session and at the end,
    when the run saved them.
  - ``decision`` (:func:`plot_decision_map`) -- the decision on one page: the heat maps of
    the objective, barrier recovery, petechiae risk and injury with the decision's marks.

  :func:`plot_compare` draws a comparison of run configs.

* The literature validation (:mod:`experiments.validation`, ``epiturn validate``):
  :func:`plot_homeostasis_checks`, :func:`plot_barrier_disruption_checks` and
  :func:`plot_regeneration_checks` draw one
  experiment's time courses with its checks (:func:`plot_checks` on a kind's panels);
  :func:`validation_markdown_table` is the table of checks; :func:`write_validation_report`
  writes the Markdown and the self-contained HTML report with the figures.
* :func:`write_html_report` -- the report of a sweep, a comparison folder or a run for
  the product team (``epiturn report``): one self-contained HTML page.
"""

from ._decision import DEFAULT_RULE, OBJECTIVES, Decision, DecisionRule, decide, format_setting, has_sessions, rule_of
from ._compare import CompareResult, OutcomeRow, SettingsRow, compare_configs, compare_decision, outcome_rows, settings_rows
from ._compare_figures import plot_compare
from ._figures import display_units
from ._heatmap import DEFAULT_HEATMAPS, heatmap_cells, heatmap_figure, heatmap_outcomes, plot_decision_map, plot_heatmaps
from ._html_report import HtmlReport, default_report_path, write_html_report
from ._numbers import format_mean_sd, format_quantity, format_range
from ._plot_result import KINDS, plot_result
from ._profiles import plot_profiles
from ._scenarios import axis_dims, session_days, setting_label, sweep_dims, value_label
from ._summaries import (RUN_OUTCOMES_FROM_SAVES, SUMMARY_OUTCOMES, irritation_burden, outcome_names, outcome_table,
                         smoothness_gain, summary_outcomes)
from ._timecourse import RECOVERY_TOLERANCE, plot_timecourses, series_with_session_peaks
from ._tradeoff import TradeoffPoints, pareto_front, plot_tradeoff, tradeoff_points
from ._validation_figures import (Panel, plot_barrier_disruption_checks, plot_checks, plot_homeostasis_checks,
                                  plot_regeneration_checks)
from ._validation_report import (ValidationReportFiles, validation_cells, validation_markdown_table,
                                 validation_summary, write_validation_report)

__all__ = [
    "DEFAULT_RULE", "OBJECTIVES", "Decision", "DecisionRule", "decide", "format_setting", "has_sessions", "rule_of",
    "CompareResult", "DEFAULT_HEATMAPS", "KINDS", "RUN_OUTCOMES_FROM_SAVES", "SUMMARY_OUTCOMES", "SettingsRow",
    "compare_configs", "compare_decision", "OutcomeRow", "outcome_rows", "display_units", "format_mean_sd",
    "format_quantity", "format_range",
    "irritation_burden", "outcome_names", "outcome_table", "pareto_front", "plot_compare",
    "plot_decision_map", "heatmap_cells", "heatmap_outcomes", "plot_heatmaps", "series_with_session_peaks",
    "RECOVERY_TOLERANCE", "TradeoffPoints", "tradeoff_points", "plot_profiles", "plot_result", "plot_timecourses",
    "plot_tradeoff", "session_days", "axis_dims", "setting_label", "sweep_dims", "value_label", "heatmap_figure",
    "settings_rows", "smoothness_gain", "summary_outcomes",
    "Panel", "ValidationReportFiles", "plot_barrier_disruption_checks", "plot_checks", "plot_homeostasis_checks",
    "plot_regeneration_checks",
    "validation_cells", "validation_markdown_table", "validation_summary", "write_validation_report",
    "HtmlReport", "default_report_path", "write_html_report",
]
