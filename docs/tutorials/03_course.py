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
# # Tutorial 3: a microdermabrasion course
#
# We run the typical clinical course of `configs/runs/course_typical_face.yaml` (medium
# diamond tip, 30 kPa, 2 N, 2 passes, weekly × 6 on the young face, 4 weeks of
# follow-up) and read its per-session outputs and course outcomes (docs/outcomes.md).
# Background: the guide's page *Why exfoliation works* (`docs/learn/exfoliation.md`).
#
# The config runs on the default 1-D transect (256 columns, about 20 s for its first
# spin-up); to keep the tutorial short we override the grid to a single column, as on the
# command line: `epiturn run configs/runs/course_typical_face.yaml --set grid.lateral=column`.

# %%
import os
from pathlib import Path

from IPython.display import Image, display

import experiments
import experiments.report

OUT = Path(os.environ.get("EPITURN_TUTORIAL_OUT", "results/tutorials"))
OUT.mkdir(parents=True, exist_ok=True)

ds = experiments.run("configs/runs/course_typical_face.yaml", ["grid.lateral=column"])
protocol = experiments.load_run_config("configs/runs/course_typical_face.yaml", ["grid.lateral=column"]).protocol
print(protocol.model_dump(exclude_none=True))

# %% [markdown]
# ## Per session
#
# Each session has its own outputs on the dimension `session`: what it removed, whether
# it reached the living epidermis, how long the barrier took to recover, and whether the
# barrier was recovered when it started.

# %%
per_session = ["session_day", "removed_layers", "removed_um", "injury_max_um", "tewl_after_session",
               "barrier_recovery_hours", "recovered_at_start", "petechiae_risk"]
ds[per_session].to_dataframe().round(2)

# %% [markdown]
# Every session removes about a quarter of the young-face SC (about 2.3 of its 9
# layers), none reaches the living epidermis, and the barrier is back within 10 % of its
# resting value within about a day, so every session starts on a recovered barrier.
#
# ## The course outcomes
#
# Scalars of the whole course: the irritation burden (the time integral of the relative
# TEWL excess: a day at twice the resting TEWL adds 1 d), the deepest injury, the worst
# recovery, and the change of the viable epidermis at the end of the course.

# %%
for name in ["irritation_burden_days", "max_injury_um", "barrier_recovery_hours_max",
             "ve_thickness_change_pct_end_course", "ra_change_pct_end_course"]:
    print(f"{name:<36} {float(ds[name]):8.2f} {ds[name].attrs.get('units', '')}")

# %% [markdown]
# The roughness change is NaN on a single column (no surface profile); run the config on
# its own transect to see the smoothing.
#
# ## The time course figure of `epiturn plot`
#
# `experiments.report.plot_timecourses` draws what `epiturn plot RESULT` draws for a run:
# TEWL with each session's peak, the untreated baseline and the recovery band.

# %%
files = experiments.report.plot_timecourses(ds, OUT, stem="course_timecourse")
print([f.name for f in files])
display(Image(filename=str(next(f for f in files if f.suffix == ".png"))))

# %% [markdown]
# ## An aggressive course, for contrast
#
# `configs/runs/course_aggressive_face.yaml`: the coarse tip at 60 kPa, 5 N and 8 passes
# every 2 days. Compare the injury and the recovery at the start of each session.

# %%
harsh = experiments.run("configs/runs/course_aggressive_face.yaml", ["grid.lateral=column"])
harsh[["removed_layers", "injury_max_um", "barrier_recovery_hours", "recovered_at_start",
       "petechiae_risk"]].to_dataframe().round(2)

# %%
print(f"irritation burden: typical {float(ds.irritation_burden_days):.1f} d, "
      f"aggressive {float(harsh.irritation_burden_days):.1f} d")
