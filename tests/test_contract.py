"""The contract pages say what the code does: docs/interface.md and docs/validation.md.

- every output variable named in docs/interface.md is in the output table of
  ``experiments`` with the units and dimensions given there (or is marked planned), and
  every variable and coordinate of that table is named there;
- every command of the page that is not marked planned is a command of the ``epiturn``
  program (the typer app, inspected, not run) with the options its synopsis names, every
  planned one is not yet, and every command of the program is on the page;
- the config examples of the page (run config, device file, sweep file) are accepted by
  the config schema (resolution only: nothing is simulated), and every session setting of
  the settings table (``models.SESSION_SETTINGS``) is on the page;
- the calibration-target table of docs/validation.md lists T1-T13, each test file it
  names exists in tests/validation and names the target, and every target that a test
  there names is listed with a test;
- imports point one way, ``experiments -> models -> sim`` (and neither ``sim`` nor
  ``models`` reads YAML), as docs/architecture.md says;
- the three packages are imported from this repository (not from another distribution
  that ships a top-level ``sim``, ``models`` or ``experiments``), and every subpackage of
  them is shipped by the distribution (pyproject.toml).

Only public names are imported (``experiments.cli.app``, ``experiments.load_run_config``);
the output table is looked up where it lives (a private module of ``experiments``).
"""

from __future__ import annotations

import copy
import importlib
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
INTERFACE = ROOT / "docs" / "interface.md"
VALIDATION = ROOT / "docs" / "validation.md"
VALIDATION_TESTS = ROOT / "tests" / "validation"
STATUSES = {"built", "addition", "planned"}


# --------------------------------------------------------------------------- Markdown


def _without_fences(lines):
    """The lines outside fenced code blocks, with their heading context."""
    fenced = False
    for line in lines:
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield line


def _cells(line: str) -> list[str]:
    inner = line.strip().strip("|").replace("\\|", "\0")
    return [c.strip().replace("\0", "|") for c in inner.split("|")]


def tables(path: Path) -> list[dict]:
    """Every Markdown table of ``path``: ``{"h2", "h3", "header", "rows"}``."""
    out, h2, h3, current = [], "", "", None
    for line in _without_fences(path.read_text(encoding="utf-8").splitlines()):
        if line.startswith("## "):
            h2, h3 = line[3:].strip(), ""
        elif line.startswith("### "):
            h3 = line[4:].strip()
        if line.lstrip().startswith("|"):
            cells = _cells(line)
            if current is None:
                current = {"h2": h2, "h3": h3, "header": [c.lower() for c in cells], "rows": []}
                out.append(current)
            elif not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current["rows"].append(dict(zip(current["header"], cells)))
        else:
            current = None
    return out


def yaml_blocks(path: Path, heading: str) -> list:
    """The YAML code blocks under the ``## heading`` of ``path``, parsed."""
    blocks, h2, inside, buf = [], "", False, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not inside and line.startswith("## "):
            h2 = line[3:].strip()
        if line.strip().startswith("```"):
            if inside:
                if h2.startswith(heading):
                    blocks.append(yaml.safe_load("\n".join(buf)))
                inside, buf = False, []
            elif line.strip() in ("```yaml", "```yml"):
                inside = True
            continue
        if inside:
            buf.append(line)
    return blocks


def _code(cell: str) -> str:
    m = re.search(r"`([^`]+)`", cell)
    return m.group(1) if m else cell


# --------------------------------------------------------------------------- the output table


def output_table():
    """``({name: (units, dims)}, {coordinate: units})`` from the output table of experiments."""
    from experiments._outputs import COORDINATES, OUTPUTS

    return ({name: (out.units, tuple(out.dims)) for name, out in OUTPUTS.items()},
            {name: units for name, (units, _) in COORDINATES.items()})


def documented_outputs():
    """``{name: (units, dims, status)}`` of the output tables of docs/interface.md."""
    out = {}
    for table in tables(INTERFACE):
        if table["h2"] != "Output variables" or "variable" not in table["header"]:
            continue
        for row in table["rows"]:
            name = _code(row["variable"])
            dims_cell = _code(row.get("dims", "")).strip()
            dims = () if dims_cell in ("()", "—", "-", "") else tuple(d.strip() for d in dims_cell.split(","))
            assert name not in out, f"docs/interface.md names output {name!r} twice"
            out[name] = (row.get("units", "").strip(), dims, row.get("status", "").strip().lower())
    assert out, "docs/interface.md: no output tables found under 'Output variables'"
    return out


def documented_coordinates():
    out = {}
    for table in tables(INTERFACE):
        if table["h2"] == "Output variables" and "coordinate" in table["header"]:
            for row in table["rows"]:
                out[_code(row["coordinate"])] = (row.get("units", "").strip(), row.get("status", "").strip().lower())
    return out


def test_every_documented_output_is_in_the_output_table():
    variables, _ = output_table()
    problems = []
    for name, (units, dims, status) in documented_outputs().items():
        if status not in STATUSES:
            problems.append(f"{name}: status {status!r}, allowed: {sorted(STATUSES)}")
        elif status == "planned":
            if name in variables:
                problems.append(f"{name}: marked planned but the output table has it (mark it built or addition)")
        elif name not in variables:
            problems.append(f"{name}: marked {status} but not in the output table (mark it planned, or add it)")
        else:
            code_units, code_dims = variables[name]
            if units != code_units:
                problems.append(f"{name}: units {units!r} on the page, {code_units!r} in the table")
            if dims != code_dims:
                problems.append(f"{name}: dims {dims} on the page, {code_dims} in the table")
    assert not problems, "docs/interface.md is out of step with the output table:\n" + "\n".join(problems)


def test_every_output_of_the_table_is_documented():
    variables, _ = output_table()
    documented = documented_outputs()
    missing = [name for name in variables if name not in documented]
    assert not missing, f"outputs not named in docs/interface.md ('Output variables'): {missing}"


def test_coordinates_are_documented_both_ways():
    _, coords = output_table()
    documented = documented_coordinates()
    problems = [f"{c}: not in docs/interface.md" for c in coords if c not in documented]
    for name, (units, status) in documented.items():
        if status not in STATUSES:
            problems.append(f"{name}: status {status!r}")
        elif status != "planned" and name not in coords:
            problems.append(f"{name}: marked {status} but not a coordinate of the output table")
        elif status == "planned" and name in coords:
            problems.append(f"{name}: marked planned but the output table has it")
        elif status != "planned" and units != coords[name]:
            problems.append(f"{name}: units {units!r} on the page, {coords[name]!r} in the table")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- commands


def documented_commands():
    """``{command path: status}``: ``"run"``, ``"config check"``, ``"--version"``."""
    out = {}
    for table in tables(INTERFACE):
        if table["h2"] != "Commands" or "command" not in table["header"]:
            continue
        for row in table["rows"]:
            words = _code(row["command"]).split()
            assert words and words[0] == "epiturn", f"docs/interface.md: command {row['command']!r}"
            if len(words) > 1 and words[1].startswith("--"):
                path = words[1]
            else:
                path = " ".join(w for w in _leading_words(words[1:]))
            out[path] = row.get("status", "").strip().lower()
    assert out, "docs/interface.md: no command table under 'Commands'"
    return out


def _leading_words(words):
    for w in words:
        if not re.fullmatch(r"[a-z][a-z0-9-]*", w):
            return
        yield w


def cli_commands() -> tuple[set[str], set[str]]:
    """(command paths, options of the program itself) of the typer app, without running it."""
    import typer.main

    from experiments.cli import app

    group = typer.main.get_command(app)
    paths: set[str] = set()

    def walk(command, prefix):
        for name, sub in getattr(command, "commands", {}).items():
            path = f"{prefix} {name}".strip()
            if getattr(sub, "commands", None):
                walk(sub, path)
            else:
                paths.add(path)

    walk(group, "")
    options = {opt for p in group.params for opt in getattr(p, "opts", [])}
    return paths, options


def documented_options() -> dict[str, set[str]]:
    """``{command path: options named in its synopsis}`` of the built commands."""
    out = {}
    for table in tables(INTERFACE):
        if table["h2"] != "Commands" or "command" not in table["header"]:
            continue
        for row in table["rows"]:
            words = _code(row["command"]).split()
            if row.get("status", "").strip().lower() != "built" or words[1].startswith("--"):
                continue
            path = " ".join(_leading_words(words[1:]))
            rest = " ".join(words[1 + len(path.split()):])
            out[path] = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", rest))
    return out


def test_options_of_the_built_commands_exist():
    import typer.main

    from experiments.cli import app

    group = typer.main.get_command(app)
    problems = []
    for path, options in documented_options().items():
        command = group
        for word in path.split():
            command = command.commands[word]
        have = {opt for p in command.params for opt in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])}
        problems += [f"epiturn {path}: no option {opt}" for opt in sorted(options - have)]
    assert not problems, "\n".join(problems)


def test_commands_of_the_page_are_those_of_the_program():
    paths, options = cli_commands()
    documented = documented_commands()
    problems = []
    for path, status in documented.items():
        exists = path in options if path.startswith("--") else path in paths
        if status not in ("built", "planned"):
            problems.append(f"epiturn {path}: status {status!r}, allowed: built, planned")
        elif status == "built" and not exists:
            problems.append(f"epiturn {path}: marked built but the program has no such command")
        elif status == "planned" and exists:
            problems.append(f"epiturn {path}: marked planned but the program has it (mark it built)")
    for path in sorted(paths - set(documented)):
        problems.append(f"epiturn {path}: a command of the program not on docs/interface.md")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- config examples


def _public(*names):
    """The first of ``module:attribute`` names that resolves."""
    for name in names:
        module, attribute = name.split(":")
        try:
            obj = getattr(importlib.import_module(module), attribute, None)
        except ImportError:
            obj = None
        if obj is not None:
            return obj
    pytest.fail(f"none of {names} found")


def _small_grid(config: dict) -> dict:
    config = copy.deepcopy(config)
    grid = config.get("grid")
    if isinstance(grid, dict) and grid.get("lateral", "1d") != "column":
        grid["n"] = 8  # keeps the example's keys; resolution only, but no large arrays either
    return config


def examples():
    blocks = yaml_blocks(INTERFACE, "Run config")
    kinds = {"run": [], "device": [], "sweep": []}
    for block in blocks:
        assert isinstance(block, dict), f"docs/interface.md: a YAML example that is not a mapping: {block!r}"
        if "axes" in block:
            kinds["sweep"].append(block)
        elif "tip_diameter_mm" in block:
            kinds["device"].append(block)
        else:
            kinds["run"].append(block)
    return kinds


def test_run_config_example_is_accepted():
    load_run_config = _public("experiments:load_run_config")
    runs = examples()["run"]
    assert runs, "docs/interface.md: no run-config example under 'Run config'"
    for example in runs:
        resolved = load_run_config(_small_grid(example))
        assert resolved.protocol is not None and resolved.device is not None
        assert resolved.duration_days == example.get("duration_days", resolved.duration_days)


def test_run_config_example_without_device_is_untreated():
    load_run_config = _public("experiments:load_run_config")
    example = _small_grid(examples()["run"][0])
    example.pop("device"), example.pop("protocol")
    resolved = load_run_config(example)
    assert resolved.device is None and resolved.protocol is None


def test_device_file_example_is_accepted():
    load_device = _public("experiments:load_device", "experiments.config:load_device")
    devices = examples()["device"]
    assert devices, "docs/interface.md: no device-file example"
    for example in devices:
        device = load_device(example)
        assert device.kind == example["kind"]


def test_sweep_file_example_is_accepted():
    load_sweep = _public("experiments:load_sweep", "experiments.sweep:load_sweep")
    sweeps = examples()["sweep"]
    assert sweeps, "docs/interface.md: no sweep-file example"
    for example in sweeps:
        load_sweep(_small_grid(example))


def test_every_session_setting_is_on_the_page():
    from models import SESSION_SETTINGS

    text = INTERFACE.read_text(encoding="utf-8")
    missing = [name for name in SESSION_SETTINGS if not re.search(rf"\b{re.escape(name)}\b", text)]
    assert not missing, f"session settings (models.SESSION_SETTINGS) not on docs/interface.md: {missing}"


# --------------------------------------------------------------------------- calibration targets


def target_rows():
    for table in tables(VALIDATION):
        if table["h2"] == "Calibration targets" and "id" in table["header"]:
            return table["rows"]
    pytest.fail("docs/validation.md: no table under 'Calibration targets'")


def _ids_in(text: str) -> set[str]:
    return set(re.findall(r"\bT(?:1[0-3]|[1-9])\b", text))


def test_targets_table_lists_t1_to_t13():
    ids = [row["id"].strip() for row in target_rows()]
    assert ids == [f"T{i}" for i in range(1, 14)]
    for row in target_rows():
        for column in ("quantity", "target", "condition", "tolerance", "source", "test"):
            assert row.get(column, "").strip(), f"docs/validation.md: {row['id']} has no {column}"


def test_each_target_with_a_test_is_named_by_that_test():
    problems, tested = [], set()
    for row in target_rows():
        files = re.findall(r"`?(test_[\w]+\.py)`?", row["test"])
        if not files:
            continue
        tested.add(row["id"])
        for name in files:
            path = VALIDATION_TESTS / name
            if not path.is_file():
                problems.append(f"{row['id']}: {name} is not a file of tests/validation")
            elif row["id"] not in _ids_in(path.read_text(encoding="utf-8")):
                problems.append(f"{row['id']}: tests/validation/{name} does not name it")
    named = set()
    for path in VALIDATION_TESTS.glob("*.py"):
        named |= _ids_in(path.read_text(encoding="utf-8"))
    for target in sorted(named - tested, key=lambda t: int(t[1:])):
        problems.append(f"{target}: named by tests/validation but listed without a test in docs/validation.md")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- the rules of docs/architecture.md


def _imports(path: Path) -> list[tuple[int, str]]:
    import ast

    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
    return out


def test_imports_point_one_way():
    # experiments -> models -> sim; models reads no files (no YAML)
    forbidden = {"sim": {"models", "experiments", "yaml"}, "models": {"experiments", "yaml"}}
    bad = []
    for package, names in forbidden.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            bad += [f"{path.relative_to(ROOT)}:{line}: imports {name}"
                    for line, name in _imports(path) if name.split(".")[0] in names]
    assert not bad, "imports against the direction experiments -> models -> sim:\n" + "\n".join(bad)


# --------------------------------------------------------------------------- package names


def test_every_subpackage_is_shipped_by_the_distribution():
    # the layout of docs/architecture.md has subpackages (experiments.config, .sweep, ...):
    # a wheel holds only the packages that pyproject.toml lists or finds
    import fnmatch
    import tomllib

    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8")).get("tool", {}).get("setuptools", {})
    packages = setuptools.get("packages", [])
    present = sorted(".".join(init.parent.relative_to(ROOT).parts)
                     for top in ("sim", "models", "experiments") for init in (ROOT / top).rglob("__init__.py"))
    if isinstance(packages, list):
        missing = [name for name in present if name not in packages]
    else:  # {"find": {"include": [...], "exclude": [...]}}
        find = packages.get("find", {})
        include, exclude = find.get("include", ["*"]), find.get("exclude", [])
        missing = [name for name in present
                   if not any(fnmatch.fnmatch(name, pattern) for pattern in include)
                   or any(fnmatch.fnmatch(name, pattern) for pattern in exclude)]
    assert not missing, f"packages not in pyproject.toml [tool.setuptools] packages: {missing}"


@pytest.mark.parametrize("package", ["sim", "models", "experiments"])
def test_packages_are_imported_from_this_repository(package):
    # docs/architecture.md, "Package names": a top-level package of another distribution
    # with the same name must not shadow epiturn's
    module = importlib.import_module(package)
    path = Path(module.__file__).resolve()
    assert path.is_relative_to(ROOT / package), f"{package} is imported from {path}, not from {ROOT / package}"
