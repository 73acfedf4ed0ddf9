"""The calibration file: a base run, the fitted parameters, the optimiser -> CalibrationConfig.

A calibration file (``configs/calibrate/*.yaml``)::

    base: ../runs/x.yaml          # a run config, or a path to one (relative to this file)
    parameters: [lb_lipid_yield]  # skin parameters; or {name: {min, max}} to set the box
    starts: 4                     # the base value plus starts - 1 seeded points in the box
    seed: 0                       # of the seeded starts
    method: levenberg_marquardt   # or bfgs
    max_steps: 40                 # optimiser steps per start
    tolerance: 1.0e-6             # relative and absolute tolerance of the optimiser
    spin_up_stage_days: 90        # length of each of the four spin-up stages

with the optional ``name`` and ``description``. A plain run config is the base with every
default (the parameters then come from the command line). The box of each parameter is
its spread in the parameter table (``models.SKIN_PARAMETERS``: a literature range, or
+-50 % of the profile's value); ``{min, max}`` sets it within the parameter's allowed
range. Every problem is an :class:`experiments.ConfigError` with a one-line message
(field, value, allowed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.config import ConfigError, ResolvedRunConfig
from experiments.sensitivity import Factor
from experiments.sensitivity._config import (_RUN_KEYS, SensitivityConfig, _float, _int, _load_base, config_factors,
                                               read_config_source)

__all__ = ["CALIBRATION_KEYS", "METHODS", "CalibrationConfig", "load_calibration_config"]

CALIBRATION_KEYS = ("base", "parameters", "starts", "seed", "method", "max_steps", "tolerance", "spin_up_stage_days",
                    "name", "description")
METHODS = ("levenberg_marquardt", "bfgs")


@dataclass(frozen=True)
class CalibrationConfig:
    """A validated calibration file. ``factors``: the fitted skin parameters with their boxes
    (``low``, ``high``) and base values (``nominal``); ``source``: the file as written (JSON)."""

    name: str
    description: str
    base: ResolvedRunConfig
    factors: tuple[Factor, ...]
    starts: int
    seed: int
    method: str
    max_steps: int
    tolerance: float
    spin_up_stage_days: float
    file: Path | None = None
    source: str = field(default="{}")

    hash = SensitivityConfig.hash  # sha256 of the resolved base run and the file's settings
    to_json = SensitivityConfig.to_json


def load_calibration_config(source: Any, *, parameters: list | None = None) -> CalibrationConfig:
    """Load and validate a calibration file or a run config (a path or a mapping).

    ``parameters``: replace the file's (the command line's ``--fit``).
    """
    data, file, folder = read_config_source(source, "a calibration file or a run config (YAML)",
                                            "a YAML mapping with base: and parameters:")
    if "base" not in data:
        if not set(data) & set(_RUN_KEYS):
            raise ConfigError("base", "(missing)", "is required", "a run config mapping, or a path to one", file)
        data = {"base": data}
    if parameters is not None:
        data["parameters"] = list(parameters)
    for key in data:
        if key not in CALIBRATION_KEYS:
            raise ConfigError(key, key, "is not a key of a calibration file", ", ".join(CALIBRATION_KEYS), file)
    base = _load_base(data["base"], folder, file)
    allowed = "a list of skin parameters (or {name: {min, max}}), in the file or by --fit"
    factors = config_factors(base, data.get("parameters"), file, allowed,
                             required=("names no skin parameter to fit", allowed))
    for f in factors:
        if f.kind == "setting":
            raise ConfigError("parameters", f.name, "is a session setting, not a skin parameter",
                              "skin parameters of models.SKIN_PARAMETERS", file)
    method = data.get("method", "levenberg_marquardt")
    if method not in METHODS:
        raise ConfigError("method", method, "is not an optimiser", ", ".join(METHODS), file)
    return CalibrationConfig(
        name=str(data.get("name", file.stem if file is not None else "calibration")),
        description=str(data.get("description", "")),
        base=base, factors=factors,
        starts=_int(data, "starts", 4, 1, 64, file),
        seed=_int(data, "seed", 0, 0, 2**31 - 1, file),
        method=method,
        max_steps=_int(data, "max_steps", 40, 1, 10000, file),
        tolerance=_float(data, "tolerance", 1e-6, 0.0, 1.0, file),
        spin_up_stage_days=_float(data, "spin_up_stage_days", 90.0, 1.0, 365.0, file),
        file=file,
        source=json.dumps({k: v for k, v in data.items() if k != "base"} | {"base": data["base"]}, sort_keys=True,
                          default=str),
    )
