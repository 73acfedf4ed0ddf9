r"""Exact sub-step maps of the skin model (each one step of a linear law, solved exactly).

Used by the fast step (:func:`models.skin_step`), the events and, for the discrete maps
(age-bin shift, strip), the BDF reference. Shapes: ``L`` lateral, ``K`` stages, ``A``
age bins.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from models._laws import layers_above
from models._params import SkinParams
from models._state import SkinState


def exact_store_release(store, rate_out, refill_rate, dt):
    """Exact step of ``dS/dt = -rate_out S + refill_rate (1 - S)``.

    Returns ``(S_new, released)`` where ``released = int rate_out S dt`` exactly. Any
    ``dt >= 0`` (unconditionally stable, positivity preserving).
    """
    a = rate_out + refill_rate
    s_inf = jnp.where(a > 0, refill_rate / jnp.where(a > 0, a, 1.0), store)
    S_new = store + (s_inf - store) * -jnp.expm1(-a * dt)  # s_inf + (S - s_inf) e^{-a dt}; dt = 0: S
    # int_0^dt S(t) dt = s_inf dt + (S - s_inf)(1 - e^{-a dt}) / a
    integral = s_inf * dt + (store - s_inf) * jnp.where(a > 0, -jnp.expm1(-a * dt) / jnp.where(a > 0, a, 1.0), dt)
    return S_new, rate_out * integral


def erlang_chain_step(ve_cells, P, tau_stage, dt):
    """Exact step of the linear chain ``m_1' = P - m_1/tau``, ``m_k' = (m_{k-1} - m_k)/tau``.

    With ``x = dt / tau`` and Poisson weights ``p_j = e^{-x} x^j / j!``:
    ``m_k(dt) = sum_{l<=k} p_{k-l} m_l + P tau (1 - sum_{j<=k} p_j)``. Returns
    ``(m_new, outflow)`` where ``outflow = P dt + sum(m - m_new)`` (exact, so cells
    are conserved to round-off; ``dt = 0`` returns ``(m, 0)`` bit for bit). ``ve_cells``: shape ``L + (K,)``; ``P``: shape ``L``;
    ``tau_stage``: a scalar or one per column (shape ``L``).
    """
    m = ve_cells
    K = m.shape[-1]
    xs = jnp.asarray(dt / tau_stage)  # tau_stage: a scalar or one per column
    x = xs[..., None]

    # m_new[k] = e^{-x} sum_{j<=k} x^j/j! m[k - j] and sum_{j<=k} p_j = e^{-x} sum_{j<=k} x^j/j!,
    # both by Horner's rule in x, stage by stage on the columns' slices, then stacked: one
    # elementwise kernel and one exponential per column (shifting the whole stage array
    # once per power, as before, cost a separate copy kernel per shift; the Poisson
    # weights as exp/log per weight, or a gathered Toeplitz product per column, cost up
    # to a third of the whole step)
    stages = [m[..., k] for k in range(K)]
    conv, cum = [], []
    for k in range(K):
        acc, acc1 = stages[0], jnp.ones_like(stages[0])
        for j in range(k - 1, -1, -1):
            acc = stages[k - j] + acc * (xs / (j + 1))
            acc1 = 1.0 + acc1 * (xs / (j + 1))
        conv.append(acc)
        cum.append(acc1)
    conv, cum = jnp.stack(conv, axis=-1), jnp.stack(cum, axis=-1)
    decay = jnp.exp(-x)
    m_new = decay * conv + (P * tau_stage)[..., None] * (1.0 - decay * cum)
    m_new = jnp.maximum(m_new, 0.0)
    outflow = P * dt + jnp.sum(m - m_new, axis=-1)  # one sum of differences: exactly 0 when dt = 0
    return m_new, outflow


def strip_top_layers(sc_layers, remove):
    """Remove ``remove`` layers per column (shape ``L``) from the top (oldest cohorts first).

    Returns ``(sc_layers_new, removed_per_cohort)``, each of the shape of ``sc_layers``.
    """
    above = layers_above(sc_layers)
    take = jnp.clip(remove[..., None] - above, 0.0, sc_layers)
    return sc_layers - take, take


def shift_bins(state: SkinState, params: SkinParams) -> SkinState:
    """Advance the cohorts one age bin (exact along characteristics).

    The oldest bin keeps everything older (its content merges, mass-weighted); the new
    bin 0 is empty with cohesion 1 and the birth lipid content.
    """
    n, kap, lam = state.sc_layers, state.sc_cohesion, state.sc_lipid
    n_last = n[..., -1] + n[..., -2]
    safe = jnp.where(n_last > 0, n_last, 1.0)  # double where: finite gradients when a bin is empty
    kap_last = (n[..., -1] * kap[..., -1] + n[..., -2] * kap[..., -2]) / safe
    lam_last = (n[..., -1] * lam[..., -1] + n[..., -2] * lam[..., -2]) / safe
    kap_last = jnp.where(n_last > 0, kap_last, kap[..., -1])
    lam_last = jnp.where(n_last > 0, lam_last, lam[..., -1])
    zeros = jnp.zeros_like(n[..., :1])
    n_new = jnp.concatenate([zeros, n[..., :-2], n_last[..., None]], axis=-1)
    kap_new = jnp.concatenate([jnp.ones_like(zeros), kap[..., :-2], kap_last[..., None]], axis=-1)
    lam_new = jnp.concatenate([zeros + params.lipid_at_birth, lam[..., :-2], lam_last[..., None]], axis=-1)
    return eqx.tree_at(lambda s: (s.sc_layers, s.sc_cohesion, s.sc_lipid), state, (n_new, kap_new, lam_new))
