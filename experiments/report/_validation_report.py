"""The validation report: the table of checks, and the report pages (Markdown and HTML).

A check row is a mapping with the columns of :func:`experiments.validation.validate`'s
table (``id, experiment, profile, quantity, value, target, target_text, low, high,
tolerance, units, passed, condition, source``). :func:`validation_cells` turns one into
the text a reader sees (model value with its units, target with its tolerance, accepted
range, pass or FAIL); :func:`validation_markdown_table` is the Markdown table of those
cells, :func:`validation_summary` its "N of M checks pass" (the result table of
``docs/validation.md`` is made of these two, see ``experiments/docs.py``).

:func:`write_validation_report` writes, for a validation run (duck-typed: ``experiments``,
each with ``config``, ``rows``, ``wall_s``; ``table``) and one matplotlib
figure per experiment:

- ``DIR/figures/<experiment>.png`` and ``.svg``;
- ``DIR/validation.md``: title, date, epiturn version and git commit, the summary
  (N of M checks pass), the full table, then per experiment its description, its figure
  (linked) and its checks;
- ``DIR/validation.html``: the same as one self-contained page: the styles inline, every
  figure inline as a base64 PNG, no reference to anything outside the file.

Both pages are rendered from the Jinja2 templates in ``experiments/report/templates/``
(``validation.md.j2``, ``validation.html.j2``; shipped as package data).
"""

from __future__ import annotations

import base64
import math
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, NamedTuple

from ._figures import display_units, save_figure

__all__ = ["ValidationReportFiles", "validation_cells", "validation_markdown_table", "validation_summary",
           "write_validation_report"]

CELL_COLUMNS = ("id", "profile", "quantity", "model value", "target", "accepted range", "pass", "condition", "source")


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def validation_cells(row: Mapping[str, Any]) -> dict[str, str]:
    """The cells of one check row as text: :data:`CELL_COLUMNS` (``pass``: ``yes`` or ``FAIL``)."""
    low, high = float(row["low"]), float(row["high"])
    lo = _fmt(low) if math.isfinite(low) else ""
    hi = _fmt(high) if math.isfinite(high) else ""
    tolerance = str(row["tolerance"])
    rng = f"[{lo or '-inf'}, {hi or 'inf'}]"
    if tolerance.startswith(("≥", ">")):
        rng = f"{tolerance[0]} {lo}"
    elif tolerance.startswith(("≤", "<")):
        rng = f"{tolerance[0]} {hi}"
    units = display_units(str(row["units"]))
    return {
        "id": str(row["id"]), "profile": str(row["profile"]), "quantity": str(row["quantity"]),
        "model value": _fmt(float(row["value"])) + (f" {units}" if units else ""),
        "target": f"{row['target_text']} ({tolerance})", "accepted range": rng,
        "pass": "yes" if row["passed"] else "FAIL", "condition": str(row["condition"]), "source": str(row["source"]),
    }


def _rows(table: Any) -> list[Mapping[str, Any]]:
    return table.to_dict("records") if hasattr(table, "to_dict") else list(table)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def validation_markdown_table(table: Any) -> str:
    """The check rows (a DataFrame or mappings) as a Markdown table; a failed check reads **FAIL**."""
    lines = ["| " + " | ".join(CELL_COLUMNS) + " |", "|" + "---|" * len(CELL_COLUMNS)]
    for row in _rows(table):
        c = validation_cells(row)
        c["quantity"] = f"`{c['quantity']}`"
        c["pass"] = "yes" if row["passed"] else "**FAIL**"
        lines.append("| " + " | ".join(_md(c[k]) for k in CELL_COLUMNS) + " |")
    return "\n".join(lines)


def validation_summary(table: Any) -> str:
    """``"N of M checks pass"`` of the check rows (a DataFrame or mappings)."""
    rows = _rows(table)
    return f"{sum(bool(r['passed']) for r in rows)} of {len(rows)} checks pass"


class ValidationReportFiles(NamedTuple):
    """What :func:`write_validation_report` wrote."""

    markdown: Path
    html: Path
    figures: list[Path]


def _environment(html: bool):
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("experiments.report", "templates"),
                              autoescape=html, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def _shown_path(path: Path | None) -> str:
    if path is None:
        return "(inline config)"
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)


def write_validation_report(run: Any, outdir: str | os.PathLike, figures: Mapping[str, Any],
                            created: datetime | None = None) -> ValidationReportFiles:
    """Write the figures and both report pages of ``run`` into ``outdir`` (see the module docstring).

    ``figures``: ``{experiment name: matplotlib Figure}``. Returns the files written.
    """
    from experiments._provenance import git_commit, library_versions, package_version

    outdir = Path(outdir)
    figdir = outdir / "figures"
    written: list[Path] = []
    experiments = []
    for exp in run.experiments:
        name = exp.config.name
        files = save_figure(figures[name], figdir, name) if name in figures else []
        written += files
        png = next((f for f in files if f.suffix == ".png"), None)
        experiments.append({
            "name": name, "kind": exp.config.experiment, "description": exp.config.description,
            "profiles": ", ".join(exp.config.profiles), "file": _shown_path(exp.config.file),
            "png": png.relative_to(outdir).as_posix() if png else None,
            "svg": next((f.relative_to(outdir).as_posix() for f in files if f.suffix == ".svg"), None),
            "png_base64": base64.b64encode(png.read_bytes()).decode("ascii") if png else None,
            "rows": [{**validation_cells(r), "passed": bool(r["passed"])} for r in exp.rows],
            "table_md": validation_markdown_table(exp.rows),
            "n_checks": len(exp.rows), "n_passed": sum(bool(r["passed"]) for r in exp.rows),
            "wall_s": f"{exp.wall_s:.1f}",
        })
    rows = _rows(run.table)
    created = created or datetime.now(timezone.utc).replace(microsecond=0)
    context = {
        "title": "epiturn literature validation",
        "created": created.isoformat(), "date": created.date().isoformat(),
        "version": package_version(), "commit": git_commit(),
        "libraries": ", ".join(f"{k} {v}" for k, v in sorted(library_versions().items())),
        "summary": validation_summary(rows), "n_checks": len(rows), "n_failed": sum(not r["passed"] for r in rows),
        "rows": [{**validation_cells(r), "passed": bool(r["passed"]), "experiment": str(r["experiment"])} for r in rows],
        "columns": CELL_COLUMNS, "table_md": validation_markdown_table(rows), "experiments": experiments,
    }
    outdir.mkdir(parents=True, exist_ok=True)
    md = outdir / "validation.md"
    md.write_text(_environment(False).get_template("validation.md.j2").render(**context), encoding="utf-8")
    html = outdir / "validation.html"
    html.write_text(_environment(True).get_template("validation.html.j2").render(**context), encoding="utf-8")
    return ValidationReportFiles(md, html, written)
