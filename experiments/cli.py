"""The ``epiturn`` command line (typer).

Bad input (a config problem, a missing file, an unknown name, a store or cluster that
cannot be used) ends the command with one line ``error: ...`` on stderr and exit code 2,
never a traceback; a computation that fails (:class:`experiments.errors.SimulationError`)
ends it with one line and exit code 1, as does a full disk while a sweep writes its store
(:class:`experiments.errors.DiskFullError`: the batches kept, continue with ``--resume``). The library's errors name the keyword argument at
fault (``parameter``); :data:`FLAGS` translates it into this command line's flag
(:func:`experiments.errors.for_command_line`).

Imports are light at the top (typer and the error classes only): ``epiturn --help``,
``epiturn COMMAND --help`` and ``epiturn --version`` answer without importing JAX, the
models or xarray. Each command imports what it needs in its body, and a command that
computes calls :func:`experiments._jaxconfig.configure_jax` (64-bit floats, the
persistent compilation cache) before it does. ``run``, ``sweep`` and ``compare`` say on
stderr what they are doing while they work (:mod:`experiments._activity`).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer

from experiments.errors import DiskFullError, EpiturnError, SimulationError, for_command_line
from experiments._activity import reporting
from experiments._jaxconfig import configure_jax

__all__ = ["FLAGS", "app", "main"]

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1

# keyword argument of the library (EpiturnError.parameter) -> the flag or argument of this command line
FLAGS = {
    "output": "-o/--output",
    "overrides": "--set",
    "cluster": "--cluster",
    "scheduler": "--scheduler",
    "resume": "--resume",
    "batch_size": "--batch-size",
    "kind": "--kind",
    "outcome": "--outcome",
    "result": "RESULT",
    "port": "--port",
    "host": "--host",
}

app = typer.Typer(
    name="epiturn",
    help="Simulate epidermal renewal and its response to microdermabrasion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        from experiments._provenance import package_version

        typer.echo(f"epiturn {package_version()}")
        raise typer.Exit()


@app.callback()
def _program(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version (epiturn X.Y.Z) and exit."),
) -> None:
    """Simulate epidermal renewal and its response to microdermabrasion."""


config_app = typer.Typer(help="Inspect and validate run configs.", no_args_is_help=True)
app.add_typer(config_app, name="config")

SET_HELP = "Override a config value: dotted.path=value (YAML value), e.g. protocol.interval_days=7. Repeatable."


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """Print ``error: message`` (one line) on stderr and exit with ``code`` (2: bad input)."""
    typer.echo("error: " + " ".join(str(message).split()), err=True)
    raise typer.Exit(code)


def message(exc: Exception) -> str:
    """The one-line message of ``exc`` in this command line's words (flags, not keywords)."""
    return for_command_line(exc, FLAGS) if isinstance(exc, EpiturnError) else str(exc)


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn bad-input exceptions of a command into a one-line error and exit code 2
    (a failed computation: exit code 1)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SimulationError as exc:
            fail(message(exc), EXIT_FAILED)
        except EpiturnError as exc:  # bad input (a ConfigError among them)
            fail(message(exc))
        except FileNotFoundError as exc:
            fail(f"{exc.filename or exc}: file not found")
        except IsADirectoryError as exc:
            fail(f"{exc.filename or exc}: is a directory")
        except PermissionError as exc:
            fail(f"{exc.filename or exc}: permission denied")
        except OSError as exc:  # a path that cannot be used (a name too long for the file system, ...)
            fail(f"{str(exc.filename or '')[:200]}: {exc.strerror or type(exc).__name__}")

    return wrapper


@app.command()
@guarded
def run(
    config: Path = typer.Argument(..., help="Run config (YAML)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="NetCDF file to write (default results/<config stem>.nc)."),
    set_: List[str] = typer.Option([], "--set", help=SET_HELP),
) -> None:
    """Simulate one scenario and write the result as NetCDF (what it is doing: on stderr)."""
    import experiments
    from experiments import storage
    from experiments.config import load_run_config

    configure_jax()
    resolved = load_run_config(config, set_)
    out = output if output is not None else Path("results") / f"{config.stem}.nc"
    with reporting(True) as say:  # experiments.run tells it what it is doing
        dataset = experiments.run(resolved)
        say(f"writing {out}")
        out.parent.mkdir(parents=True, exist_ok=True)
        storage.write_netcdf(dataset, out)
    typer.echo(f"wrote {out}")


@config_app.command("check")
@guarded
def config_check(
    config: Path = typer.Argument(..., help="Run config (YAML)."),
    set_: List[str] = typer.Option([], "--set", help=SET_HELP),
) -> None:
    """Validate a run config and print it fully resolved (YAML) with its hash."""
    import yaml

    from experiments.config import load_run_config

    resolved = load_run_config(config, set_)
    typer.echo(yaml.safe_dump(resolved.to_dict(), sort_keys=False, allow_unicode=True, width=100).rstrip())
    typer.echo(f"# config_hash: {resolved.hash}")


@app.command()
@guarded
def devices() -> None:
    """List the device catalogue (configs/devices)."""
    from rich.console import Console
    from rich.table import Table

    from experiments.config import list_devices, load_device

    table = Table(title="Device catalogue")
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("kind", no_wrap=True)
    table.add_column("grit/crystal (µm)", justify="right")
    table.add_column("tip (mm)", justify="right")
    table.add_column("aperture (mm)", justify="right")
    table.add_column("vacuum (kPa)", justify="right")
    table.add_column("crystal flow (g/min)", justify="right")
    table.add_column("levels", no_wrap=True)
    names = list_devices()
    if not names:
        fail("no devices found in configs/devices (or $EPITURN_CONFIGS)")
    for name in names:
        d = load_device(name)
        size = d.grit_um if d.kind == "diamond" else d.crystal_size_um
        table.add_row(
            name,
            d.kind,
            f"{size:g}",
            f"{d.tip_diameter_mm:g}",
            f"{d.aperture_diameter_mm:g}",
            f"{d.vacuum_kpa.min:g}–{d.vacuum_kpa.max:g}",
            f"{d.crystal_flow_g_min.min:g}–{d.crystal_flow_g_min.max:g}" if d.crystal_flow_g_min else "–",
            ", ".join(d.levels) or "–",
        )
    Console(width=max(Console().width, 140)).print(table)


@app.command()
@guarded
def sweep(
    sweep_file: Path = typer.Argument(..., help="Sweep file (YAML): base run config + axes."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Zarr store to write (default results/<sweep stem>.zarr)."),
    resume: bool = typer.Option(False, "--resume", help="Continue an unfinished store of this sweep (recomputes nothing done)."),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="Start a local Dask cluster: local:N (N worker processes, 1 thread each)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Send batches to the Dask scheduler at this address."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Scenarios per batch (default: from available memory)."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write the figures of the result when done."),
    figures: Optional[Path] = typer.Option(None, "--figures", help="Folder for the figures (default <store>_figures)."),
) -> None:
    """Run a parameter sweep into one Zarr store, batch by batch (resumable)."""
    from experiments.sweep import SweepReport, load_sweep, run_sweep

    configure_jax()
    if cluster is not None and scheduler is not None:
        fail(f"--cluster: {cluster!r} is given together with --scheduler; allowed: one of --cluster local:N or --scheduler ADDRESS")
    with reporting(True):  # a large sweep says its size before it resolves every scenario
        plan = load_sweep(sweep_file)
    out = output if output is not None else Path("results") / f"{sweep_file.stem}.zarr"
    out.parent.mkdir(parents=True, exist_ok=True)
    report = SweepReport(str(out), 0, 0, 0)
    try:
        dataset = run_sweep(plan, out, resume=resume, cluster=cluster, scheduler=scheduler, batch_size=batch_size,
                            progress=True, report=report, echo=typer.echo)
    except DiskFullError as exc:  # not bad input: the batches finished are kept
        fail(f"{exc.reason} writing {out}: {exc.kept} of {exc.total} batches kept; free space, then continue with --resume",
             EXIT_FAILED)
    except RuntimeError as exc:  # the model failed (e.g. a spin-up that did not converge): not bad input
        if isinstance(exc, EpiturnError) and not isinstance(exc, SimulationError):
            raise  # a cluster that cannot be reached: bad input, as the guard says
        kept = f"; the batches done so far are kept in {out} (continue with --resume)" if out.exists() else ""
        fail(f"sweep stopped: {message(exc)}{kept}", EXIT_FAILED)
    try:  # read back whole before the figures and the decision: a damaged chunk is one line here
        dataset = dataset.load()
    except Exception as exc:
        fail(f"-o/--output: {str(out)!r} cannot be read back ({type(exc).__name__}: a chunk of a recorded batch is damaged); "
             "allowed: a store of this sweep whose files are whole (delete it and run the sweep again)")
    if report.computed_batches:
        where = "in-process" if report.executor == "in-process" else f"on {report.executor}"
        typer.echo(f"ran {report.computed_batches} batches ({report.batch_size} scenarios each) in {report.wall_s:.1f} s "
                   f"{where}; {report.reused_batches} batches were already done")
    typer.echo(f"wrote {out}")
    figdir = figures if figures is not None else out.with_name(out.stem + "_figures")
    if plots:
        from experiments.report import plot_result

        files, notes = plot_result(dataset, None, figdir)
        for note in notes:
            typer.echo(f"note: {note}")
        typer.echo(f"figures ({len(files)} files) in {figdir}")
    _print_decision(dataset, plan.source.get("decision"), figdir)


def _print_decision(dataset: Any, rule_spec: Any, folder: Path) -> None:
    """The decision of a sweep with device sessions (none without): :func:`_write_decision`."""
    from experiments.report import DecisionRule, decide, has_sessions

    if has_sessions(dataset):
        typer.echo("")
        _write_decision(decide(dataset, DecisionRule.from_mapping(rule_spec)), folder)


def _write_decision(decision: Any, folder: Path) -> None:
    """Print a decision's summary and write it as ``folder/decision.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "decision.json").write_text(decision.to_json() + "\n", encoding="utf-8")
    typer.echo(decision.summary())
    typer.echo(f"decision written to {folder / 'decision.json'}")


@app.command()
@guarded
def compare(
    configs: List[Path] = typer.Argument(..., help="Two or more run configs (YAML)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Folder for the runs (NetCDF) and figures (default results/compare)."),
    set_: List[str] = typer.Option([], "--set", help=SET_HELP + " Applied to every config."),
) -> None:
    """Run configs side by side; print a table of their outcomes and write figures."""
    from rich.console import Console
    from rich.table import Table

    from experiments.report import compare_configs, plot_compare

    configure_jax()
    outdir = output if output is not None else Path("results") / "compare"
    try:
        with reporting(True):
            result = compare_configs(configs, outdir, set_)
    except RuntimeError as exc:  # the model failed (non-finite values, spin-up): not bad input
        if isinstance(exc, EpiturnError) and not isinstance(exc, SimulationError):
            raise
        fail(f"compare stopped: {message(exc)}", EXIT_FAILED)
    from experiments.report import display_units, outcome_rows

    table = Table(title="Outcomes side by side")
    table.add_column("", no_wrap=True, style="bold")
    table.add_column("units", no_wrap=True)
    for name in result.names:
        table.add_column(name, justify="right", min_width=min(len(name), 32), overflow="fold")
    for srow in result.settings_rows:
        table.add_row(srow.name, display_units(srow.units), *srow.values)
    table.add_section()
    rows, row_notes = outcome_rows(result)
    for row in rows:
        style = "bold red" if row.name == "verdict" and any(v.startswith("UNSAFE") for v in row.values) else None
        table.add_row(row.name, row.units, *row.values, style=style)
    Console(width=max(Console().width, 50 + max(16, *map(len, result.names)) * len(result.names))).print(table)
    if result.decision is not None:
        _write_decision(result.decision, outdir)
    for note in row_notes:
        typer.echo(f"note: {note}")
    files, notes = plot_compare(result.datasets, result.names, outdir)
    for note in notes:
        typer.echo(f"note: {note}")
    for f in result.files:
        typer.echo(f"wrote {f}")
    typer.echo(f"figures ({len(files)} files) in {outdir}")


@app.command()
@guarded
def plot(
    result: Path = typer.Argument(..., help="A result: NetCDF from `epiturn run` or a Zarr store from `epiturn sweep`."),
    kind: List[str] = typer.Option([], "--kind", help="timecourse, heatmap, tradeoff, profiles or decision (repeatable; default: all that apply)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Folder for the figures (default <result>_figures)."),
    outcome: Optional[str] = typer.Option(None, "--outcome", help="Outcome of the heat map (default: a standard set)."),
) -> None:
    """Write figures (PNG and SVG) of a run or a sweep."""
    from experiments.report import plot_result
    from experiments.storage import open_result

    configure_jax()
    dataset = open_result(result, load=True)  # a damaged chunk: one line here, not a traceback in a figure
    outdir = output if output is not None else result.with_name(result.stem + "_figures")
    try:
        files, notes = plot_result(dataset, kind or None, outdir, outcome)
    except EpiturnError:
        raise  # the guard names the flag
    except ValueError as exc:
        fail(str(exc))
    for note in notes:
        typer.echo(f"note: {note}")
    if not files:
        fail(f"{result}: no figure applies to this result; allowed: a run or sweep with tewl/ra_um time series")
    typer.echo(f"figures ({len(files)} files) in {outdir}")


@app.command()
@guarded
def report(
    result: Path = typer.Argument(..., help="A sweep store (Zarr), a folder of `epiturn compare` or a NetCDF run."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="HTML file to write (default <result stem>_report.html beside the result)."),
    uncertainty: Optional[Path] = typer.Option(None, "--uncertainty", help="An `epiturn sensitivity` NetCDF: its outcome bands (the spread over the skin parameters' ranges) are shown beside the recommendation."),
) -> None:
    """One self-contained HTML page: the recommendation and why, the outcomes, figures, validity, provenance."""
    from experiments.report import write_html_report

    written = write_html_report(result, output, uncertainty=uncertainty)
    typer.echo(f"wrote {written.path}")


@app.command()
@guarded
def validate(
    configs: Optional[List[Path]] = typer.Argument(
        None, help="Validation experiments: YAML files or folders of them (default: every file in configs/validation)."),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Folder for the report: validation.md, validation.html (self-contained), figures/."),
    update_docs: bool = typer.Option(
        False, "--update-docs", help="Also rewrite the result table of docs/validation.md (needs every config: no CONFIG)."),
) -> None:
    """Run the literature validation: table of checks, 'N of M checks pass'; exit 1 if any fails."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from experiments import validation
    from experiments.report import validation_cells

    configure_jax()
    if update_docs and configs:
        fail(f"--update-docs: given with CONFIG {', '.join(map(str, configs))}; allowed: no CONFIG "
             "(the docs table is the one of every config in configs/validation)")
    if output is not None and output.exists() and not output.is_dir():
        fail(f"-o/--output: {str(output)!r} is a file; allowed: a folder (created when missing)")
    run = validation.run_validation(configs or None, progress=lambda line: typer.echo(line, err=True))

    table = Table(title="Literature validation (conditions in the report: -o DIR)", show_lines=False)
    for name, kwargs in (("experiment", {"no_wrap": True}), ("id", {"no_wrap": True}), ("profile", {"no_wrap": True}),
                         ("quantity", {}), ("model value", {"justify": "right"}), ("target", {}),
                         ("accepted range", {"justify": "right"}), ("pass", {"no_wrap": True}), ("source", {"ratio": 1})):
        table.add_column(name, **kwargs)
    for row in run.table.to_dict("records"):
        c = validation_cells(row)  # plain text (no rich markup: a source may hold brackets)
        cells = [Text(str(row["experiment"]))] + [Text(c[k]) for k in (
            "id", "profile", "quantity", "model value", "target", "accepted range")]
        cells += [Text("yes") if row["passed"] else Text("FAIL", style="bold red"), Text(c["source"])]
        table.add_row(*cells, style=None if row["passed"] else "red")
    Console(width=max(Console().width, 180)).print(table)
    if output is not None:
        files = validation.write_report(run, output)
        typer.echo(f"wrote {files[0]}, {files[1]} and {len(files) - 2} figure files in {output / 'figures'}")
    if update_docs:
        from experiments.docs import VALIDATION_DOC, update_validation_doc

        changed = update_validation_doc(run.table)
        typer.echo(f"{'updated' if changed else 'unchanged'}: {VALIDATION_DOC}")
    typer.echo(run.summary)
    if run.n_passed < run.n_checks:
        raise typer.Exit(EXIT_FAILED)


@app.command()
@guarded
def sensitivity(
    config: Path = typer.Argument(..., help="A sensitivity file (configs/sensitivity/), a sweep file or a run config (YAML)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="NetCDF file of the indices (default results/<config stem>_sensitivity.nc); the figure is written beside it (.png)."),
    samples: Optional[int] = typer.Option(None, "--samples", help="Base sample size N (a power of 2): N (D + 2) model runs; default from the file (32)."),
    param: List[str] = typer.Option([], "--param", help="A factor to vary (skin parameter or session setting), repeatable; default from the file."),
) -> None:
    """Global sensitivity (Sobol indices with bootstrap intervals, derivative-based bounds) of the course outcomes."""
    from experiments.sensitivity import load_sensitivity_config, sensitivity as run_sensitivity

    configure_jax()
    cfg = load_sensitivity_config(config, samples=samples, parameters=list(param) or None)
    out = output if output is not None else Path("results") / f"{config.stem}_sensitivity.nc"
    figure = out.with_suffix(".png")
    with reporting(True):
        ds = run_sensitivity(cfg, out, figure=figure)
    for outcome in ds.outcome.values:
        row = ds.sel(outcome=outcome)
        parts = ", ".join(f"{p} {float(row.S1.sel(parameter=p)):.2f}/{float(row.ST.sel(parameter=p)):.2f}"
                          for p in ds.parameter.values)
        typer.echo(f"{outcome} (S1/ST): {parts}")
    typer.echo(f"{ds.attrs['model_runs']} model runs, {ds.attrs['spin_ups']} spin-ups, {ds.attrs['time_total_s']:.0f} s")
    typer.echo(f"wrote {out} and {figure}")


@app.command()
@guarded
def explore(
    result: Optional[Path] = typer.Argument(None, help="A sweep store (Zarr) to explore; without it: the live mode."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default 127.0.0.1: this machine only)."),
    port: int = typer.Option(5006, "--port", help="Port to listen on (0: any free port)."),
    show: bool = typer.Option(True, "--show/--no-browser", help="Open the page in the default browser."),
) -> None:
    """Interactive browser explorer: live re-simulation of a course, or a sweep store's heat maps (docs/explore.md)."""
    if not 0 <= port <= 65535:
        fail(f"--port: {port} is not a TCP port; allowed: 0 (any free port) to 65535")
    import importlib.util

    if importlib.util.find_spec("panel") is None:
        fail("explore needs the Python package panel (and bokeh, which it brings): pip install 'panel>=1.4'")
    configure_jax()
    if result is not None:
        from experiments.report import sweep_dims
        from experiments.storage import open_result

        dataset = open_result(result, load=True)
        if not sweep_dims(dataset):
            fail(f"RESULT: {str(result)!r} is a single run; allowed: a sweep store (Zarr) of `epiturn sweep`, "
                 "or no RESULT for the live mode")
        from experiments.explore import serve, sweep_app

        page = lambda: sweep_app(dataset, result.name)  # noqa: E731
    else:
        from experiments.explore import LiveModel, live_app, serve

        model = LiveModel()
        first = model.compile(say=lambda line: typer.echo(line, err=True))
        page = lambda: live_app(model, first)  # noqa: E731
    serve(page, host=host, port=port, show=show, say=lambda line: typer.echo(line))


@app.command()
@guarded
def calibrate(
    config: Path = typer.Argument(..., help="A calibration file (configs/calibrate/) or a run config (YAML)."),
    data: Path = typer.Argument(..., help="Measured time courses: CSV (time_days,variable,value[,sd][,units]) or NetCDF (docs/calibrate.md)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="The fitted skin profile (YAML; default results/<config stem>_profile.yaml); <stem>_residuals.csv and <stem>.png beside it."),
    parameter: List[str] = typer.Option([], "--fit", "--parameter", help="A skin parameter to fit, repeatable; default from the file's parameters."),
    no_figure: bool = typer.Option(False, "--no-figure", help="Do not run the fitted profile for the figure."),
) -> None:
    """Fit skin parameters to measured time courses; write a skin profile with standard errors and provenance."""
    from experiments.calibrate import calibrate as run_calibration, load_calibration_config

    configure_jax()
    cfg = load_calibration_config(config, parameters=list(parameter) or None)
    out = output if output is not None else Path("results") / f"{config.stem}_profile.yaml"
    with reporting(True):
        result = run_calibration(cfg, data, out, figure=not no_figure)
    for line in result.summary_lines():
        typer.echo(line)
    typer.echo("wrote " + ", ".join(str(p) for p in result.paths.values()))


@app.command()
@guarded
def optimise(
    config: Path = typer.Argument(..., help="An optimisation file (configs/optimise/): a base run and an optimise: block."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Folder for best.yaml, summary.json and the figure (default results/<config stem>_optimise)."),
    objective: Optional[str] = typer.Option(None, "--objective", help="The outcome to optimise (replaces the file's optimise.objective), e.g. ra_change_pct_end_followup."),
    max_petechiae_risk: Optional[float] = typer.Option(None, "--max-petechiae-risk", help="Every session's petechiae risk must stay below this (0..1; replaces the file's)."),
) -> None:
    """The best protocol within the safety limits: a constrained gradient search over the settings at each interval of a grid."""
    from rich.console import Console
    from rich.table import Table

    from experiments.optimise import load_optimise_config, optimise as run_optimise
    from experiments.optimise._run import seed_verdict
    from experiments.report._decision import format_setting

    configure_jax()
    cfg = load_optimise_config(config, objective=objective, max_petechiae_risk=max_petechiae_risk)
    out = output if output is not None else Path("results") / f"{config.stem}_optimise"
    with reporting(True):
        result = run_optimise(cfg, out)
    console = Console()
    table = Table(title=f"{cfg.rule.objective} ({cfg.rule.sense}) by interval")
    for col in ("interval (d)", "objective", "settings", "tightest limit (margin)"):
        table.add_column(col)
    for e in result.intervals:
        if not e["feasible"]:
            table.add_row(f"{e['interval_days']:g}", "none safe", "", "")
            continue
        tight = min(e["limits"].items(), key=lambda kv: -kv[1]["excess"])
        table.add_row(f"{e['interval_days']:g}", f"{e['objective']:.3g}", format_setting(e["settings"]),
                      f"{tight[0]} ({tight[1]['margin']:.3g})")
    console.print(table)
    c = result.counts
    console.print(f"{c['model_runs']} model runs ({c['gradient_evaluations']} with gradients, {c['checks']} checks, "
                  f"{c['exact_runs']} exact), {result.time_s:.0f} s")
    if result.best is None:
        typer.echo(f"wrote {out / 'summary.json'}")
        fail(result.infeasible_message(), EXIT_FAILED)
    best = result.best
    verdict = "meets every limit" if best["run"]["safe"] else "DOES NOT meet every limit"
    mean = f" (mean over the seeds {', '.join(map(str, cfg.replicates))} searched on)" if len(cfg.replicates) > 1 else ""
    console.print(f"Best: {format_setting({'interval_days': best['interval_days'], **best['settings']})}; "
                  f"{cfg.rule.objective} {best['run']['objective']:.3g} re-simulated{mean}, {verdict}.")
    for seed, r in best["run"].get("replicates", {}).items():
        console.print(f"  searched seed {seed}: {cfg.rule.objective} {r['objective']:.3g}, {seed_verdict(r)}")
    for seed, r in best["run"].get("seeds", {}).items():
        console.print(f"  on seed {seed}: {cfg.rule.objective} {r['objective']:.3g}, {seed_verdict(r)}")
    for seed, r in best["run"].get("check_grid", {}).get("seeds", {}).items():
        console.print(f"  on the check grid, seed {seed}: {cfg.rule.objective} {r['objective']:.3g}, {seed_verdict(r)}")
    for note in result.notes:
        console.print(f"note: {note}")
    typer.echo(f"wrote {out / 'best.yaml'} and {out / 'summary.json'}")


def main(argv: Optional[List[str]] = None) -> None:
    """Entry point of the ``epiturn`` console script (imports nothing heavy before a command runs)."""
    app(args=argv if argv is not None else sys.argv[1:], prog_name="epiturn")


if __name__ == "__main__":  # pragma: no cover
    main()
