"""The model API without configs: build parameters, spin up, simulate, vmap a batch.

Run:  python docs/examples/model_api.py [OUT_DIR]      (about 30 s on 2 CPU cores)

What ``experiments.run`` does for one config, written out with the public names of
``models`` and ``sim`` (docs/architecture.md, "Data flow"), on a single column of the
young face:

1. 64-bit floats, switched on where the process starts (``import sim`` does not);
2. the profile's parameter values (a ``{name: value}`` mapping in the units of the
   parameter table, here read from ``configs/skin/young_face.yaml`` by
   ``experiments.load_run_config``; ``models`` reads no files);
3. ``models.make_params`` -> ``models.spin_up`` (the homeostatic steady state);
4. a time grid refined after a tape strip on day 1 (``sim.make_time_grid``) and a
   schedule (``models.make_schedule``) whose one event removes a fraction of the SC;
5. ``models.simulate``: one jitted ``lax.scan``, returning the final state, the initial
   readouts, the per-step readouts and a status (non-finite values, step, readout);
6. ``jax.vmap`` of the same call over three schedules (strips of 30, 60 and 90 % of the
   SC): one compiled batch, the way a sweep runs.

What to look for: the deeper the strip, the higher TEWL jumps (fewer layers left to
resist water loss), and every run stays finite (``status`` 0). Prints the TEWL peak of
each strip and writes OUT_DIR/model_api.png (default OUT_DIR: results/tutorial).
"""

import sys
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)  # before any array is made

import jax.numpy as jnp  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import models  # noqa: E402
import sim  # noqa: E402
from experiments import load_run_config  # noqa: E402

STRIP_DAY = 1.0
FRACTIONS = (0.3, 0.6, 0.9)  # of the SC layers, removed from the top


def main(out_dir="results/tutorial", days=6.0):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    values = load_run_config({"skin": "young_face", "grid": {"lateral": "column"}}).skin
    grid = models.ModelGrid(lateral=sim.LateralGrid("column"))
    state0, params, drift = models.spin_up(models.make_params(values, grid, seed=0), grid)
    print(f"spin-up drift over its last 30 days: {drift:.1e} (relative)")

    tgrid = sim.make_time_grid(days * 24.0, 1.0, [STRIP_DAY * 24.0], bin_width_h=grid.bin_width_h, save_every_h=6.0)
    schedules = [models.make_schedule(tgrid, [models.EVENT_STRIP], [f]) for f in FRACTIONS]

    one = models.simulate(state0, params, schedules[-1], grid)
    assert int(one.status.code) == models.STATUS_SUCCESSFUL, models.status_message(one.status, models.READOUT_NAMES)

    batch = jax.tree.map(lambda *leaves: jnp.stack(leaves), *schedules)
    runs = jax.vmap(models.simulate, in_axes=(None, None, 0, None))(state0, params, batch, grid)
    tewl = np.asarray(runs.steps.diag.tewl)  # (3, steps), g m-2 h-1
    np.testing.assert_allclose(tewl[-1], np.asarray(one.steps.diag.tewl), rtol=1e-12)  # batch = single run

    t_days = np.asarray(tgrid.t_end) / 24.0
    baseline = float(one.initial.diag.tewl)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    print(f"TEWL at homeostasis: {baseline:.2f} g m-2 h-1; peak after a strip of")
    for fraction, series, code in zip(FRACTIONS, tewl, np.asarray(runs.status.code)):
        print(f"  {fraction:.0%} of the SC: {series.max():.2f} g m-2 h-1 (status {int(code)})")
        ax.plot(t_days, series, label=f"strip {fraction:.0%} of the SC")
    ax.axhline(baseline, color="0.4", ls=":", lw=1, label="untreated")
    ax.set_xlabel("time (days)")
    ax.set_ylabel("TEWL (g m$^{-2}$ h$^{-1}$)")
    ax.set_title("Young face, one column: TEWL after tape strips of three depths (vmapped)")
    ax.legend(frameon=False)
    fig.tight_layout()
    path = out / "model_api.png"
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
