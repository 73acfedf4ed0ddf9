"""Run configuration: schemas, loading, references, overrides and resolution.

A run config (YAML, a mapping, or a built object) names a skin profile, an optional
device, an optional protocol, extra events, the grid and what to save; see
``docs/interface.md`` and ``docs/user_guide.md``. :func:`load_run_config` turns it into a
:class:`ResolvedRunConfig`: every skin parameter filled (with its source), the device
loaded, each session's settings filled from the device's dial level and defaults and
checked against the device's hardware ranges, the duration resolved.

Every problem is a :class:`ConfigError` (an :class:`experiments.errors.InputError`)
whose message is one line::

    <dotted.field.path>: <value> <what is wrong>; allowed: <what is allowed>

Profiles and devices are looked up by name in ``configs/skin/NAME.yaml`` and
``configs/devices/NAME.yaml``; the folders listed in the environment variable
``EPITURN_CONFIGS`` (``os.pathsep``-separated, each holding ``skin/`` and/or
``devices/``) are searched first, then the ``configs/`` folder of this checkout.

One concern per private module: ``_errors`` (ConfigError and its messages), ``_yaml``
(the YAML loader), ``_lookup`` (config folders, lookup by name or path), ``_schema``
(the schema base, ranges, validation), ``_protocol`` (session settings from
``models.SESSION_SETTINGS``, the protocol), ``_device``, ``_run_config`` (the rest of a
run config), ``_resolve`` (resolution), ``_overrides`` (``KEY=VALUE`` overrides),
``_paths`` (long names and units of dotted config paths), ``_limits`` (the limits on sizes
and derived lengths, docs/limits.md).
"""

from experiments.config._device import DeviceSpec
from experiments.config._errors import ConfigError, boolean_allowed, format_value
from experiments.config import _limits as limits
from experiments.config._lookup import (CONFIGS_ENV, REPO_ROOT, check_reference_text, config_dirs, confine, is_file, list_devices,
                                        list_profiles, locate_device, locate_profile)
from experiments.config._overrides import apply_overrides
from experiments.config._paths import FieldDescription, describe, long_name, units_of
from experiments.config._protocol import SETTING_NAMES, LevelSettings, ProtocolSpec, SettingsSpec
from experiments.config._resolve import ResolvedRunConfig, canonical_json, content_hash, load_device, load_run_config
from experiments.config._run_config import Event, GridSpec, RunConfig, SaveSpec, SkinProfile, StripEvent
from experiments.config._schema import Range
from experiments.config._yaml import load_yaml

__all__ = [
    "CONFIGS_ENV",
    "REPO_ROOT",
    "SETTING_NAMES",
    "ConfigError",
    "DeviceSpec",
    "Event",
    "FieldDescription",
    "GridSpec",
    "LevelSettings",
    "ProtocolSpec",
    "Range",
    "ResolvedRunConfig",
    "RunConfig",
    "SaveSpec",
    "SettingsSpec",
    "SkinProfile",
    "StripEvent",
    "apply_overrides",
    "canonical_json",
    "check_reference_text",
    "config_dirs",
    "confine",
    "content_hash",
    "describe",
    "boolean_allowed",
    "format_value",
    "is_file",
    "limits",
    "list_devices",
    "list_profiles",
    "load_device",
    "load_run_config",
    "load_yaml",
    "locate_device",
    "locate_profile",
    "long_name",
    "units_of",
]
