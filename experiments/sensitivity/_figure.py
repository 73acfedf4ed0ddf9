"""The figure of a sensitivity analysis: per outcome, the indices of every factor with their intervals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

__all__ = ["indices_figure"]


def indices_figure(ds: xr.Dataset, path: Path) -> Path:
    """Write ``path`` (PNG): one panel per outcome, bars of ``S1`` and ``ST`` per factor with
    their bootstrap intervals, and the derivative-based bound ``dgsm`` (diamonds, with its interval)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    outcomes = [str(o) for o in ds.outcome.values]
    factors = [str(p) for p in ds.parameter.values]
    ncol = min(3, len(outcomes))
    nrow = int(np.ceil(len(outcomes) / ncol))
    fig = Figure(figsize=(4.6 * ncol, 0.45 * len(factors) * nrow + 1.6 * nrow), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False, sharey=True)
    y = np.arange(len(factors))
    for k, outcome in enumerate(outcomes):
        ax = axes[k // ncol][k % ncol]
        sel = ds.sel(outcome=outcome)
        for key, dy, colour in (("S1", -0.18, "tab:blue"), ("ST", 0.18, "tab:orange")):
            ax.barh(y + dy, sel[key].values, height=0.34, xerr=sel[f"{key}_conf"].values, color=colour,
                    ecolor="0.3", capsize=2, label=key)
        if np.isfinite(sel["dgsm"].values).any():
            ax.errorbar(np.minimum(sel["dgsm"].values, 1.5), y, xerr=sel["dgsm_conf"].values, fmt="D", color="k",
                        ms=4, lw=0.8, label="DGSM bound")
        ax.axvline(0, color="0.5", lw=0.6)
        units = str(ds[f"{outcome}_band"].attrs.get("units", ""))
        band = ds[f"{outcome}_band"].values
        ax.set_title(f"{outcome}\n5-95 %: {band[0]:.3g} .. {band[-1]:.3g} {units}", fontsize=9)
        ax.set_xlim(-0.1, 1.1)
        ax.set_xlabel("index (1)")
        ax.set_yticks(y, factors, fontsize=8)
        ax.invert_yaxis()
    for k in range(len(outcomes), nrow * ncol):
        axes[k // ncol][k % ncol].set_visible(False)
    handles = {}
    for ax in axes.ravel():
        for h, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, h)
    fig.legend(list(handles.values()), list(handles), fontsize=8, loc="outside lower center", ncols=len(handles))
    fig.suptitle(f"Sobol indices ({100 * float(ds.attrs['confidence_level']):g} % bootstrap intervals), "
                 f"N = {ds.attrs['samples']}, {ds.attrs['model_runs']} runs", fontsize=10)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150)
    return path
