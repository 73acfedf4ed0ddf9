"""Fixtures of the literature validation (docs/validation.md, T1-T9 and ageing).

Every validation experiment of ``configs/validation`` is run at most once per test
session (:func:`measured`), on the single-column grid, and its measurements are shared
by the test modules. The homeostatic spin-ups go to a private cache folder (the tests
never write to the user's ``~/.cache``).
"""

from __future__ import annotations

import pytest

from experiments import validation


@pytest.fixture(scope="session", autouse=True)
def _private_spin_up_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("EPITURN_CACHE", str(tmp_path_factory.mktemp("epiturn-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def measured():
    """``measured(name) -> {profile: {quantity: value}}`` for ``configs/validation/<name>.yaml``."""
    results: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in results:
            results[name] = validation.measure(validation.VALIDATION_DIR / f"{name}.yaml")
        return results[name]

    return get
