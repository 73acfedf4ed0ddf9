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
# # Tutorial 5: reading results with xarray
#
# A run is saved as one NetCDF file (`epiturn run ... -o OUT.nc`), a sweep as one Zarr
# store (`epiturn sweep ... -o OUT.zarr`). Both follow the CF conventions, so any
# NetCDF/Zarr reader opens them; `experiments.storage.open_result` opens either and gives
# the time in days. Here we write a run with the command line, read it back, and select,
# reduce and plot with xarray.

# %%
import json
import os
import subprocess
import sys
from pathlib import Path

import xarray as xr

import experiments.storage

OUT = Path(os.environ.get("EPITURN_TUTORIAL_OUT", "results/tutorials"))
OUT.mkdir(parents=True, exist_ok=True)
path = OUT / "strip_young_face.nc"

# the command line, as in a terminal: epiturn run CONFIG -o OUT.nc --set KEY=VALUE ...
cmd = [sys.executable, "-m", "experiments.cli", "run", "configs/runs/strip_forearm.yaml", "-o", str(path),
       "--set", "skin=young_face", "--set", "duration_days=6"]
print(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)

# %% [markdown]
# ## Opening the file
#
# `open_result` decodes the CF time axis to days of the run; a plain `xr.open_dataset`
# shows dates (day 0 of the run is 2000-01-01), and `decode_times=False` the raw numbers.

# %%
ds = experiments.storage.open_result(path)
print(ds.time.values[:4], ds.time.attrs.get("units"))
with xr.open_dataset(path) as raw:
    print(raw.time.values[:2])
    print(raw.attrs["Conventions"])

# %% [markdown]
# ## Provenance
#
# The resolved config is stored in the file: it runs again as it is.

# %%
config = json.loads(ds.attrs["config_json"])
print(config["skin"] if isinstance(config["skin"], str) else config["skin"].get("name"), config["events"])
print(ds.attrs["git_commit"], ds.attrs["epiturn_version"], ds.attrs["created_utc"])

# %% [markdown]
# ## Selecting and reducing
#
# Select by label (`sel`), by position (`isel`), a window (`slice`), and reduce
# (`max`, `mean`, `idxmax`). Here: how high TEWL went, when, and the daily means.

# %%
tewl = ds.tewl
print(f"peak TEWL {float(tewl.max()):.1f} {tewl.attrs['units']} at day {float(tewl.idxmax()):.3f}")
print(f"TEWL one day after the strip: {float(tewl.sel(time=2.0, method='nearest')):.1f} {tewl.attrs['units']}")
daily = ds[["tewl", "sc_layers", "calcium_top"]].coarsen(time=24, boundary="trim").mean()
daily.to_dataframe().round(3)

# %% [markdown]
# ## Several variables in one figure
#
# Each variable plots with its name and units from its attributes.

# %%
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 3, figsize=(11, 3))
for ax, name in zip(axes, ["tewl", "sc_layers", "lamellar_body_store"]):
    ds[name].plot(ax=ax)
    ax.set_title(ds[name].attrs["long_name"], fontsize=9)
    ax.set_xlabel("time (d)")
fig.tight_layout()

# %% [markdown]
# ## A sweep store
#
# A sweep store opens the same way (`open_result` on the `.zarr` folder, or
# `xr.open_zarr`); its swept settings are dimensions. Tutorial 4 writes one: if it has
# been run, open its store here.

# %%
store = OUT / "tutorial_sweep.zarr"
if store.exists():
    sweep = experiments.storage.open_result(store)
    print(dict(sweep.sizes))
    print(sweep.irritation_burden_days.to_series().round(2))
else:
    print(f"no {store}: run tutorial 4 first")
