"""Convergence orders of the diffusion solver against analytic solutions.

* Space: the cell-centred finite-volume depth operator (``sim.depth_operator``) is
  second order in ``h`` for every pair of face conditions (Dirichlet, Neumann, Robin),
  checked on a manufactured steady profile ``-D u'' + k(z) u = q`` with a depth-varying
  decay ``k``; the backward-Euler steps, run to steady state, reach the same discrete
  profile.
* Time: backward Euler is first order. The error is isolated from the spatial error by
  using modes that the spatial discretisation represents exactly: a lateral Fourier mode
  (the lateral symbol ``-|k|^2`` is exact) on a 1-D and a 2-D grid, decaying as
  ``exp(-D |k|^2 t)``, and the depth cosine mode, an exact eigenvector of the Neumann
  finite-volume operator with eigenvalue ``-(4 D / h^2) sin^2(pi h / 2H)``.

Fitted slopes of log(error) against log(h) or log(dt) must match the declared order.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import solve_banded

import jax
import jax.numpy as jnp

from sim import (
    BoundaryCondition, DepthGrid, LateralGrid, depth_diffusion_step, depth_operator, implicit_diffusion_step,
)

# --------------------------------------------------------------------- manufactured profile
THICKNESS = 2.0  # µm
D = 0.7  # µm^2/h
BETA = 1.7  # Robin coefficient, µm/h


def u_exact(z):
    return np.cos(1.3 * z) + 0.4 * z**2 + 0.5


def du_exact(z):
    return -1.3 * np.sin(1.3 * z) + 0.8 * z


def d2u_exact(z):
    return -1.69 * np.cos(1.3 * z) + 0.8


def decay(z):
    return 0.3 + 0.2 * z


def face(kind: str, where: str) -> BoundaryCondition:
    """The face condition that the exact profile satisfies (inward flux convention)."""
    z = 0.0 if where == "bottom" else THICKNESS
    inward_flux = -D * du_exact(z) if where == "bottom" else D * du_exact(z)
    if kind == "dirichlet":
        return BoundaryCondition("dirichlet", u_exact(z))
    if kind == "neumann":
        return BoundaryCondition("neumann", inward_flux)
    # robin: inward flux = beta (value - u_face)  =>  value = u_face + flux / beta
    return BoundaryCondition("robin", u_exact(z) + inward_flux / BETA, BETA)


def steady_profile(nz: int, bottom: str, top: str):
    """Solve ``L u + b + q = 0`` with the operator of ``sim.depth_operator`` (SciPy banded solve)."""
    grid = DepthGrid(nz, THICKNESS)
    z = grid.z_um
    lower, diag, upper, b = (np.asarray(a) for a in depth_operator(grid, D, decay(z), face(bottom, "bottom"), face(top, "top")))
    q = -D * d2u_exact(z) + decay(z) * u_exact(z)
    banded = np.zeros((3, nz))
    banded[0, 1:] = upper[:-1]
    banded[1] = diag
    banded[2, :-1] = lower[1:]
    return grid, solve_banded((1, 1), -banded, q + b), q


def fitted_slope(x, err):
    return float(np.polyfit(np.log(x), np.log(err), 1)[0])


KINDS = ("dirichlet", "neumann", "robin")
NZS = (8, 16, 32, 64, 128)


@pytest.mark.parametrize("bottom", KINDS)
@pytest.mark.parametrize("top", KINDS)
def test_depth_operator_second_order(bottom, top):
    hs, errs = [], []
    for nz in NZS:
        grid, u, _ = steady_profile(nz, bottom, top)
        hs.append(grid.h_um)
        errs.append(np.max(np.abs(u - u_exact(grid.z_um))))
    slope = fitted_slope(hs, errs)
    assert 1.9 <= slope <= 2.1, f"{bottom}/{top}: fitted order {slope:.3f}, errors {errs}"
    assert errs[-1] < 1e-4
    # the error keeps falling by ~4x per halving all the way down (no stagnation)
    ratios = np.asarray(errs[:-1]) / np.asarray(errs[1:])
    assert np.all(ratios > 3.5), ratios


@pytest.mark.parametrize("bottom,top", [("dirichlet", "robin"), ("robin", "neumann"), ("neumann", "dirichlet")])
def test_steps_reach_the_discrete_steady_profile(bottom, top):
    """Backward-Euler steps (both solvers) iterate to the same profile as the operator."""
    nz = 24
    grid, u_star, q = steady_profile(nz, bottom, top)
    z = grid.z_um
    bc_b, bc_t = face(bottom, "bottom"), face(top, "top")
    lat = LateralGrid("1d", 4, 10.0)
    k, src = jnp.asarray(decay(z)), jnp.asarray(q)

    @jax.jit
    def three_steps(u_col, u_dep, u_lat):
        u_col = implicit_diffusion_step(u_col, 2.0, lateral=LateralGrid("column"), depth=grid, D_z=D, D_x=0.0,
                                        decay=k, source=src, bottom=bc_b, top=bc_t)
        u_dep = depth_diffusion_step(u_dep, 2.0, depth=grid, D_z=D, decay=k, source=src, bottom=bc_b, top=bc_t)
        u_lat = implicit_diffusion_step(u_lat, 2.0, lateral=lat, depth=grid, D_z=D, D_x=5.0,
                                        decay=k, source=src, bottom=bc_b, top=bc_t)
        return u_col, u_dep, u_lat

    u_col, u_dep, u_lat = jnp.zeros(nz), jnp.zeros((3, nz)), jnp.zeros((4, nz))  # 3 independent columns
    for _ in range(60):  # dt = 2 h, slowest decay rate >= 0.3/h: 0.6^-60 damping
        u_col, u_dep, u_lat = three_steps(u_col, u_dep, u_lat)
    np.testing.assert_allclose(np.asarray(u_col), u_star, rtol=0, atol=1e-11)
    np.testing.assert_allclose(np.asarray(u_dep), np.broadcast_to(u_star, (3, nz)), rtol=0, atol=1e-11)
    np.testing.assert_allclose(np.asarray(u_lat), np.broadcast_to(u_star, (4, nz)), rtol=0, atol=1e-11)


# --------------------------------------------------------------------- time order
T_END = 2.0  # h
NSTEPS = (4, 8, 16, 32, 64, 128)


def _run(u0, n, step):
    dt = T_END / n
    u = u0
    for _ in range(n):
        u = step(u, dt)
    return u


def _time_order(u0, exact, step):
    step = jax.jit(step)  # dt is traced: one compilation for every step size
    errs = [float(jnp.max(jnp.abs(_run(u0, n, step) - exact))) for n in NSTEPS]
    dts = [T_END / n for n in NSTEPS]
    return fitted_slope(dts, errs), errs


def test_backward_euler_first_order_lateral_mode_1d():
    lat = LateralGrid("1d", 32, 100.0)
    depth = DepthGrid(5, 10.0)
    k = 2 * np.pi * 3 / lat.width_um
    Dx = 1.0 / (k**2 * T_END)  # D k^2 T = 1
    x = lat.x_um
    u0 = jnp.asarray(np.broadcast_to(np.cos(k * x)[:, None], (32, 5)).copy())
    exact = np.exp(-Dx * k**2 * T_END) * np.asarray(u0)
    step = lambda u, dt: implicit_diffusion_step(u, dt, lateral=lat, depth=depth, D_z=3.0, D_x=Dx)  # noqa: E731
    slope, errs = _time_order(u0, exact, step)
    assert 0.95 <= slope <= 1.05, (slope, errs)
    # and the error is the backward-Euler amplification error, nothing else
    n = NSTEPS[-1]
    be = (1.0 / (1.0 + Dx * k**2 * T_END / n)) ** n
    np.testing.assert_allclose(np.asarray(_run(u0, n, jax.jit(step))), be * np.asarray(u0), rtol=0, atol=1e-12)


def test_backward_euler_first_order_lateral_mode_2d():
    lat = LateralGrid("2d", 16, 80.0)
    depth = DepthGrid(4, 10.0)
    kx, ky = 2 * np.pi * 2 / lat.width_um, 2 * np.pi * 1 / lat.width_um
    k2 = kx**2 + ky**2
    Dx = 1.0 / (k2 * T_END)
    X, Y = np.meshgrid(lat.x_um, lat.x_um, indexing="ij")
    mode = np.cos(kx * X + ky * Y)
    u0 = jnp.asarray(np.broadcast_to(mode[..., None], (16, 16, 4)).copy())
    exact = np.exp(-Dx * k2 * T_END) * np.asarray(u0)
    step = lambda u, dt: implicit_diffusion_step(u, dt, lateral=lat, depth=depth, D_z=3.0, D_x=Dx)  # noqa: E731
    slope, errs = _time_order(u0, exact, step)
    assert 0.95 <= slope <= 1.05, (slope, errs)


def test_backward_euler_first_order_per_column_lateral_step():
    """``lateral_diffusion_step`` (per-column fields) has the same first-order decay."""
    from sim import lateral_diffusion_step

    lat = LateralGrid("1d", 32, 100.0)
    k = 2 * np.pi * 2 / lat.width_um
    Dx = 1.0 / (k**2 * T_END)
    u0 = jnp.asarray(np.cos(k * lat.x_um))
    exact = np.exp(-1.0) * np.asarray(u0)
    step = lambda u, dt: lateral_diffusion_step(u, dt, lateral=lat, D_x=Dx)  # noqa: E731
    slope, errs = _time_order(u0, exact, step)
    assert 0.95 <= slope <= 1.05, (slope, errs)


@pytest.mark.parametrize("solver", ["implicit", "depth"])
def test_backward_euler_first_order_depth_cosine_mode(solver):
    depth = DepthGrid(16, 30.0)
    h, H = depth.h_um, depth.thickness_um
    Dz = 20.0
    mode = np.cos(np.pi * depth.z_um / H)
    lam = -(4 * Dz / h**2) * np.sin(np.pi * h / (2 * H)) ** 2  # exact discrete eigenvalue
    # the mode is an eigenvector of the Neumann operator
    lower, diag, upper, b = (np.asarray(a) for a in depth_operator(depth, Dz, 0.0, BoundaryCondition(), BoundaryCondition()))
    Lm = diag * mode + lower * np.roll(mode, 1) + upper * np.roll(mode, -1)
    np.testing.assert_allclose(Lm, lam * mode, rtol=0, atol=1e-12 * abs(lam))
    # and it approximates the continuous rate -D (pi/H)^2 to second order:
    # sin^2(x)/x^2 = 1 - x^2/3 + O(x^4) with x = pi h / 2H
    rel = 1 - lam / (-Dz * (np.pi / H) ** 2)
    np.testing.assert_allclose(rel, (np.pi * h / H) ** 2 / 12, rtol=0.01)
    u0 = jnp.asarray(mode)
    exact = np.exp(lam * T_END) * mode
    if solver == "implicit":
        step = lambda u, dt: implicit_diffusion_step(u, dt, lateral=LateralGrid("column"), depth=depth, D_z=Dz, D_x=0.0)  # noqa: E731
    else:
        step = lambda u, dt: depth_diffusion_step(u, dt, depth=depth, D_z=Dz)  # noqa: E731
    slope, errs = _time_order(u0, exact, step)
    assert 0.9 <= slope <= 1.05, (slope, errs)
