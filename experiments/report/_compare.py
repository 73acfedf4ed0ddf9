"""Several run configs side by side: run them batched, tabulate their outcomes and settings.

:func:`compare_configs` runs the configs (batched, one compilation per grid), writes
each result as NetCDF and returns the outcome table of
:func:`~experiments.report.summary_outcomes` along a ``config`` dimension, with the
settings of each config. The setting rows follow :data:`models.SESSION_SETTINGS`: its
names, units and long names, each setting shown for the device kinds it applies to.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import numpy as np
import xarray as xr

from experiments.errors import InputError
from models import SESSION_SETTINGS

from ._decision import DECISION_INPUTS
from ._summaries import outcome_table

__all__ = ["compare_configs", "compare_decision", "stacked_sessions", "CompareResult", "OutcomeRow", "SettingsRow", "outcome_rows", "settings_rows"]

NOT_SET = "–"  # a setting that does not apply to the config (no device, other device kind)


class SettingsRow(NamedTuple):
    """One row of the settings part of a comparison: a value per config (``NOT_SET`` if none)."""

    name: str
    units: str
    long_name: str
    values: tuple[str, ...]


class CompareResult(NamedTuple):
    """The outcome table (``config`` dimension), the run datasets, their files and settings.

    ``decision``: :func:`~experiments.report.decide` over the configs (each config one
    setting), or None when no config has device sessions.
    """

    names: list[str]
    table: xr.Dataset
    datasets: list[xr.Dataset]
    files: list[Path]
    settings_rows: list[SettingsRow]
    decision: Any = None

    @property
    def settings(self) -> list[dict[str, str]]:
        """Settings of each config, ``{name: "value units"}`` (the settings that apply)."""
        out: list[dict[str, str]] = [{} for _ in self.names]
        for row in self.settings_rows:
            suffix = f" {row.units}" if row.units not in ("", "1") else ""
            for config, value in zip(out, row.values):
                if value != NOT_SET:
                    config[row.name] = value + suffix
        return out


def _names(paths: Sequence[Any]) -> list[str]:
    stems = [Path(str(p)).stem if isinstance(p, (str, os.PathLike)) else f"config{i + 1}" for i, p in enumerate(paths)]
    return [s if stems.count(s) == 1 else f"{s}#{i + 1}" for i, s in enumerate(stems)]


def _format(value: Any) -> str:
    """``30``, ``0.5``, ``moving``; a value per session as ``20, 30, 40``."""
    if isinstance(value, (list, tuple)):
        return ", ".join(_format(v) for v in value)
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _config_column(resolved: Any) -> dict[str, str]:
    """The settings of one resolved config, formatted (units are the rows')."""
    column = {"skin": resolved.skin_name, "device": resolved.device.name if resolved.device is not None else "none"}
    protocol = resolved.protocol
    if protocol is None:
        column["sessions"] = "untreated"
    else:
        column["sessions"] = f"{protocol.sessions} every {protocol.interval_days:g} d"
        modes = protocol.settings.mode if isinstance(protocol.settings.mode, list) else [protocol.settings.mode]
        for name, spec in SESSION_SETTINGS.items():
            value = getattr(protocol.settings, name, None)
            if value is None or spec.device_kind not in (None, resolved.device.kind):
                continue  # e.g. the hand load of a diamond tip on a crystal device
            if spec.hand_mode is None or spec.hand_mode in modes:  # speed when moving, dwell when stationary
                column[name] = _format(value)
    column["duration"] = _format(resolved.duration_days)
    return column


def settings_rows(resolved: Sequence[Any]) -> list[SettingsRow]:
    """The settings rows of resolved run configs: skin, device, sessions, every session
    setting that applies to one of them (in the order of ``SESSION_SETTINGS``), duration."""
    columns = [_config_column(r) for r in resolved]
    rows = [("skin", "", "skin profile"), ("device", "", "device"), ("sessions", "", "device sessions")]
    rows += [(name, spec.units, spec.long_name) for name, spec in SESSION_SETTINGS.items()]
    rows.append(("duration", "d", "duration of the run"))
    return [SettingsRow(name, units, long_name, tuple(c.get(name, NOT_SET) for c in columns))
            for name, units, long_name in rows if any(name in c for c in columns)]


def compare_configs(configs: Sequence[Any], outdir: str | os.PathLike | None = None, overrides: Sequence[str] = ()) -> CompareResult:
    """Run each config (batched per grid: one compilation), tabulate the outcomes side by side.

    ``configs``: paths, mappings or config objects. With ``outdir`` each run is written
    to ``outdir/<name>.nc``. Raises ConfigError (one line, naming the config) on a bad
    config, InputError (``parameter="configs"``) when there is none.
    """
    from experiments._jaxconfig import configure_jax
    from experiments.config import ConfigError, load_run_config
    from experiments.storage import write_netcdf
    from experiments.sweep import run_scenarios

    # a computation starts here, as in experiments.run / experiments.sweep: 64-bit floats and
    # the persistent compilation cache, so that a second process (or the command line, which
    # calls it too) loads the compiled spin-ups and batches instead of compiling them again
    configure_jax()
    if len(configs) < 1:
        raise InputError("configs: none given; allowed: one or more run configs", parameter="configs")
    names = _names(configs)
    resolved = []
    for name, c in zip(names, configs):
        try:
            resolved.append(load_run_config(c, overrides))
        except ConfigError as exc:
            file = exc.file or (str(c) if isinstance(c, (str, os.PathLike)) else name)
            raise ConfigError(exc.field, exc.value, exc.problem, exc.allowed, file) from None
    # each dataset is finished (finiteness, provenance, warnings) as a single run's is
    datasets = run_scenarios(resolved, labels=[f"config {name}" for name in names])
    files: list[Path] = []
    for name, ds in zip(names, datasets):
        ds.attrs["title"] = f"epiturn run {name}"
        if outdir is not None:
            files.append(write_netcdf(ds, Path(outdir) / f"{name}.nc"))
    table = outcome_table(datasets, names)
    decision = compare_decision(datasets, names, table)
    return CompareResult(names, table, datasets, files, settings_rows(resolved), decision)


# what the decision reads, and the recovery hours its table reports
SESSION_VARIABLES = DECISION_INPUTS + ("barrier_recovery_hours",)


def stacked_sessions(datasets: Sequence[xr.Dataset], names: Sequence[str]) -> xr.Dataset | None:
    """The per-session outputs the decision reads, of each config, along ``config``; None when no config has sessions.

    A config with fewer sessions is NaN after its last (neither a failure nor a session);
    an untreated config is one NaN session (nothing fails; it smooths nothing).
    """
    if not any(all(v in ds for v in SESSION_VARIABLES) for ds in datasets):
        return None
    parts = []
    for ds in datasets:
        if all(v in ds for v in SESSION_VARIABLES):
            part = ds[list(SESSION_VARIABLES)]
            parts.append(part.drop_vars([c for c in part.coords if c != "session"]))
        else:
            parts.append(xr.Dataset({v: ("session", np.full(1, np.nan)) for v in SESSION_VARIABLES},
                                    coords={"session": [1]}))
    return xr.concat(parts, dim="config", join="outer").assign_coords(config=("config", list(names)))


def compare_decision(datasets: Sequence[xr.Dataset], names: Sequence[str], table: xr.Dataset, rule: Any = None):
    """:func:`~experiments.report.decide` with each config one setting (:func:`stacked_sessions`);
    the objective from ``table`` (:func:`outcome_table`); None when no config has sessions."""
    from ._decision import DEFAULT_RULE, decide

    stacked = stacked_sessions(datasets, names)
    return None if stacked is None else decide(stacked, rule or DEFAULT_RULE, outcomes=table)


class OutcomeRow(NamedTuple):
    """One printed row of a comparison: a name, its units for people, a formatted value per config."""

    name: str
    units: str
    values: tuple[str, ...]


def outcome_rows(result: CompareResult) -> tuple[list[OutcomeRow], list[str]]:
    """The outcome rows of a comparison, each outcome once, formatted for people, and notes.

    First the verdict of each config (from :attr:`CompareResult.decision`: ``safe``, or
    what makes it unsafe: ``does not heal``, ``injures``, ``petechiae risk``; the best
    safe config marked ``best``), then every outcome of the table in its order; a row
    whose values equal an earlier row's in every config is left out with a note (e.g.
    the end of the course is the end of the run when the follow-up is shorter than the
    interval). Zeros that are round-off print as 0 (:func:`format_quantity`).
    """
    from ._figures import display_units
    from ._numbers import format_quantity

    rows: list[OutcomeRow] = []
    notes: list[str] = []
    d = result.decision
    if d is not None:
        verdicts = []
        for name in result.names:
            row = d.table.sel(config=name)
            why = [w for flag, w in (("heals", "does not heal"), ("injures", "injures"), ("petechiae", "petechiae risk"))
                   if (float(row[flag]) < 0.5 if flag == "heals" else float(row[flag]) > 0.5)]
            if float(row["safe"]) > 0.5:
                verdicts.append("best safe" if d.best == {"config": name} else "safe")
            else:
                verdicts.append("UNSAFE: " + ", ".join(why) if why else "no objective value")
        rows.append(OutcomeRow("verdict", "", tuple(verdicts)))
    seen: dict[tuple, str] = {}
    for name, var in result.table.data_vars.items():
        raw = tuple(float(v) for v in var.values)
        key = tuple(round(v, 9) if v == v else None for v in raw)
        if key in seen and any(v is not None for v in key):
            notes.append(f"{name} is the same as {seen[key]} for every config; printed once")
            continue
        seen[key] = str(name)
        units = var.attrs.get("units", "")
        rows.append(OutcomeRow(str(name), display_units(units), tuple(format_quantity(v) for v in raw)))
    return rows, notes
