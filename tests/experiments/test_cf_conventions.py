"""Results are CF-conformant: two CF checkers find no errors in a run file and a sweep store.

* ``epiturn run`` writes a NetCDF file of a small course (a single column, one device
  session so that the ``session`` variables exist, 2 days); ``epiturn sweep`` writes a
  Zarr store of two single-column scenarios (a ``vacuum_kpa`` axis and one replicate);
  the lateral coordinates ``x``, ``y`` (a surface profile on a patch) are checked on a
  small dataset labelled from the output table and written by ``write_netcdf``, without
  simulating (a lateral run would add a compilation);
* the NCAS CF checker (``cfchecker``, CF-1.8, the newest it knows) and the IOOS
  compliance checker (``compliance-checker``, suite ``cf:1.8``) read NetCDF only, so the
  store is checked as a NetCDF copy of what it holds: every variable, value and attribute
  read from the store without decoding (``decode_cf=False``), fill values as stored, text
  as CF character arrays (the checkers take no NetCDF-4 strings);
* both must report no error (their warnings are allowed, and named in docs/interface.md);
  a file with errors is reported as such by both (the checks can fail);
* ``time`` is the CF time coordinate on disk (days since 2000-01-01, day 0 of the run) and
  float days through epiturn's readers; structured attributes are JSON text.

The checkers need tables: the CF standard-name table is the one the compliance checker
ships (no network here); the area-type and region-name tables are empty, since no result
uses an area type or a region. ``cfchecker`` needs the UDUNITS-2 C library
(Debian ``libudunits2-0``; ``.ci/run`` installs it).
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import xarray as xr
import yaml
from typer.testing import CliRunner

from experiments._outputs import COORDINATES, FLAGS, OUTPUTS, annotate
from experiments.cli import app
from experiments.storage import TIME_CALENDAR, TIME_UNITS, open_result, write_netcdf
from experiments.storage._cf import attribute_value

runner = CliRunner()

COURSE = {"skin": "young_face", "device": "diamond_medium",
          "protocol": {"interval_days": 1, "sessions": 1, "follow_up_days": 1, "settings": {"vacuum_kpa": 30, "passes": 2}},
          "grid": {"lateral": "column", "dt_hours": 1}, "save": {"every_hours": 12}}
SWEEP = {"base": COURSE, "axes": {"protocol.settings.vacuum_kpa": [10, 40]}, "replicates": 1}


def _udunits():
    try:
        import cfunits
    except (ImportError, OSError) as exc:  # cfunits loads libudunits2 when imported
        pytest.fail(f"cfunits cannot load the UDUNITS-2 library ({exc}); install it (Debian: apt-get install libudunits2-0)")
    return cfunits


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """``{"run": run file, "store": sweep store, "sweep": NetCDF copy of the store, "profile": a surface on x, y}``."""
    folder = tmp_path_factory.mktemp("cf")
    (folder / "course.yaml").write_text(yaml.safe_dump(COURSE))
    (folder / "sweep.yaml").write_text(yaml.safe_dump(SWEEP))
    run_file, store = folder / "course.nc", folder / "sweep.zarr"
    for args in (["run", str(folder / "course.yaml"), "-o", str(run_file)],
                 ["sweep", str(folder / "sweep.yaml"), "-o", str(store), "--batch-size", "2", "--no-plots"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    x = np.arange(4) * 250.0
    profile = annotate(xr.Dataset({"surface_um": (("time", "x", "y"), np.zeros((2, 4, 4)))},
                                  coords={"time": [0.0, 0.5], "x": x, "y": x}))
    return {"run": run_file, "store": store, "sweep": netcdf_copy(store, folder / "sweep.nc"),
            "profile": write_netcdf(profile, folder / "profile.nc")}


def netcdf_copy(store: Path, path: Path) -> Path:
    """What the store holds, as NetCDF: no decoding, fill values as stored, text as character arrays."""
    raw = xr.open_zarr(store, decode_cf=False).load()
    encoding = {}
    for name, var in raw.variables.items():
        enc = {} if "_FillValue" in var.attrs else {"_FillValue": None}
        if var.dtype.kind in "US":
            enc["dtype"] = "S1"
        encoding[name] = enc
    raw.to_netcdf(path, engine="netcdf4", encoding=encoding)
    return path


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """``(standard names, area types, region names)``: the XML tables the NCAS checker reads."""
    folder = tmp_path_factory.mktemp("cf_tables")
    standard_names = files("compliance_checker") / "data" / "cf-standard-name-table.xml"
    assert standard_names.is_file(), standard_names
    empty = {"area_types.xml": "area_type_table", "region_names.xml": "standardized_region_list"}
    for name, root in empty.items():
        (folder / name).write_text(f'<?xml version="1.0"?>\n<{root}><version_number>0</version_number>'
                                   f"<date>none</date></{root}>\n")
    return str(standard_names), str(folder / "area_types.xml"), str(folder / "region_names.xml")


def ncas_messages(path: Path, tables) -> dict[str, list[str]]:
    """``{"errors": [...], "warnings": [...]}`` of the NCAS CF checker, each ``"variable: message"``."""
    _udunits()
    from cfchecker.cfchecks import CFChecker

    standard_names, area_types, regions = tables
    with netCDF4.Dataset(path) as f:
        version = f.getncattr("Conventions")
    checker = CFChecker(cfStandardNamesXML=standard_names, cfAreaTypesXML=area_types, cfRegionNamesXML=regions,
                        version=version, silent=True)
    results = checker.checker(str(path))
    out: dict[str, list[str]] = {"errors": [], "warnings": []}
    scopes = [("global", results["global"])] + list(results["variables"].items())
    for where, messages in scopes:
        out["errors"] += [f"{where}: {m}" for m in messages["FATAL"] + messages["ERROR"]]
        out["warnings"] += [f"{where}: {m}" for m in messages["WARN"]]
    return out


def ioos_messages(path: Path, suite: str = "cf:1.8") -> dict[str, list[str]]:
    """``{"errors": [...], "warnings": [...]}`` of the IOOS compliance checker (high / medium priority failures)."""
    from compliance_checker.base import BaseCheck
    from compliance_checker.runner import CheckSuite

    checks = CheckSuite()
    checks.load_all_available_checkers()
    dataset = checks.load_dataset(str(path))
    try:
        groups, crashed = checks.run_all(dataset, [suite], skip_checks=[])[suite]
    finally:
        dataset.close()
    assert not crashed, f"{suite} checks that crashed: {crashed}"
    out: dict[str, list[str]] = {"errors": [], "warnings": []}
    for result in groups:
        value = result.value
        passed = value if isinstance(value, bool) else value[0] == value[1]
        if not passed:
            key = "errors" if result.weight == BaseCheck.HIGH else "warnings" if result.weight == BaseCheck.MEDIUM else None
            if key:
                out[key] += [f"{result.name}: {m}" for m in result.msgs]
    return out


# --------------------------------------------------------------------------- the checkers


@pytest.mark.parametrize("which", ["run", "sweep", "profile"])
def test_the_ncas_cf_checker_finds_no_error(results, tables, which):
    messages = ncas_messages(results[which], tables)
    assert not messages["errors"], f"cfchecker, {which}:\n" + "\n".join(messages["errors"])


@pytest.mark.parametrize("which", ["run", "sweep", "profile"])
def test_the_ioos_compliance_checker_finds_no_error(results, which):
    messages = ioos_messages(results[which])
    assert not messages["errors"], f"compliance-checker cf:1.8, {which}:\n" + "\n".join(messages["errors"])


def test_the_checkers_see_an_error(results, tables, tmp_path):
    """The checks can fail: a unit UDUNITS does not know, a time without its reference date
    and a coordinate with missing values are errors for both checkers."""
    bad = tmp_path / "bad.nc"
    with netCDF4.Dataset(results["run"]) as f:
        globals_ = {k: f.getncattr(k) for k in ("Conventions", "title", "history", "source")}
    with netCDF4.Dataset(bad, "w") as f:
        f.setncatts(globals_)
        f.createDimension("time", 3)
        t = f.createVariable("time", "f8", ("time",), fill_value=-1.0)
        t.setncatts({"units": "d", "standard_name": "time", "axis": "T", "long_name": "time"})
        t[:] = [0.0, 1.0, 2.0]
        v = f.createVariable("tewl", "f8", ("time",))
        v.setncatts({"units": "grams per square metre per hour", "long_name": "transepidermal water loss"})
        v[:] = [1.0, 2.0, 3.0]
    ncas = ncas_messages(bad, tables)["errors"]
    assert any(m.startswith("tewl:") and "units" in m.lower() for m in ncas), ncas
    assert any(m.startswith("time:") for m in ncas), ncas
    ioos = ioos_messages(bad)["errors"]
    assert any("tewl" in m for m in ioos) and any("time" in m for m in ioos), ioos


# --------------------------------------------------------------------------- time and attributes


def test_time_is_cf_on_disk_and_days_through_epiturn(results):
    run_file, store = results["run"], results["store"]
    with netCDF4.Dataset(run_file) as f:
        t = f.variables["time"]
        assert (t.units, t.calendar, t.standard_name, t.axis) == (TIME_UNITS, TIME_CALENDAR, "time", "T")
        assert "_FillValue" not in t.ncattrs()
        days = np.asarray(t[:], float)
        assert f.variables["session"].dtype == np.int32
    with netCDF4.Dataset(results["profile"]) as f:
        assert (f.variables["x"].units, f.variables["y"].units) == ("um", "um")
        assert "axis" not in f.variables["x"].ncattrs() and "_FillValue" not in f.variables["x"].ncattrs()
    assert days[0] == 0.0 and days.size > 2
    np.testing.assert_allclose(np.diff(days), COURSE["save"]["every_hours"] / 24.0)  # days of the run, as saved
    store_time = json.loads((store / "time" / ".zattrs").read_text())
    assert store_time["units"] == TIME_UNITS and store_time["axis"] == "T"
    for ds in (open_result(run_file), open_result(store)):
        assert ds["time"].dtype == np.float64 and ds["time"].attrs["units"] == "d"
        assert "calendar" not in ds["time"].attrs
        np.testing.assert_allclose(ds["time"].values, days)
    # a plain xarray reader decodes the CF time: day d of the run is 2000-01-01 + d days
    plain = xr.open_dataset(run_file)
    offsets = (plain["time"].values - np.datetime64("2000-01-01T00:00:00")) / np.timedelta64(1, "D")
    np.testing.assert_allclose(offsets, days)
    plain.close()


def test_global_attributes_and_structured_attributes(results):
    run_file, store = results["run"], results["store"]
    for ds in (open_result(run_file), open_result(store)):
        assert ds.attrs["Conventions"] == "CF-1.8"
        assert ds.attrs["title"].startswith("epiturn ")
        assert ds.attrs["history"].startswith(ds.attrs["created_utc"]) and "epiturn" in ds.attrs["history"]
        assert ds.attrs["source"] == f"epiturn {ds.attrs['epiturn_version']} (git {ds.attrs['git_commit']})"
        json.loads(ds.attrs["config_json"])
        json.loads(ds.attrs["library_versions"])
    sweep = open_result(store)
    assert json.loads(sweep.attrs["sweep_dims"]) == ["vacuum_kpa", "replicate"]
    assert list(sweep.attrs["batches_done"]) == [0]
    run = open_result(run_file)
    for name, meanings in FLAGS.items():
        assert run[name].attrs["flag_meanings"] == meanings
        np.testing.assert_array_equal(run[name].attrs["flag_values"], [0.0, 1.0])
        assert set(np.unique(run[name].values)) <= {0.0, 1.0}


def test_attribute_values_are_stored_as_numbers_strings_or_json():
    assert attribute_value({"b": 1, "a": [1, 2]}) == '{"a": [1, 2], "b": 1}'
    assert attribute_value(["interval_days", "replicate"]) == '["interval_days", "replicate"]'
    assert attribute_value([0, 1, np.int64(2)]) == [0, 1, 2]
    assert attribute_value(np.array([0.0, 1.0])) == [0.0, 1.0]
    assert attribute_value(True) == 1
    assert attribute_value("CF-1.8") == "CF-1.8" and attribute_value(2.5) == 2.5


def test_every_unit_of_the_output_table_is_udunits():
    """Also the outputs a small run does not write: the table, not one file."""
    cfunits = _udunits()
    units = {o.units for o in OUTPUTS.values()} | {u for u, _ in COORDINATES.values()}
    bad = sorted(u for u in units if not cfunits.Units(u).isvalid)
    assert not bad, f"units UDUNITS does not know: {bad}"
