"""Sweeps across processes: SIGKILL then --resume equals an uninterrupted run; a 2-worker Dask cluster too.

Every process here shares one persistent XLA compilation cache (JAX_COMPILATION_CACHE_DIR),
so the batch function is compiled once, by the uninterrupted reference run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from experiments.storage import open_result
from experiments.sweep import SweepReport, run_sweep

from test_sweep import BASE, write  # noqa: E402  (same folder)
from test_storage import equal_stores  # noqa: E402

# 4 batches of 2 column scenarios, 80-120 days each: a batch takes a few tenths of a second,
# long enough to kill the process between the first recorded batch and the last.
SWEEP = {
    "base": {**BASE, "protocol": {**BASE["protocol"], "sessions": 6, "follow_up_days": 14}},
    "axes": {"protocol.interval_days": [10, 14, 18, 21], "protocol.settings.vacuum_kpa": [10, 40]},
}
COMMON = ["--batch-size", "2", "--no-plots"]


def epiturn(*args: str) -> list[str]:
    """``epiturn ARGS`` with this interpreter (the console script's entry point)."""
    return [sys.executable, "-m", "experiments.cli", *args]


def done_batches(store: Path) -> list[int] | None:
    attrs = store / ".zattrs"
    if not attrs.exists():
        return None
    try:
        return json.loads(attrs.read_text())["batches_done"]
    except (ValueError, KeyError):  # pragma: no cover - the file is replaced atomically
        return None


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """The sweep file, an environment with a shared compilation cache, and the uninterrupted store."""
    folder = tmp_path_factory.mktemp("processes")
    path = write(folder, SWEEP)
    env = dict(os.environ, JAX_COMPILATION_CACHE_DIR=str(folder / "jax-cache"))
    reference = folder / "reference.zarr"
    done = subprocess.run(epiturn("sweep", str(path), "-o", str(reference), *COMMON), env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return path, env, open_result(reference).load()  # time in days, as run_sweep returns it


def test_sigkill_then_resume_gives_the_uninterrupted_store(shared, tmp_path):
    path, env, reference = shared
    killed = tmp_path / "killed.zarr"
    proc = subprocess.Popen(epiturn("sweep", str(path), "-o", str(killed), *COMMON), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if done_batches(killed):
                os.kill(proc.pid, signal.SIGKILL)
                break
            if proc.poll() is not None:
                break
            time.sleep(0.005)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:  # pragma: no cover
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, f"not killed mid-sweep (exit {proc.returncode}): {proc.stderr.read()}"
    at_kill = done_batches(killed)
    assert at_kill and len(at_kill) < 4, at_kill
    assert json.loads((killed / ".zattrs").read_text())["sweep_complete"] == 0

    resumed = subprocess.run(epiturn("sweep", str(path), "-o", str(killed), "--resume", *COMMON), env=env,
                             capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    # only the batches not recorded ran: nothing recorded is repeated
    assert f"ran {4 - len(at_kill)} batches" in resumed.stdout, resumed.stdout
    assert f"{len(at_kill)} batches were already done" in resumed.stdout, resumed.stdout
    equal_stores(open_result(killed).load(), reference)


def test_two_worker_local_cluster_equals_in_process(shared, tmp_path, monkeypatch):
    path, env, reference = shared
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", env["JAX_COMPILATION_CACHE_DIR"])  # passed on to the workers
    report = SweepReport("", 0, 0, 0)
    on_cluster = run_sweep(path, tmp_path / "dask.zarr", cluster="local:2", batch_size=2, report=report).load()
    assert report.executor.startswith("tls://127.0.0.1:"), report.executor  # really sent to the cluster's scheduler (TLS, loopback only)
    assert report.computed_batches == 4
    equal_stores(on_cluster, reference)
    assert np.all(np.isfinite(on_cluster["tewl"].isel(time=0).values))


def test_local_cluster_is_private():
    """``--cluster local:N`` listens on 127.0.0.1 only, serves no HTTP (no dashboard), and takes
    only clients holding its temporary TLS credentials: another local user cannot submit work."""
    from distributed import Client
    from distributed.security import Security

    from experiments.sweep._executors import LocalClusterExecutor

    executor = LocalClusterExecutor(1)
    try:
        address = executor.address
        assert address.startswith("tls://127.0.0.1:"), address
        info = executor.client.scheduler_info(n_workers=-1)
        assert all(w["host"] == "127.0.0.1" for w in info["workers"].values())
        # dask's HTTP servers (scheduler, workers) listen on 127.0.0.1 and serve no route at all
        ports = [info["services"].get("dashboard")] + [w.get("services", {}).get("dashboard") for w in info["workers"].values()]
        for port in (p for p in ports if p):
            for route in ("/status", "/health", "/json/identity.json", "/metrics", "/info/main/workers.html"):
                with pytest.raises(urllib.error.HTTPError) as answer:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{route}", timeout=5)
                assert answer.value.code == 404, (port, route)
        assert info["services"].get("dashboard") != 8787
        assert executor.client.submit(sum, [1, 2]).result() == 3  # with the credentials it works
        port = address.rsplit(":", 1)[1]
        # another user: TLS with credentials of their own, or plain TCP -- no connection
        for stranger, security in ((address, Security.temporary()), (f"tcp://127.0.0.1:{port}", None)):
            with pytest.raises((OSError, TimeoutError)):
                Client(stranger, security=security, timeout="3s").close()
    finally:
        executor.close()
