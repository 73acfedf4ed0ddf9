"""Keep the generated tables of the docs in step with the code.

- docs/model.md, the parameter table (from configs/skin/*.yaml): ``python -m
  experiments.docs`` rewrites the block between the ``parameter-table`` markers;
  ``python -m experiments.docs --check`` exits 1 if it is stale (a test runs the check).
- docs/validation.md, the result table of the literature validation (between the
  ``validation-table`` markers): it needs every validation experiment run (about a
  minute), so it is rewritten by ``epiturn validate --update-docs``
  (:func:`update_validation_doc`), with the same code that writes the validation report
  (:func:`render_validation_block`); ``tests/validation/test_validate_report.py`` checks
  it against the table the validation tests compute anyway.
"""

from __future__ import annotations

import sys
from pathlib import Path

from experiments.config import load_yaml, locate_profile
from models import SKIN_PARAMETERS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "model.md"
PROFILES = ("young_face", "aged_face", "forearm")
START, END = "<!-- parameter-table:start -->", "<!-- parameter-table:end -->"
VALIDATION_DOC = ROOT / "docs" / "validation.md"
VALIDATION_START, VALIDATION_END = "<!-- validation-table:start -->", "<!-- validation-table:end -->"


def _entry(raw):
    if isinstance(raw, dict):
        return float(raw["value"]), str(raw.get("source", "user"))
    return float(raw), "user"


def render_parameter_table() -> str:
    data = {name: load_yaml(locate_profile(name)).get("parameters", {}) for name in PROFILES}
    lines = [
        "| parameter | units | meaning | " + " | ".join(PROFILES) + " | source (forearm; others where they differ) |",
        "|---|---|---|" + "---|" * len(PROFILES) + "---|",
    ]
    for key, spec in SKIN_PARAMETERS.items():
        vals, srcs = [], {}
        for prof in PROFILES:
            if key in data[prof]:
                v, s = _entry(data[prof][key])
                vals.append(f"{v:g}")
                srcs[prof] = s
            else:
                vals.append("—")
        base = srcs.get("forearm", "")
        extra = [f"*{p}*: {s}" for p, s in srcs.items() if p != "forearm" and s != base]
        source = "; ".join([base] + extra).replace("|", "/")
        lines.append(f"| `{key}` | {spec.units} | {spec.description} | " + " | ".join(vals) + f" | {source} |")
    return "\n".join(lines)


def updated_doc(text: str) -> str:
    i, j = text.index(START) + len(START), text.index(END)
    return text[:i] + "\n" + render_parameter_table() + "\n" + text[j:]


def render_validation_block(table) -> str:
    """The result block of docs/validation.md: the summary line and the table of checks."""
    from experiments.report import validation_markdown_table, validation_summary

    return f"**{validation_summary(table)}.**\n\n{validation_markdown_table(table)}"


def updated_validation_doc(text: str, table) -> str:
    """``text`` (docs/validation.md) with its result block rendered from ``table``."""
    i, j = text.index(VALIDATION_START) + len(VALIDATION_START), text.index(VALIDATION_END)
    return text[:i] + "\n" + render_validation_block(table) + "\n" + text[j:]


def update_validation_doc(table) -> bool:
    """Rewrite the result block of docs/validation.md from ``table``; True if it changed."""
    text = VALIDATION_DOC.read_text(encoding="utf-8")
    new = updated_validation_doc(text, table)
    if new != text:
        VALIDATION_DOC.write_text(new, encoding="utf-8")
    return new != text


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = DOC.read_text(encoding="utf-8")
    new = updated_doc(text)
    if "--check" in argv:
        if new != text:
            print("docs/model.md parameter table is stale: run `python -m experiments.docs`")
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
