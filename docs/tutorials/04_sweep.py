# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Tutorial 4: a sweep and its trade-off
#
# A sweep runs many scenarios that differ in a few settings and stores them in one Zarr
# store, with the swept settings as dimensions. The main job
# (`configs/sweeps/frequency_intensity.yaml`, docs/sweeps.md) sweeps 5 intervals × 6 dial
# levels × 3 seeds on a transect. Here we run a tiny version: 3 dial levels of the medium
# diamond tip × 2 intervals, 3 sessions, on a single column of the young face
# (6 scenarios, computed together under `jax.vmap`).
#
# `experiments.sweep` takes the mapping a sweep file holds; the command line does the
# same with a file: `epiturn sweep SWEEP.yaml -o OUT.zarr`.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import yaml

import experiments
import experiments.report

OUT = Path(os.environ.get("EPITURN_TUTORIAL_OUT", "results/tutorials"))
OUT.mkdir(parents=True, exist_ok=True)

# the base scenario: the typical course of configs/runs/, shortened to 3 sessions on a column
with open("configs/runs/course_typical_face.yaml", encoding="utf-8") as f:
    base = yaml.safe_load(f)
base["grid"] = {"lateral": "column", "dt_hours": 1}
base["save"] = {"every_hours": 24}
base["protocol"].update(sessions=3, follow_up_days=7, settings={"level": "moderate", "speed_mm_s": 20})

SWEEP = {"name": "tutorial_levels_intervals", "base": base, "mode": "grid",
         "axes": {"protocol.interval_days": [2, 7], "protocol.settings.level": ["gentle", "moderate", "maximum"]}}
store = OUT / "tutorial_sweep.zarr"
ds = experiments.sweep(SWEEP, store, resume=store.exists())
print(dict(ds.sizes))
ds[["removed_um", "barrier_recovery_hours", "irritation_burden_days"]]

# %% [markdown]
# `resume=True` continues a store that an earlier call began (here: re-running the
# notebook reuses the finished store). The sweep axes are dimensions with coordinates,
# so a cell is selected by its settings:

# %%
cell = ds.sel(interval_days=7, level="moderate")
print(f"moderate, weekly: {float(cell.removed_um.sum('session')):.2f} µm removed over the course, "
      f"irritation burden {float(cell.irritation_burden_days):.2f} d")

# %% [markdown]
# ## Is a setting safe?
#
# The decision of docs/outcomes.md calls a setting *safe* when its barrier heals before
# every next session, no session removes living epidermis (more than 0.1 µm) and no
# session reaches petechiae risk 0.1. Each flag is a reduction over the sessions:

# %%
heals = (ds.barrier_recovered == 1).all("session")
injures = ds.injury_max_um.max("session") > 0.1
petechiae = ds.petechiae_risk.max("session") >= 0.1
safe = heals & ~injures & ~petechiae
removed = ds.removed_um.sum("session")  # µm over the course
burden = ds.irritation_burden_days
for interval in ds.interval_days.values:
    for level in ds.level.values:
        c = dict(interval_days=interval, level=level)
        flags = [name for name, flag in (("does not heal", ~heals), ("injures", injures),
                                         ("petechiae", petechiae)) if bool(flag.sel(c))]
        print(f"every {interval:g} d, {level:<8} removed {float(removed.sel(c)):5.2f} µm, "
              f"burden {float(burden.sel(c)):5.2f} d, worst recovery "
              f"{float(ds.barrier_recovery_hours.sel(c).max()):5.0f} h: {'safe' if bool(safe.sel(c)) else ', '.join(flags)}")

# %% [markdown]
# ## The trade-off
#
# Exfoliating more (more µm removed per course) costs more irritation, and beyond some
# setting the skin no longer heals between sessions or is injured. On a column the
# smoothing itself (Ra) is undefined, so we draw removal against irritation burden; the
# main job's `tradeoff` figure draws the Ra gain on a transect
# (`experiments.report.plot_tradeoff`).

# %%
fig, ax = plt.subplots(figsize=(6, 4))
for interval, marker in zip(ds.interval_days.values, ("o", "s")):
    sub = dict(interval_days=interval)
    for level in ds.level.values:
        c = dict(sub, level=level)
        ok = bool(safe.sel(c))
        ax.plot(float(burden.sel(c)), float(removed.sel(c)), marker, ms=9,
                mfc="tab:green" if ok else "none", mec="tab:green" if ok else "tab:red")
        ax.annotate(f"{level}, {interval:g} d", (float(burden.sel(c)), float(removed.sel(c))),
                    textcoords="offset points", xytext=(6, 4), fontsize=8)
ax.set_xscale("log")
ax.set_xlabel("irritation burden (d)")
ax.set_ylabel("tissue removed over the course (µm)")
ax.set_title("filled: safe; hollow: not safe")
fig.tight_layout()

# %% [markdown]
# ## The figures of the plot command
#
# `experiments.report.plot_heatmaps` draws an outcome over the first two axes, with the
# decision's marks (the healing outline, hatching where a setting injures or risks
# petechiae).

# %%
from IPython.display import Image, display

files, notes = experiments.report.plot_heatmaps(ds, OUT / "tutorial_sweep_figures",
                                                outcomes=["irritation_burden", "barrier_recovery_hours_max"])
print(notes)
for f in files:
    if f.suffix == ".png":
        display(Image(filename=str(f)))
