r"""Microdermabrasion: from a device's hardware and a session's settings to the skin.

A session is an event on the time axis (it lasts minutes, far below the time step): it
is applied at once, pass after pass, to the state. Per pass and per lateral column
(docs/device.md has the derivations, every constant and its source):

1. **Exposure.** A skin point spends ``t = d_ap / v`` under the opening (moving mode;
   ``d_ap`` aperture diameter, ``v`` hand speed) or ``t = dwell_s`` (stationary mode).
   The skin rises into the opening with the time constant ``tau_rise`` of its elastic
   response: the effective suction is ``dP_eff = dP (1 - exp(-t / tau_rise))``.
2. **Suction.** Aspirated elastic half-space (Theret et al. 1988): dome height
   ``H = 3 dP_eff a Phi / (2 pi E)`` (``a`` aperture radius, ``Phi = 2.1``, ``E`` skin
   modulus), smoothly capped by the tip geometry, ``H <- H / (1 + (H / H_cap)^4)^(1/4)``
   with ``H_cap = a``; strain ``eps = H / a``.
3. **Contact.** Grooves narrower than the opening are stretched open during the pass:
   the relief above the aperture-scale mean (a Gaussian low-pass of width ``a``) is
   scaled by ``exp(-eps / eps_open)``. The rigid abrasive face rests on the local upper
   envelope ``U`` of that surface (a log-sum-exp over a flat window of about
   ``lambda_c``, a soft local maximum). The suction pulls into contact the relief within
   the conformity length ``l_c = dP_eff lambda_c / (pi E*)`` of the envelope (Johnson's
   full-contact pressure of a wavy surface, ``p* = pi E* Delta / lambda``, inverted), so
   the contact weight is ``w = exp(-(U - s) / l_c)`` (1 on a single column).
4. **Work per area** (J/m^2), removal energy for detaching corneocytes:
   diamond (Archard): ``W = k_d (grit / 100 um) (dP_eff w + (F / A_tip) w / <w>) L`` --
   the suction presses each contact point with ``dP_eff``; the hand load ``F`` is carried
   by the contacts, so its pressure is shared over them (``<w>`` the lateral mean); ``L``
   the sliding length (the tip diameter per pass; ``v dwell`` when stationary).
   Crystal (erosion): ``W = k_c 1/2 (m_dot / A_ap) t v_p^2 w`` with the crystal speed
   ``v_p = phi u sqrt(f(dP / p_0))``: ``u = Q / A_n`` the air speed the unit's pump
   drives through the crystal nozzle (air flow ``Q`` in free-air L/min, nozzle area
   ``A_n``; capped at the speed of sound), ``phi = min(1, sqrt(1.5 C_D rho_air L_acc /
   (rho_p d_p)))`` the fraction of it a crystal of size ``d_p`` gains over the
   acceleration length (quadratic drag), and the weak vacuum factor ``f(x) = -ln(1 - x)
   / x`` (the air expands from ``p_0`` to ``p_0 - dP`` along that length at fixed mass
   flow, so the stream's dynamic pressure, and the crystal's energy, rise slightly).
5. **Removal from the top down.** Cohort ``i`` costs ``e_i = G_c (kappa_min + (1 -
   kappa_min) kappa_i)`` per layer (``G_c`` the SC delamination energy, ``kappa_i`` its
   cohesion): ``take_i = clip((W - sum_{j above i} n_j e_j) / e_i, 0, n_i)``. Work left
   once the SC of a column is gone removes living cells from the most mature stage down
   at ``f_inj G_c / h_SC`` per µm (``f_inj`` several), recorded in ``wound_um``.
6. **Signals.** Stretch above the threshold strain releases the pre-formed cytokine
   store, ``1 - exp(-gamma P relu((eps^2 - eps_th^2) / eps_th^2))`` of it after ``P``
   passes; injury of depth ``d`` releases ``1 - exp(-d / d_inj)`` of what is left and
   spills ``d / d_inj`` store equivalents from the lysed cells (a strong release:
   ``d_inj = 1 µm``). Vacuum above the capillary-fragility threshold flags petechiae,
   ``sigmoid((dP_eff - P_cap) / (0.05 P_cap))``.

Passes are applied in sequence (``lax.fori_loop`` over :data:`PASS_GROUPS` iterations,
masked by the session's passes; more passes than that are merged in equal groups --
exact as long as the contact field does not change within a group). Everything is
smooth or piecewise linear (no step functions, no Python control flow on traced values).

Units: µm, kPa, J/m^2, seconds for the settings (converted here). Shapes: ``L`` lateral.
The field names of :class:`DeviceParams` are those of :data:`models.SKIN_MECHANICS_PARAMETERS`
and :data:`models.DEVICE_CONSTANTS` (in internal units, ``internal_name``); the settings
of :class:`SessionSettings` are those of :data:`models.SESSION_SETTINGS`.
"""

from __future__ import annotations

import math
from typing import Mapping, NamedTuple, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from sim import LateralGrid
from models._grid import ModelGrid
from models._laws import WOUND_BED_DEPTH_UM, smooth_relu, upper_ve_weights, ve_um_per_layer
from models._params import SkinParams, require_x64
from models._state import SkinState
from models._tables import DEVICE_CONSTANTS, SESSION_SETTINGS, SKIN_MECHANICS_PARAMETERS

PASS_GROUPS = 8
"""Pass iterations per session (static). Up to this many passes are applied one by one;
more are merged into this many equal groups."""

CONTACT_WINDOW_UM = DEVICE_CONSTANTS["contact_window_um"].value
"""Window of the soft upper envelope (static: it sets the stencil radius)."""

# The model's name of a setting: the categorical ``mode`` travels as the number ``stationary``.
_MODEL_NAME = {"mode": "stationary"}

# Inert values of padded (non-session) rows (the table's ``neutral``: finite everywhere, no
# vacuum, no passes); settings without a neutral value (``treated_area_cm2``) are not
# per-event arrays of the model.
_NEUTRAL_SETTINGS = {_MODEL_NAME.get(k, k): float(spec.neutral) for k, spec in SESSION_SETTINGS.items()
                     if spec.neutral is not None}

# The per-event arrays of SessionSettings, in SESSION_SETTINGS order.
SETTING_FIELDS = tuple(_NEUTRAL_SETTINGS)

# Placeholder skin mechanics for schedules that carry no session (never used then).
_PLACEHOLDER_MECHANICS = {"skin_youngs_modulus_kpa": 129.0, "capillary_fragility_kpa": 45.0,
                          "sc_delamination_energy_j_per_m2": 3.0, "ve_injury_cost_factor": 5.0,
                          "strain_release_threshold": 0.15}
assert set(_PLACEHOLDER_MECHANICS) == set(SKIN_MECHANICS_PARAMETERS)

HARDWARE_KEYS = ("kind", "tip_diameter_mm", "aperture_diameter_mm", "grit_um", "crystal_size_um", "nozzle_diameter_mm")
"""The device-file keys :func:`make_device_params` reads (its ``hardware`` mapping)."""

_PLACEHOLDER_HARDWARE = {"kind": "diamond", "tip_diameter_mm": 6.0, "aperture_diameter_mm": 5.0, "grit_um": 100.0}
"""Hardware of schedules without sessions (never used then)."""


# --------------------------------------------------------------------------- pytrees

class DeviceParams(eqx.Module):
    """Hardware, skin mechanics and device-law constants in internal units (traced scalars).

    ``is_crystal`` is 0 (diamond tip) or 1 (crystal jet): data, not a static switch, so
    scenarios with different devices batch together. Every field is a scalar ``()``.
    The hardware fields come from a device file; the skin mechanics carry the names of
    :data:`models.SKIN_MECHANICS_PARAMETERS`, the constants those of
    :data:`models.DEVICE_CONSTANTS` (``internal_name``; ``contact_window_um`` is static,
    :data:`CONTACT_WINDOW_UM`, and ``reference_grit_um`` is folded into ``grit_factor``).
    """

    # hardware (from the device file)
    is_crystal: jax.Array
    tip_diameter_um: jax.Array
    aperture_radius_um: jax.Array
    grit_factor: jax.Array
    crystal_size_um: jax.Array
    nozzle_diameter_um: jax.Array
    # skin mechanics (from the profile)
    skin_youngs_modulus_kpa: jax.Array
    capillary_fragility_kpa: jax.Array
    sc_delamination_energy_j_per_m2: jax.Array
    ve_injury_cost_factor: jax.Array
    strain_release_threshold: jax.Array
    # constants of the laws (DEVICE_CONSTANTS)
    suction_wall_factor: jax.Array
    dome_cap_fraction: jax.Array
    suction_rise_s: jax.Array
    poisson_ratio: jax.Array
    groove_opening_strain: jax.Array
    cohesion_floor: jax.Array
    diamond_efficiency: jax.Array
    crystal_efficiency: jax.Array
    air_density_kg_m3: jax.Array
    sound_speed_m_s: jax.Array
    atmospheric_pressure_kpa: jax.Array
    crystal_density_kg_m3: jax.Array
    drag_coefficient: jax.Array
    acceleration_length_um: jax.Array
    strain_release_gain: jax.Array
    injury_release_um: jax.Array
    exposed_sc_layers: jax.Array
    petechiae_width_fraction: jax.Array
    envelope_softness_um: jax.Array


_HARDWARE_FIELDS = ("is_crystal", "tip_diameter_um", "aperture_radius_um", "grit_factor", "crystal_size_um",
                    "nozzle_diameter_um")
_NOT_FIELDS = ("contact_window_um", "reference_grit_um")  # static / folded into grit_factor
_CONSTANT_KEYS = tuple(k for k in DEVICE_CONSTANTS if k not in _NOT_FIELDS)
assert tuple(DeviceParams.__dataclass_fields__) == _HARDWARE_FIELDS + tuple(
    s.internal_name for s in SKIN_MECHANICS_PARAMETERS.values()) + tuple(DEVICE_CONSTANTS[k].internal_name for k in _CONSTANT_KEYS)


class SessionSettings(eqx.Module):
    """Per-event session settings, each of shape ``(E,)`` (inert values on other rows).

    The fields are :data:`SETTING_FIELDS`: the settings of :data:`models.SESSION_SETTINGS`
    that have a neutral value, ``mode`` carried as the number ``stationary``.

    ``stationary`` is 1.0 for the stationary mode (``dwell_s`` used), 0.0 for moving
    (``speed_mm_s`` used); ``passes`` is a float count.
    """

    vacuum_kpa: jax.Array
    passes: jax.Array
    speed_mm_s: jax.Array
    load_n: jax.Array
    crystal_flow_g_min: jax.Array
    air_flow_l_min: jax.Array
    stationary: jax.Array
    dwell_s: jax.Array

    def row(self, i) -> "SessionSettings":
        return jax.tree_util.tree_map(lambda a: a[i], self)


assert tuple(SessionSettings.__dataclass_fields__) == SETTING_FIELDS


def make_device_params(hardware: Mapping | None = None, skin: Mapping | None = None,
                       constants: Mapping | None = None) -> DeviceParams:
    """Build :class:`DeviceParams`.

    ``hardware``: ``kind`` (``diamond``/``crystal``), ``tip_diameter_mm``,
    ``aperture_diameter_mm``, ``grit_um`` (diamond) or ``crystal_size_um`` and
    ``nozzle_diameter_mm`` (crystal), as a device file gives them. ``skin``: a mapping holding the names of
    :data:`models.SKIN_MECHANICS_PARAMETERS` (a profile's values; other keys
    ignored). ``constants`` overrides values of ``DEVICE_CONSTANTS`` by name. With
    ``hardware``/``skin`` None, placeholders are used (for schedules without sessions).
    Raises ``RuntimeError`` when 64-bit floats are off.
    """
    require_x64()
    hw = dict(_PLACEHOLDER_HARDWARE if hardware is None else hardware)
    sk = _PLACEHOLDER_MECHANICS if skin is None else skin
    missing = [k for k in SKIN_MECHANICS_PARAMETERS if k not in sk]
    if missing:
        raise KeyError(f"missing skin mechanics parameters: {missing}")
    const = {k: c.value for k, c in DEVICE_CONSTANTS.items()}
    for k, v in (constants or {}).items():
        if k not in const:
            raise KeyError(f"{k!r} is not a device constant; allowed: {', '.join(const)}")
        const[k] = float(v)
    if const["contact_window_um"] != CONTACT_WINDOW_UM:
        raise ValueError("contact_window_um is static (it sets the envelope stencil); edit DEVICE_CONSTANTS instead")
    kind = hw.get("kind", "diamond")
    if kind not in ("diamond", "crystal"):
        raise ValueError(f"device kind {kind!r} is not 'diamond' or 'crystal'")
    crystal = kind == "crystal"
    if crystal and not hw.get("nozzle_diameter_mm"):
        raise ValueError("a crystal device needs nozzle_diameter_mm (the bore of its crystal nozzle, mm)")
    grit = float(hw.get("grit_um") or 0.0)
    f = lambda x: jnp.asarray(float(x))  # noqa: E731
    mechanics = {spec.internal_name: f(float(sk[k]) * spec.to_internal) for k, spec in SKIN_MECHANICS_PARAMETERS.items()}
    constants = {DEVICE_CONSTANTS[k].internal_name: f(const[k] * DEVICE_CONSTANTS[k].to_internal) for k in _CONSTANT_KEYS}
    return DeviceParams(
        is_crystal=f(1.0 if crystal else 0.0),
        tip_diameter_um=f(1000.0 * float(hw["tip_diameter_mm"])),
        aperture_radius_um=f(500.0 * float(hw["aperture_diameter_mm"])),
        grit_factor=f(0.0 if crystal else grit / const["reference_grit_um"]),
        crystal_size_um=f(float(hw.get("crystal_size_um") or 100.0)),
        nozzle_diameter_um=f(1000.0 * float(hw.get("nozzle_diameter_mm") or 2.0)),
        **mechanics,
        **constants,
    )


def make_session_settings(rows: Sequence[Mapping | None], n_events: int | None = None) -> SessionSettings:
    """Pack per-event settings into arrays of length ``max(n_events, len(rows), 1)``.

    ``rows[i]`` is a mapping with the config's setting names (``vacuum_kpa``, ``passes``,
    ``speed_mm_s``, ``load_n``, ``crystal_flow_g_min``, ``air_flow_l_min``, ``mode`` (``moving`` /
    ``stationary``) or ``stationary`` (0/1), ``dwell_s``) for a session row, or None for
    a row that is not a session; missing keys and padding get inert values.
    """
    E = max(n_events or 0, len(rows), 1)
    cols = {k: np.full(E, v, dtype=float) for k, v in _NEUTRAL_SETTINGS.items()}
    for i, row in enumerate(rows):
        if row is None:
            continue
        for k in SETTING_FIELDS:
            if k == "stationary":
                if "mode" in row:
                    cols[k][i] = 1.0 if row["mode"] == "stationary" else 0.0
                elif "stationary" in row:
                    cols[k][i] = float(row["stationary"])
            elif k in row and row[k] is not None:
                cols[k][i] = float(row[k])
    return SessionSettings(**{k: jnp.asarray(v) for k, v in cols.items()})


# --------------------------------------------------------------------------- physics

def _smooth_cap(x, cap):
    """Smooth minimum of ``x >= 0`` and ``cap``: ``x / (1 + (x / cap)^4)^(1/4)``."""
    return x / (1.0 + (x / cap) ** 4) ** 0.25


def exposure_time_s(dev: DeviceParams, s: SessionSettings):
    """Time (s) a skin point spends under the opening in one pass."""
    moving = 2.0e-3 * dev.aperture_radius_um / s.speed_mm_s
    return s.stationary * s.dwell_s + (1.0 - s.stationary) * moving


def sliding_length_um(dev: DeviceParams, s: SessionSettings):
    """Abrasive path over a skin point in one pass (µm): tip diameter, or ``v dwell`` when stationary."""
    return s.stationary * 1000.0 * s.speed_mm_s * s.dwell_s + (1.0 - s.stationary) * dev.tip_diameter_um


class Suction(NamedTuple):
    vacuum_eff_kpa: jax.Array  # dP (1 - exp(-t / tau_rise))
    dome_um: jax.Array  # H, capped
    strain: jax.Array  # H / a
    conformity_um: jax.Array  # l_c


def suction(dev: DeviceParams, s: SessionSettings) -> Suction:
    """Dome height, strain and conformity length of the skin drawn into the opening."""
    t = exposure_time_s(dev, s)
    dP = s.vacuum_kpa * -jnp.expm1(-t / dev.suction_rise_s)
    a = dev.aperture_radius_um
    h_lin = 3.0 * dP * a * dev.suction_wall_factor / (2.0 * math.pi * dev.skin_youngs_modulus_kpa)
    h = _smooth_cap(h_lin, dev.dome_cap_fraction * a)
    e_star = dev.skin_youngs_modulus_kpa / (1.0 - dev.poisson_ratio**2)
    ell = dP * CONTACT_WINDOW_UM / (math.pi * e_star) + 0.1
    return Suction(dP, h, h / a, ell)


def nozzle_air_speed_m_s(dev: DeviceParams, air_flow_l_min):
    """Air speed (m/s) at the crystal nozzle: free-air flow / nozzle area, smoothly capped at sound."""
    area_m2 = math.pi * (0.5e-6 * dev.nozzle_diameter_um) ** 2
    return _smooth_cap(air_flow_l_min * (1.0e-3 / 60.0) / area_m2, dev.sound_speed_m_s)


def vacuum_expansion_factor(dev: DeviceParams, vacuum_kpa):
    """``f(x) = -ln(1 - x) / x``, ``x = dP / p_0``: the weak vacuum factor of the crystal's energy.

    The pump moves a fixed mass of air; along the acceleration length the pressure falls
    from ``p_0`` (crystal inlet) to ``p_0 - dP`` (hand piece), taken linear, so the air
    expands and the stream's dynamic pressure ``rho u^2 = (rho_0 u_0)^2 / rho`` rises. The
    energy a crystal gains under quadratic drag is ``∝ ∫ rho u^2 dl``, whose mean over the
    path is ``rho_0 u_0^2 f(x)``: 1 without vacuum, +2.6 % at 5 kPa, +19 % at 30 kPa, +38 %
    at 50 kPa. The series ``1 + x/2 + x^2/3`` is used near 0 (``f`` is smooth there).
    """
    x = jnp.clip(vacuum_kpa / dev.atmospheric_pressure_kpa, 0.0, 0.999)
    small = x < 1.0e-4
    xs = jnp.where(small, 0.5, x)  # a safe value on the branch that is not taken (finite gradients)
    return jnp.where(small, 1.0 + x / 2.0 + x**2 / 3.0, -jnp.log1p(-xs) / xs)


def crystal_slip_factor(dev: DeviceParams):
    """``phi = min(1, sqrt(1.5 C_D rho_air L_acc / (rho_p d_p)))`` (smooth minimum)."""
    ratio = (1.5 * dev.drag_coefficient * dev.air_density_kg_m3 * dev.acceleration_length_um
             / (dev.crystal_density_kg_m3 * dev.crystal_size_um))
    return _smooth_cap(jnp.sqrt(ratio), 1.0)


def crystal_speed_m_s(dev: DeviceParams, air_flow_l_min, vacuum_kpa):
    """Crystal speed (m/s): ``phi u sqrt(f(dP / p_0))`` with ``u`` the nozzle air speed of the pump's air flow.

    The air flow sets the speed; the vacuum changes it only weakly (:func:`vacuum_expansion_factor`).
    """
    u = nozzle_air_speed_m_s(dev, air_flow_l_min)
    return crystal_slip_factor(dev) * u * jnp.sqrt(vacuum_expansion_factor(dev, vacuum_kpa))


def _lowpass(field, lateral: LateralGrid, sigma_um):
    """Gaussian low-pass (periodic, spectral) of width ``sigma_um``; identity on a column."""
    if lateral.ndim == 0:
        return field
    k2 = jnp.asarray(lateral.k2_per_um2)
    spec = jnp.fft.rfftn(field, axes=tuple(range(lateral.ndim)))
    return jnp.fft.irfftn(spec * jnp.exp(-0.5 * k2 * sigma_um**2), s=lateral.shape, axes=tuple(range(lateral.ndim)))


def window_levels(dx_um: float) -> int:
    """Doubling levels ``k`` of the envelope window: ``2^k`` cells, the power of two nearest ``lambda_c``."""
    ratio = CONTACT_WINDOW_UM / dx_um
    return int(round(math.log2(ratio))) if ratio >= 1.5 else 0


def _soft_max_axis(v, axis: int, dx_um: float, tau):
    """``tau log sum_{|j| < W/2} exp(v(x + j dx) / tau)`` along one periodic axis (``W = 2^k`` cells).

    Built by doubling: the log-sum-exp over ``[x, x + 2w)`` is the pairwise
    ``LSE(u_w(x), u_w(x + w))`` of two halves, each computed stably as
    ``max + tau log1p(exp(-|a - b| / tau))``; ``k`` shifts instead of ``W``. The window is
    then centred on ``x``.
    """
    levels = window_levels(dx_um)
    u, width = v, 1
    for _ in range(levels):
        other = jnp.roll(u, -width, axis=axis)
        hi, lo = jnp.maximum(u, other), jnp.minimum(u, other)
        u = hi + tau * jnp.log1p(jnp.exp((lo - hi) / tau))
        width *= 2
    return jnp.roll(u, width // 2, axis=axis) if levels else u


def soft_envelope(surface, lateral: LateralGrid, tau):
    """Soft local upper envelope ``U >= s`` over the contact window (µm), shape ``lateral.shape``.

    A flat window of ``2^k`` cells per axis (the power of two nearest ``lambda_c``; 16
    cells = 312 µm on the default transect), separable on a 2-D patch; ``U`` exceeds the
    window's maximum by at most ``tau log(cells)``.
    """
    if lateral.ndim == 0:
        return surface
    u = surface
    for axis in range(lateral.ndim):
        u = _soft_max_axis(u, axis, lateral.dx_um, tau)
    return u


def contact_weight(surface, lateral: LateralGrid, dev: DeviceParams, suct: Suction):
    """Contact weight ``w = exp(-(U - s_pass) / l_c)`` in (0, 1]; ones on a column.

    ``s_pass``: the surface during the pass, grooves narrower than the opening stretched
    open (relief above the aperture-scale low-pass times ``exp(-eps / eps_open)``).
    """
    if lateral.ndim == 0:
        return jnp.ones_like(surface)
    low = _lowpass(surface, lateral, dev.aperture_radius_um)
    s_pass = low + (surface - low) * jnp.exp(-suct.strain / dev.groove_opening_strain)
    env = soft_envelope(s_pass, lateral, dev.envelope_softness_um)
    return jnp.exp(-(env - s_pass) / suct.conformity_um)


def work_per_pass(w, dev: DeviceParams, s: SessionSettings, suct: Suction):
    """Removal work per area delivered by one pass (J/m^2), shape of ``w``."""
    w_mean = jnp.mean(w)
    tip_area_m2 = math.pi * (0.5e-6 * dev.tip_diameter_um) ** 2
    p_pa = 1.0e3 * suct.vacuum_eff_kpa * w + s.load_n / tip_area_m2 * w / w_mean
    diamond = dev.diamond_efficiency * dev.grit_factor * p_pa * 1.0e-6 * sliding_length_um(dev, s)
    ap_area_m2 = math.pi * (1.0e-6 * dev.aperture_radius_um) ** 2
    flux = s.crystal_flow_g_min * 1.0e-3 / 60.0 / ap_area_m2  # kg m^-2 s^-1
    v = crystal_speed_m_s(dev, s.air_flow_l_min, s.vacuum_kpa)
    crystal = dev.crystal_efficiency * 0.5 * flux * exposure_time_s(dev, s) * v**2 * w
    return (1.0 - dev.is_crystal) * diamond + dev.is_crystal * crystal


def remove_top_down(amount, cost, work):
    """Spend ``work`` removing ``amount`` (last axis, the top is the last index) at ``cost`` per unit.

    ``take_i = clip((W - sum_{j > i} amount_j cost_j) / cost_i, 0, amount_i)``. Returns
    ``(amount_left, taken, work_left)`` with ``work_left = relu(W - sum amount cost)``.
    """
    layer = amount * cost
    # exclusive reverse cumulative sum as a product with the strictly upper mask
    # (above_i = sum_{j > i} layer_j; a sum of non-negative terms, so >= 0 exactly; a small
    # matrix product is faster than a cumulative sum on the CPU)
    size = layer.shape[-1]
    mask = jnp.asarray(np.tril(np.ones((size, size)), -1))  # mask[j, i] = 1 for j > i
    above = jnp.einsum("...j,ji->...i", layer, mask)
    take = jnp.clip((work[..., None] - above) / cost, 0.0, amount)
    left = jnp.maximum(work - jnp.sum(layer, axis=-1), 0.0)
    return amount - take, take, left


def pass_groups(passes):
    """Passes applied by each of the :data:`PASS_GROUPS` iterations (float, sums to ``passes``)."""
    j = jnp.arange(PASS_GROUPS, dtype=float)
    one_by_one = jnp.clip(passes - j, 0.0, 1.0)
    return jnp.where(passes <= PASS_GROUPS, one_by_one, passes / PASS_GROUPS)


class SessionRecord(NamedTuple):
    """What a session did (per column ``L`` or scalar)."""

    removed_sc_layers: jax.Array  # (L) SC layers removed
    removed_ve_um: jax.Array  # (L) living epidermis removed (µm)
    strain: jax.Array  # ()
    petechiae_risk: jax.Array  # ()
    exposed_fraction: jax.Array  # () fraction of columns with < exposed_sc_layers SC left
    denuded_fraction: jax.Array  # () fraction of columns left with less living epidermis than one basal cell
    store_released: jax.Array  # (L) cytokine store fraction released


class SessionFields(NamedTuple):
    """The parts of :class:`models.SkinState` a session reads or changes (same names and shapes)."""

    sc_layers: jax.Array
    ve_cells: jax.Array
    sc_cohesion: jax.Array
    dermis_um: jax.Array
    cytokine: jax.Array
    cytokine_store: jax.Array
    wound_um: jax.Array
    removed: jax.Array

    @classmethod
    def of(cls, state: SkinState) -> "SessionFields":
        return cls(*(getattr(state, f) for f in cls._fields))

    def into(self, state: SkinState) -> SkinState:
        return eqx.tree_at(lambda t: tuple(getattr(t, f) for f in self._fields), state, tuple(self))


def session_update(f: SessionFields, params: SkinParams, dev: DeviceParams, s: SessionSettings,
                   grid: ModelGrid) -> tuple[SessionFields, SessionRecord]:
    """The session on the fields it touches (see the module docstring for the laws).

    Of ``params`` it reads the SC layer thickness and the VE thickness per layer.
    """
    lateral = grid.lateral
    suct = suction(dev, s)
    groups = pass_groups(s.passes)
    h_sc, um_per_ve = params.sc_layer_thickness_um, ve_um_per_layer(params)
    sc_cost = dev.sc_delamination_energy_j_per_m2 * (dev.cohesion_floor + (1.0 - dev.cohesion_floor) * f.sc_cohesion)
    ve_cost = dev.ve_injury_cost_factor * dev.sc_delamination_energy_j_per_m2 / h_sc * um_per_ve  # J/m^2 per VE layer equivalent
    zeros = jnp.zeros(lateral.shape)

    def one_pass(j, carry):
        n, m, sc_taken, ve_taken = carry
        surface = f.dermis_um + um_per_ve * jnp.sum(m, axis=-1) + h_sc * jnp.sum(n, axis=-1)
        w = contact_weight(surface, lateral, dev, suct)
        work = groups[j] * work_per_pass(w, dev, s, suct)
        n, take_sc, left = remove_top_down(n, sc_cost, work)
        m, take_ve, _ = remove_top_down(m, ve_cost, left)
        return n, m, sc_taken + jnp.sum(take_sc, axis=-1), ve_taken + jnp.sum(take_ve, axis=-1)

    n, m, sc_taken, ve_taken = jax.lax.fori_loop(0, PASS_GROUPS, one_pass, (f.sc_layers, f.ve_cells, zeros, zeros))
    injury_um = ve_taken * um_per_ve

    # cytokine: stretch above threshold, injury of living cells
    eps_th2 = jnp.maximum(dev.strain_release_threshold, 1e-3) ** 2
    excess = smooth_relu((suct.strain**2 - eps_th2) / eps_th2, 0.05)
    keep_strain = jnp.exp(-dev.strain_release_gain * excess * s.passes)
    keep_injury = jnp.exp(-injury_um / dev.injury_release_um)
    released = f.cytokine_store * (1.0 - keep_strain * keep_injury)
    lysed = injury_um / dev.injury_release_um  # store equivalents spilled by lysed cells
    c = f.cytokine + (released + lysed)[..., None] * upper_ve_weights(grid.depth)

    petechiae = jax.nn.sigmoid((suct.vacuum_eff_kpa - dev.capillary_fragility_kpa)
                               / (dev.petechiae_width_fraction * dev.capillary_fragility_kpa))
    exposed = jnp.mean(jax.nn.sigmoid((dev.exposed_sc_layers - jnp.sum(n, axis=-1)) / 0.1))
    # a full-thickness epidermal wound: less living epidermis left than one basal cell
    left_um = um_per_ve * jnp.sum(m, axis=-1)
    denuded = jnp.mean(jax.nn.sigmoid((WOUND_BED_DEPTH_UM - left_um) / (0.05 * WOUND_BED_DEPTH_UM)))
    new = f._replace(sc_layers=n, ve_cells=m, cytokine=c, cytokine_store=f.cytokine_store - released,
                     wound_um=f.wound_um + injury_um, removed=f.removed + sc_taken + ve_taken)
    return new, SessionRecord(sc_taken, injury_um, suct.strain, petechiae, exposed, denuded, released)


def apply_session(state: SkinState, params: SkinParams, dev: DeviceParams, s: SessionSettings,
                  grid: ModelGrid) -> tuple[SkinState, SessionRecord]:
    """Apply one session (settings ``s``: scalars) to ``state``; returns the new state and a record."""
    new, rec = session_update(SessionFields.of(state), params, dev, s, grid)
    return new.into(state), rec
