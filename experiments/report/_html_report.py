"""The report of a result for the product team: one self-contained HTML page.

:func:`write_html_report` reads a sweep store, a comparison folder or a single run
(:func:`~experiments.report._report_input.open_report_input`) and writes one page that
answers the question of the main job -- *which setting gives the smoothest skin that
still heals between sessions, and where does a setting start to injure* -- with:

* the recommendation and why (:func:`~experiments.report.decide` under the rule of the
  result: the ``decision:`` block of the sweep file, else the default rule): the best
  safe setting, the runner-up, the smoother settings that were excluded and by which
  limit, the settings that do not heal, injure or risk petechiae; for a single run with
  sessions, whether its one setting is safe and why (no decision without sessions);
* the outcome table per setting (objective mean ± seed SD and min..max, heals, injury,
  petechiae risk, worst barrier recovery; each limit a badge, unsafe rows marked), for
  a two-axis grid a map of the settings; the seed spread;
* a comparison: the settings and outcomes of its configs side by side; a run: its
  outcomes and its sessions;
* the figures (:func:`~experiments.report.plot_result`, a comparison's
  :func:`~experiments.report.plot_compare`), drawn into a temporary folder and put into
  the page inline: SVG where there is one (ids prefixed per figure, metadata and
  namespaces dropped), else a base64 PNG;
* the model's validity (:func:`~experiments.report._model_status.model_status`: the
  "N of M checks pass" of docs/validation.md and the known limits);
* the provenance from the result's attributes: epiturn version, git commit, config
  hash, creation time, the resolved config (collapsible) and the library versions.

Nothing on the page refers outside it (no stylesheet, script, font or image by address).
Numbers are written by :mod:`~experiments.report._numbers`. The page is rendered from
``templates/report.html.j2`` (Jinja2, autoescaped; package data).
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import numpy as np
import xarray as xr

from experiments.errors import InputError

from ._decision import OBJECTIVES, Decision, DecisionRule, decide, format_setting, rule_of
from ._figures import display_units
from ._model_status import model_status
from ._numbers import format_mean_sd, format_quantity, format_range
from ._report_input import ReportInput, from_dataset, open_report_input
from ._summaries import summary_outcomes

__all__ = ["HtmlReport", "write_html_report", "default_report_path"]

QUESTION = ("Which setting gives the smoothest skin that still heals between sessions, "
            "and where does a setting start to injure?")
RISK_DECIMALS = 2
MAX_LISTED = 12  # settings named in a sentence before "and N more"
# session outputs of a run's sessions table that read as yes/no
YES_NO = ("barrier_recovered", "recovered_at_start")
# the run outcomes shown first (the rest follow in the result's order)
FIRST_OUTCOMES = tuple(OBJECTIVES) + ("barrier_recovery_hours_max", "max_injury_um", "tewl_peak_ratio")
# figure stems (prefixes) -> what the figure shows
FIGURE_TITLES = (
    ("compare_timecourse", "TEWL and roughness of the compared configs against time (triangles: sessions)"),
    ("compare_tradeoff", "smoothness gain against irritation burden of the compared configs"),
    ("timecourse", "TEWL and roughness against time, sessions marked"),
    ("heatmap_", "over the first two axes of the sweep (replicates averaged)"),
    ("tradeoff", "smoothness gain against irritation burden of every scenario, with the Pareto front"),
    ("profiles", "surface and depth profiles at the start, after the last session and at the end"),
)


class HtmlReport(NamedTuple):
    """What :func:`write_html_report` wrote: the page, the kind of result, the figures on it
    (their file stems, in page order), the decision (None without sessions)."""

    path: Path
    kind: str
    figures: list[str]
    decision: Decision | None


# --------------------------------------------------------------------------- the rule


def _rule_words(rule: DecisionRule) -> dict[str, str]:
    goal = "lowest" if rule.sense == "min" else "highest"
    return {
        "objective": f"{goal} {OBJECTIVES[rule.objective][1]} (mean over the seeds)",
        "objective_name": OBJECTIVES[rule.objective][1],
        "heals": ("the barrier is back within 10 % of the untreated TEWL before every next session, in every seed"
                  if rule.require_healing else "not required by this rule"),
        "injury": f"no session removes more than {rule.max_injury_um:g} µm of living epidermis, in any seed",
        "petechiae": f"every session's petechiae risk stays below {rule.max_petechiae_risk:g} (0..1), in any seed",
    }


# --------------------------------------------------------------------------- figures


def _outcome_name(name: str) -> str:
    """The long name of an outcome a figure shows (output table, summary outcomes, derived ones)."""
    from experiments._outputs import OUTPUTS

    from ._summaries import SUMMARY_OUTCOMES

    if name in OUTPUTS:
        return OUTPUTS[name].long_name
    if name in SUMMARY_OUTCOMES:
        return SUMMARY_OUTCOMES[name][1]
    return {"smoothness_gain": "smoothness gain (reduction of Ra)",
            "irritation_burden": "irritation burden"}.get(name, name.replace("_", " "))


def _figure_title(stem: str) -> str:
    for prefix, text in FIGURE_TITLES:
        if stem.startswith(prefix):
            return f"{_outcome_name(stem[len(prefix):])} {text}" if prefix == "heatmap_" else text
    return stem.replace("_", " ")


def _inline_svg(text: str, prefix: str, label: str) -> str:
    """A matplotlib SVG as an element of the page: no XML prolog, metadata, style sheet or
    namespace attributes; every id (and reference to it) prefixed; scalable."""
    text = re.sub(r"<\?xml[^>]*\?>", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>", "", text, flags=re.S)
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r"<style[^>]*>.*?</style>", "", text, flags=re.S)  # global rules; the page's CSS has them
    text = re.sub(r"\s+xmlns(?::\w+)?=\"[^\"]*\"", "", text)
    text = re.sub(r"\bid=\"([^\"]+)\"", lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r"(href=\")#([^\"]+)\"", lambda m: f'{m.group(1)}#{prefix}{m.group(2)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", text)
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    text = re.sub(r"<svg\b", f'<svg class="figure" role="img" aria-label="{label}"', text, count=1)
    return text.strip()


def _figures(source: ReportInput) -> tuple[list[dict[str, Any]], list[str]]:
    """The figures of the result, drawn into a temporary folder, as page elements; and the notes."""
    from markupsafe import Markup

    from ._compare_figures import plot_compare
    from ._plot_result import plot_result

    with tempfile.TemporaryDirectory(prefix="epiturn-report-") as tmp:
        if source.kind == "compare":
            files, notes = plot_compare(list(source.runs), list(source.names), tmp)
        else:
            files, notes = plot_result(source.dataset, None, tmp)
        stems = list(dict.fromkeys(Path(f).stem for f in files))
        out = []
        for i, stem in enumerate(stems):
            title = _figure_title(stem)
            svg = next((Path(f) for f in files if Path(f).stem == stem and Path(f).suffix == ".svg"), None)
            png = next((Path(f) for f in files if Path(f).stem == stem and Path(f).suffix == ".png"), None)
            item: dict[str, Any] = {"stem": stem, "title": title, "svg": None, "png_base64": None}
            if svg is not None:
                item["svg"] = Markup(_inline_svg(svg.read_text(encoding="utf-8"), f"f{i}-", title))
            elif png is not None:
                item["png_base64"] = base64.b64encode(png.read_bytes()).decode("ascii")
            else:
                continue
            out.append(item)
    return out, list(notes)


# --------------------------------------------------------------------------- the decision


def _setting_columns(ds: xr.Dataset, dims: Sequence[str]) -> list[tuple[str, str]]:
    """(coordinate, header) of the columns naming a setting: the axes (a sweep), or ``config``."""
    cols = []
    for name in sorted(ds.coords, key=lambda n: n not in dims):  # the dimensions first
        c = ds[name]
        if name == "config_hash" or not c.dims or not set(c.dims) <= set(dims):
            continue
        if name in dims or "sweep_path" in c.attrs:
            units = display_units(c.attrs.get("units"))
            long_name = c.attrs.get("long_name", str(name).replace("_", " "))
            cols.append((str(name), f"{long_name} ({units})" if units else str(long_name)))
    return cols


def _settings(decision: Decision) -> list[dict[str, Any]]:
    """Every setting of the decision table as ``{dim: value}``, in the table's order."""
    dims = decision.setting_dims
    if not dims:
        return [{}]
    grids = np.meshgrid(*[decision.table[d].values for d in dims], indexing="ij")
    return [{d: g.flat[k].item() if hasattr(g.flat[k], "item") else g.flat[k] for d, g in zip(dims, grids)}
            for k in range(grids[0].size)]


def _reasons(decision: Decision, setting: dict[str, Any]) -> list[str]:
    """Why a setting is not safe (badge words), empty when it is."""
    r = decision.rule
    out = []
    if r.require_healing and decision.value("heals", setting) < 0.5:
        out.append("does not heal")
    if decision.value("injures", setting) > 0.5:
        out.append("injures")
    if decision.value("petechiae", setting) > 0.5:
        out.append("petechiae risk")
    if not out and decision.value("safe", setting) < 0.5:
        out.append("no result")  # safe flags hold but the objective is not finite
    return out


def _label(source: ReportInput, setting: dict[str, Any]) -> str:
    """A setting in words: ``interval 3 d, vacuum 20 kPa``; a sampled sweep's ``scenario 4 (interval ...)``."""
    if source.kind == "compare":
        return str(setting.get("config"))
    if not setting:
        return "this run"
    ds = source.dataset
    axes = {}
    for name in ds.coords:
        c = ds[name]
        if name not in setting and "sweep_path" in c.attrs and c.dims and set(c.dims) <= set(setting):
            axes[str(name)] = c.sel({d: setting[d] for d in c.dims}).values.item()
    return format_setting(setting) + (f" ({format_setting(axes)})" if axes else "")


def _limit_detail(decision: Decision, setting: dict[str, Any], reason: str) -> str:
    r = decision.rule
    if reason == "does not heal":
        n = decision.value("sessions_not_recovered", setting)
        return (f"barrier not recovered before the next session after {format_quantity(n)} session"
                f"{'s' if n != 1 else ''}, worst recovery {format_quantity(decision.value('barrier_recovery_hours_max', setting), 'h')}")
    if reason == "injures":
        return f"removes {format_quantity(decision.value('injury_max_um', setting), 'um')} of living epidermis, limit {r.max_injury_um:g} µm"
    if reason == "petechiae risk":
        return (f"petechiae risk {format_quantity(decision.value('petechiae_risk_max', setting), '', RISK_DECIMALS)}, "
                f"limit: below {r.max_petechiae_risk:g}")
    return "the objective is not available"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _listed(items: list[str]) -> str:
    if len(items) <= MAX_LISTED:
        return "; ".join(items)
    return "; ".join(items[:MAX_LISTED]) + f"; and {len(items) - MAX_LISTED} more"


def _table_rows(source: ReportInput, decision: Decision, n_seeds: int) -> list[dict[str, Any]]:
    units = decision.objective_units
    columns = _setting_columns(source.dataset, decision.setting_dims)
    rows = []
    for s in _settings(decision):
        reasons = _reasons(decision, s)
        cells = []
        for name, _ in columns:
            v = s.get(name) if name in s else source.dataset[name].sel({d: s[d] for d in source.dataset[name].dims}).values.item()
            cells.append(format_quantity(v))
        mean, sd = decision.value("objective_mean", s), decision.value("objective_sd", s)
        rows.append({
            "setting": cells,
            "label": _label(source, s),
            "objective": format_mean_sd(mean, sd, units) if n_seeds > 1 else format_quantity(mean, units),
            "range": format_range(decision.value("objective_min", s), decision.value("objective_max", s), units),
            "heals": decision.value("heals", s) > 0.5,
            "not_recovered": format_quantity(decision.value("sessions_not_recovered", s)),
            "injury": format_quantity(decision.value("injury_max_um", s), "um"),
            "injures": decision.value("injures", s) > 0.5,
            "risk": format_quantity(decision.value("petechiae_risk_max", s), "", RISK_DECIMALS),
            "petechiae": decision.value("petechiae", s) > 0.5,
            "recovery": format_quantity(decision.value("barrier_recovery_hours_max", s), "h"),
            "safe": decision.value("safe", s) > 0.5,
            "reasons": reasons,
            "best": s == decision.best,
            "runner_up": s == decision.runner_up,
        })
    return rows


def _safety_map(source: ReportInput, decision: Decision, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """For two setting axes: rows the first axis, columns the second, a cell per setting."""
    dims = decision.setting_dims
    if len(dims) != 2 or source.kind != "sweep":
        return None
    a, b = dims
    va, vb = decision.table[a].values, decision.table[b].values
    cols = dict(_setting_columns(source.dataset, dims))
    grid = [[rows[i * len(vb) + j] for j in range(len(vb))] for i in range(len(va))]
    return {"row_header": cols.get(a, a), "col_header": cols.get(b, b),
            "rows": [format_quantity(v) for v in va], "cols": [format_quantity(v) for v in vb], "cells": grid}


def _why(source: ReportInput, decision: Decision) -> list[str]:
    """Sentences: why the best setting is best, what excluded the smoother ones."""
    units = decision.objective_units
    settings = _settings(decision)
    c, n = decision.counts(), decision.n_settings
    out = []
    if decision.best is None:
        out.append(f"None of the {n} settings meets every limit.")
        return out
    best_mean = decision.value("objective_mean", decision.best)
    better = []
    for s in settings:
        m = decision.value("objective_mean", s)
        if s == decision.best or m is None or not math.isfinite(m):
            continue
        if (m < best_mean) if decision.rule.sense == "min" else (m > best_mean):
            reasons = _reasons(decision, s)
            if reasons:
                better.append((m, f"{_label(source, s)} ({format_quantity(m, units)}: "
                                  + "; ".join(_limit_detail(decision, s, r) for r in reasons) + ")"))
    # the excluded settings nearest the recommendation first: where the limits start to bind
    better.sort(key=lambda t: abs(t[0] - best_mean))
    shown = 3
    out.append(f"It is the best of the {c['safe']} safe settings (of {n}) on the objective: "
               f"{format_quantity(best_mean, units)}.")
    word = "smoother" if decision.rule.objective.startswith(("ra_", "fine_line_")) else "better"
    if better:
        more = f"; and {len(better) - shown} more (see the table)" if len(better) > shown else ""
        out.append(f"{len(better)} {word} setting{'s' if len(better) != 1 else ''} fail a limit; the nearest: "
                   f"{_listed([t[1] for t in better[:shown]])}{more}.")
    else:
        out.append(f"No setting that fails a limit would have been {word}.")
    if decision.runner_up is not None:
        gap = abs(best_mean - decision.value("objective_mean", decision.runner_up))
        sd = max(decision.value("objective_sd", decision.best), decision.value("objective_sd", decision.runner_up))
        if decision.distinguishable:
            out.append(f"The runner-up, {_label(source, decision.runner_up)}, is {format_quantity(gap, units)} behind, "
                       f"more than the seed SD ({format_quantity(sd, units)}): the ranking holds across seeds.")
        else:
            out.append(f"The runner-up, {_label(source, decision.runner_up)}, is only {format_quantity(gap, units)} behind, "
                       f"within the seed SD ({format_quantity(sd, units)}): the two are not distinguishable with these "
                       "seeds; choose between them on other grounds (e.g. the gentler one).")
    return out


def _unsafe(source: ReportInput, decision: Decision) -> list[dict[str, str]]:
    """Per limit: which settings fail it (the answer to "where does a setting start to injure")."""
    settings = _settings(decision)
    out = []
    for reason, title in (("injures", "Injure (remove living epidermis)"),
                          ("petechiae risk", "Risk petechiae"),
                          ("does not heal", "Do not heal between sessions")):
        failing = [s for s in settings if reason in _reasons(decision, s)]
        if failing:
            text = _listed([f"{_label(source, s)} ({_limit_detail(decision, s, reason)})" for s in failing])
        else:
            text = "none of the settings."
        out.append({"title": title, "count": f"{len(failing)} of {len(settings)}", "text": text, "any": bool(failing)})
    return out


def _seed_spread(source: ReportInput, decision: Decision, n_seeds: int) -> list[str]:
    units = decision.objective_units
    if n_seeds < 2:
        return ["One seed per setting: the spread between seeds (the random lateral heterogeneity of the skin) "
                "is not known, so small differences between settings may not hold for another seed."]
    sd = np.asarray(decision.table["objective_sd"].values, float).ravel()
    sd = sd[np.isfinite(sd)]
    out = [f"{n_seeds} seeds per setting (replicates of the random lateral heterogeneity of the skin). The seed SD of "
           f"the objective is {format_quantity(float(np.median(sd)), units)} in the median setting and at most "
           f"{format_quantity(float(sd.max()), units)}." if sd.size else f"{n_seeds} seeds per setting."]
    out.append("A limit counts in the worst seed: a setting that fails it in one seed is not safe.")
    return out


def _run_verdict(decision: Decision) -> dict[str, Any]:
    """A single setting: safe or not, and why (every limit, met or not)."""
    s: dict[str, Any] = {}
    r = decision.rule
    reasons = _reasons(decision, s)
    checks = []
    if r.require_healing:
        ok = decision.value("heals", s) > 0.5
        checks.append((ok, "heals between sessions" if ok else "does not heal between sessions",
                       f"worst barrier recovery {format_quantity(decision.value('barrier_recovery_hours_max', s), 'h')}"
                       if ok else _limit_detail(decision, s, "does not heal")))
    ok = decision.value("injures", s) < 0.5
    checks.append((ok, "no injury" if ok else "injures living epidermis",
                   f"deepest living epidermis removed {format_quantity(decision.value('injury_max_um', s), 'um')}, "
                   f"limit {r.max_injury_um:g} µm"))
    ok = decision.value("petechiae", s) < 0.5
    checks.append((ok, "petechiae risk below the limit" if ok else "risks petechiae",
                   f"peak risk {format_quantity(decision.value('petechiae_risk_max', s), '', RISK_DECIMALS)}, "
                   f"limit: below {r.max_petechiae_risk:g}"))
    safe = not reasons
    objective = format_quantity(decision.value("objective_mean", s), decision.objective_units)
    headline = ("This setting is safe: it heals between sessions, injures no living epidermis and keeps the petechiae "
                "risk below the limit." if safe else
                "This setting is not safe: it " + _and([x[1] for x in checks if not x[0]]) + ".")
    return {"safe": safe, "headline": headline, "objective": f"{decision.objective_label}: {objective}",
            "checks": [{"ok": ok, "title": t, "detail": d} for ok, t, d in checks]}


def _decision_section(source: ReportInput) -> tuple[Decision | None, dict[str, Any] | None, str | None]:
    """The decision and its page content; or why there is none."""
    ds = source.dataset
    if "barrier_recovered" not in ds or "session" not in ds.dims or ds.sizes["session"] == 0:
        return None, None, "This result has no device sessions: there is no setting to decide on."
    try:
        rule = rule_of(ds)
        decision = decide(ds, rule)
    except InputError as exc:
        return None, None, f"No decision: {exc}"
    n_seeds = int(ds.sizes.get("replicate", 1))
    rows = _table_rows(source, decision, n_seeds)
    content: dict[str, Any] = {
        "rule": _rule_words(decision.rule),
        "objective_header": f"{decision.objective_label} ({display_units(decision.objective_units) or '1'})",
        "n_seeds": n_seeds,
        "summary": decision.summary().splitlines(),
        "counts": decision.counts(),
        "n_settings": decision.n_settings,
        "setting_headers": [h for _, h in _setting_columns(ds, decision.setting_dims)],
        "rows": rows,
    }
    if source.kind == "run":
        content["verdict"] = _run_verdict(decision)
        return decision, content, None
    content.update({
        "best": _label(source, decision.best) if decision.best is not None else None,
        "best_detail": _config_summary(source, decision.best),
        "runner_up": _label(source, decision.runner_up) if decision.runner_up is not None else None,
        "why": _why(source, decision),
        "unsafe": _unsafe(source, decision),
        "seed_spread": _seed_spread(source, decision, n_seeds),
        "map": _safety_map(source, decision, rows),
    })
    return decision, content, None


# --------------------------------------------------------------------------- outcomes, sessions, settings


def _outcome_rows(table: xr.Dataset) -> list[tuple[str, xr.DataArray]]:
    names = [n for n in FIRST_OUTCOMES if n in table] + [n for n in table.data_vars if n not in FIRST_OUTCOMES]
    return [(str(n), table[n]) for n in names if str(n) != "all_finite"]


def _run_outcomes(ds: xr.Dataset) -> list[dict[str, str]]:
    rows = []
    for name, da in _outcome_rows(summary_outcomes(ds)):
        if da.ndim:
            continue
        rows.append({"name": name, "long_name": da.attrs.get("long_name", name),
                     "value": format_quantity(da.values.item(), da.attrs.get("units")),
                     "comment": da.attrs.get("comment", "")})
    return rows


def _sessions(ds: xr.Dataset) -> dict[str, Any] | None:
    from experiments._outputs import OUTPUTS

    if "session" not in ds.dims or ds.sizes["session"] == 0:
        return None
    names = [n for n, spec in OUTPUTS.items() if tuple(spec.dims) == ("session",) and n in ds and ds[n].dims == ("session",)]
    if not names:
        return None
    rows = []
    for n in names:
        units = ds[n].attrs.get("units", OUTPUTS[n].units)
        cells = []
        for v in np.asarray(ds[n].values, float):
            if n in YES_NO:
                cells.append("–" if not math.isfinite(v) else ("yes" if v > 0.5 else "no"))
            elif n == "petechiae_risk":
                cells.append(format_quantity(v, "", RISK_DECIMALS))
            else:
                cells.append(format_quantity(v))
        rows.append({"name": n, "long_name": OUTPUTS[n].long_name, "units": display_units(units), "cells": cells})
    return {"sessions": [int(k) for k in ds["session"].values], "rows": rows}


def _resolved_settings(runs: Sequence[xr.Dataset]) -> list[Any] | None:
    """The settings rows of the runs' resolved configs (reloaded from their provenance), None if not readable."""
    from experiments.config import ConfigError, load_run_config

    from ._compare import settings_rows

    try:
        resolved = [load_run_config(json.loads(ds.attrs["config_json"])) for ds in runs]
    except (KeyError, ValueError, TypeError, ConfigError, InputError):
        return None
    return settings_rows(resolved)


def _comparison(source: ReportInput) -> dict[str, Any]:
    from ._summaries import outcome_table

    rows = _resolved_settings(source.runs) or []
    settings = [{"name": r.long_name, "units": display_units(r.units), "cells": list(r.values)} for r in rows]
    table = outcome_table(list(source.runs), list(source.names))
    outcomes = []
    for name, da in _outcome_rows(table):
        units = da.attrs.get("units")
        outcomes.append({"name": name, "long_name": da.attrs.get("long_name", name), "units": display_units(units),
                         "cells": [format_quantity(v) for v in np.asarray(da.values, float)]})  # units: a column
    sessions = [{"name": n, "table": _sessions(ds)} for n, ds in zip(source.names, source.runs)]
    return {"names": list(source.names), "settings": settings, "outcomes": outcomes,
            "sessions": [s for s in sessions if s["table"] is not None]}


def _config_summary(source: ReportInput, setting: dict[str, Any] | None) -> str | None:
    """A comparison's config in one line: its device, sessions and session settings."""
    if source.kind != "compare" or not setting or setting.get("config") not in source.names:
        return None
    k = list(source.names).index(setting["config"])
    rows = _resolved_settings([source.runs[k]]) or []
    parts = []
    for r in rows:
        if r.name in ("skin", "duration") or r.values[0] == "–":
            continue
        u = display_units(r.units)
        parts.append(r.values[0] + (f" {u}" if u else "") if r.name in ("device", "sessions", "mode")
                     else f"{r.long_name} {r.values[0]}" + (f" {u}" if u else ""))
    return ", ".join(parts) or None


def _run_setting(ds: xr.Dataset) -> list[dict[str, str]]:
    rows = _resolved_settings([ds]) or []
    return [{"name": r.long_name, "value": r.values[0] + (f" {display_units(r.units)}" if display_units(r.units) else "")}
            for r in rows if r.values[0] != "–"]


# --------------------------------------------------------------------------- provenance


def _config_text(raw: Any) -> str:
    """A JSON config attribute as YAML for people (as `epiturn config check` prints it)."""
    import yaml

    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return str(raw)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).rstrip()


def _libraries(raw: Any) -> str:
    try:
        data = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
    except (ValueError, TypeError):
        return str(raw or "unknown")
    return ", ".join(f"{k} {v}" for k, v in sorted(data.items())) or "unknown"


def _provenance(name: str, ds: xr.Dataset) -> dict[str, Any]:
    a = ds.attrs
    configs = []
    if a.get("sweep_config"):
        configs.append({"title": "the sweep file as written" + (f" ({a['sweep_file']})" if a.get("sweep_file") else ""),
                        "text": _config_text(a["sweep_config"])})
    if a.get("config_json"):
        configs.append({"title": "the resolved config" + (" of the sweep (base, axes, seeds)" if a.get("sweep_config") else ""),
                        "text": _config_text(a["config_json"])})
    return {"name": name, "version": str(a.get("epiturn_version", "unknown")), "commit": str(a.get("git_commit", "unknown")),
            "config_hash": str(a.get("config_hash", "unknown")), "created": str(a.get("created_utc", "unknown")),
            "title": str(a.get("title", "")), "libraries": _libraries(a.get("library_versions")), "configs": configs}


def _store_state(ds: xr.Dataset) -> str | None:
    if ds.attrs.get("epiturn_kind") != "epiturn-sweep" or ds.attrs.get("sweep_complete"):
        return None
    done, total = ds.attrs.get("batches_done", []), ds.attrs.get("batches_total", "?")
    return (f"This sweep store is incomplete: {len(done) if isinstance(done, (list, tuple)) else done} of {total} "
            "batches are done (continue it with `epiturn sweep ... --resume`); settings not yet computed are blank.")


# --------------------------------------------------------------------------- the page


def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("experiments.report", "templates"),
                              autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                              undefined=jinja2.StrictUndefined)


def default_report_path(result: str | os.PathLike) -> Path:
    """``<result stem>_report.html`` beside the result (``results/x.zarr`` -> ``results/x_report.html``;
    a comparison folder ``results/compare`` -> ``results/compare_report.html``)."""
    p = Path(result).expanduser()
    p = p if p.name else p.resolve()
    return p.with_name(f"{p.stem}_report.html")


def _uncertainty(source: ReportInput, decision: Decision | None, path: str | os.PathLike | None) -> dict[str, Any] | None:
    """The parameter-uncertainty section (:mod:`~experiments.report._uncertainty`) for the
    recommended setting: of a comparison, the chosen config's run; else the result."""
    if path is None:
        return None
    from ._uncertainty import uncertainty_section

    result, best = source.dataset, None
    if decision is not None:
        best = {} if source.kind == "run" else decision.best
        if source.kind == "compare" and best and best.get("config") in source.names:
            result, best = source.runs[list(source.names).index(best["config"])], {}
    return uncertainty_section(path, result, best, decision.rule.objective if decision is not None else None,
                               decision.objective_label if decision is not None else None)


def _context(source: ReportInput, created: datetime, uncertainty: str | os.PathLike | None = None
             ) -> tuple[dict[str, Any], list[str], Decision | None]:
    from experiments._provenance import git_commit, package_version

    ds = source.dataset
    decision, decision_content, no_decision = _decision_section(source)
    band = _uncertainty(source, decision, uncertainty)
    figures, figure_notes = _figures(source)
    name = (ds.attrs.get("sweep_name") if source.kind == "sweep" else None) or (
        source.path.stem if source.path is not None else source.names[0])
    if source.kind == "compare":
        provenance = [_provenance(n, r) for n, r in zip(source.names, source.runs)]
    else:
        provenance = [_provenance(str(name), ds)]
    status = model_status()
    context = {
        "title": f"epiturn report: {name}",
        "name": name,
        "kind": source.kind, "kind_label": source.kind_label,
        "path": str(source.path) if source.path is not None else "(a dataset in memory)",
        "description": str(ds.attrs.get("description") or (json.loads(ds.attrs["sweep_config"]).get("description", "")
                                                           if ds.attrs.get("sweep_config") else "")),
        "question": QUESTION,
        "decision": decision_content, "no_decision": no_decision,
        "uncertainty": band,
        "store_state": _store_state(ds),
        "figures": figures, "figure_notes": figure_notes,
        "comparison": _comparison(source) if source.kind == "compare" else None,
        "run": ({"outcomes": _run_outcomes(ds), "sessions": _sessions(ds), "settings": _run_setting(ds)}
                if source.kind == "run" else None),
        "status": status,
        "provenance": provenance,
        "created": created.isoformat(), "report_version": package_version(), "report_commit": git_commit(),
    }
    return context, [f["stem"] for f in figures], decision


def write_html_report(result: str | os.PathLike | xr.Dataset, output: str | os.PathLike | None = None,
                      created: datetime | None = None, uncertainty: str | os.PathLike | None = None) -> HtmlReport:
    """Write the report page of ``result`` (a path: sweep store, comparison folder, NetCDF run;
    or a dataset) to ``output`` (default :func:`default_report_path`; required for a dataset).

    ``uncertainty``: an ``epiturn sensitivity`` NetCDF whose outcome bands the page shows
    beside the recommendation, saying whether they were computed at the recommended
    setting (:mod:`~experiments.report._uncertainty`).

    Raises :class:`~experiments.errors.InputError` naming ``result`` (not a result),
    ``output`` (a folder; missing for a dataset) or ``uncertainty`` (not a sensitivity dataset).
    """
    if isinstance(result, xr.Dataset):
        source = from_dataset(result)
        if output is None:
            raise InputError("output: is required for a dataset in memory; allowed: the path of an HTML file",
                             parameter="output")
    else:
        source = open_report_input(result)
    out = Path(output).expanduser() if output is not None else default_report_path(result)  # type: ignore[arg-type]
    if out.is_dir():
        raise InputError(f"output: {str(output if output is not None else out)!r} is a folder; allowed: the path of "
                         "an HTML file (its folder is created when missing)", parameter="output")
    created = created or datetime.now(timezone.utc).replace(microsecond=0)
    context, figures, decision = _context(source, created, uncertainty)
    html = _environment().get_template("report.html.j2").render(**context)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    return HtmlReport(out, source.kind, figures, decision)
