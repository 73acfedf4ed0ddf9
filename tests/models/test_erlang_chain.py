"""The exact maturation-chain step against the matrix exponential of the chain.

``m' = B m + P e_1`` with ``B = (S - I) / tau`` (``S`` the shift down the chain) has the
exact step ``m(dt) = e^{B dt} m + (e^{B dt} - I) B^{-1} P e_1``; scipy's ``expm`` of the
augmented matrix gives it independently of the Poisson-weight formula of
:func:`models.erlang_chain_step`, for one transit time per column.
"""

import jax.numpy as jnp
import numpy as np
import pytest
from scipy.linalg import expm

from models._substeps import erlang_chain_step

K = 8


def exact_chain_step(m, P, tau, dt):
    B = (np.eye(K, k=-1) - np.eye(K)) / tau
    aug = np.zeros((K + 1, K + 1))
    aug[:K, :K] = B
    aug[0, K] = P  # constant inflow into stage 1
    E = expm(aug * dt)
    return E[:K, :K] @ m + E[:K, K]


@pytest.mark.parametrize("dt", [0.0, 0.25, 1.0, 6.0, 40.0])
def test_per_column_chain_step_is_the_matrix_exponential(dt):
    rng = np.random.default_rng(3)
    m = rng.uniform(0.0, 2.0, size=(5, K))
    P = rng.uniform(0.0, 0.3, size=5)
    tau = np.array([0.5, 1.0, 3.0, 7.5, 20.0])  # one stage transit time per column (h)
    m_new, outflow = erlang_chain_step(jnp.asarray(m), jnp.asarray(P), jnp.asarray(tau), dt)
    expected = np.stack([exact_chain_step(m[i], P[i], tau[i], dt) for i in range(5)])
    np.testing.assert_allclose(np.asarray(m_new), expected, rtol=1e-12, atol=1e-13)
    # cells conserved: what entered minus what left is what the chain gained
    np.testing.assert_allclose(np.asarray(outflow), P * dt + m.sum(-1) - expected.sum(-1), rtol=1e-11, atol=1e-12)
    assert np.all(np.asarray(outflow) >= -1e-12)
