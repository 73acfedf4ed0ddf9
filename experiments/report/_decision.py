"""The decision: the best device setting whose skin heals between sessions, uninjured.

:func:`decide` reads a sweep store (or the outcome table of a comparison, one setting
per ``config``) and returns a :class:`Decision`. A *setting* is one combination of the
swept values (interval, vacuum, passes, ...); its replicate seeds are reduced over:

* **heals**: in every replicate, every session's barrier came back within 10 % of the
  untreated TEWL before the next session (the last session: before the end of the run)
  -- ``barrier_recovered`` = 1 for all sessions (docs/outcomes.md);
* **injures**: in some replicate a session removed living epidermis deeper than
  ``max_injury_um`` (``injury_max_um``; 0.1 µm by default, well under one cell layer:
  any real wound);
* **petechiae**: in some replicate a session's petechiae risk (``petechiae_risk``) is
  at or above ``max_petechiae_risk`` (0.1 by default: the suction is near the capillary
  pressure; docs/device.md);
* **safe** = heals and not injures and not petechiae.

The *objective* is a scalar outcome of :func:`~experiments.report.summary_outcomes`
(default ``ra_change_pct_end_course``: the change of Ra from baseline when the next
session would have been due -- the smoothness the regimen keeps between sessions, lower
is smoother); its replicate mean decides, its replicate spread (sample standard
deviation, and min..max) is reported beside it. The best setting is the safe setting
with the best mean; when the runner-up is closer than the seed spread the decision says
so (the two are not distinguishable with these seeds). No safe setting: ``best`` is None
and the summary says which limit excluded the most settings.

Shapes: every array of :attr:`Decision.table` is on the setting dimensions (the sweep's
axes, or ``config``), replicates reduced.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import xarray as xr

from experiments.config import boolean_allowed, format_value
from experiments.errors import InputError

from ._summaries import summary_outcomes

__all__ = ["DecisionRule", "Decision", "Limit", "decide", "rule_of", "decision_or_note", "DEFAULT_RULE", "OBJECTIVES"]

# objectives a rule may name: outcome -> (goal, plain-language name)
OBJECTIVES: dict[str, tuple[str, str]] = {
    "ra_change_pct_end_course": ("min", "Ra change when the next session would be due"),
    "ra_change_pct_end_followup": ("min", "Ra change at the end of follow-up"),
    "fine_line_change_pct_end_course": ("min", "fine-line depth change when the next session would be due"),
    "fine_line_change_pct_end_followup": ("min", "fine-line depth change at the end of follow-up"),
    "irritation_burden_days": ("min", "irritation burden"),
}
SETTING_DIMS_EXCLUDED = ("replicate", "time", "session", "event", "x", "y", "z")
# the per-session outputs a decision reads (docs/outcomes.md); a result without them has no sessions
DECISION_INPUTS = ("barrier_recovered", "injury_max_um", "petechiae_risk")


def has_sessions(result: xr.Dataset) -> bool:
    """Whether ``result`` holds the per-session outputs :func:`decide` reads (:data:`DECISION_INPUTS`)."""
    return all(v in result for v in DECISION_INPUTS)


@dataclass(frozen=True)
class DecisionRule:
    """What a best setting must satisfy, and what makes it best (the ``decision:`` block of a sweep file).

    ``objective``: an outcome of :data:`OBJECTIVES`; ``goal``: ``min`` or ``max``
    (default: the objective's own); ``max_petechiae_risk``: 0..1, a session at or above
    it excludes the setting; ``max_injury_um``: µm, a session removing more living
    epidermis excludes it; ``require_healing``: every session's barrier recovered
    before the next one.
    """

    objective: str = "ra_change_pct_end_course"
    goal: Literal["min", "max"] | None = None
    max_petechiae_risk: float = 0.1
    max_injury_um: float = 0.1
    require_healing: bool = True

    def __post_init__(self):
        if not isinstance(self.objective, str) or self.objective not in OBJECTIVES:
            raise InputError(f"decision.objective: {format_value(self.objective)} is not an objective; allowed: "
                             f"{', '.join(OBJECTIVES)}", parameter="decision")
        if self.goal is not None and (not isinstance(self.goal, str) or self.goal not in ("min", "max")):
            raise InputError(f"decision.goal: {format_value(self.goal)} is not a goal; allowed: min, max", parameter="decision")
        risk = self.max_petechiae_risk
        if isinstance(risk, bool) or not (isinstance(risk, (int, float)) and 0.0 < float(risk) <= 1.0):
            raise InputError(f"decision.max_petechiae_risk: {format_value(risk)} is not a risk limit; allowed: a number in (0, 1]",
                             parameter="decision")
        inj = self.max_injury_um
        if isinstance(inj, bool) or not (isinstance(inj, (int, float)) and math.isfinite(float(inj)) and float(inj) >= 0.0):
            raise InputError(f"decision.max_injury_um: {format_value(inj)} is not a depth limit; allowed: a number >= 0 (µm)",
                             parameter="decision")
        if not isinstance(self.require_healing, bool):
            raise InputError(f"decision.require_healing: {format_value(self.require_healing)} is not a boolean; allowed: "
                             f"{boolean_allowed(self.require_healing)}", parameter="decision")

    @property
    def sense(self) -> str:
        return self.goal or OBJECTIVES[self.objective][0]

    def constraints(self) -> tuple["Limit", ...]:
        """The limits of "safe" as course reductions bounded above (the optimiser's constraints).

        ``heals``: ``healing_excess_max <= 0`` (every session's barrier recovered before the
        next one; only with ``require_healing``); ``no_injury``: ``injury_max_um <=
        max_injury_um``; ``no_petechiae``: ``petechiae_risk_max < max_petechiae_risk``. The
        reductions: :data:`experiments.sensitivity._outcomes.SAFETY_OUTCOMES` (JAX), the
        columns of :attr:`Decision.table` of the same names (:func:`decide`, NumPy).
        """
        out = [Limit("heals", "healing_excess_max", 0.0, False, 0.1,
                     "barrier recovered (TEWL within 10 % of baseline) before every next session")] if self.require_healing else []
        return tuple(out + [
            Limit("no_injury", "injury_max_um", float(self.max_injury_um), False, max(float(self.max_injury_um), 0.1),
                  f"no session removes more than {self.max_injury_um:g} µm of living epidermis"),
            Limit("no_petechiae", "petechiae_risk_max", float(self.max_petechiae_risk), True, float(self.max_petechiae_risk),
                  f"every session's petechiae risk below {self.max_petechiae_risk:g}")])

    @classmethod
    def from_mapping(cls, data: Any) -> "DecisionRule":
        """A rule from the ``decision:`` mapping of a sweep file (unknown keys are an error)."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise InputError(f"decision: {format_value(data)} is not a mapping; allowed: a mapping with keys "
                             f"{', '.join(cls.__dataclass_fields__)}", parameter="decision")
        unknown = [k for k in data if k not in cls.__dataclass_fields__]
        if unknown:
            raise InputError(f"decision.{' '.join(str(unknown[0]).split())[:60]}: is not a decision key; allowed: "
                             f"{', '.join(cls.__dataclass_fields__)}", parameter="decision")
        return cls(**data)


@dataclass(frozen=True)
class Limit:
    """One limit of :meth:`DecisionRule.constraints`: ``outcome <= limit`` (``<`` when ``strict``);
    ``scale``: a typical size of the outcome (its units), by which an optimiser measures the margin."""

    name: str
    outcome: str
    limit: float
    strict: bool
    scale: float
    text: str

    def satisfied(self, value: float) -> bool:
        return bool(value < self.limit if self.strict else value <= self.limit)


DEFAULT_RULE = DecisionRule()


def rule_of(ds: xr.Dataset) -> DecisionRule:
    """The decision rule of a result: the ``decision:`` block of the sweep file it was run from.

    Read from the attribute ``sweep_config`` (the sweep file as written, JSON); a result
    without one (a run, a comparison, a sweep file without the block) gets
    :data:`DEFAULT_RULE`. A block that is not a valid rule is an
    :class:`~experiments.errors.InputError` naming the key.
    """
    raw = ds.attrs.get("sweep_config")
    if not raw:
        return DEFAULT_RULE
    try:
        config = raw if isinstance(raw, dict) else json.loads(raw)
    except (TypeError, ValueError):
        return DEFAULT_RULE
    block = config.get("decision") if isinstance(config, dict) else None
    return DEFAULT_RULE if block is None else DecisionRule.from_mapping(block)


def decision_or_note(result: xr.Dataset, outcomes: xr.Dataset | None = None) -> tuple["Decision | None", str]:
    """:func:`decide` under the result's own rule (:func:`rule_of`), or None and why not (for a figure's note)."""
    try:
        return decide(result, rule_of(result), outcomes), ""
    except InputError as exc:
        return None, str(exc)


@dataclass(frozen=True)
class Decision:
    """The outcome of :func:`decide`.

    ``table``: per setting (dims :attr:`setting_dims`): ``objective_mean``,
    ``objective_sd`` (sample standard deviation over replicates, 0 with one),
    ``objective_min``/``objective_max``, ``heals``/``injures``/``petechiae``/``safe``
    (0/1), ``petechiae_risk_max`` (1), ``injury_max_um`` (µm),
    ``barrier_recovery_hours_max`` (h), ``sessions_not_recovered`` (worst replicate).
    ``best``/``runner_up``: ``{dim: value}`` of the setting, or None.
    """

    rule: DecisionRule
    table: xr.Dataset
    setting_dims: tuple[str, ...]
    best: dict[str, Any] | None
    runner_up: dict[str, Any] | None
    objective_label: str
    objective_units: str
    distinguishable: bool | None
    notes: tuple[str, ...] = field(default_factory=tuple)
    n_seeds: int = 1

    def value(self, name: str, setting: dict[str, Any] | None):
        """``table[name]`` at ``setting`` (a Python scalar), None without a setting."""
        if setting is None:
            return None
        v = self.table[name].sel(setting).values
        return v.item() if hasattr(v, "item") else v

    def mask(self, name: str) -> xr.DataArray:
        """A 0/1 column of :attr:`table` as booleans (``heals``, ``injures``, ``petechiae``, ``safe``)."""
        return self.table[name] > 0.5

    @property
    def n_settings(self) -> int:
        return int(np.prod([self.table.sizes[d] for d in self.setting_dims])) if self.setting_dims else 1

    def counts(self) -> dict[str, int]:
        """How many settings heal, injure, risk petechiae, are safe (of :attr:`n_settings`)."""
        return {k: int(self.mask(k).sum()) for k in ("heals", "injures", "petechiae", "safe")}

    def summary(self) -> str:
        """The decision in plain language (a few lines, for the terminal and the report)."""
        c, n = self.counts(), self.n_settings
        r = self.rule
        lines = []
        limits = (f"barrier recovered before every next session, no injury (> {r.max_injury_um:g} µm of living "
                  f"epidermis) and petechiae risk below {r.max_petechiae_risk:g}")
        if self.best is None:
            lines.append(f"No safe setting: none of the {n} settings has {limits}.")
        else:
            mean, sd = self.value("objective_mean", self.best), self.value("objective_sd", self.best)
            lines.append(f"Best safe setting: {format_setting(self.best)}." if self.best
                         else "The setting of this run is safe.")
            spread = (f" ± {sd:.1f} {self.objective_units} (mean ± SD over {self.n_seeds} seeds)" if self.n_seeds > 1
                      else f" {self.objective_units}")
            lines.append(f"  {self.objective_label}: {mean:.1f}{spread}; worst barrier recovery "
                         f"{self.value('barrier_recovery_hours_max', self.best):.0f} h; peak petechiae risk "
                         f"{self.value('petechiae_risk_max', self.best):.2f}.")
            if self.runner_up is not None:
                m2 = self.value("objective_mean", self.runner_up)
                gap = abs(mean - m2)
                verdict = {True: "clearly better than", False: "not distinguishable with these seeds from",
                           None: "ahead of (one seed: no spread to judge by)"}[self.distinguishable]
                seeds = f", seed SD {sd:.1f}" if self.n_seeds > 1 else ""
                lines.append(f"  It is {verdict} the runner-up, {format_setting(self.runner_up)} "
                             f"({m2:.1f} {self.objective_units}; difference {gap:.1f}{seeds}).")
        lines.append(f"Safe ({limits}): {c['safe']} of {n} settings; do not heal between sessions: {n - c['heals']}; "
                     f"injure: {c['injures']}; petechiae risk at or above {r.max_petechiae_risk:g}: {c['petechiae']}.")
        lines += list(self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the rule, best and runner-up with their values, the counts and the summary."""
        def described(s):
            if s is None:
                return None
            out = {"setting": {k: _plain(v) for k, v in s.items()}}
            for name in self.table.data_vars:
                out[str(name)] = _plain(self.value(str(name), s))
            return out
        return {"rule": asdict(self.rule), "objective": self.rule.objective, "goal": self.rule.sense,
                "objective_label": self.objective_label, "objective_units": self.objective_units,
                "best": described(self.best), "runner_up": described(self.runner_up),
                "distinguishable": self.distinguishable, "counts": self.counts(), "settings": self.n_settings,
                "summary": self.summary()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def _plain(v):
    if isinstance(v, (np.generic,)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def format_setting(setting: dict[str, Any]) -> str:
    """``{interval_days: 7, vacuum_kpa: 30}`` -> ``"interval 7 d, vacuum 30 kPa"`` (names with units read as such)."""
    parts = []
    for name, value in setting.items():
        v = _plain(value)
        text = f"{v:g}" if isinstance(v, float) else str(v)
        if name == "config":  # a comparison: the config's name says it all
            parts.append(text)
            continue
        if name == "level":
            parts.append(f"dial level {text}")
            continue
        for suffix, unit in (("_days", "d"), ("_kpa", "kPa"), ("_n", "N"), ("_mm_s", "mm/s"), ("_um", "µm"),
                             ("_g_min", "g/min"), ("_l_min", "L/min"), ("_s", "s")):
            if name.endswith(suffix):
                parts.append(f"{name[: -len(suffix)].replace('_', ' ')} {text} {unit}")
                break
        else:
            parts.append(f"{name.replace('_', ' ')} {text}")
    return ", ".join(parts)


def _setting_dims(ds: xr.Dataset) -> tuple[str, ...]:
    dims = [str(d) for d in ds.dims if d not in SETTING_DIMS_EXCLUDED]
    # the sweep's own order (its attribute) first, so the table reads interval x intensity
    order = ds.attrs.get("sweep_dims")
    if isinstance(order, str):
        try:
            order = json.loads(order)
        except ValueError:
            order = None
    if isinstance(order, (list, tuple)):
        dims = [d for d in order if d in dims] + [d for d in dims if d not in order]
    return tuple(dims)


def _worst(da: xr.DataArray, how: str) -> xr.DataArray:
    """Reduce session and replicate dims: ``max`` (NaN-aware) or ``all`` (1 where every entry is 1)."""
    reduce = [d for d in ("session", "replicate") if d in da.dims]
    if how == "max":
        return da.max(reduce, skipna=True) if reduce else da
    ok = (da > 0.5) | da.isnull() if "session" in da.dims else (da > 0.5)
    return ok.all(reduce) if reduce else ok


def decide(result: xr.Dataset, rule: DecisionRule | None = None, outcomes: xr.Dataset | None = None) -> Decision:
    """The decision for a sweep store or a comparison table (see the module docstring).

    ``result``: a sweep dataset (``experiments.sweep`` / a store opened with
    :func:`experiments.storage.open_dataset`) or the datasets of a comparison
    concatenated along ``config``; it must hold the per-session outputs
    (``barrier_recovered``, ``injury_max_um``, ``petechiae_risk``) and the objective.
    ``outcomes``: its :func:`summary_outcomes`, when already computed.
    Raises :class:`~experiments.errors.InputError` (naming what is missing) otherwise.
    """
    rule = rule or DEFAULT_RULE
    missing = [v for v in DECISION_INPUTS if v not in result]
    if missing:
        raise InputError(f"result: has no {', '.join(missing)}; a decision needs a result with device sessions "
                         "(a sweep or comparison of treatment courses)", parameter="result")
    table = summary_outcomes(result) if outcomes is None else outcomes
    if rule.objective not in table:
        raise InputError(f"decision.objective: {rule.objective!r} is not in this result; allowed: "
                         f"{', '.join(o for o in OBJECTIVES if o in table) or '(none)'}", parameter="decision")
    dims = _setting_dims(result)
    obj = table[rule.objective].load()
    rep = "replicate" if "replicate" in obj.dims else None
    mean = obj.mean(rep) if rep else obj
    if rep and obj.sizes[rep] > 1:
        sd = obj.std(rep, ddof=1)
    else:
        sd = xr.zeros_like(mean)
    o_min, o_max = (obj.min(rep), obj.max(rep)) if rep else (obj, obj)

    recovered = result["barrier_recovered"].load()
    heals = _worst(recovered, "all")
    not_recovered = ((recovered < 0.5) & recovered.notnull()).sum("session") if "session" in recovered.dims else (recovered < 0.5)
    if rep and rep in not_recovered.dims:
        not_recovered = not_recovered.max(rep)
    injury = _worst(result["injury_max_um"].load(), "max")
    risk = _worst(result["petechiae_risk"].load(), "max")
    injures = injury > rule.max_injury_um
    petechiae = risk >= rule.max_petechiae_risk
    safe = (heals if rule.require_healing else xr.ones_like(heals, dtype=bool)) & ~injures & ~petechiae
    safe = safe & np.isfinite(mean)
    rec_h = result["barrier_recovery_hours"].load() if "barrier_recovery_hours" in result else None
    rec_max = _worst(rec_h, "max") if rec_h is not None else xr.full_like(mean, np.nan)

    out = xr.Dataset({
        "objective_mean": mean, "objective_sd": sd, "objective_min": o_min, "objective_max": o_max,
        "heals": heals.astype(float), "injures": injures.astype(float), "petechiae": petechiae.astype(float),
        "safe": safe.astype(float), "petechiae_risk_max": risk, "injury_max_um": injury,
        "barrier_recovery_hours_max": rec_max, "sessions_not_recovered": not_recovered.astype(float),
    })
    out = out.drop_vars([c for c in out.coords if c not in dims and c not in out.dims and out[c].ndim > 0])
    if dims:
        out = out.transpose(*dims)
    units = obj.attrs.get("units", "")
    out["objective_mean"].attrs = {"units": units, "long_name": f"{OBJECTIVES[rule.objective][1]}, mean over seeds"}

    ranked = _ranked(out, dims, rule.sense)
    best = ranked[0] if ranked else None
    runner = ranked[1] if len(ranked) > 1 else None
    distinguishable = None
    if best is not None and runner is not None:
        gap = abs(float(out["objective_mean"].sel(best)) - float(out["objective_mean"].sel(runner)))
        spread = max(float(out["objective_sd"].sel(best)), float(out["objective_sd"].sel(runner)))
        distinguishable = bool(gap > spread) if rep and obj.sizes[rep] > 1 else None
    notes = []
    if rep is None or obj.sizes.get("replicate", 1) < 2:
        notes.append("One seed per setting: the seed spread is not known.")
    return Decision(rule=rule, table=out, setting_dims=dims, best=best, runner_up=runner,
                    objective_label=OBJECTIVES[rule.objective][1], objective_units=units,
                    distinguishable=distinguishable, notes=tuple(notes),
                    n_seeds=int(obj.sizes[rep]) if rep else 1)


def _ranked(table: xr.Dataset, dims: tuple[str, ...], sense: str) -> list[dict[str, Any]]:
    """Safe settings, best first (ties broken by the lower burden of the sweep order)."""
    mean = np.asarray(table["objective_mean"].values, float)
    safe = np.asarray(table["safe"].values, float) > 0.5
    if not dims:  # a single run: its one setting, if it is safe
        return [{}] if bool(safe) and np.isfinite(mean) else []
    idx = np.argwhere(safe & np.isfinite(mean))
    if idx.size == 0:
        return []
    values = mean[tuple(idx.T)]
    order = np.argsort(values if sense == "min" else -values, kind="stable")
    out = []
    for k in order:
        pos = idx[k]
        out.append({d: _plain(table[d].values[i]) for d, i in zip(dims, pos)})
    return out
