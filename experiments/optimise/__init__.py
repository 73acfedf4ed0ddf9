"""Protocol optimisation: the best session settings and interval within the safety limits (``epiturn optimise``).

An optimisation file names a base run (a course of device sessions), the free settings
(ranges: the device's hardware), the interval grid and the objective and limits of the
decision rule (:class:`experiments.report.DecisionRule`); :func:`optimise` maximises the
objective by a constrained gradient search through the differentiable model at every
interval of the grid, makes the answer dialable (passes an integer, re-checked), re-runs
the best one through :func:`experiments.run` and writes ``best.yaml`` and
``summary.json`` (docs/optimise.md).

One concern per private module: ``_config`` (the file), ``_search`` (the augmented
Lagrangian with Adam in a sigmoid-transformed box), ``_run`` (the pipeline and outputs).
"""

from experiments.optimise._config import DEFAULT_INTERVALS, OPTIMISE_KEYS, OptimiseConfig, load_optimise_config
from experiments.optimise._run import OptimiseResult, optimise, protocol_config, write_outputs
from experiments.optimise._search import SearchResult, constrained_search, feasible, from_box, to_box

__all__ = ["DEFAULT_INTERVALS", "OPTIMISE_KEYS", "OptimiseConfig", "OptimiseResult", "SearchResult",
           "constrained_search", "feasible", "from_box", "load_optimise_config", "optimise", "protocol_config", "to_box",
           "write_outputs"]
