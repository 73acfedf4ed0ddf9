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
# # Tutorial 1: a first run and its outputs
#
# We run the untreated young face for ten days on a single column of skin and look at
# what a run returns: an `xarray.Dataset` of time series (lateral means), scalars and
# provenance, every variable with its units. Background: the guide's page *How the epidermis
# renews* (`docs/learn/renewal.md`).
#
# Run this notebook from the repository root (`jupyter lab`, then open
# `docs/tutorials/01_first_run.py` as a notebook; or `jupytext --to ipynb`). The first
# run spins up the profile's homeostasis (about 20 s on 2 CPU cores) and caches it in
# `$EPITURN_CACHE`; later runs start at once.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt

import experiments

OUT = Path(os.environ.get("EPITURN_TUTORIAL_OUT", "results/tutorials"))  # where files go
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# A run config is a mapping (or a YAML file, see `configs/runs/`): the skin profile, the
# grid, what to save and for how long. `grid.lateral: column` is one column of skin,
# the fastest grid; `progress=print` shows what the run does.

# %%
config = {
    "skin": "young_face",
    "grid": {"lateral": "column", "dt_hours": 1},
    "save": {"every_hours": 6},
    "duration_days": 10,
}
ds = experiments.run(config, progress=print)
ds

# %% [markdown]
# ## Time series and their units
#
# Every variable carries CF `units` and a `long_name`. The time series are on `time`
# (days since the start of the run).

# %%
for name in ["tewl", "sc_layers", "sc_thickness_um", "ve_thickness_um", "sc_transit_days",
             "basal_proliferation", "lamellar_body_store", "calcium_top"]:
    var = ds[name]
    print(f"{name:<20} {float(var.isel(time=-1)):9.3f} {var.attrs['units']:<10} {var.attrs['long_name']}")

# %% [markdown]
# At homeostasis production and shedding balance, so the series are flat: the young
# face keeps about 9 SC layers (T1 of docs/validation.md: face 9 ± 2) and renews its SC
# in about 10 days.

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
ds.tewl.plot(ax=axes[0])
ds.sc_layers.plot(ax=axes[1])
axes[0].set_ylabel(f"TEWL ({ds.tewl.attrs['units']})")
axes[1].set_ylabel("SC layers (1)")
for ax in axes:
    ax.set_xlabel("time (d)")
fig.tight_layout()

# %% [markdown]
# ## Scalars and provenance
#
# The untreated steady state is kept as scalars (`tewl_baseline`, ...). The attributes
# record how the result was made: the fully resolved config (it runs again as it is),
# its hash, the epiturn version and the git commit.

# %%
print(f"TEWL at homeostasis: {float(ds.tewl_baseline):.2f} {ds.tewl_baseline.attrs['units']}")
print(f"SC transit time:     {float(ds.sc_transit_days_baseline):.1f} d")
print(f"SC layers:           {float(ds.sc_layers_baseline):.2f}")
print({key: ds.attrs[key] for key in ("epiturn_version", "config_hash")})

# %% [markdown]
# A single column has no surface profile, so its roughness is NaN by definition; the
# variable says so in its `comment`:

# %%
print(ds.ra_um.attrs.get("comment"))

# %% [markdown]
# ## Saving the run
#
# `epiturn run CONFIG -o OUT.nc` writes the same dataset as NetCDF;
# `experiments.storage.write_netcdf` does it from Python. Tutorial 5 reads such files.

# %%
path = experiments.storage.write_netcdf(ds, OUT / "first_run.nc")
print("wrote", path)
