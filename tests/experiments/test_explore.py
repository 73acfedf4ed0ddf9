"""The explorer (``epiturn explore``): the live model layer, and both pages driven in headless Chromium.

The unit tests run :class:`experiments.explore.LiveModel` on a column only (the transect is
the browser test's). The browser test starts the live server and a sweep server in
subprocesses on free localhost ports, drives them with Selenium (``/usr/bin/chromedriver``)
and reads the plots' data from the page's Bokeh document. It skips when Chromium,
chromedriver or Selenium is missing, and fails instead when ``EPITURN_REQUIRE_BROWSER=1``
(or ``CI``) is set.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import experiments
from experiments.errors import InputError
from experiments._jaxconfig import compile_counts
from experiments.explore import Controls, LiveModel, allowed_origins, column_config
from experiments.report import series_with_session_peaks
from experiments.storage import open_result

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model() -> LiveModel:
    m = LiveModel(transect=False)
    m.compile()
    return m


# --------------------------------------------------------------------------- the live model layer


def test_control_changes_change_the_course_without_recompiling(model):
    base = model.run(model.controls)
    before = compile_counts().programs
    harder = model.run(model.controls.updated(vacuum_kpa=45, passes=4))
    fewer = model.run(model.controls.updated(sessions=3, interval_days=10))
    stripped = model.run(model.controls.updated(strip_fraction=0.8, strip_day=2))
    crystal = model.run(model.controls.updated(device="crystal_al2o3", crystal_flow_g_min=30))
    short = model.run(model.controls.updated(sessions=3, interval_days=10, follow_up_days=5))
    assert compile_counts().programs == before, "a control change compiled a program"
    # harder sessions remove more SC: more layers gone per session, a higher TEWL peak
    assert float(harder.column.removed_layers.mean()) > float(base.column.removed_layers.mean())
    assert float(harder.column.tewl.max()) > float(base.column.tewl.max())
    np.testing.assert_allclose(fewer.column.session_day.values, [0, 10, 20])
    assert fewer.column.time.values[-1] == pytest.approx(20 + 28)
    assert short.column.time.values[-1] == pytest.approx(20 + 5)  # the follow-up control ends the course
    # the strip on day 2 takes most of the SC at once
    day2 = stripped.column.sc_layers.sel(time=slice(2.0, 2.3)).min()
    assert float(day2) < 0.5 * float(base.column.sc_layers.sel(time=slice(2.0, 2.3)).min())
    assert not np.allclose(crystal.column.removed_layers.values, base.column.removed_layers.values)


def test_cohorts_add_up_to_the_sc_layers(model):
    result = model.run(model.controls.updated(sessions=4, interval_days=5))
    co, ds = result.cohorts, result.column
    assert co.layers.shape == co.cohesion.shape == co.lipid.shape == (co.time_days.size, co.bin_age_days.size)
    assert np.all(np.diff(co.time_days) > 0) and co.time_days[-1] == pytest.approx(float(ds.time[-1]))
    on_saves = np.isin(np.round(co.time_days, 9), np.round(ds.time.values, 9))
    assert on_saves.sum() > 10
    expected = ds.sc_layers.sel(time=co.time_days[on_saves]).values
    np.testing.assert_allclose(co.layers.sum(axis=1)[on_saves], expected, rtol=1e-9)
    assert np.all((co.cohesion >= 0) & (co.cohesion <= 1 + 1e-12))


@pytest.mark.parametrize("changes, words", [
    ({"vacuum_kpa": 80}, ["vacuum_kpa", "80", "allowed", "5 to 65 kPa"]),
    ({"sessions": 0}, ["sessions", "0", "allowed", "whole number from 1 to 8"]),
    ({"interval_days": 2.5}, ["interval_days", "2.5", "whole number"]),
    ({"passes": "many"}, ["passes", "'many'", "not a number"]),
    ({"device": "diamond_fine", "vacuum_kpa": 45}, ["vacuum_kpa", "45", "40"]),
    ({"skin": "no_such_profile"}, ["skin", "no_such_profile"]),
])
def test_bad_control_values_give_one_line_messages(model, changes, words):
    before = compile_counts().programs
    with pytest.raises(InputError) as info:
        model.run(model.controls.updated(**changes))
    text = str(info.value)
    assert "\n" not in text
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    assert compile_counts().programs == before


def test_unknown_control_and_origins():
    with pytest.raises(InputError, match="vacum_kpa: not a control"):
        Controls().updated(vacum_kpa=3)
    assert allowed_origins("127.0.0.1", 5006) == ["127.0.0.1:5006", "localhost:5006"]
    assert allowed_origins("10.1.2.3", 80) == ["10.1.2.3:80"]


def test_explore_command_rejects_bad_arguments(model, tmp_path):
    from typer.testing import CliRunner

    from experiments.cli import app
    from experiments.storage import write_netcdf

    run = tmp_path / "one.nc"
    write_netcdf(experiments.run(column_config(model.controls)), run)
    result = CliRunner().invoke(app, ["explore", str(run), "--no-browser"])
    assert result.exit_code == 2 and "is a single run; allowed: a sweep store" in result.output

    result = CliRunner().invoke(app, ["explore", "--port", "70000", "--no-browser"])
    assert result.exit_code == 2 and "--port: 70000" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(app, ["explore", str(tmp_path / "missing.zarr"), "--no-browser"])
    assert result.exit_code == 2 and "missing.zarr" in result.output


def test_live_page_redraws_and_reports_bad_input(model):
    import asyncio

    from experiments.explore._app import LivePage

    page = LivePage(model, model.run(model.controls))
    tewl = np.asarray(page.course.sources["tewl"].data["tewl"], float)
    asyncio.run(page.apply({"vacuum_kpa": 42}))
    assert "re-simulated" in page.status.object
    assert not np.array_equal(np.asarray(page.course.sources["tewl"].data["tewl"], float), tewl)
    assert page.controls.vacuum_kpa == 42
    asyncio.run(page.apply({"device": "diamond_fine"}))  # 42 kPa is above this tip's 40
    assert "error: protocol.settings.vacuum_kpa: 42" in page.status.object and "allowed" in page.status.object
    assert page.controls.device == "diamond_medium" and page.widgets["device"].value == "diamond_medium"
    asyncio.run(page._on_set(type("Event", (), {"new": "sessions=3"})()))
    assert page.controls.sessions == 3 and page.widgets["sessions"].value == 3
    assert len(page.cohorts.session_source.data["day"]) == 3


def test_a_failed_run_is_reported_in_the_page(model, monkeypatch):
    import asyncio

    from experiments.errors import SimulationError
    from experiments.explore._app import LivePage

    page = LivePage(model, model.run(model.controls))
    shown = dict(page.course.sources["tewl"].data)

    def fails(controls, transect=True):
        raise SimulationError("simulation produced non-finite values of the explorer: diag.tewl at step 12")

    monkeypatch.setattr(model, "run", fails)
    asyncio.run(page.apply({"passes": 5}))
    assert "error: simulation produced non-finite values" in page.status.object
    assert page.controls.passes == model.controls.passes and page.widgets["passes"].value == model.controls.passes
    assert np.array_equal(page.course.sources["tewl"].data["tewl"], shown["tewl"])  # the last good course stays


def test_an_error_while_a_transect_is_computing_stays_shown(model, monkeypatch):
    """Bad input typed while the previous setting's transect is still being computed: the
    transect is drawn when it arrives, but the error message stays in the status line (a
    late summary of the earlier run must not overwrite it)."""
    import asyncio
    import threading

    from experiments.explore._app import LivePage

    page = LivePage(model, model.run(model.controls))
    release, drawn = threading.Event(), []
    monkeypatch.setattr(model, "transect", object())  # a transect follows each column run
    monkeypatch.setattr(page, "_run_transect", lambda controls: (release.wait(60), "the transect")[1])
    monkeypatch.setattr(page.course, "show_transect", drawn.append)

    async def scenario():
        run = asyncio.create_task(page.apply({"sessions": 3}))
        for _ in range(6000):  # the column is drawn, its transect pending
            if "surface transect" in page.status.object:
                break
            await asyncio.sleep(0.01)
        assert "surface transect" in page.status.object
        await page.apply({"vacuum_kpa": 99})
        assert "error: vacuum_kpa: 99" in page.status.object
        release.set()
        await run

    asyncio.run(scenario())
    assert drawn == ["the transect"] and page.controls.sessions == 3
    assert "error: vacuum_kpa: 99" in page.status.object


# --------------------------------------------------------------------------- in a browser


def _driver_or_skip(tmp_path: Path):
    required = os.environ.get("EPITURN_REQUIRE_BROWSER", "") not in ("", "0") or bool(os.environ.get("CI"))
    chromium = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    driver = shutil.which("chromedriver")  # Debian: /usr/bin/chromedriver (package chromium-driver)
    modules = {}
    for name in ("selenium", "panel"):
        try:
            __import__(name)
        except ImportError:
            modules[name] = False
        else:
            modules[name] = True
    if chromium is None or driver is None or not all(modules.values()):
        found = {"chromium": chromium, "chromedriver": driver, **modules}
        missing = ", ".join(n for n, ok in found.items() if not ok)
        why = (f"{missing} missing (Debian: apt-get install chromium chromium-driver; pip install selenium panel); "
               "the explorer is not driven in a browser")
        if required:
            pytest.fail(f"EPITURN_REQUIRE_BROWSER asks for the browser test, but {why}")
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,2300",
                f"--user-data-dir={tmp_path / 'chrome-profile'}"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=options)


class Server:
    """``epiturn explore`` in a subprocess; its output collected in a thread."""

    def __init__(self, args: list[str], port: int):
        env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "explore", *args, "--port", str(port),
                                      "--no-browser"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def wait_ready(self, timeout: float = 240) -> None:
        t0 = time.monotonic()
        while f"serving on {self.url}" not in self.log:
            assert self.proc.poll() is None, f"the server ended: {self.log[-3000:]}"
            assert time.monotonic() - t0 < timeout, f"the server did not start: {self.log[-3000:]}"
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(driver, script: str, *args, timeout: float = 30.0, what: str = ""):
    t0 = time.monotonic()
    while True:
        value = driver.execute_script(script, *args)
        if value:
            return value
        assert time.monotonic() - t0 < timeout, f"timed out waiting for {what or script}"
        time.sleep(0.2)


MODELS = "Array.from(Bokeh.documents[0]._all_models.values())"
READY = "return !!(window.Bokeh && Bokeh.documents.length && Bokeh.documents[0].get_model_by_name('{name}'))"
COLUMN = "return Array.from(Bokeh.documents[0].get_model_by_name('{source}').data['{column}'])"
STATUS = f"return {MODELS}.filter(m => typeof m.text === 'string' && m.text.includes('epiturn-status')).map(m => m.text).join(' ')"


def _set_slider(driver, title: str, value) -> None:
    driver.execute_script(f"{MODELS}.find(m => m.title === arguments[0] && 'value_throttled' in m)"
                          ".setv({value: arguments[1], value_throttled: arguments[1]})", title, value)


def _not_blank(path: Path) -> None:
    from PIL import Image

    pixels = np.asarray(Image.open(path).convert("L"), float)
    assert pixels.std() > 20, f"{path} is (nearly) blank: pixel SD {pixels.std():.1f}"


def _non_loopback_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # no packet is sent: this picks the outgoing interface
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def _websocket_refused(port: int, origin: str) -> bool:
    """True when the server's websocket refuses a connection whose page came from ``origin``."""
    import asyncio

    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    async def attempt():
        request = HTTPRequest(f"ws://127.0.0.1:{port}/ws", headers={"Origin": origin})
        try:
            conn = await websocket_connect(request)
        except HTTPClientError as exc:
            return exc.code == 403
        conn.close()
        return False

    return asyncio.run(attempt())


SWEEP = {
    "base": {"skin": "young_face", "device": "diamond_medium",
             "protocol": {"interval_days": 7, "sessions": 2, "follow_up_days": 7, "settings": {"vacuum_kpa": 30, "passes": 2}},
             "grid": {"lateral": "column", "dt_hours": 1}, "save": {"every_hours": 12}},
    "mode": "grid",
    "axes": {"protocol.interval_days": [3, 7], "protocol.settings.vacuum_kpa": [20, 40]},
}


def test_both_pages_in_headless_chromium(tmp_path):
    driver = _driver_or_skip(tmp_path)
    from experiments.explore import scenario
    shots = Path(os.environ.get("EPITURN_EXPLORE_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    live = Server([], _free_port())  # compiles while the sweep store is made
    sweep_server = None
    try:
        store = tmp_path / "tiny.zarr"
        experiments.sweep(SWEEP, store)
        sweep_server = Server([str(store)], _free_port())
        live.wait_ready()

        # --- live mode: the page loads with the first course
        driver.get(live.url)
        _wait(driver, READY.format(name="tewl_source"), what="the live page")
        tewl0 = _wait(driver, COLUMN.format(source="tewl_source", column="tewl"), what="TEWL data")
        assert len(tewl0) > 100 and np.all(np.isfinite(tewl0))
        days0 = driver.execute_script(COLUMN.format(source="session_source", column="day"))
        assert len(days0) == Controls().sessions
        assert len(driver.execute_script(COLUMN.format(source="cohort_source", column="top"))) > 100
        assert len(driver.execute_script(COLUMN.format(source="surface_source", column="end"))) == 32
        ra0 = driver.execute_script(COLUMN.format(source="roughness_source", column="ra_um"))
        assert len(ra0) > 100 and np.all(np.isfinite(ra0))
        driver.save_screenshot(str(shots / "explore_live.png"))
        _not_blank(shots / "explore_live.png")

        # a control change re-simulates and redraws with new values
        t0 = time.monotonic()
        _set_slider(driver, "vacuum (kPa)", 45)
        script = (f"const v = {COLUMN.format(source='tewl_source', column='tewl')[7:]};"
                  f"return v.length && Math.max(...v) > {max(tewl0)} + 1e-6")
        _wait(driver, script, what="TEWL redrawn after the vacuum change")
        assert "re-simulated" in _wait(driver, STATUS, what="status")
        print(f"vacuum change: time courses redrawn after {time.monotonic() - t0:.2f} s (browser round trip)")
        # then the transect: the roughness follows
        _wait(driver, f"const v = {COLUMN.format(source='roughness_source', column='ra_um')[7:]};"
                      "return v.length === arguments[0].length && v.some((x, i) => Math.abs(x - arguments[0][i]) > 1e-9)",
              ra0, what="roughness redrawn after the vacuum change")
        print(f"vacuum change: roughness redrawn after {time.monotonic() - t0:.2f} s")
        _set_slider(driver, "sessions", 3)
        _wait(driver, "return " + COLUMN.format(source="session_source", column="day")[7:] + ".length === 3",
              what="three sessions drawn")

        # bad input: the message in the page, the server still running
        driver.execute_script(f"{MODELS}.find(m => typeof m.title === 'string' && m.title.startsWith('set a value'))"
                              ".setv({value: 'vacuum_kpa=99', value_input: 'vacuum_kpa=99'})")
        text = _wait(driver, STATUS + ".includes('error') && " + STATUS[7:], what="the error message")
        assert "vacuum_kpa" in text and "99" in text and "allowed" in text
        _set_slider(driver, "sessions", 4)
        _wait(driver, "return " + COLUMN.format(source="session_source", column="day")[7:] + ".length === 4",
              what="a run after the error")
        driver.save_screenshot(str(shots / "explore_live_changed.png"))
        _not_blank(shots / "explore_live_changed.png")

        # --- sweep mode: heat map and trade-off, a click shows that scenario's course
        sweep_server.wait_ready()
        driver.get(sweep_server.url)
        _wait(driver, READY.format(name="heatmap_source"), what="the sweep page")
        cells = _wait(driver, COLUMN.format(source="heatmap_source", column="value"), what="heat-map cells")
        assert len(cells) == 4
        assert len(driver.execute_script(COLUMN.format(source="tradeoff_source", column="burden"))) == 4
        ds = open_result(store)
        xi = driver.execute_script(COLUMN.format(source="heatmap_source", column="xi"))
        yi = driver.execute_script(COLUMN.format(source="heatmap_source", column="yi"))
        shown = []
        for k in (0, 3):
            driver.execute_script("Bokeh.documents[0].get_model_by_name('heatmap_source').selected.indices = [arguments[0]]", k)
            setting = {"interval_days": ds.interval_days.values[xi[k]], "vacuum_kpa": ds.vacuum_kpa.values[yi[k]]}
            _, expected = series_with_session_peaks(scenario(ds, setting), "tewl")
            script = f"const v = {COLUMN.format(source='sweep_tewl_source', column='tewl')[7:]}; return v.length === {expected.size} && v"
            got = np.asarray(_wait(driver, script, what=f"the time course of cell {k}"), float)
            np.testing.assert_allclose(got, expected, rtol=1e-9)
            shown.append(got)
        assert shown[0].size != shown[1].size or not np.allclose(shown[0], shown[1]), "two cells showed the same course"
        driver.save_screenshot(str(shots / "explore_sweep.png"))
        _not_blank(shots / "explore_sweep.png")

        # --- only this machine: no other address, no page of another site
        other = _non_loopback_address()
        if other is not None:
            with pytest.raises(OSError):
                socket.create_connection((other, live.port), timeout=2).close()
        assert _websocket_refused(live.port, "http://evil.example.com")  # (the page's own origin: the browser above)
    finally:
        driver.quit()
        live.stop()
        if sweep_server is not None:
            sweep_server.stop()
    for server in (live, sweep_server):
        assert "Traceback" not in server.log, server.log[-4000:]
        errors = [line for line in server.log.splitlines() if line.startswith("ERROR")
                  and "Refusing websocket connection from Origin 'http://evil.example.com'" not in line]
        assert not errors, server.log[-4000:]
