"""Run-config schemas, resolution, overrides and their one-line errors (experiments.config)."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from experiments.config import (
    REPO_ROOT,
    SETTING_NAMES,
    ConfigError,
    DeviceSpec,
    LevelSettings,
    ProtocolSpec,
    ResolvedRunConfig,
    SettingsSpec,
    list_devices,
    list_profiles,
    load_device,
    load_run_config,
    load_yaml,
    long_name,
    units_of,
)
from experiments.errors import InputError, for_command_line
from experiments._provenance import provenance_attrs
from models import SESSION_SETTINGS, SKIN_PARAMETERS


def error_of(source, overrides=()) -> str:
    with pytest.raises(ConfigError) as info:
        load_run_config(source, overrides)
    message = str(info.value)
    assert "\n" not in message
    assert "; allowed: " in message
    return message


def with_(base: dict, path: str, value) -> dict:
    """A deep copy of ``base`` with ``value`` set at the dotted ``path``."""
    data = copy.deepcopy(base)
    parts = path.split(".")
    node = data
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value
    return data


# --------------------------------------------------------------------------- valid configs


def test_treated_config_resolves(treated, configs_dir):
    r = load_run_config(treated)
    assert isinstance(r, ResolvedRunConfig)
    assert r.skin_name == "testskin"
    assert set(r.skin) == set(SKIN_PARAMETERS)
    assert all(isinstance(v, float) for v in r.skin.values())
    assert r.skin_sources["ve_transit_days"] == "test midpoint"
    assert isinstance(r.device, DeviceSpec) and r.device.name == "diamond_medium"
    assert r.protocol.session_days() == [0, 7, 14, 21, 28, 35]
    assert r.duration_days == 35 + 28
    rows = r.protocol.session_settings()
    assert len(rows) == 6
    assert rows[0] == {
        "vacuum_kpa": 30.0, "passes": 3, "speed_mm_s": 20.0, "load_n": 2.0, "crystal_flow_g_min": 0.0,
        "air_flow_l_min": 0.0, "mode": "moving", "dwell_s": 10.0, "treated_area_cm2": 50.0,
    }
    assert r.session_days() == r.protocol.session_days()


def test_to_dict_is_json_and_round_trips(treated, configs_dir):
    r = load_run_config(treated)
    d = r.to_dict()
    text = json.dumps(d)
    assert d["skin"]["parameters"]["ve_thickness_um"]["value"] == r.skin["ve_thickness_um"]
    assert len(r.hash) == 64 and r.hash == load_run_config(treated).hash
    again = load_run_config(json.loads(text))
    assert again.hash == r.hash
    assert load_run_config(r).hash == r.hash
    changed = load_run_config(treated, ["seed=1"])
    assert changed.hash != r.hash


def test_untreated_defaults(configs_dir):
    r = load_run_config({"skin": "testskin"})
    assert r.device is None and r.protocol is None
    assert r.duration_days == 28
    assert r.grid.lateral == "1d" and r.grid.n == 256 and r.grid.dt_hours == 1 and r.grid.nz == 12
    assert r.grid.steps_per_day == 24 and r.grid.n_sc_bins == 40
    assert r.save.every_hours == 6 and r.save.profiles is False
    assert r.session_days() == [] and r.session_settings() == []
    r2 = load_run_config({"skin": "testskin", "events": [{"day": 5, "kind": "strip", "remove_fraction": 0.9}, {"day": 2, "kind": "strip", "remove_fraction": 0.5}]})
    assert r2.duration_days == 5 + 28
    assert [e.day for e in r2.events] == [2, 5]


def test_skin_as_path_relative_to_config_and_inline_base(tmp_path, configs_dir, write_config, midpoints):
    sub = tmp_path / "profiles"
    sub.mkdir()
    (sub / "mine.yaml").write_text(yaml.safe_dump({"name": "mine", "parameters": midpoints}))
    cfg = write_config({"skin": "profiles/mine.yaml"})
    assert load_run_config(cfg).skin_name == "mine"
    inline = {"skin": {"base": "testskin", "parameters": {"ve_thickness_um": 60, "ve_transit_days": {"value": 13.5, "source": "Rothberg 1961"}}}}
    r = load_run_config(inline)
    assert r.skin_name == "testskin"
    assert r.skin["ve_thickness_um"] == 60.0 and r.skin_sources["ve_thickness_um"] == "user"
    assert r.skin_sources["ve_transit_days"] == "Rothberg 1961"


def test_level_expansion_and_explicit_override(treated, configs_dir):
    data = with_(treated, "protocol.settings", {"level": "aggressive"})
    r = load_run_config(data)
    s = r.protocol.session_settings()[0]
    assert (s["vacuum_kpa"], s["passes"], s["load_n"]) == (45.0, 4, 4.0)
    data = with_(treated, "protocol.settings", {"level": "aggressive", "passes": 2})
    s = load_run_config(data).protocol.session_settings()[0]
    assert (s["vacuum_kpa"], s["passes"]) == (45.0, 2)
    # the resolved config re-resolves to itself
    r = load_run_config(data)
    assert load_run_config(r.to_dict()).hash == r.hash


def test_crystal_defaults(treated, configs_dir):
    data = with_(treated, "device", "crystal_al2o3")
    data["protocol"]["settings"] = {"vacuum_kpa": 30}
    s = load_run_config(data).protocol.session_settings()[0]
    assert s["crystal_flow_g_min"] == pytest.approx(22.5)  # middle of 5-40 g/min
    assert s["air_flow_l_min"] == pytest.approx(20.0)  # middle of 10-30 L/min
    assert s["load_n"] == 0.0 and s["passes"] == 2 and s["speed_mm_s"] == 20.0


def test_per_session_lists(treated, configs_dir):
    data = with_(treated, "protocol.settings.vacuum_kpa", [10, 20, 30, 40, 45, 50])
    rows = load_run_config(data).protocol.session_settings()
    assert [row["vacuum_kpa"] for row in rows] == [10, 20, 30, 40, 45, 50]


def test_yaml_reads_exponent_floats(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_text("a: 1e-3\nb: 2E4\nc: 1d\n")
    assert load_yaml(p) == {"a": 0.001, "b": 20000.0, "c": "1d"}


def test_provenance_attrs(treated, configs_dir):
    r = load_run_config(treated)
    attrs = provenance_attrs(r)
    assert set(attrs) == {"epiturn_version", "git_commit", "config_json", "config_hash", "library_versions", "created_utc"}
    assert all(isinstance(v, str) for v in attrs.values())
    assert attrs["config_hash"] == r.hash
    assert json.loads(attrs["config_json"]) == r.to_dict()
    libs = json.loads(attrs["library_versions"])
    assert {"numpy", "jax", "xarray", "pydantic", "python"} <= set(libs)
    assert attrs["epiturn_version"] not in ("", "unknown")


# --------------------------------------------------------------------------- errors


def test_unknown_top_level_key(treated, configs_dir):
    m = error_of({**treated, "protocl": {}})
    assert m.startswith("protocl: 'protocl' is not a known key")
    assert "protocol" in m and "skin" in m and "duration_days" in m


def test_unknown_key_in_settings(treated, configs_dir):
    m = error_of(with_(treated, "protocol.settings.vacum_kpa", 30))
    assert m.startswith("protocol.settings.vacum_kpa:")
    assert "is not a known key" in m and "vacuum_kpa" in m.split("allowed:")[1]


def test_unknown_skin_parameter(configs_dir):
    m = error_of({"skin": {"base": "testskin", "parameters": {"ve_thicknes_um": 50}}})
    assert m.startswith("skin.parameters.ve_thicknes_um: 50 is not a skin parameter")
    assert "ve_thickness_um" in m


def test_unknown_parameter_in_profile_file_names_file(tmp_path, configs_dir, midpoints):
    params = midpoints
    params["bogus"] = 1
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"parameters": params}))
    m = error_of({"skin": str(path)})
    assert m.startswith("skin.parameters.bogus: 1 is not a skin parameter") and "bad.yaml" in m


def test_wrong_type(treated, configs_dir):
    m = error_of(with_(treated, "protocol.sessions", "six"))
    assert m.startswith("protocol.sessions: 'six' is not an integer")
    m = error_of(with_(treated, "protocol.settings.vacuum_kpa", "high"))
    assert m.startswith("protocol.settings.vacuum_kpa: 'high' is not a number")
    m = error_of({"skin": {"base": "testskin", "parameters": {"ve_thickness_um": "thick"}}})
    assert m.startswith("skin.parameters.ve_thickness_um: 'thick' is not a number")
    m = error_of(with_(treated, "save.profiles", "yes"))
    assert m.startswith("save.profiles: 'yes' is not a boolean")


def test_out_of_range_skin_parameter(configs_dir):
    m = error_of({"skin": {"base": "testskin", "parameters": {"ve_thickness_um": 500}}})
    assert m.startswith("skin.parameters.ve_thickness_um: 500 is outside the allowed range")
    assert "(10, 200] um" in m


def test_negative_interval(treated, configs_dir):
    m = error_of(with_(treated, "protocol.interval_days", -7))
    assert m.startswith("protocol.interval_days: -7 is out of range; allowed: > 0 d")


def test_remove_fraction_above_one(configs_dir):
    m = error_of({"skin": "testskin", "events": [{"day": 0, "kind": "strip", "remove_fraction": 1.5}]})
    assert m.startswith("events[0].remove_fraction: 1.5 is out of range") and "(0, 1]" in m


def test_unknown_event_kind(configs_dir):
    m = error_of({"skin": "testskin", "events": [{"day": 0, "kind": "laser"}]})
    assert m.startswith("events[0].kind: 'laser' is not a known kind") and "strip" in m


def test_dt_not_dividing_a_day(configs_dir):
    m = error_of({"skin": "testskin", "grid": {"dt_hours": 0.7}})
    assert m.startswith("grid.dt_hours: 0.7 does not divide 24 h exactly")


def test_save_interval_not_on_grid(configs_dir):
    m = error_of({"skin": "testskin", "save": {"every_hours": 2.5}})
    assert m.startswith("save.every_hours: 2.5 is not a multiple of grid.dt_hours")


def test_missing_config_file(tmp_path):
    path = tmp_path / "nope.yaml"
    m = error_of(path)
    assert m.startswith("config: ") and "nope.yaml" in m and "does not exist" in m


def test_missing_skin_file(configs_dir, write_config):
    m = error_of(write_config({"skin": "profiles/absent.yaml"}))
    assert m.startswith("skin: 'profiles/absent.yaml' file not found")


def test_unknown_profile_name(configs_dir):
    m = error_of({"skin": "old_face_xyz"})
    assert m.startswith("skin: 'old_face_xyz' is not a known skin profile")
    assert "testskin" in m.split("allowed:")[1]


def test_incomplete_profile(tmp_path, configs_dir, midpoints):
    params = midpoints
    del params["ve_transit_days"]
    m = error_of({"skin": {"name": "partial", "parameters": params}})
    assert m.startswith("skin.parameters: '1 missing'") and "ve_transit_days" in m


def test_unknown_device_name(treated, configs_dir):
    m = error_of(with_(treated, "device", "diamond_xl"))
    assert m.startswith("device: 'diamond_xl' is not a known device")
    assert all(name in m for name in ("diamond_fine", "diamond_medium", "diamond_coarse", "crystal_al2o3"))


def test_vacuum_outside_device_range(treated, configs_dir):
    m = error_of(with_(treated, "protocol.settings.vacuum_kpa", 80))
    assert m.startswith("protocol.settings.vacuum_kpa: 80") and "diamond_medium" in m
    assert m.endswith("allowed: [5, 50] kPa")
    m = error_of(with_(treated, "protocol.settings.vacuum_kpa", [30, 30, 70, 30, 30, 30]))
    assert m.startswith("protocol.settings.vacuum_kpa[2]: 70")


def test_load_above_device_maximum(treated, configs_dir):
    m = error_of(with_(treated, "protocol.settings.load_n", 20))
    assert m.startswith("protocol.settings.load_n: 20") and "[0, 10] N" in m


def test_settings_of_the_other_device_kind_are_accepted_and_ignored(treated, configs_dir):
    # docs/interface.md's example gives crystal_flow_g_min with diamond_medium: accepted, ignored
    r = load_run_config(with_(treated, "protocol.settings.crystal_flow_g_min", 20))
    s = r.protocol.session_settings()[0]
    assert s["crystal_flow_g_min"] == 0.0 and s["load_n"] == 2.0
    assert r.protocol.settings.crystal_flow_g_min is None
    plain = load_run_config(treated)
    assert r.hash == plain.hash  # the ignored setting leaves no trace in the resolved config
    # hand load on a crystal device, even above any diamond maximum: ignored as well
    data = with_(treated, "device", "crystal_al2o3")
    data["protocol"]["settings"] = {"vacuum_kpa": 30, "load_n": 50, "crystal_flow_g_min": 20}
    s = load_run_config(data).protocol.session_settings()[0]
    assert s["load_n"] == 0.0 and s["crystal_flow_g_min"] == 20.0
    # but still type-checked and bounded as a setting
    m = error_of(with_(treated, "protocol.settings.crystal_flow_g_min", -3))
    assert m.startswith("protocol.settings.crystal_flow_g_min: -3 is out of range")


def test_crystal_flow_outside_range(treated, configs_dir):
    data = with_(treated, "device", "crystal_al2o3")
    data["protocol"]["settings"] = {"crystal_flow_g_min": 90}
    m = error_of(data)
    assert m.startswith("protocol.settings.crystal_flow_g_min: 90") and "[5, 40] g/min" in m


def test_air_flow_outside_range_and_required_crystal_hardware(treated, configs_dir):
    data = with_(treated, "device", "crystal_al2o3")
    data["protocol"]["settings"] = {"air_flow_l_min": 45}
    m = error_of(data)
    assert m.startswith("protocol.settings.air_flow_l_min: 45 is outside the air-flow range") and "[10, 30] L/min" in m
    crystal = load_device("crystal_al2o3").model_dump(exclude_none=True)
    for key in ("nozzle_diameter_mm", "air_flow_l_min"):
        with pytest.raises(ConfigError, match=rf"^device.{key}: \(missing\) is required for a crystal device"):
            load_device({k: v for k, v in crystal.items() if k != key})
    with pytest.raises(ConfigError, match=r"^device.nozzle_diameter_mm: 2 is for crystal devices only"):
        load_device({**load_device("diamond_medium").model_dump(exclude_none=True), "nozzle_diameter_mm": 2.0})


def test_list_setting_wrong_length(treated, configs_dir):
    m = error_of(with_(treated, "protocol.settings.passes", [1, 2, 3]))
    assert m.startswith("protocol.settings.passes: [1, 2, 3] has 3 values for 6 sessions")


def test_unknown_level(treated, configs_dir):
    m = error_of(with_(treated, "protocol.settings.level", "turbo"))
    assert m.startswith("protocol.settings.level: 'turbo' is not a level") and "aggressive" in m


def test_protocol_without_device(treated, configs_dir):
    data = dict(treated)
    del data["device"]
    m = error_of(data)
    assert m.startswith("protocol: ") and "without a device" in m


def test_duration_before_last_session(treated, configs_dir):
    m = error_of({**treated, "duration_days": 30})
    assert m.startswith("duration_days: 30") and "last session (day 35)" in m


def test_inline_device_errors(treated, configs_dir):
    device = {"name": "x", "kind": "diamond", "tip_diameter_mm": 5, "aperture_diameter_mm": 4, "vacuum_kpa": {"min": 5, "max": 50}}
    m = error_of({**treated, "device": device})
    assert m.startswith("device.grit_um: (missing) is required for a diamond device")
    m = error_of({**treated, "device": {**device, "grit_um": 100, "vacuum_kpa": {"min": 50, "max": 5}}})
    assert m.startswith("device.vacuum_kpa.max: 5")


# --------------------------------------------------------------------------- overrides


def test_overrides_apply(treated, configs_dir, write_config):
    path = write_config(treated)
    r = load_run_config(path, ["protocol.interval_days=10", "skin.parameters.ve_thickness_um=50", "events[0]={day: 3, kind: strip, remove_fraction: 0.5}"])
    assert r.protocol.session_days()[:3] == [0, 10, 20]
    assert r.skin["ve_thickness_um"] == 50.0 and r.skin_sources["ve_thickness_um"] == "user"
    assert r.skin_name == "testskin"
    assert r.events[0].day == 3
    r = load_run_config(path, ["protocol.settings.vacuum_kpa=[10, 20, 30, 40, 45, 50]"])
    assert r.protocol.session_settings()[5]["vacuum_kpa"] == 50
    r = load_run_config(path, ["device.vacuum_kpa.max=60", "protocol.settings.vacuum_kpa=55"])
    assert r.device.name == "diamond_medium" and r.device.vacuum_kpa.max == 60
    r = load_run_config(path, ["protocol.settings.level=gentle", "protocol.settings={level: gentle}"])
    assert r.protocol.session_settings()[0]["vacuum_kpa"] == 15


def test_bad_overrides(treated, configs_dir, write_config):
    path = write_config(treated)
    m = error_of(path, ["protocol.nosuch=3"])
    assert m.startswith("protocol.nosuch: 'nosuch' is not a known key") and "interval_days" in m
    m = error_of(path, ["bogus.key=1"])
    assert m.startswith("bogus.key: 'bogus' is not a known key")
    m = error_of(path, ["seed.x=1"])
    assert m.startswith("seed: 0 cannot hold the sub-key 'x'")
    m = error_of(path, ["protocol.interval_days"])
    assert m.startswith("overrides: 'protocol.interval_days' is not KEY=VALUE")
    m = error_of(path, ["protocol.settings.vacuum_kpa=99"])
    assert m.startswith("protocol.settings.vacuum_kpa: 99")
    m = error_of(path, ["skin.parameters.nope=1"])
    assert m.startswith("skin.parameters.nope: 1 is not a skin parameter")


# --------------------------------------------------------------------------- catalogue


CATALOGUE = ("diamond_fine", "diamond_medium", "diamond_coarse", "crystal_al2o3")


def test_catalogue_devices():
    assert set(CATALOGUE) <= set(list_devices())
    for name in CATALOGUE:
        d = load_device(name)
        assert d.name == name
        assert 4 <= d.aperture_diameter_mm <= d.tip_diameter_mm <= 6
        assert d.sources and any("Karimipour" in s for s in d.sources)
        assert {"gentle", "moderate", "aggressive"} <= set(d.levels)
        assert d.vacuum_kpa.contains(30)  # the default setting fits every device
    assert load_device("diamond_medium").grit_um == 100
    assert load_device("diamond_coarse").grit_um == 125
    crystal = load_device("crystal_al2o3")
    assert crystal.kind == "crystal" and crystal.crystal_size_um == 100 and crystal.grit_um is None


def test_load_device_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"^device: 'nosuch' is not a known device"):
        load_device("nosuch")
    with pytest.raises(ConfigError, match=r"^device: 'x/y\.yaml' file not found"):
        load_device("x/y.yaml")
    with pytest.raises(ConfigError, match=r"^device.levels.gentle.crystal_flow_g_min: 10 is not a setting of diamond"):
        load_device({**load_device("diamond_medium").model_dump(exclude_none=True), "levels": {"gentle": {"crystal_flow_g_min": 10}}})


def test_list_profiles_sees_user_folder(configs_dir):
    assert "testskin" in list_profiles()


def test_override_errors_name_the_argument_and_translate_to_the_flag(treated, configs_dir, write_config):
    path = write_config(treated)
    flags = {"overrides": "--set"}
    for item, library, command_line in [
        ("protocol.interval_days", "overrides: 'protocol.interval_days' is not KEY=VALUE", "--set: 'protocol.interval_days' is not KEY=VALUE"),
        ("1abc=3", "overrides: '1abc=3' does not start", "--set: '1abc=3' does not start"),
        ("bogus.key=1", "bogus.key: 'bogus' is not a known key (from overrides)", "bogus.key: 'bogus' is not a known key (from --set)"),
        ("seed.x=1", "seed: 0 cannot hold the sub-key 'x' (from overrides seed.x)", "seed: 0 cannot hold the sub-key 'x' (from --set seed.x)"),
    ]:
        with pytest.raises(ConfigError) as info:
            load_run_config(path, [item])
        assert info.value.parameter == "overrides"
        assert str(info.value).startswith(library) and "--set" not in str(info.value)
        assert for_command_line(info.value, flags).startswith(command_line)
    # a bad value at a good path is a config problem: no argument named, the same words everywhere
    with pytest.raises(ConfigError) as info:
        load_run_config(path, ["protocol.settings.vacuum_kpa=99"])
    assert info.value.parameter is None and for_command_line(info.value, flags) == str(info.value)


def test_config_error_is_an_input_error_and_pickles():
    import pickle

    error = ConfigError("protocol.sessions", "six", "is not an integer", "an integer", "run.yaml", parameter="overrides")
    assert isinstance(error, InputError) and isinstance(error, ValueError)
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is ConfigError and str(again) == str(error)
    assert (again.field, again.value, again.problem, again.allowed, again.file, again.parameter) == (
        "protocol.sessions", "six", "is not an integer", "an integer", "run.yaml", "overrides")


def test_repo_root_holds_the_configs():
    assert (REPO_ROOT / "configs" / "devices").is_dir() and (REPO_ROOT / "pyproject.toml").is_file()


# --------------------------------------------------------------------------- the settings table


def _accepts(model, name: str, value) -> bool:
    try:
        model.model_validate({name: value})
    except Exception:
        return False
    return True


@pytest.mark.parametrize("name", list(SESSION_SETTINGS))
def test_settings_schema_follows_the_table(name):
    """Bounds, integer flag, allowed words and defaults of the schema behave as the table says."""
    spec = SESSION_SETTINGS[name]
    assert SETTING_NAMES == tuple(SESSION_SETTINGS)
    assert list(SettingsSpec.model_fields)[: len(SESSION_SETTINGS)] == list(SESSION_SETTINGS)
    assert SettingsSpec.model_fields[name].default == spec.default
    assert SettingsSpec().model_dump()[name] == spec.default
    assert LevelSettings.model_fields[name].default is None
    for model in (SettingsSpec, LevelSettings):
        if spec.choices:
            assert all(_accepts(model, name, c) for c in spec.choices)
            assert not _accepts(model, name, "no-such-" + spec.choices[0])
            continue
        eps = 1e-9 * max(1.0, abs(spec.high))
        assert _accepts(model, name, spec.low) == spec.low_inclusive
        assert not _accepts(model, name, spec.low - max(eps, 1.0 if spec.integer else eps))
        assert _accepts(model, name, spec.high)
        assert not _accepts(model, name, spec.high + (1 if spec.integer else eps))
        inside = spec.low + 1 if spec.integer else 0.5 * (spec.low + spec.high)
        assert _accepts(model, name, inside)
        assert _accepts(model, name, inside + 0.5) == (not spec.integer)
    # per-session lists (SettingsSpec only) take the same values
    if spec.choices:
        assert _accepts(SettingsSpec, name, list(spec.choices))
    else:
        assert _accepts(SettingsSpec, name, [spec.high, spec.high])
        assert not _accepts(SettingsSpec, name, [spec.high, spec.high + 1])
    assert not _accepts(LevelSettings, name, [spec.choices[0]] if spec.choices else [spec.high])


def test_setting_errors_show_the_table_bounds_and_words(treated, configs_dir):
    for name, spec in SESSION_SETTINGS.items():
        if spec.choices:
            m = error_of(with_(treated, f"protocol.settings.{name}", "no-such-word"))
            assert m.endswith("allowed: " + ", ".join(repr(c) for c in spec.choices)), m
            assert spec.long_name in m
        else:
            m = error_of(with_(treated, f"protocol.settings.{name}", spec.high * 10 + 10))
            assert m.startswith(f"protocol.settings.{name}: ") and f"<= {spec.high:g}" in m, m
            assert (">= " if spec.low_inclusive else "> ") + f"{spec.low:g}" in m, m


def test_device_dependent_defaults(treated, configs_dir):
    """The settings the table leaves to the device (default None) get the device's value."""
    assert {n for n, s in SESSION_SETTINGS.items() if s.default is None} == {"load_n", "crystal_flow_g_min", "air_flow_l_min"}
    data = with_(treated, "protocol.settings", {})
    diamond = load_run_config(data).protocol.settings
    assert diamond.load_n == 2.0 and diamond.crystal_flow_g_min is None
    crystal = load_run_config(with_(data, "device", "crystal_al2o3")).protocol.settings
    assert crystal.load_n is None and crystal.crystal_flow_g_min == pytest.approx(22.5)
    assert diamond.air_flow_l_min is None and crystal.air_flow_l_min == pytest.approx(20.0)
    for name, spec in SESSION_SETTINGS.items():
        if spec.default is not None:
            assert getattr(diamond, name) == spec.default == getattr(crystal, name)


# --------------------------------------------------------------------------- long names and units


def test_long_names_and_units_of_protocol_and_settings_paths():
    for name in ProtocolSpec.model_fields:
        if name != "settings":
            assert long_name(f"protocol.{name}"), name
            assert units_of(f"protocol.{name}")
    assert units_of("protocol.interval_days") == units_of("protocol.follow_up_days") == "d"
    assert long_name("protocol.interval_days") == "interval between sessions"
    assert units_of("protocol.sessions") == "1"
    for name, spec in SESSION_SETTINGS.items():
        for path in (f"protocol.settings.{name}", f"protocol.settings.{name}[1]", f"device.levels.gentle.{name}"):
            assert long_name(path) == spec.long_name, path
            assert units_of(path) == spec.units, path
    assert long_name("protocol.settings.level") == "dial level" and units_of("protocol.settings.level") == "1"


def test_long_names_and_units_of_other_paths():
    assert units_of("grid.dt_hours") == "h" and long_name("grid.dt_hours")
    assert units_of("grid.width_mm") == "mm" and units_of("save.every_hours") == "h"
    assert units_of("duration_days") == "d" and units_of("seed") == "1"
    assert units_of("device.vacuum_kpa.max") == SESSION_SETTINGS["vacuum_kpa"].units
    assert units_of("events[0].remove_fraction") == "1" and long_name("events[0].remove_fraction")
    for name, spec in SKIN_PARAMETERS.items():
        assert long_name(f"skin.parameters.{name}") == spec.description
        assert units_of(f"skin.parameters.{name}") == spec.units
    for bad in ("protocol.nosuch", "skin.parameters.nosuch", "nosuch", "grid.dt_hours.x"):
        with pytest.raises(ConfigError):
            units_of(bad)
