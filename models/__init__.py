"""The physics of epiturn: the skin model, the device sessions, the run and its readouts.

Every public name is re-exported here (import from ``models``, not from the private
modules). One concern per private module:

* ``_tables`` -- the parameter tables (:data:`SKIN_PARAMETERS`,
  :data:`SKIN_MECHANICS_PARAMETERS`, :data:`DEVICE_CONSTANTS`, :data:`SESSION_SETTINGS`)
  with units, ranges and the factors to internal units (hours, µm);
* ``_grid`` -- :class:`ModelGrid`; ``_params`` -- :class:`SkinParams`, :func:`make_params`;
  ``_state`` -- :class:`SkinState`, :func:`initial_state`;
* ``_laws`` -- every rate law (barrier and TEWL, store release, calcium, secretion,
  cohort rates, proliferation, dermis targets), shared by the step, the device and the
  BDF reference; ``_substeps`` -- the exact sub-step maps (store release, maturation
  chain, strip, age-bin shift); ``_step`` -- :func:`skin_step`;
* ``_readouts`` -- :class:`Diagnostics`, :func:`diagnostics`, :func:`surface_um`;
  ``_topography`` -- templates and roughness metrics;
* ``_device`` -- microdermabrasion sessions; ``_schedule`` -- :class:`Schedule`;
  ``_events`` -- applying and recording events; ``_status`` -- :class:`RunStatus`;
  ``_simulate`` -- the jitted :func:`simulate`; ``_spinup`` -- :func:`spin_up`;
* ``_outcomes`` -- per-session outcomes (NumPy); ``_reference`` -- the BDF reference
  of a single column, :func:`solve_column_bdf`.

Equations, units and sources: docs/model.md and docs/device.md; the scheme, its order
and stability: docs/numerics.md; readout names: docs/interface.md.

64-bit floats are required: enable them where the process starts
(``jax.config.update("jax_enable_x64", True)``); :func:`make_params` raises otherwise.
"""

from models import _outcomes as outcomes
from models import _topography as topography
from models._tables import (
    DEVICE_CONSTANTS, HOURS_PER_DAY, SECONDS_PER_HOUR, SESSION_SETTINGS, SKIN_MECHANICS_PARAMETERS, SKIN_PARAMETERS,
    ASSUMED_SPREAD, DeviceConstant, ParameterSpec, SettingSpec, Spread,
)
from models._grid import ModelGrid
from models._params import SkinParams, make_params, require_x64
from models._state import SkinState, initial_state
from models._laws import (
    UPPER_VE_FRACTION, WOUND_BED_DEPTH_UM, barrier_resistance, barrier_tewl, basal_cytokine_excess, calcium_gradient_loss,
    calcium_retention_rate, calcium_top, calcium_washout_coefficient, cascade_factors, cascade_step, chain_speed,
    cohesion_loss_rate, dermis_targets, desquamation_rate, layer_resistance, layers_above, lipid_dose,
    lipid_processing_profile, mean_decay_factor, mitogen_target, proliferation, proliferative_response_factors,
    proliferative_response_step, relaxation_factors, relaxation_step, remodelling_diffusivity, sc_production, secretion_drive, smooth_relu, store_release_rate, tewl_from_resistance,
    tracked_reference, upper_ve_weights, vanishing_relu, ve_depth_um, ve_um_per_layer, water_loss_defect,
)
from models._substeps import erlang_chain_step, exact_store_release, shift_bins, strip_top_layers
from models._step import StepFactors, skin_step, step_factors
from models._readouts import Diagnostics, column_tewl, diagnostics, surface_um
from models._device import (
    CONTACT_WINDOW_UM, HARDWARE_KEYS, PASS_GROUPS, SETTING_FIELDS, DeviceParams, SessionFields, SessionRecord, SessionSettings,
    Suction, apply_session, contact_weight, crystal_slip_factor, crystal_speed_m_s, exposure_time_s,
    make_device_params, nozzle_air_speed_m_s, vacuum_expansion_factor,
    make_session_settings, pass_groups, remove_top_down, session_update, sliding_length_um, soft_envelope, suction,
    window_levels, work_per_pass,
)
from models._schedule import EVENT_NONE, EVENT_SESSION, EVENT_STRIP, Schedule, make_schedule
from models._events import EventRecord, apply_event, apply_event_recorded, no_record
from models._status import STATUS_NONFINITE, STATUS_SUCCESSFUL, RunStatus, status_message
from models._simulate import READOUT_NAMES, Run, StepOutput, simulate
from models._spinup import spin_up, spin_up_traced, untreated_schedule, with_references
from models._outcomes import (
    RECOVERY_TOLERANCE, change_pct, irritation_burden_days, recovered_at, recovery_after, value_at,
)
from models._reference import ColumnLayout, ReferenceSolution, column_rhs, solve_column_bdf

__all__ = [
    # tables and units
    "SKIN_PARAMETERS", "SKIN_MECHANICS_PARAMETERS", "DEVICE_CONSTANTS", "SESSION_SETTINGS",
    "ParameterSpec", "DeviceConstant", "SettingSpec", "Spread", "ASSUMED_SPREAD", "HOURS_PER_DAY", "SECONDS_PER_HOUR",
    # grid, parameters, state
    "ModelGrid", "SkinParams", "make_params", "require_x64", "SkinState", "initial_state",
    # rate laws
    "UPPER_VE_FRACTION", "WOUND_BED_DEPTH_UM", "smooth_relu", "layers_above", "ve_um_per_layer", "ve_depth_um", "layer_resistance",
    "barrier_resistance", "tewl_from_resistance", "barrier_tewl", "store_release_rate", "upper_ve_weights",
    "calcium_retention_rate", "calcium_washout_coefficient", "calcium_top", "secretion_drive", "lipid_dose",
    "cohesion_loss_rate", "lipid_processing_profile", "desquamation_rate", "proliferation", "dermis_targets",
    "calcium_gradient_loss", "water_loss_defect", "basal_cytokine_excess", "mitogen_target", "proliferative_response_step",
    "chain_speed", "sc_production", "relaxation_step", "cascade_step", "vanishing_relu", "tracked_reference",
    "mean_decay_factor", "relaxation_factors", "cascade_factors", "proliferative_response_factors",
    "remodelling_diffusivity",
    # exact sub-steps and the step
    "exact_store_release", "erlang_chain_step", "strip_top_layers", "shift_bins", "skin_step",
    "step_factors", "StepFactors",
    # readouts
    "Diagnostics", "diagnostics", "surface_um", "column_tewl", "topography",
    # device
    "CONTACT_WINDOW_UM", "HARDWARE_KEYS", "PASS_GROUPS", "SETTING_FIELDS", "DeviceParams", "SessionSettings", "SessionFields",
    "SessionRecord", "Suction", "make_device_params", "make_session_settings", "session_update", "apply_session",
    "suction", "contact_weight", "work_per_pass", "remove_top_down", "pass_groups", "exposure_time_s",
    "sliding_length_um", "crystal_speed_m_s", "crystal_slip_factor", "nozzle_air_speed_m_s", "vacuum_expansion_factor",
    "soft_envelope", "window_levels",
    # schedule, events, the run
    "EVENT_NONE", "EVENT_STRIP", "EVENT_SESSION", "Schedule", "make_schedule",
    "EventRecord", "apply_event", "apply_event_recorded", "no_record",
    "RunStatus", "STATUS_SUCCESSFUL", "STATUS_NONFINITE", "status_message",
    "simulate", "Run", "StepOutput", "READOUT_NAMES",
    "spin_up", "spin_up_traced", "untreated_schedule", "with_references",
    # outcomes
    "outcomes", "RECOVERY_TOLERANCE", "recovery_after", "recovered_at", "irritation_burden_days", "value_at",
    "change_pct",
    # the BDF reference
    "solve_column_bdf", "column_rhs", "ColumnLayout", "ReferenceSolution",
]
