"""Readouts of a state: the lateral-mean diagnostics and the surface.

Names and units of the readouts are those of docs/interface.md.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from models import _topography as topography
from models._grid import ModelGrid
from models._laws import barrier_tewl, calcium_top, proliferation, sc_production, ve_um_per_layer
from models._params import SkinParams
from models._state import SkinState
from models._tables import HOURS_PER_DAY


class Diagnostics(NamedTuple):
    """Lateral-mean readouts of a state (scalars; see docs/interface.md for names and units)."""

    tewl: jax.Array
    sc_layers: jax.Array
    sc_thickness_um: jax.Array
    ve_thickness_um: jax.Array
    ra_um: jax.Array
    rq_um: jax.Array
    rz_um: jax.Array
    fine_line_depth_um: jax.Array
    erythema: jax.Array
    cytokine: jax.Array
    calcium_top: jax.Array
    basal_proliferation: jax.Array
    sc_production_rate: jax.Array
    fibroblast_activation: jax.Array
    growth_factor: jax.Array
    injury_depth_um: jax.Array
    lamellar_body_store: jax.Array
    sc_lipid: jax.Array


def column_tewl(state: SkinState, params: SkinParams):
    """TEWL of each column (g m^-2 h^-1), shape ``L``."""
    return barrier_tewl(params, state.sc_layers, state.sc_lipid)


def surface_um(state: SkinState, params: SkinParams):
    """Surface height ``s = b + H_VE + H_SC`` (µm), shape ``L``."""
    h_ve = ve_um_per_layer(params) * jnp.sum(state.ve_cells, axis=-1)
    h_sc = params.sc_layer_thickness_um * jnp.sum(state.sc_layers, axis=-1)
    return state.dermis_um + h_ve + h_sc


def diagnostics(state: SkinState, params: SkinParams, grid: ModelGrid, tewl_field=None) -> Diagnostics:
    """Lateral-mean readouts of ``state``; ``tewl_field``: its TEWL per column if already known.

    The per-column fields are stacked and averaged in one reduction (one kernel instead of
    one per readout: the readouts are taken every step). Roughness readouts are NaN on a
    single column (no profile).
    """
    n_tot = jnp.sum(state.sc_layers, axis=-1)
    tewl = column_tewl(state, params) if tewl_field is None else tewl_field
    ra, rq, rz, depth = topography.roughness(surface_um(state, params), grid.lateral, params.fine_line_weights)
    M = jnp.sum(state.ve_cells, axis=-1)
    P = proliferation(params, M, state.growth_factor, state.basal_activation)
    ca_top = calcium_top(params, state.calcium, tewl, ve_um_per_layer(params) * jnp.mean(M), grid.nz)
    J = sc_production(params, state.ve_cells, state.differentiation_drive)
    lipid = jnp.sum(state.sc_layers * state.sc_lipid, axis=-1) / jnp.maximum(n_tot, 1e-9)
    fields = jnp.stack(jnp.broadcast_arrays(
        tewl, n_tot, M, state.erythema, jnp.mean(state.cytokine, axis=-1), ca_top, P, J,
        state.fibroblast_activation, state.growth_factor, state.lamellar_body_store, lipid))
    means = fields.reshape(fields.shape[0], -1).mean(axis=-1)
    tewl_m, n_m, M_m, e_m, c_m, ca_m, P_m, J_m, f_m, g_m, lb_m, lipid_m = (means[i] for i in range(fields.shape[0]))
    return Diagnostics(
        tewl=tewl_m,
        sc_layers=n_m,
        sc_thickness_um=n_m * params.sc_layer_thickness_um,
        ve_thickness_um=ve_um_per_layer(params) * M_m,
        ra_um=ra, rq_um=rq, rz_um=rz, fine_line_depth_um=depth,
        erythema=e_m,
        cytokine=c_m,
        calcium_top=ca_m,
        basal_proliferation=P_m * HOURS_PER_DAY,
        sc_production_rate=J_m * HOURS_PER_DAY,
        fibroblast_activation=f_m,
        growth_factor=g_m,
        injury_depth_um=jnp.max(state.wound_um),
        lamellar_body_store=lb_m,
        sc_lipid=lipid_m,
    )
