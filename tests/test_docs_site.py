"""The tutorials run, and the documentation site builds from them with no warning.

The five tutorials (``docs/tutorials/NN_*.py``, jupytext text notebooks) are executed once,
here, with nbclient into a temporary folder (``docs/tutorials/execute.py``), and checked:
no cell fails, each shows a figure, and the results they explain hold. The site is then
built from ``mkdocs.yml`` with ``mkdocs build --strict`` (every warning an error: a broken
link, a page missing from the nav, an API name mkdocstrings cannot find, a tutorial
without its executed notebook), rendering those executed notebooks (mkdocs-jupyter,
``execute: false``), so nothing is executed twice. The built site must have a page for
every entry of the nav, the tutorials with their outputs, and no link or resource that
leaves the site.

The tutorials share ``$EPITURN_CACHE`` with the rest of the suite (young and aged face on
a single column). Skipped when the docs tools (``mkdocs``, mkdocs-material,
mkdocs-jupyter, mkdocstrings-python, nbclient, jupytext) are not installed.
"""

from __future__ import annotations

import html.parser
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ("mkdocs", "material", "mkdocs_jupyter", "mkdocstrings_handlers.python", "nbclient", "jupytext", "ipykernel")
missing = [name for name in TOOLS if importlib.util.find_spec(name.split(".")[0]) is None]


@pytest.fixture(autouse=True)
def docs_tools_installed():
    """The docs tools are part of the ``test`` extra: missing ones are a broken install, not a skip."""
    if missing:
        pytest.fail(f"docs tools not installed: {missing}; pip install -e '.[test]' (it includes the docs extra)")


def load_execute_module():
    spec = importlib.util.spec_from_file_location("tutorials_execute", ROOT / "docs" / "tutorials" / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The tutorials executed into a temporary folder: (folder, seconds per tutorial)."""
    out = tmp_path_factory.mktemp("tutorials")
    start = time.perf_counter()
    times = load_execute_module().execute_all(out, out / "files")
    print(f"tutorials executed in {time.perf_counter() - start:.1f} s: {times}")
    return out, times


def outputs(notebook: Path) -> tuple[str, int]:
    """(the text the notebook's cells printed, the number of images it shows)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    text, images = [], 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{notebook.name}: {out.get('ename')}: {out.get('evalue')}"
            if out["output_type"] == "stream":
                text.append("".join(out["text"]))
            data = out.get("data", {})
            images += "image/png" in data
            if "text/plain" in data:
                text.append("".join(data["text/plain"]))
    return "\n".join(text), images


# --------------------------------------------------------------------------- the tutorials


def test_the_tutorials_execute_with_figures(executed):
    out, times = executed
    sources = sorted((ROOT / "docs" / "tutorials").glob("[0-9][0-9]_*.py"))
    assert len(sources) == 5 and set(times) == {p.stem for p in sources}
    for source in sources:
        text, images = outputs(out / f"{source.stem}.ipynb")
        assert images >= 1, f"{source.name} shows no figure"
        assert "Traceback" not in text, text


def test_tutorial_1_reports_the_homeostasis_with_units(executed):
    text, _ = outputs(executed[0] / "01_first_run.ipynb")
    tewl = float(re.search(r"TEWL at homeostasis: ([\d.]+) g m-2 h-1", text).group(1))
    layers = float(re.search(r"SC layers:\s+([\d.]+)", text).group(1))
    assert 7 <= layers <= 11 and tewl > 0, text  # T1: face 9 +- 2 layers
    assert (executed[0] / "files" / "first_run.nc").is_file()


def test_tutorial_2_the_aged_face_repairs_more_slowly(executed):
    text, _ = outputs(executed[0] / "02_tape_stripping.ipynb")
    rows = {m[0]: (float(m[1]), float(m[2])) for m in re.findall(r"(\w+_face)\s+([\d.]+) at 24 h, ([\d.]+) at 72 h", text)}
    assert set(rows) == {"young_face", "aged_face"}, text
    (y24, y72), (a24, a72) = rows["young_face"], rows["aged_face"]
    assert a24 < y24 and a72 < y72 and y24 < y72 <= 1, rows  # Ghadially et al. 1995


def test_tutorial_3_the_typical_course_heals_and_does_not_injure(executed):
    text, _ = outputs(executed[0] / "03_course.ipynb")
    typical = float(re.search(r"irritation burden: typical ([\d.]+) d", text).group(1))
    aggressive = float(re.search(r"aggressive ([\d.]+) d", text).group(1))
    assert float(re.search(r"max_injury_um\s+([\d.]+)", text).group(1)) == 0, text
    assert typical < aggressive, (typical, aggressive)


def test_tutorial_4_the_strongest_level_is_not_safe(executed):
    text, _ = outputs(executed[0] / "04_sweep.ipynb")
    rows = re.findall(r"every (\d+) d, (\w+)\s+removed\s+([\d.]+) µm, burden\s+([\d.]+) d.*: (.+)$", text, flags=re.M)
    assert len(rows) == 6, text
    verdict = {(r[0], r[1]): r[4] for r in rows}
    assert all(verdict[(i, "maximum")] != "safe" and verdict[(i, "gentle")] == "safe" for i in ("2", "7")), verdict
    for interval in ("2", "7"):  # removal and burden grow with the level
        cells = [(float(r[2]), float(r[3])) for r in rows if r[0] == interval]
        assert cells == sorted(cells), cells


def test_tutorial_5_reads_the_store_of_tutorial_4(executed):
    text, _ = outputs(executed[0] / "05_reading_a_store.ipynb")
    assert "CF-1.8" in text and "run tutorial 4 first" not in text, text
    assert "'interval_days': 2, 'level': 3" in text, text


# --------------------------------------------------------------------------- the hook


class FakeFile:
    def __init__(self, uri):
        self.src_uri, self.abs_src_path = uri, f"/docs/{uri}"


def test_the_hook_renders_tutorials_from_their_executed_notebooks(tmp_path, monkeypatch, caplog):
    hook = load_execute_module()
    (tmp_path / "01_first_run.ipynb").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("EPITURN_TUTORIALS_EXECUTED", str(tmp_path))
    files = [FakeFile("tutorials/01_first_run.py"), FakeFile("tutorials/02_tape_stripping.py"),
             FakeFile("tutorials/execute.py"), FakeFile("learn/index.md")]
    with caplog.at_level("WARNING", logger="mkdocs.hooks.tutorials"):
        hook.on_files(files, config=None)
    assert files[0].abs_src_path == str(tmp_path / "01_first_run.ipynb")
    assert [f.abs_src_path for f in files[1:]] == ["/docs/tutorials/02_tape_stripping.py", "/docs/tutorials/execute.py",
                                                   "/docs/learn/index.md"]
    assert [r.levelname for r in caplog.records] == ["WARNING"] and "02_tape_stripping" in caplog.text


# --------------------------------------------------------------------------- the site


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def nav_pages(nav) -> list[str]:
    pages = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


def built_page(site: Path, source: str) -> Path:
    stem = re.sub(r"\.(md|py)$", "", source)
    if stem.endswith(("index", "README")):
        stem = stem.rsplit("/", 1)[0] if "/" in stem else ""
    return site / stem / "index.html"


def test_the_site_builds_strictly_with_every_page_and_stays_inside(executed, tmp_path):
    import yaml

    site = tmp_path / "site"
    env = dict(os.environ, EPITURN_TUTORIALS_EXECUTED=str(executed[0]), NO_MKDOCS_2_WARNING="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                           "-d", str(site)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    print(f"mkdocs build: {time.perf_counter() - start:.1f} s")
    assert proc.returncode == 0, proc.stderr[-6000:]
    assert "WARNING" not in proc.stderr, proc.stderr[-6000:]

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    pages = nav_pages(config["nav"])
    missing_pages = [p for p in pages if not built_page(site, p).is_file()]
    assert not missing_pages, missing_pages
    for tutorial in (p for p in pages if p.startswith("tutorials/")):
        text = built_page(site, tutorial).read_text(encoding="utf-8")
        assert text.count("data:image/png;base64") >= 1, f"{tutorial}: rendered without its figures"
    api = built_page(site, "api/experiments.md").read_text(encoding="utf-8")
    assert "experiments.run" in api and "experiments.sweep" in api and "open_result" in api
    assert "maturation chain" in built_page(site, "learn/renewal.md").read_text(encoding="utf-8")
    assert (site / "learn" / "figures" / "layers.png").is_file()

    outside = []
    for page in site.rglob("*.html"):
        if page.name == "404.html":
            continue  # served at any depth, so it links from the site root ("/assets/..."): inside the site
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            url = urlparse(link)
            if url.scheme == "data" or link.startswith("#"):
                continue
            if url.scheme or url.netloc or link.startswith("/"):
                outside.append(f"{page.relative_to(site)}: {link}")
                continue
            target = (page.parent / unquote(url.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(site.resolve()) or not target.exists():
                outside.append(f"{page.relative_to(site)}: {link}")
    assert not outside, "links that leave the site or point at nothing:\n" + "\n".join(sorted(set(outside))[:40])
