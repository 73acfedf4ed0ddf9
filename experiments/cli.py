"""The ``epiturn`` command line (typer).

Bad input (a config problem, a missing file, an unknown name) ends the command with one
line ``error: ...`` on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer
import yaml

from experiments.config import ConfigError, list_devices, load_device, load_run_config

__all__ = ["app", "main"]

EXIT_BAD_INPUT = 2

app = typer.Typer(
    name="epiturn",
    help="Simulate epidermal renewal and its response to microdermabrasion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
config_app = typer.Typer(help="Inspect and validate run configs.", no_args_is_help=True)
app.add_typer(config_app, name="config")

SET_HELP = "Override a config value: dotted.path=value (YAML value), e.g. protocol.interval_days=7. Repeatable."


def fail(message: str) -> None:
    """Print ``error: message`` (one line) on stderr and exit with code 2."""
    typer.echo("error: " + " ".join(str(message).split()), err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn bad-input exceptions of a command into a one-line error and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            fail(str(exc))
        except FileNotFoundError as exc:
            fail(f"{exc.filename or exc}: file not found")
        except IsADirectoryError as exc:
            fail(f"{exc.filename or exc}: is a directory")
        except PermissionError as exc:
            fail(f"{exc.filename or exc}: permission denied")

    return wrapper


@app.command()
@guarded
def run(
    config: Path = typer.Argument(..., help="Run config (YAML)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="NetCDF file to write (default results/<config stem>.nc)."),
    set_: List[str] = typer.Option([], "--set", help=SET_HELP),
) -> None:
    """Simulate one scenario and write the result as NetCDF."""
    resolved = load_run_config(config, set_)
    out = output if output is not None else Path("results") / f"{config.stem}.nc"

    from experiments.output import write_netcdf
    from experiments.provenance import provenance_attrs
    from experiments.runner import run_config

    dataset = run_config(resolved)
    for key, value in provenance_attrs(resolved).items():
        dataset.attrs.setdefault(key, value)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_netcdf(dataset, out)
    typer.echo(f"wrote {out}")


@config_app.command("check")
@guarded
def config_check(
    config: Path = typer.Argument(..., help="Run config (YAML)."),
    set_: List[str] = typer.Option([], "--set", help=SET_HELP),
) -> None:
    """Validate a run config and print it fully resolved (YAML) with its hash."""
    resolved = load_run_config(config, set_)
    typer.echo(yaml.safe_dump(resolved.to_dict(), sort_keys=False, allow_unicode=True, width=100).rstrip())
    typer.echo(f"# config_hash: {resolved.hash}")


@app.command()
@guarded
def devices() -> None:
    """List the device catalogue (configs/devices)."""
    from rich.console import Console
    from rich.table import Table

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


def main(argv: Optional[List[str]] = None) -> None:
    """Entry point of the ``epiturn`` console script."""
    app(args=argv if argv is not None else sys.argv[1:], prog_name="epiturn")


if __name__ == "__main__":  # pragma: no cover
    main()
