"""Dermal topography templates and surface-roughness metrics.

The dermal surface ``b(x)`` (µm) starts from a template of Gaussian fine lines (grooves
running along ``y``, so they vary with ``x`` only) plus a seeded, spatially correlated
random roughness. Roughness is read on the full surface ``s`` (µm):

* ``Ra = mean |s - mean(s)|``, ``Rq = sqrt(mean (s - mean(s))^2)`` (ISO 4287, mean
  line = the mean of the periodic profile);
* ``Rz`` = mean over 5 equal sampling lengths of (max - min) (ISO 4287 ten-point style,
  on each profile line along ``x``; averaged over rows on a 2-D patch);
* ``fine_line_depth`` = mean over the template lines of (mean surface on the shoulders,
  2.5-4 sigma from the line centre) - (mean surface within 0.5 sigma of the centre).

All metrics are NaN-free and defined for 1-D and 2-D grids; a single column has no
profile, and its metrics are reported as NaN (see docs/model.md).
"""

from __future__ import annotations

import numpy as np
import jax.numpy as jnp

from sim import LateralGrid


def correlated_field(lateral: LateralGrid, length_um: float, rng: np.random.Generator) -> np.ndarray:
    """Zero-mean, unit-variance Gaussian random field with Gaussian correlation length.

    White noise filtered in Fourier space by ``exp(-k^2 l^2 / 4)`` (autocorrelation
    ``exp(-r^2 / (2 l^2))``). Shape ``lateral.shape``; zeros for a column.
    """
    if lateral.ndim == 0:
        return np.zeros(())
    noise = rng.standard_normal(lateral.shape)
    k2 = lateral.k2_per_um2
    filt = np.exp(-k2 * length_um**2 / 4.0)
    axes = tuple(range(lateral.ndim))
    field = np.fft.irfftn(np.fft.rfftn(noise, axes=axes) * filt, s=lateral.shape, axes=axes)
    field -= field.mean()
    sd = field.std()
    return field / sd if sd > 0 else field


def line_centres_um(lateral: LateralGrid, spacing_um: float) -> np.ndarray:
    n_lines = max(int(np.floor(lateral.width_um / spacing_um)), 1)
    step = lateral.width_um / n_lines
    return (np.arange(n_lines) + 0.5) * step


def _periodic_distance(x, centre, width):
    d = np.abs(x - centre)
    return np.minimum(d, width - d)


def template_surface(lateral: LateralGrid, *, line_depth_um, line_width_um, line_spacing_um,
                     roughness_rq_um, roughness_length_um, rng: np.random.Generator) -> np.ndarray:
    """Template dermal surface (µm, zero mean), shape ``lateral.shape``."""
    if lateral.ndim == 0:
        return np.zeros(())
    x = lateral.x_um
    lines = np.zeros(lateral.n)
    for c in line_centres_um(lateral, line_spacing_um):
        d = _periodic_distance(x, c, lateral.width_um)
        lines -= line_depth_um * np.exp(-0.5 * (d / line_width_um) ** 2)
    if lateral.ndim == 2:
        lines = np.broadcast_to(lines[:, None], lateral.shape)
    rough = roughness_rq_um * correlated_field(lateral, roughness_length_um, rng)
    surf = lines + rough
    return surf - surf.mean()


def fine_line_weights(lateral: LateralGrid, line_width_um, line_spacing_um) -> np.ndarray:
    """Weights ``w`` with ``fine_line_depth = sum(w * s)`` (shoulder mean - centre mean).

    Shape ``lateral.shape``; sums to zero. Zeros for a column.
    """
    if lateral.ndim == 0:
        return np.zeros(())
    x = lateral.x_um
    centre = np.zeros(lateral.n)
    shoulder = np.zeros(lateral.n)
    half_cell = 0.5 * lateral.dx_um
    for c in line_centres_um(lateral, line_spacing_um):
        d = _periodic_distance(x, c, lateral.width_um)
        centre += d <= max(0.5 * line_width_um, half_cell)
        shoulder += (d >= 2.5 * line_width_um) & (d <= max(4.0 * line_width_um, 2.5 * line_width_um + 2 * half_cell))
    if centre.sum() == 0 or shoulder.sum() == 0:
        return np.zeros(lateral.shape)
    w = shoulder / shoulder.sum() - centre / centre.sum()
    if lateral.ndim == 2:
        w = np.broadcast_to(w[:, None], lateral.shape) / lateral.n
    return np.asarray(w)


def roughness(surface, lateral: LateralGrid, line_weights):
    """Return ``(ra, rq, rz, fine_line_depth)`` of ``surface`` (µm), shape ``lateral.shape``."""
    if lateral.ndim == 0:
        # a constant, not ``nan * surface``: NaN must not leak into gradients of other readouts
        nan = jnp.full(jnp.shape(surface), jnp.nan, dtype=jnp.result_type(surface))
        return nan, nan, nan, nan
    prof = surface if lateral.ndim == 1 else surface.T  # rows along x: (..., n)
    prof = prof.reshape(-1, lateral.n)
    dev = prof - prof.mean(axis=-1, keepdims=True)
    ra = jnp.mean(jnp.abs(dev))
    rq = jnp.sqrt(jnp.mean(dev**2))
    seg = lateral.n // 5
    segs = prof[:, : 5 * seg].reshape(prof.shape[0], 5, seg)
    rz = jnp.mean(segs.max(axis=-1) - segs.min(axis=-1))
    depth = jnp.sum(line_weights * surface)
    return ra, rq, rz, depth
