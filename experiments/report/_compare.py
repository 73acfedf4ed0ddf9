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

import xarray as xr

from experiments.errors import InputError
from models import SESSION_SETTINGS

from ._summaries import outcome_table

__all__ = ["compare_configs", "CompareResult", "SettingsRow", "settings_rows"]

NOT_SET = "–"  # a setting that does not apply to the config (no device, other device kind)


class SettingsRow(NamedTuple):
    """One row of the settings part of a comparison: a value per config (``NOT_SET`` if none)."""

    name: str
    units: str
    long_name: str
    values: tuple[str, ...]


class CompareResult(NamedTuple):
    """The outcome table (``config`` dimension), the run datasets, their files and settings."""

    names: list[str]
    table: xr.Dataset
    datasets: list[xr.Dataset]
    files: list[Path]
    settings_rows: list[SettingsRow]

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
    from experiments.config import ConfigError, load_run_config
    from experiments.storage import write_netcdf
    from experiments.sweep import run_scenarios

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
    return CompareResult(names, outcome_table(datasets, names), datasets, files, settings_rows(resolved))

