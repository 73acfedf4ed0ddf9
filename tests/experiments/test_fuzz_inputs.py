"""Nothing a user types crashes or hangs epiturn: seeded fuzzing of config loading and sweep plans.

``test_fuzz_configs`` mutates the valid examples (``configs/runs``, ``configs/sweeps``,
``configs/devices``, ``configs/skin``) with a seeded numpy generator -- values swapped for
hostile ones (None, NaN, 1e300, 2^70, 5 KB strings, deep lists), keys removed, renamed,
added or repeated, number forms of YAML 1.1, bytes that are not UTF-8, truncated texts,
alias bombs, deep nesting -- and runs each through config loading or the sweep plan (no
simulation). Every case must be accepted or rejected with an ``InputError`` whose message
is one line naming a field of the file; none may raise anything else or take 10 s.

The other tests are the reproducers of the hardening issue, one per class of finding
(docs/limits.md lists every limit and why), a few through the command line in a
subprocess (exit code 2, one ``error:`` line, no traceback).
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

from experiments.config import ConfigError, load_device, load_run_config
from experiments.config._limits import MAX_EVENTS, MAX_SCENARIOS
from experiments.config._yaml import MAX_DEPTH
from experiments.errors import InputError
from experiments.sweep import load_sweep

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "configs"
N_CASES = 1000
SEED = 20261202
CASE_LIMIT_S = 10.0

# the first word of a field an error may name: the keys of run configs, sweeps, devices and profiles
FIELD_HEADS = {
    "config", "sweep", "skin", "device", "protocol", "events", "grid", "save", "duration_days", "seed",
    "base", "axes", "mode", "samples", "replicates", "name", "description", "decision", "overrides",
}


@pytest.fixture(autouse=True)
def _fixed_memory(monkeypatch):
    """The memory check sees 16 GiB, whatever the machine has (the cases do not depend on it)."""
    monkeypatch.setenv("EPITURN_MEMORY_BYTES", str(16 * 2**30))
    monkeypatch.delenv("EPITURN_CONFIGS", raising=False)


def _examples() -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for kind, folder in (("run", "runs"), ("sweep", "sweeps"), ("device", "devices"), ("skin", "skin")):
        out[kind] = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((CONFIGS / folder).glob("*.yaml"))]
    return out


# --------------------------------------------------------------------------- mutations


def _hostile_value(rng: np.random.Generator) -> object:
    choices = [
        None, True, False, 0, -1, 1, 2**70, -(2**70), 1e300, -1e300, 1e-300, float("nan"), float("inf"), -float("inf"),
        "", "x" * 5000, "young_face", "../../../../etc/passwd", "/etc/hostname", "a" * 300, [], {}, [1, 2, 3],
        {"min": 1, "max": 0}, {"start": 0, "stop": 1, "num": 10**12}, "1e400", 2**31, 2**64, 0.5, 1000, 3650.0,
        [[[[[[[[[[1]]]]]]]]]], list(range(2000)), {"k" * 4000: 1}, "column", "2d", 8192, 1 / 120,
    ]
    return copy.deepcopy(choices[int(rng.integers(len(choices)))])


def _paths(data: object, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside ``data`` (mappings and lists)."""
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data[:20]):
            out += _paths(v, prefix + (i,))
    return out


def _parent(data: object, path: tuple) -> tuple[object, object]:
    node = data
    for p in path[:-1]:
        node = node[p]
    return node, path[-1]


def _mutate_data(data: object, rng: np.random.Generator) -> object:
    data = copy.deepcopy(data)
    for _ in range(int(rng.integers(1, 4))):
        paths = _paths(data)
        if not paths or not isinstance(data, dict):
            return _hostile_value(rng)
        path = paths[int(rng.integers(len(paths)))]
        parent, key = _parent(data, path)
        op = int(rng.integers(7))
        value = parent[key]
        if op == 0:  # a hostile value
            parent[key] = _hostile_value(rng)
        elif op == 1 and isinstance(value, (int, float)) and not isinstance(value, bool):  # a number scaled far
            parent[key] = type(value)(value * 10.0 ** int(rng.integers(-12, 13))) if isinstance(value, float) else value * 10 ** int(rng.integers(0, 13))
        elif op == 2 and isinstance(parent, dict):  # a key removed
            del parent[key]
        elif op == 3 and isinstance(parent, dict):  # a key renamed (typo) or an unknown key added
            parent[str(key)[:-1] + "x" if rng.random() < 0.5 else "unknown_" + str(int(rng.integers(100)))] = parent.pop(key)
        elif op == 4 and isinstance(value, (int, float)) and not isinstance(value, bool):  # negative or zero
            parent[key] = -value if rng.random() < 0.5 else 0
        elif op == 5 and isinstance(parent, list):  # an item repeated many times
            parent.extend([copy.deepcopy(value)] * int(rng.choice([2, 10, 1500])))
        else:  # a value replaced by a container, or a container by a scalar
            parent[key] = [value] if not isinstance(value, (list, dict)) else "text"
    return data


def _mutate_text(text: str, rng: np.random.Generator) -> str | bytes:
    op = int(rng.integers(9))
    lines = text.splitlines()
    if op == 0:  # cut anywhere
        return text[: int(rng.integers(len(text) + 1))]
    if op == 1:  # bytes that are not UTF-8
        raw = text.encode()
        at = int(rng.integers(len(raw) + 1))
        return raw[:at] + bytes(rng.integers(128, 256, size=int(rng.integers(1, 8))).astype(np.uint8).tolist()) + raw[at:]
    if op == 2:  # a key repeated
        keyed = [ln for ln in lines if ":" in ln and not ln.lstrip().startswith("#")]
        return text + "\n" + (keyed[int(rng.integers(len(keyed)))] if keyed else "seed: 1") + "\n"
    if op == 3:  # a number in a YAML 1.1 form
        form = ["036", "0x1E", "3_0", "1:30", "0b11", "1_000.5", "+0o7"][int(rng.integers(7))]
        key = ["seed", "duration_days", "replicates", "samples"][int(rng.integers(4))]
        return text + f"\n{key}: {form}\n"
    if op == 4:  # an alias bomb
        bomb = 'lol0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
            f"lol{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 9))
        return bomb + text + "\nname: *l8\n"
    if op == 5:  # deep nesting
        depth = int(rng.choice([MAX_DEPTH + 1, 500, 2000]))
        return text + "\ndescription: " + "[" * depth + "]" * depth + "\n"
    if op == 6:  # a line removed
        if lines:
            del lines[int(rng.integers(len(lines)))]
        return "\n".join(lines)
    if op == 7:  # random printable noise
        at = int(rng.integers(len(text) + 1))
        noise = "".join(chr(int(c)) for c in rng.integers(32, 127, size=int(rng.integers(1, 40))))
        return text[:at] + noise + text[at:]
    return text.replace(": ", ":\t", 1)  # a tab where YAML takes none


# libyaml's loader and emitter where PyYAML has them: the same data and the same texts as
# the pure-Python ones (every case of the seed is byte-identical), in a tenth of the time
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_PARSED: dict[str, object] = {}  # example text -> its data, parsed once (each case mutates a deep copy)


def _case(kind: str, name: str, text: str, rng: np.random.Generator) -> str | bytes:
    if rng.random() < 0.35:
        return _mutate_text(text, rng)
    if text not in _PARSED:
        _PARSED[text] = yaml.load(text, Loader=_SAFE_LOADER)
    data = copy.deepcopy(_PARSED[text])
    if kind == "sweep" and rng.random() < 0.85:  # fewer scenarios, so that the accepted ones resolve fast
        data["replicates"] = 1
        data["axes"] = dict(list(data["axes"].items())[:1])
    mutated = _mutate_data(data, rng)
    return yaml.dump(mutated, Dumper=_SAFE_DUMPER, sort_keys=False, allow_unicode=True, width=1 << 20)


def _load(kind: str, path: Path) -> None:
    if kind == "run":
        load_run_config(path)
    elif kind == "sweep":
        load_sweep(path)
    elif kind == "device":
        load_device(path)
    else:  # a profile, referred to by a run config beside it
        run = path.with_name(path.stem + "_run.yaml")
        run.write_text(f"skin: ./{path.name}\ngrid: {{lateral: column}}\n", encoding="utf-8")
        load_run_config(run)


def _check_message(message: str, case: str) -> str:
    assert "\n" not in message and "Traceback" not in message, case
    assert len(message) < 2000, (case, len(message))
    field = message.split(":", 1)[0]
    head = field.split(".")[0].split("[")[0].strip()
    # a known field, or the unknown key the file holds (named as written, cut when long)
    assert head in FIELD_HEADS or f"{field}: " in message and "is not a known key" in message, (case, message[:300])
    return field


def test_fuzz_configs(tmp_path):
    rng = np.random.default_rng(SEED)
    examples = _examples()
    kinds = ["run"] * 5 + ["sweep"] * 2 + ["device"] * 2 + ["skin"] * 2
    accepted, rejected = Counter(), Counter()
    slowest, start = 0.0, time.perf_counter()
    for i in range(N_CASES):
        kind = kinds[int(rng.integers(len(kinds)))]
        name, text = examples[kind][int(rng.integers(len(examples[kind])))]
        content = _case(kind, name, text, rng)
        folder = tmp_path / f"case{i}"
        folder.mkdir()
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        label = f"case {i} ({kind} {name}): {str(content[:200])!r}"
        t0 = time.perf_counter()
        try:
            _load(kind, path)
            accepted[kind] += 1
        except InputError as exc:
            field = _check_message(str(exc), label)
            rejected[field.split(".")[0].split("[")[0].split(":")[0]] += 1
        # anything else (a traceback) fails the test with the case's label in the report
        elapsed = time.perf_counter() - t0
        slowest = max(slowest, elapsed)
        assert elapsed < CASE_LIMIT_S, (label, elapsed)
    total = time.perf_counter() - start
    n_rejected = sum(rejected.values())
    print(f"\n{N_CASES} cases in {total:.1f} s (slowest {slowest:.2f} s): accepted {dict(accepted)}, "
          f"rejected {n_rejected} by field {dict(rejected.most_common())}")
    assert sum(accepted.values()) + n_rejected == N_CASES
    # the mutations reach both sides: valid configs still load, and most mutants are refused
    assert sum(accepted.values()) >= 50 and n_rejected >= N_CASES // 2


# --------------------------------------------------------------------------- the reproducers


def _error(fn, *args, **kwargs) -> str:
    t0 = time.perf_counter()
    with pytest.raises(InputError) as info:
        fn(*args, **kwargs)
    assert time.perf_counter() - t0 < 5.0
    message = str(info.value)
    assert "\n" not in message and "; allowed: " in message, message
    return message


def _write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


@pytest.mark.parametrize("content", [b"\xff\xfe\x00s\x00k\x00i\x00n", b"skin: young_face\nseed: \x80\x81\n", b"\x00\x01\x02binary"])
def test_decode_errors(tmp_path, content):
    m = _error(load_run_config, _write(tmp_path / "bad.yaml", content))
    assert m.startswith("config: ") and ("is not UTF-8 text" in m or "is not a text file" in m)
    m = _error(load_sweep, _write(tmp_path / "bad_sweep.yaml", content))
    assert m.startswith("sweep: ")


def test_decode_error_of_a_result(tmp_path):
    from experiments.storage import open_result

    bad = tmp_path / "bad.zarr"
    bad.mkdir()
    (bad / ".zattrs").write_bytes(b"\xff\xfe")
    (bad / ".zgroup").write_bytes(b"\xff")
    with pytest.raises(InputError, match=r"^result: .* cannot be read"):
        open_result(bad)
    with pytest.raises(InputError, match=r"^result: .* cannot be read"):
        open_result(_write(tmp_path / "bad.nc", b"\xff\xfe\x00garbage"))


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 500, 100_000])
def test_depth(tmp_path, depth):
    m = _error(load_run_config, _write(tmp_path / "deep.yaml", "skin: young_face\nname: " + "[" * depth + "]" * depth + "\n"))
    assert f"nests deeper than {MAX_DEPTH} levels" in m


def test_depth_within_the_limit_is_read(tmp_path):
    m = _error(load_run_config, _write(tmp_path / "deep.yaml", "skin: young_face\nextra: " + "[" * 50 + "]" * 50 + "\n"))
    assert m.startswith("extra: ") and "is not a known key" in m  # parsed, then refused as an unknown key


@pytest.mark.parametrize("ref", ["x" * 300, "sub/" + "y" * 300 + ".yaml", "z/" * 2100])
def test_long_names(tmp_path, ref):
    m = _error(load_run_config, {"skin": ref})
    assert m.startswith("skin: ") and ("bytes" in m)
    m = _error(load_run_config, _write(tmp_path / "c.yaml", yaml.safe_dump({"skin": "young_face", "device": ref})))
    assert m.startswith("device: ")
    m = _error(load_run_config, str(tmp_path / ("c" * 300 + ".yaml")))
    assert m.startswith("config: ")


@pytest.mark.parametrize("axes, extra, field", [
    ({"duration_days": {"start": 10, "stop": 20, "num": 10**12}}, {}, "axes.duration_days.num"),
    ({"duration_days": {"start": 10, "stop": 20, "num": MAX_SCENARIOS + 1}}, {}, "axes.duration_days.num"),
    ({"duration_days": {"start": -1.7e308, "stop": 1.7e308, "num": 3}}, {}, "axes.duration_days"),
    ({"duration_days": {"min": 10, "max": 20}}, {"mode": "sobol", "samples": 2**31}, "samples"),
    ({"duration_days": {"min": 10, "max": 20}}, {"mode": "lhs", "samples": 10**9}, "samples"),
    ({"duration_days": [10, 20]}, {"replicates": 10**9}, "replicates"),
    ({"duration_days": [10, 20]}, {"replicates": [2**64]}, "replicates"),
    ({"duration_days": {"start": 10, "stop": 20, "num": 1000}, "grid.nz": {"start": 4, "stop": 100, "num": 97}}, {}, "axes"),
])
def test_huge_axes(axes, extra, field):
    sweep = {"base": {"skin": "young_face", "grid": {"lateral": "column"}}, "axes": axes, **extra}
    m = _error(load_sweep, sweep)
    assert m.startswith(field + ": "), m


@pytest.mark.parametrize("rule, field", [
    ({"objective": ["ra_change_pct_end_course"]}, "decision.objective"),  # was a TypeError (unhashable)
    ({"goal": {"min": 1}}, "decision.goal"),
    ({"max_petechiae_risk": True}, "decision.max_petechiae_risk"),
    ({"require_healing": "sometimes"}, "decision.require_healing"),
    ({"k" * 5000: 1}, "decision.kkk"),
])
def test_bad_decision_rules(rule, field):
    sweep = {"base": {"skin": "young_face", "grid": {"lateral": "column"}}, "axes": {"duration_days": [10, 20]}, "decision": rule}
    with pytest.raises(InputError) as info:
        load_sweep(sweep)
    message = str(info.value)
    assert message.startswith(field) and "\n" not in message and len(message) < 400, message


@pytest.mark.parametrize("spec", ["local:100000", "local:" + "9" * 40, "local:0", "x" * 5000])
def test_cluster_specs(spec):
    from experiments.sweep._executors import parse_cluster

    with pytest.raises(InputError) as info:
        parse_cluster(spec)
    message = str(info.value)
    assert message.startswith("cluster: ") and "\n" not in message and len(message) < 300, message


def test_alias_bomb(tmp_path):
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)) + "skin: *i\n"
    assert len(bomb) < 1024
    m = _error(load_run_config, _write(tmp_path / "bomb.yaml", bomb))
    assert "expands to more than" in m and "through its aliases" in m
    m = _error(load_sweep, _write(tmp_path / "bomb_sweep.yaml", bomb))
    assert m.startswith("sweep: ")
    m = _error(load_run_config, _write(tmp_path / "loop.yaml", "skin: &s [*s]\n"))
    assert "recursive" in m
    # a few aliases are YAML as usual
    ok = _write(tmp_path / "ok.yaml", "skin: young_face\nprotocol: &p {interval_days: 7, sessions: 2}\ndevice: diamond_medium\n")
    assert load_run_config(ok).protocol.sessions == 2


def test_many_events():
    event = {"day": 1, "kind": "strip", "remove_fraction": 0.1}
    t0 = time.perf_counter()
    m = _error(load_run_config, {"skin": "young_face", "events": [event] * 100_000})
    assert time.perf_counter() - t0 < 1.0
    assert m.startswith("events: 100000 events are too many") and f"at most {MAX_EVENTS}" in m
    assert len(load_run_config({"skin": "young_face", "grid": {"lateral": "column"}, "events": [event] * 10}).events) == 10


def test_duplicate_keys(tmp_path):
    m = _error(load_run_config, _write(tmp_path / "dup.yaml", "skin: young_face\nseed: 1\nseed: 2\n"))
    assert "line 3" in m and "repeats a key (first given on line 2)" in m
    m = _error(load_run_config, _write(tmp_path / "dup2.yaml", "skin: young_face\ngrid: {n: 64, n: 128}\n"))
    assert "repeats a key" in m


@pytest.mark.parametrize("form", ["036", "0x1E", "3_0", "1:30", "0b11", "1_000.5", "-012"])
def test_yaml11_numbers(tmp_path, form):
    m = _error(load_run_config, _write(tmp_path / "y.yaml", f"skin: young_face\nseed: {form}\n"))
    assert "YAML 1.1" in m
    # quoted, it is text (and a seed must be an integer)
    m = _error(load_run_config, _write(tmp_path / "q.yaml", f"skin: young_face\nseed: '{form}'\n"))
    assert m.startswith("seed: ")


def test_yaml12_numbers_still_read(tmp_path):
    r = load_run_config(_write(tmp_path / "n.yaml", "skin: young_face\ngrid: {lateral: column, dt_hours: 1.0}\nduration_days: 1e1\nseed: 0\n"))
    assert r.duration_days == 10.0 and r.seed == 0


COURSE = {"skin": "young_face", "device": "diamond_medium", "grid": {"lateral": "column"}}


@pytest.mark.parametrize("change, field, words", [
    ({"protocol": {"interval_days": 7, "sessions": 2, "start_day": 1e300}}, "protocol.start_day", "out of range"),
    ({"protocol": {"interval_days": 7, "sessions": 2, "follow_up_days": 1e12}}, "protocol.follow_up_days", "out of range"),
    ({"protocol": {"interval_days": 3000, "sessions": 1000}}, "protocol.interval_days", "makes the run"),
    ({"protocol": {"interval_days": 0.001, "sessions": 3}}, "protocol.interval_days", "one time step"),
    ({"grid": {"lateral": "column", "dt_hours": 0.001}}, "grid.dt_hours", "out of range"),
    ({"grid": {"lateral": "column", "dt_hours": 1 / 60}, "duration_days": 3650}, "grid.dt_hours", "time steps"),
    ({"grid": {"lateral": "column", "sc_max_age_days": 1}}, "grid.sc_max_age_days", "1 SC age bin"),
    ({"grid": {"lateral": "column", "sc_max_age_days": 3650, "sc_bin_hours": 1}}, "grid.sc_max_age_days", "87600 SC age bins"),
    ({"grid": {"lateral": "1d", "n": 4}}, "grid.n", "out of range"),
    ({"grid": {"lateral": "2d", "n": 8192}}, "grid.n", "2-D patch"),
    ({"grid": {"lateral": "2d", "n": 1024, "sc_max_age_days": 400}}, "grid.n", "of memory"),  # ~90 GiB > the 16 GiB seen
    ({"grid": {"lateral": "1d", "n": 256, "width_mm": 1e-9}}, "grid.width_mm", "um wide"),
    ({"save": {"every_hours": 1e9}, "duration_days": 8}, "save.every_hours", "longer than the run"),
    ({"seed": 2**64}, "seed", "out of range"),
    ({"device": {"name": "t", "kind": "diamond", "tip_diameter_mm": 1e-4, "aperture_diameter_mm": 1e-4, "grit_um": 100,
                 "vacuum_kpa": {"min": 5, "max": 50}}}, "device.tip_diameter_mm", "out of range"),
    ({"events": [{"day": 1e300, "kind": "strip", "remove_fraction": 0.5}]}, "events[0].day", "out of range"),
    ({"protocol": {"interval_days": 2, "sessions": 2}, "grid": {"lateral": "1d", "n": 8, "width_mm": 0.32}},
     "grid.width_mm", "too narrow to measure the fine lines"),  # was a SimulationError (NaN fine-line change) after the run
])
def test_derived_lengths_and_limits(change, field, words):
    m = _error(load_run_config, {**COURSE, **change} if "protocol" in change or "device" in change else {"skin": "young_face", **change})
    assert m.startswith(field + ": ") and words in m, m


def test_the_documented_minimum_grid_runs_its_plan():
    from experiments._run import plan_run

    r = load_run_config({"skin": "young_face", "grid": {"lateral": "1d", "n": 8, "width_mm": 0.32}, "duration_days": 2})
    assert plan_run(r).tgrid.n_steps == 48


def test_messages_cut_long_keys_and_hide_type_names():
    m = _error(load_run_config, {"skin": "young_face", "k" * 5000: 1})
    assert len(m) < 400 and "is not a known key" in m
    m = _error(load_run_config, {**COURSE, "protocol": {"interval_days": 7, "sessions": 2, "settings": {"vacuum_kpa": None}}})
    assert m.startswith("protocol.settings.vacuum_kpa: None is not a number"), m
    assert ".float" not in m


def test_paths_outside_the_config_folders(tmp_path, monkeypatch):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    secret = _write(outside / "secret.yaml", "password: hunter2\n")
    folder = tmp_path / "project"
    folder.mkdir()
    for ref in (str(secret), "../elsewhere/secret.yaml", "/etc/hostname"):
        if ref.startswith("/etc") and not Path(ref).is_file():
            continue
        m = _error(load_run_config, _write(folder / "run.yaml", yaml.safe_dump({"skin": ref})))
        assert m.startswith("skin: ") and "is outside the folders" in m and "hunter2" not in m and "password" not in m
        m = _error(load_run_config, _write(folder / "run2.yaml", yaml.safe_dump({"skin": "young_face", "device": ref})))
        assert m.startswith("device: ") and "is outside the folders" in m
    # a profile's base, and a sweep's base, are references too
    _write(folder / "p.yaml", yaml.safe_dump({"base": str(secret)}))
    m = _error(load_run_config, _write(folder / "run3.yaml", "skin: ./p.yaml\n"))
    assert m.startswith("skin.base: ") and "is outside the folders" in m
    m = _error(load_sweep, _write(folder / "s.yaml", yaml.safe_dump({"base": str(secret), "axes": {"seed_x": [1]}})))
    assert m.startswith("base: ") and "is outside the folders" in m
    # a file beside the config, or below it, is read; $EPITURN_CONFIGS allows another folder
    sub = folder / "profiles"
    sub.mkdir()
    _write(sub / "mine.yaml", "base: young_face\nparameters: {ve_thickness_um: 50}\n")
    assert load_run_config(_write(folder / "run4.yaml", "skin: profiles/mine.yaml\ngrid: {lateral: column}\n")).skin["ve_thickness_um"] == 50
    good = _write(outside / "mine.yaml", "base: young_face\n")
    m = _error(load_run_config, _write(folder / "run5.yaml", yaml.safe_dump({"skin": str(good), "grid": {"lateral": "column"}})))
    assert "is outside the folders" in m
    monkeypatch.setenv("EPITURN_CONFIGS", str(outside))
    assert load_run_config(folder / "run5.yaml").skin_name == "young_face"


def test_nothing_of_an_unparsable_file_is_echoed(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    _write(folder / "secret.yaml", "sekrit_key: 'hunter2\n  {[: unclosed \"topsecret\n")
    m = _error(load_run_config, _write(folder / "run.yaml", "skin: ./secret.yaml\n"))
    assert "hunter2" not in m and "topsecret" not in m and "sekrit_key" not in m
    _write(folder / "secret2.yaml", "!!python/object:os.system 'topsecret'\n")
    m = _error(load_run_config, _write(folder / "run2.yaml", "skin: ./secret2.yaml\n"))
    assert "topsecret" not in m


# --------------------------------------------------------------------------- through the command line


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("EPITURN_CONFIGS", None)
    return subprocess.run([sys.executable, "-m", "experiments.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_cli_bad_input_exits_2_without_traceback(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from experiments.cli import app

    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)) + "skin: *i\n"
    _write(tmp_path / "bomb.yaml", bomb)
    _write(tmp_path / "bin.yaml", b"\xff\xfe\x00\x01")
    _write(tmp_path / "sweep.yaml", yaml.safe_dump({"base": {"skin": "young_face"}, "axes": {"duration_days": {"start": 1, "stop": 2, "num": 10**12}}}))
    _write(tmp_path / "shadow.yaml", "skin: /etc/shadow\n")
    _write(tmp_path / "bad.nc", b"\xff\xfe\x00garbage")
    _write(tmp_path / "dup.yaml", "skin: young_face\nseed: 1\nseed: 2\n")
    _write(tmp_path / "ok.yaml", "skin: young_face\ngrid: {lateral: column}\n")
    cases = [  # (arguments, words of the message, in a subprocess)
        (["config", "check", "bomb.yaml"], "through its aliases", True),
        (["sweep", "sweep.yaml", "--no-plots"], "axes.duration_days.num", True),
        (["plot", "bad.nc"], "cannot be read", True),
        (["run", "x" * 300 + ".yaml"], "file name of", False),
        (["compare", "bin.yaml", "bomb.yaml"], "is not UTF-8 text", False),
        (["config", "check", "dup.yaml"], "repeats a key", False),
        (["config", "check", "shadow.yaml"], "is outside the folders", False),
        (["config", "check", "ok.yaml", "--set", "grid." + "a." * 100 + "n=1"], "--set: ", False),
    ]
    monkeypatch.chdir(tmp_path)
    for args, words, subprocess_ in cases:
        t0 = time.perf_counter()
        if subprocess_:
            result = _cli(args, tmp_path)
            code, err = result.returncode, result.stderr.strip()
        else:
            invoked = CliRunner().invoke(app, args)
            code, err = invoked.exit_code, invoked.stderr.strip()
            assert invoked.exception is None or isinstance(invoked.exception, SystemExit), (args, invoked.exception)
        assert time.perf_counter() - t0 < 60
        assert code == 2, (args, err[-2000:])
        assert "Traceback" not in err and "\n" not in err and err.startswith("error: "), (args, err[-2000:])
        assert words in err, (args, err)
