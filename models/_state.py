"""The per-column state of the skin model and its rough initial value."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from models._grid import ModelGrid
from models._params import SkinParams
from models._tables import HOURS_PER_DAY


class SkinState(eqx.Module):
    """Per-column state (a frozen pytree; ``L = lateral.shape``, ``()`` for a column).

    ==========================  ============  ==============================================
    field                       shape         meaning (units)
    ==========================  ============  ==============================================
    ``ve_cells``                ``L + (K,)``  VE cells per maturation stage (layer equivalents)
    ``cytokine``                ``L + (Z,)``  alarm cytokine in depth (normalised)
    ``calcium``                 ``L + (Z,)``  calcium in depth (normalised)
    ``cytokine_store``          ``L``         pre-formed cytokine store, 0..1
    ``fibroblast_activation``   ``L``         fibroblast activation above baseline, 0..1
    ``growth_factor``           ``L``         growth factor (KGF-like), 0..1
    ``erythema``                ``L``         erythema index above baseline, 0..1
    ``mitogen``                 ``L``         epidermal mitogen signal (relative proliferation rise called for)
    ``basal_activation``        ``L``         relative rise of the basal division rate (epidermal arm)
    ``differentiation_drive``   ``L``         drive of accelerated differentiation, 0..1 (lags the water-loss defect)
    ``lamellar_body_store``     ``L``         lamellar-body store, 0..1
    ``sc_layers``               ``L + (A,)``  SC layers per age cohort
    ``sc_cohesion``             ``L + (A,)``  cohesion of each SC cohort, 0..1
    ``sc_lipid``                ``L + (A,)``  barrier-lipid content of each SC cohort, 0..1
    ``dermis_um``               ``L``         dermal surface height (µm)
    ``wound_um``                ``L``         living epidermis lost and not yet replaced (µm)
    ``produced``                ``L``         cumulative VE production (layers)
    ``desquamated``             ``L``         cumulative desquamation (layers)
    ``removed``                 ``L``         cumulative removal by strips/abrasion (SC layers + VE layer eq.)
    ==========================  ============  ==============================================

    ``K`` maturation stages, ``Z`` VE depth cells, ``A`` SC age bins (see
    :class:`models.ModelGrid`). The field order is the leaf order of the pytree.
    """

    ve_cells: jax.Array
    cytokine: jax.Array
    calcium: jax.Array
    cytokine_store: jax.Array
    fibroblast_activation: jax.Array
    growth_factor: jax.Array
    erythema: jax.Array
    mitogen: jax.Array
    basal_activation: jax.Array
    differentiation_drive: jax.Array
    lamellar_body_store: jax.Array
    sc_layers: jax.Array
    sc_cohesion: jax.Array
    sc_lipid: jax.Array
    dermis_um: jax.Array
    wound_um: jax.Array
    produced: jax.Array
    desquamated: jax.Array
    removed: jax.Array


def initial_state(params: SkinParams, grid: ModelGrid) -> SkinState:
    """A rough start for spin-up: VE at its set point, an SC of young cohorts."""
    L = grid.lateral.shape
    K, Z, A = grid.n_stages, grid.nz, grid.n_bins
    m_star = params.basal_flux_layers_per_hour * params.ve_transit_hours
    flux_bin = params.basal_flux_layers_per_hour * grid.bin_width_h
    ages = jnp.asarray(grid.bin_age_mid_h)
    n = jnp.where(ages < 10 * HOURS_PER_DAY, flux_bin, 0.0) * jnp.ones(L + (A,))
    ones = lambda extra=(): jnp.ones(L + extra)  # noqa: E731
    return SkinState(
        ve_cells=ones((K,)) * m_star / K,
        cytokine=0.0 * ones((Z,)),
        calcium=ones((Z,)) * params.calcium_basal,
        cytokine_store=ones(),
        fibroblast_activation=0.0 * ones(),
        growth_factor=0.0 * ones(),
        erythema=0.0 * ones(),
        mitogen=0.0 * ones(),
        basal_activation=0.0 * ones(),
        differentiation_drive=0.0 * ones(),
        lamellar_body_store=ones(),
        sc_layers=n,
        sc_cohesion=ones((A,)),
        sc_lipid=ones((A,)) * params.lipid_at_birth,
        dermis_um=params.dermis_template_um * ones(),
        wound_um=0.0 * ones(),
        produced=0.0 * ones(),
        desquamated=0.0 * ones(),
        removed=0.0 * ones(),
    )
