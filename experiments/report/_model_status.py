"""How far the model can be trusted: its validation status and its known limits, from docs/.

:func:`model_status` reads, when the documentation is beside the package (a checkout;
an installed package has none):

* the result block of ``docs/validation.md`` (between the ``validation-table`` markers,
  written by ``epiturn validate --update-docs``): its "N of M checks pass" line, and the
  ids and quantities of the rows marked **FAIL**;
* the known limits: the items of the sections ``Limitations`` of ``docs/validation.md``
  and ``docs/device.md`` and ``Not yet modelled`` of ``docs/model.md``, each as its first
  sentence (with its bold lead).

Without the docs, or with a block it cannot read, :attr:`ModelStatus.validation` says
"validation status: see docs/validation.md" and the limits are empty: never an error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

__all__ = ["ModelStatus", "Limit", "model_status", "DOCS_DIR"]

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"
UNKNOWN = "validation status: see docs/validation.md"
VALIDATION_START, VALIDATION_END = "<!-- validation-table:start -->", "<!-- validation-table:end -->"
# (file, heading prefix) of the sections whose items are the known limits
LIMIT_SECTIONS = (("validation.md", "Limitations"), ("model.md", "Not yet modelled"), ("device.md", "Limitations"))
_SUMMARY = re.compile(r"\*\*(\d+) of (\d+) checks pass\.?\*\*")
_ITEM = re.compile(r"^(?:\d+\.|-|\*)\s+(.*)$")


class Limit(NamedTuple):
    """One known limit: where it is documented (``docs/validation.md``) and its lead sentence."""

    source: str
    text: str


class ModelStatus(NamedTuple):
    """``validation``: one line ("41 of 41 literature checks pass ...", or :data:`UNKNOWN`);
    ``passed``/``checks``: the counts (None if unknown); ``failing``: ``"id quantity (profile)"``
    of the failed checks; ``limits``: the known limits."""

    validation: str
    passed: int | None
    checks: int | None
    failing: tuple[str, ...]
    limits: tuple[Limit, ...]

    @property
    def known(self) -> bool:
        return self.checks is not None


def _validation(text: str) -> tuple[str, int | None, int | None, tuple[str, ...]]:
    if VALIDATION_START not in text or VALIDATION_END not in text:
        return UNKNOWN, None, None, ()
    block = text[text.index(VALIDATION_START) + len(VALIDATION_START): text.index(VALIDATION_END)]
    m = _SUMMARY.search(block)
    if not m:
        return UNKNOWN, None, None, ()
    passed, checks = int(m.group(1)), int(m.group(2))
    failing = []
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and "**FAIL**" in cells and len(cells) >= 3:
            failing.append(f"{cells[0]} {cells[2].strip('`')} ({cells[1]})")
    line = (f"{passed} of {checks} literature checks pass (docs/validation.md: the model against published "
            "measurements of untreated skin, tape stripping and microdermabrasion)")
    return line, passed, checks, tuple(failing)


def _plain(text: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links -> their text
    return " ".join(text.replace("`", "").replace("**", "").split())


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.;])\s+(?=[A-Z(])", text.strip(), maxsplit=1)[0]


def _lead(item: str, limit: int = 300) -> str:
    """The first sentence of a list item (after a bold lead that is a sentence of its own,
    the next one too); Markdown marks removed, at most ``limit`` characters."""
    bold = re.match(r"\*\*(.+?)\*\*(.*)", item)
    if bold:
        lead, rest = bold.group(1).strip(), bold.group(2)
        tail = _first_sentence(rest) if rest.strip() else ""
        text = f"{lead} {tail}" if lead.endswith((".", ":")) or rest[:1].isspace() else lead + tail
    else:
        text = _first_sentence(item)
    text = _plain(text)
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def _limits(path: Path, heading: str) -> list[Limit]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out: list[Limit] = []
    inside = False
    item: str | None = None
    for line in lines + ["## end"]:
        if line.startswith("#"):
            if item:
                out.append(Limit(f"docs/{path.name}", _lead(item)))
                item = None
            if inside and line.startswith("## "):
                break
            inside = line.startswith("## ") and line[3:].strip().startswith(heading)
            continue
        if not inside:
            continue
        m = _ITEM.match(line)
        if m:
            if item:
                out.append(Limit(f"docs/{path.name}", _lead(item)))
            item = m.group(1)
        elif item is not None and line.strip():
            item += " " + line.strip()
        elif item is not None:
            out.append(Limit(f"docs/{path.name}", _lead(item)))
            item = None
    return [x for x in out if x.text]


def model_status(docs_dir: str | Path | None = None) -> ModelStatus:
    """The validation status and known limits from ``docs_dir`` (default: the checkout's docs/)."""
    docs = Path(docs_dir) if docs_dir is not None else DOCS_DIR
    try:
        text = (docs / "validation.md").read_text(encoding="utf-8")
    except OSError:
        return ModelStatus(UNKNOWN, None, None, (), ())
    line, passed, checks, failing = _validation(text)
    limits = [x for name, heading in LIMIT_SECTIONS for x in _limits(docs / name, heading)]
    return ModelStatus(line, passed, checks, failing, tuple(limits))
