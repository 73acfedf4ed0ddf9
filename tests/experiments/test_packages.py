"""The generic top-level names: a foreign ``sim`` on the path is named in one line (docs/architecture.md)."""

import os
import subprocess
import sys


def test_a_foreign_sim_package_is_refused_with_one_line(tmp_path):
    (tmp_path / "sim").mkdir()
    (tmp_path / "sim" / "__init__.py").write_text("")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", "import experiments"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: epiturn: the package 'sim'") and str(tmp_path / "sim") in last


def test_epiturns_own_packages_pass_the_check():
    from experiments._packages import check_sibling_packages

    check_sibling_packages()
