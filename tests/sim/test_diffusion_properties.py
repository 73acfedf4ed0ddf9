"""Structural properties of the implicit diffusion steps.

* the fused solver (lateral FFT x tridiagonal in depth) equals the split pair
  ``depth_diffusion_step`` + ``lateral_diffusion_step`` when the data are laterally
  uniform (then the lateral step is the identity and the split is exact);
* a column, a laterally uniform 1-D transect and a laterally uniform 2-D patch give the
  same profile;
* zero-flux (Neumann 0) faces and no decay/source conserve the total to round-off;
* positivity (backward Euler with these operators is an M-matrix inverse);
* translation invariance on the periodic lateral grid (rolling in, rolling out);
* ``dt = 0`` is the identity;
* the steady state ``depth_steady_state`` solves ``L u + b + q = 0`` and is the fixed
  point of the backward-Euler step.
"""

from __future__ import annotations

import numpy as np
import pytest

import jax
import jax.numpy as jnp

from sim import (
    BoundaryCondition, DepthGrid, LateralGrid, depth_diffusion_step, depth_operator, depth_steady_state,
    implicit_diffusion_step, lateral_diffusion_step,
)

DEPTH = DepthGrid(10, 50.0)
Z = DEPTH.z_um
DECAY = jnp.asarray(0.1 + 0.05 * (Z / 50.0) ** 2)
SOURCE = jnp.asarray(1.0 + np.sin(Z / 9.0))
BOTTOM = BoundaryCondition("robin", 0.4, 2.0)
TOP = BoundaryCondition("dirichlet", 1.5)
PROFILE = jnp.asarray(2.0 + np.cos(Z / 7.0))


def fused(u, dt, lat, Dx=30.0):
    return implicit_diffusion_step(u, dt, lateral=lat, depth=DEPTH, D_z=40.0, D_x=Dx, decay=DECAY,
                                   source=SOURCE, bottom=BOTTOM, top=TOP)


def split(u, dt, lat, Dx=30.0):
    u = depth_diffusion_step(u, dt, depth=DEPTH, D_z=40.0, decay=DECAY, source=SOURCE, bottom=BOTTOM, top=TOP)
    return lateral_diffusion_step(u, dt, lateral=lat, D_x=Dx)


GRIDS = {
    "column": LateralGrid("column"),
    "1d": LateralGrid("1d", 12, 300.0),
    "2d": LateralGrid("2d", 6, 300.0),
}


def uniform(lat):
    return jnp.broadcast_to(PROFILE, lat.shape + (DEPTH.nz,))


@pytest.mark.parametrize("kind", ["column", "1d", "2d"])
def test_fused_equals_split_for_laterally_uniform_data(kind):
    lat = GRIDS[kind]
    u = uniform(lat)
    for dt in (0.01, 0.5, 7.0):
        a, b = fused(u, dt, lat), split(u, dt, lat)
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-13, atol=1e-13)


def test_column_equals_uniform_1d_and_2d():
    ref = np.asarray(fused(PROFILE, 0.7, GRIDS["column"]))
    for kind in ("1d", "2d"):
        out = np.asarray(fused(uniform(GRIDS[kind]), 0.7, GRIDS[kind]))
        np.testing.assert_allclose(out, np.broadcast_to(ref, out.shape), rtol=1e-13, atol=1e-13)
    # also over many steps (no drift of the lateral zero mode)
    u1, u2, uc = uniform(GRIDS["1d"]), uniform(GRIDS["2d"]), PROFILE
    step = jax.jit(lambda a, b, c: (fused(a, 0.7, GRIDS["1d"]), fused(b, 0.7, GRIDS["2d"]), fused(c, 0.7, GRIDS["column"])))
    for _ in range(50):
        u1, u2, uc = step(u1, u2, uc)
    np.testing.assert_allclose(np.asarray(u1), np.broadcast_to(np.asarray(uc), u1.shape), rtol=1e-12, atol=0)
    np.testing.assert_allclose(np.asarray(u2), np.broadcast_to(np.asarray(uc), u2.shape), rtol=1e-12, atol=0)


def _random_field(shape, seed=0):
    return jnp.asarray(np.random.default_rng(seed).uniform(0.0, 3.0, shape))


@pytest.mark.parametrize("kind", ["column", "1d", "2d"])
def test_mass_conservation_with_zero_flux_faces(kind):
    lat = GRIDS[kind]
    u = _random_field(lat.shape + (DEPTH.nz,))
    total0 = float(jnp.sum(u))
    zero = BoundaryCondition("neumann", 0.0)
    step = jax.jit(lambda v, dt: implicit_diffusion_step(v, dt, lateral=lat, depth=DEPTH, D_z=40.0, D_x=30.0,
                                                         bottom=zero, top=zero))
    step_split = jax.jit(lambda v, dt: lateral_diffusion_step(
        depth_diffusion_step(v, dt, depth=DEPTH, D_z=40.0, bottom=zero, top=zero), dt, lateral=lat, D_x=30.0))
    v, w = u, u
    for dt in (1e-3, 0.1, 1.0, 10.0, 100.0, 1e-3, 0.3):
        v, w = step(v, dt), step_split(w, dt)
        # round-off: a few ulps per entry, amplified by the conditioning of (I - dt L)
        assert abs(float(jnp.sum(v)) / total0 - 1) < 1e-13, (kind, dt)
        assert abs(float(jnp.sum(w)) / total0 - 1) < 1e-13, (kind, dt)
    # a huge step flattens the field to its mean (the only zero-flux steady state)
    flat = step(u, 1e9)
    np.testing.assert_allclose(np.asarray(flat), total0 / u.size, rtol=1e-5)


def test_neumann_flux_adds_exactly_the_flux():
    """A Neumann inward flux ``F`` at both faces adds ``2 F dt`` per unit area per step."""
    F = 0.37
    lat = GRIDS["1d"]
    u = _random_field(lat.shape + (DEPTH.nz,), 1)
    out = implicit_diffusion_step(u, 0.5, lateral=lat, depth=DEPTH, D_z=40.0, D_x=30.0,
                                  bottom=BoundaryCondition("neumann", F), top=BoundaryCondition("neumann", F))
    gained = float(jnp.sum(out - u)) * DEPTH.h_um / lat.size  # per column, u x µm
    np.testing.assert_allclose(gained, 2 * F * 0.5, rtol=1e-12)


BCS_NONNEG = [BoundaryCondition("dirichlet", 0.0), BoundaryCondition("robin", 0.0, 50.0), BoundaryCondition("neumann", 0.0)]


def _depth_spikes(shape, seed=3):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 1.0, shape) * (rng.uniform(size=shape) < 0.15)


@pytest.mark.parametrize("kind", ["column", "1d", "2d"])
def test_positivity_in_depth(kind):
    """Backward Euler in depth is an M-matrix inverse: non-negative in, non-negative out.

    Depth spikes (zeros next to ones), strong diffusion and decay, every pair of
    non-negative face conditions, steps from 1e-4 h to 10 h. On the 1-D/2-D grids the
    data are laterally uniform here (lateral positivity: see the next two tests).
    """
    lat = GRIDS[kind]
    u = jnp.asarray(np.broadcast_to(_depth_spikes((DEPTH.nz,)), lat.shape + (DEPTH.nz,)))
    cols = jnp.asarray(_depth_spikes((7, DEPTH.nz)))
    for bottom in BCS_NONNEG:
        for top in BCS_NONNEG:
            for dt in (1e-4, 0.1, 10.0):
                out = implicit_diffusion_step(u, dt, lateral=lat, depth=DEPTH, D_z=400.0, D_x=300.0, decay=DECAY,
                                              bottom=bottom, top=top)
                assert float(jnp.min(out)) >= -1e-15, (bottom.kind, top.kind, dt)
                out = depth_diffusion_step(cols, dt, depth=DEPTH, D_z=400.0, decay=DECAY, bottom=bottom, top=top)
                assert float(jnp.min(out)) >= 0.0, (bottom.kind, top.kind, dt)


@pytest.mark.parametrize("kind", ["1d", "2d"])
def test_lateral_positivity_when_the_kernel_is_resolved(kind):
    """The spectral backward-Euler resolvent is positive once sqrt(D dt) spans several cells."""
    lat = GRIDS[kind]
    u = jnp.asarray(_depth_spikes(lat.shape + (DEPTH.nz,), 4))
    for r in (20.0, 100.0, 1e4):  # r = dt D_x / dx^2
        dt = r * lat.dx_um**2 / 300.0
        out = implicit_diffusion_step(u, dt, lateral=lat, depth=DEPTH, D_z=400.0, D_x=300.0, decay=DECAY)
        assert float(jnp.min(out)) >= 0.0, r
        out = lateral_diffusion_step(u[..., 0], dt, lateral=lat, D_x=300.0)
        assert float(jnp.min(out)) >= 0.0, r


@pytest.mark.parametrize("kind", ["1d", "2d"])
def test_lateral_undershoot_of_grid_scale_spikes_is_bounded(kind):
    """Known property (docs/numerics.md): the spectral lateral step is NOT positivity
    preserving for grid-scale data when ``r = dt D_x / dx^2`` is small -- a single-cell
    spike undershoots by about ``r/2`` (1-D) to ``0.75 r`` (2-D) of its height (Gibbs
    lobes of the band-limited kernel). The bound asserted here is ``r`` times the spike
    height and, for larger ``r``, 2 % of it.
    """
    lat = GRIDS[kind]
    spike = np.zeros(lat.shape)
    spike[(0,) * lat.ndim] = 1.0
    worst = 0.0
    for r in (1e-5, 1e-3, 0.1, 1.0):
        dt = r * lat.dx_um**2 / 300.0
        out = np.asarray(lateral_diffusion_step(jnp.asarray(spike), dt, lateral=lat, D_x=300.0))
        undershoot = -min(out.min(), 0.0)
        assert undershoot <= min(r, 0.02), (r, undershoot)
        worst = max(worst, undershoot / r)
    assert worst > 0.3  # the undershoot is real (this documents it, it is not round-off)


@pytest.mark.parametrize("kind", ["1d", "2d"])
def test_translation_invariance(kind):
    lat = GRIDS[kind]
    u = _random_field(lat.shape + (DEPTH.nz,), 2)
    shift = (5,) if kind == "1d" else (2, 4)
    axes = tuple(range(lat.ndim))
    out = fused(u, 0.9, lat)
    out_rolled = fused(jnp.roll(u, shift, axis=axes), 0.9, lat)
    np.testing.assert_allclose(np.asarray(out_rolled), np.asarray(jnp.roll(out, shift, axis=axes)), rtol=0, atol=1e-12)
    v = u[..., 0]
    w = lateral_diffusion_step(v, 0.9, lateral=lat, D_x=30.0)
    w_rolled = lateral_diffusion_step(jnp.roll(v, shift, axis=axes), 0.9, lateral=lat, D_x=30.0)
    np.testing.assert_allclose(np.asarray(w_rolled), np.asarray(jnp.roll(w, shift, axis=axes)), rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["column", "1d", "2d"])
def test_zero_step_is_identity(kind):
    lat = GRIDS[kind]
    u = _random_field(lat.shape + (DEPTH.nz,), 4)
    np.testing.assert_allclose(np.asarray(fused(u, 0.0, lat)), np.asarray(u), rtol=0, atol=1e-13)
    np.testing.assert_allclose(np.asarray(split(u, 0.0, lat)), np.asarray(u), rtol=0, atol=1e-13)
    v = u[..., 0]
    np.testing.assert_allclose(np.asarray(lateral_diffusion_step(v, 0.0, lateral=lat, D_x=30.0, decay=2.0, source=5.0)),
                               np.asarray(v), rtol=0, atol=1e-13)


def test_per_column_face_values():
    """``depth_diffusion_step`` with column-varying Robin coefficients equals column-by-column solves."""
    lat = GRIDS["1d"]
    u = _random_field(lat.shape + (DEPTH.nz,), 5)
    coeff = jnp.linspace(0.0, 20.0, lat.n)
    value = jnp.linspace(-1.0, 1.0, lat.n)
    out = depth_diffusion_step(u, 0.3, depth=DEPTH, D_z=40.0, decay=DECAY, source=SOURCE,
                               bottom=BoundaryCondition("dirichlet", value), top=BoundaryCondition("robin", 0.5, coeff))
    for i in range(lat.n):
        col = implicit_diffusion_step(u[i], 0.3, lateral=LateralGrid("column"), depth=DEPTH, D_z=40.0, D_x=0.0,
                                      decay=DECAY, source=SOURCE, bottom=BoundaryCondition("dirichlet", value[i]),
                                      top=BoundaryCondition("robin", 0.5, coeff[i]))
        np.testing.assert_allclose(np.asarray(out[i]), np.asarray(col), rtol=1e-13, atol=1e-13)


def test_bad_boundary_kind_raises():
    with pytest.raises(ValueError, match="boundary kind 'periodic'"):
        BoundaryCondition("periodic")


@pytest.mark.parametrize("kind", ["1d", "2d"])
def test_per_column_coefficients_on_both_faces(kind):
    """Both faces' Robin coefficients vary by column (the rank-two correction of the
    shared factorisation in full), over four decades: equal to column-by-column solves."""
    lat = GRIDS[kind]
    u = _random_field(lat.shape + (DEPTH.nz,), 7)
    n = int(np.prod(lat.shape))
    coeff_b = jnp.asarray(np.logspace(-2, 2, n).reshape(lat.shape))
    coeff_t = jnp.asarray(np.logspace(2, -2, n).reshape(lat.shape))
    out = depth_diffusion_step(u, 0.7, depth=DEPTH, D_z=40.0, decay=DECAY, source=SOURCE,
                               bottom=BoundaryCondition("robin", 1.0, coeff_b), top=BoundaryCondition("robin", 0.5, coeff_t))
    flat_u, flat_out = u.reshape(n, DEPTH.nz), out.reshape(n, DEPTH.nz)
    for i in range(0, n, max(n // 16, 1)):
        col = implicit_diffusion_step(flat_u[i], 0.7, lateral=LateralGrid("column"), depth=DEPTH, D_z=40.0, D_x=0.0,
                                      decay=DECAY, source=SOURCE,
                                      bottom=BoundaryCondition("robin", 1.0, coeff_b.reshape(-1)[i]),
                                      top=BoundaryCondition("robin", 0.5, coeff_t.reshape(-1)[i]))
        np.testing.assert_allclose(np.asarray(flat_out[i]), np.asarray(col), rtol=1e-12, atol=1e-13)


def test_steady_state_solves_the_operator_and_is_the_fixed_point_of_a_step():
    u = depth_steady_state(DEPTH, 40.0, DECAY, SOURCE, BOTTOM, TOP)
    lower, diag, upper, b = depth_operator(DEPTH, 40.0, DECAY, BOTTOM, TOP)
    Lu = diag * u + lower * jnp.roll(u, 1) + upper * jnp.roll(u, -1)  # lower[0] = upper[-1] = 0
    residual = Lu + b + SOURCE
    assert float(jnp.max(jnp.abs(residual))) < 1e-12 * float(jnp.max(jnp.abs(SOURCE + b)))
    for dt in (0.5, 7.0):
        after = fused(u, dt, LateralGrid("column"))
        np.testing.assert_allclose(np.asarray(after), np.asarray(u), rtol=1e-12, atol=0)
