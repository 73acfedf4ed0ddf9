"""Test-suite set-up: 64-bit floats, as every entry point of epiturn enables them.

``import sim`` / ``import models`` leave ``jax_enable_x64`` alone; a process enables it
where it starts. The tests check conservation to round-off, which needs float64.
"""

import jax

jax.config.update("jax_enable_x64", True)


from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

TESTS = Path(__file__).resolve().parent
# the worker groups that take longest (a minute or more of a 2-core machine), sent to the
# workers first so that no long group starts last while the other worker idles
FIRST = ("validation", "experiments/test_optimise.py", "experiments/test_calibrate.py", "test_docs_site.py",
         "models/test_numerics_invariants.py", "experiments/test_report.py", "experiments/test_faults.py",
         "experiments/test_sensitivity.py")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the mark into the node id
def pytest_collection_modifyitems(config, items):
    """One worker group per test file, the literature validation as one group.

    Under ``pytest -n N --dist loadgroup`` (README's test command) a group runs on one
    worker, in file order: a module's fixtures are built once, and the validation files,
    which share the runs of ``tests/validation/conftest.py::measured`` and its private
    spin-up cache, share one worker. Without xdist the mark does nothing. The hook runs
    before xdist's own (``tryfirst``), which turns the mark into the node id's group; the
    longest groups (:data:`FIRST`) are collected first, so they start first.
    """
    rank = {}
    for item in items:
        try:
            rel = Path(str(item.fspath)).resolve().relative_to(TESTS)
        except ValueError:
            continue
        group = "validation" if rel.parts[0] == "validation" else rel.as_posix()
        item.add_marker(pytest.mark.xdist_group(group))
        rank[item] = FIRST.index(group) if group in FIRST else len(FIRST)
    items.sort(key=lambda item: rank.get(item, len(FIRST)))  # stable: file order within a rank
