"""The documentation shows what the code runs with, and the repository stands alone.

- the parameter table of docs/model.md is the one generated from configs/skin/*.yaml;
- every skin parameter is documented with its units, every field of the state named;
- no file of the repository points outside it (to design notes next to the checkout, or
  to tracker threads by their number);
- every Markdown link of docs/ and README.md points to a file of the repository, every
  repository path named in their text exists, and every dotted name of the packages
  they name (``experiments.run``, ``models.SKIN_PARAMETERS``) resolves.
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]

# written in two parts so that this file does not match itself
OUTSIDE = ("../" + "shared", "shared/" + "design", "targets" + ".md")
ISSUE_NUMBER = re.compile(r"\bissues?\s+#?\d+|\bissue\s+tracker\b", re.IGNORECASE)
TOP_FOLDERS = ("sim", "models", "experiments", "configs", "tests", "docs", "benchmarks")


def test_parameter_table_in_model_md_is_current():
    from experiments import docs

    # the table is generated from configs/skin/*.yaml; a stale table means the docs lie
    assert docs.main(["--check"]) == 0, "run `python -m experiments.docs` to regenerate docs/model.md"


def test_every_skin_parameter_is_documented_with_units():
    from models import SKIN_PARAMETERS

    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    for name, spec in SKIN_PARAMETERS.items():
        assert f"| `{name}` | {spec.units} |" in text


def test_every_state_field_is_in_the_state_table_of_model_md():
    import dataclasses

    from models import SkinState

    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    missing = [f.name for f in dataclasses.fields(SkinState) if f"`{f.name}`" not in text]
    assert not missing, f"fields of models.SkinState not named in docs/model.md ('Geometry and state'): {missing}"


# --------------------------------------------------------------------------- the repository stands alone


def repository_files() -> list[Path]:
    """The files of the checkout: tracked, plus new files git does not ignore.

    Outside a git checkout (an unpacked source archive) every file below the root except
    caches and build outputs.
    """
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        skip = {"__pycache__", ".pytest_cache", "results", "build", "dist", ".venv", ".epiturn_cache"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skip.intersection(p.relative_to(ROOT).parts)
                and not any(part.endswith((".egg-info", ".zarr")) for part in p.relative_to(ROOT).parts)]
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode("utf-8", "replace")
    return [ROOT / name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def _text(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return None  # binary (figures)
    return data.decode("utf-8", "replace")


def _lines_where(match) -> list[str]:
    """``path:line: text`` of every line of a repository file for which ``match(line)``."""
    hits = []
    for path in repository_files():
        text = _text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if match(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    return hits


def test_no_file_points_outside_the_repository():
    hits = _lines_where(lambda line: any(s in line for s in OUTSIDE))
    assert not hits, "files that point outside the repository:\n" + "\n".join(hits)


def test_no_file_refers_to_an_issue_by_number():
    hits = _lines_where(lambda line: ISSUE_NUMBER.search(line) is not None)
    assert not hits, "references to issues that the repository does not hold:\n" + "\n".join(hits)


def _prose(path: Path):
    """(line number, line) of ``path`` outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def _code_spans(line: str) -> list[str]:
    return re.findall(r"`([^`]+)`", line)


def test_markdown_links_point_into_the_repository():
    bad = []
    for doc in DOCS:
        for number, line in _prose(doc):
            for target in re.findall(r"\]\(([^)\s]+)\)", line):
                if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                    continue  # a URL or an anchor on the same page
                resolved = (doc.parent / target.split("#")[0]).resolve()
                if not resolved.is_relative_to(ROOT) or not resolved.exists():
                    bad.append(f"{doc.relative_to(ROOT)}:{number}: ({target})")
    assert not bad, "Markdown links to paths that are not in the repository:\n" + "\n".join(bad)


def test_repository_paths_named_in_the_docs_exist():
    bad = []
    pattern = re.compile(rf"^(?:{'|'.join(TOP_FOLDERS)})/[\w./*-]*$")
    for doc in DOCS:
        for number, line in _prose(doc):
            for span in _code_spans(line):
                span = span.split("::")[0].strip()
                if not pattern.match(span):
                    continue
                if not (any(ROOT.glob(span.rstrip("/"))) if "*" in span else (ROOT / span).exists()):
                    bad.append(f"{doc.relative_to(ROOT)}:{number}: `{span}`")
    assert not bad, "paths named in the docs that the repository does not have:\n" + "\n".join(bad)


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        name = ".".join(parts[:i])
        try:
            obj = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and not name.startswith(exc.name) and exc.name != name:
                raise  # the module exists but one of its imports is missing: a real error
            continue
        try:
            for attribute in parts[i:]:
                obj = getattr(obj, attribute)
        except AttributeError:
            return False
        return True
    return False


def test_package_names_in_the_docs_resolve():
    bad = []
    pattern = re.compile(r"(?<![\w./-])(?:sim|models|experiments)(?:\.[A-Za-z_]\w*)+")
    for doc in DOCS:
        for number, line in _prose(doc):
            for span in _code_spans(line):
                for dotted in pattern.findall(span):
                    if not _resolves(dotted):
                        bad.append(f"{doc.relative_to(ROOT)}:{number}: `{dotted}`")
    assert not bad, "names in the docs that the packages do not have:\n" + "\n".join(bad)
