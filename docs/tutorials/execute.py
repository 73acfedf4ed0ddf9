"""Execute the tutorials into notebooks with their outputs, and render those on the docs site.

Run:  python docs/tutorials/execute.py [OUT_DIR]      (about a minute on 2 CPU cores, empty cache)

The tutorials are kept as text (jupytext percent format, ``docs/tutorials/NN_*.py``): they
diff and review like code and carry no outputs. This script reads each one, executes it
with nbclient in a fresh kernel from the repository root (so ``configs/...`` paths
resolve), and writes ``OUT_DIR/NN_name.ipynb`` with its outputs (default OUT_DIR:
``build/tutorials``, ignored by git). Files the tutorials write go to
``$EPITURN_TUTORIAL_OUT`` (default ``OUT_DIR/files``). It prints ``wrote PATH`` per
notebook and exits 1 when a tutorial fails.

The same module is the MkDocs hook of ``mkdocs.yml`` (:func:`on_files`): when the docs are
built, each tutorial page is rendered from its executed notebook in
``$EPITURN_TUTORIALS_EXECUTED`` (default ``build/tutorials``), by mkdocs-jupyter with
``execute: false``. So the tutorials run once, here (or in ``tests/test_docs_site.py``,
which calls :func:`execute_all`), and the site build only renders. A tutorial without an
executed notebook is a warning of the build, an error under ``mkdocs build --strict``.

Build the site:  python docs/tutorials/execute.py && mkdocs build --strict
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_OUT = ROOT / "build" / "tutorials"
TIMEOUT_S = 300  # per cell; a first spin-up takes ~20 s on 2 CPU cores


def tutorials() -> list[Path]:
    """The tutorial sources, in reading order (``docs/tutorials/NN_*.py``)."""
    return sorted(p for p in HERE.glob("[0-9][0-9]_*.py"))


def execute(source: Path, out_dir: Path, env: dict[str, str] | None = None) -> tuple[Path, float]:
    """Execute one tutorial; write ``out_dir/<stem>.ipynb`` with its outputs. Returns (path, seconds).

    Raises ``nbclient.exceptions.CellExecutionError`` (with the cell and its traceback)
    when a cell fails.
    """
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    notebook = jupytext.read(source)
    saved = {key: os.environ.get(key) for key in (env or {})}
    os.environ.update(env or {})  # the kernel inherits this process's environment
    start = time.perf_counter()
    try:
        NotebookClient(notebook, timeout=TIMEOUT_S, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT)}}).execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    elapsed = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{source.stem}.ipynb"
    nbformat.write(notebook, path)
    return path, elapsed


def execute_all(out_dir: str | os.PathLike = DEFAULT_OUT, files_dir: str | os.PathLike | None = None) -> dict[str, float]:
    """Execute every tutorial in order into ``out_dir``; their files go to ``files_dir``.

    Tutorial 5 reads the store tutorial 4 writes, so they share ``files_dir`` (default
    ``out_dir/files``). Returns the seconds each took, by stem.
    """
    out = Path(out_dir)
    files = Path(files_dir) if files_dir is not None else out / "files"
    env = {"EPITURN_TUTORIAL_OUT": str(files), "MPLBACKEND": "module://matplotlib_inline.backend_inline",
           "PYTHONPATH": os.pathsep.join([str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    times = {}
    for source in tutorials():
        path, times[source.stem] = execute(source, out, env)
        print(f"wrote {path} ({times[source.stem]:.1f} s)")
    return times


# --------------------------------------------------------------------------- the MkDocs hook

log = logging.getLogger("mkdocs.hooks.tutorials")


def on_files(files, config):
    """Point each tutorial page (``tutorials/NN_*.py``) at its executed notebook.

    The page keeps its source name, so links to ``tutorials/NN_name.py`` in the docs resolve
    to it; mkdocs-jupyter then renders the ``.ipynb`` with its outputs.
    """
    executed = Path(os.environ.get("EPITURN_TUTORIALS_EXECUTED", DEFAULT_OUT))
    for file in files:
        uri = file.src_uri
        if not (uri.startswith("tutorials/") and uri.endswith(".py") and Path(uri).name[:2].isdigit()):
            continue
        notebook = executed / (Path(uri).stem + ".ipynb")
        if notebook.is_file():
            file.abs_src_path = str(notebook)
        else:
            log.warning("tutorial %s has no executed notebook in %s: rendered without outputs "
                        "(run python docs/tutorials/execute.py first)", uri, executed)
    return files


def main(argv: list[str] | None = None) -> int:
    from nbclient.exceptions import CellExecutionError

    argv = sys.argv[1:] if argv is None else argv
    try:
        execute_all(argv[0] if argv else DEFAULT_OUT)
    except CellExecutionError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
