"""Reading YAML: a bounded, safe loader; every problem is a one-line ConfigError.

The loader (:class:`_Loader`, a ``yaml.SafeLoader``) reads YAML 1.2 numbers (``1e-3`` is
a float) and refuses, before anything is built from the text (docs/limits.md):

* a file that is not UTF-8 text, or larger than :data:`MAX_FILE_BYTES`;
* nesting deeper than :data:`MAX_DEPTH` levels (Python would run out of recursion);
* more than :data:`MAX_ALIASES` alias uses, an alias that refers to its own container,
  or a document that expands to more than :data:`MAX_NODES` values through its aliases
  (the "billion laughs" bomb: a 1 KB text that expands to 10^9 values);
* a key given twice in one mapping (YAML says keys are unique; PyYAML keeps the last);
* number forms of YAML 1.1, which YAML 1.2 reads otherwise (or not as numbers) and
  people misread: ``036`` (octal 30 in YAML 1.1), ``0x1E``, ``0b11``, ``3_0``, ``1:30``
  (sexagesimal 90). Write ``36``, ``30`` or quote the text.

Booleans are those of YAML 1.2 (``true``/``false``, also ``True``/``TRUE``/...): the YAML
1.1 words ``yes``/``no``/``on``/``off`` (and ``y``/``n``) are text, as YAML 1.2 reads
them, so where a boolean or a number is expected they are refused with one line
(:func:`experiments.config._errors.boolean_allowed` says why), and where text is expected they are that text.

Nothing of a text that failed to parse is echoed in the message except its line and
column: a config that points at some other file does not print that file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from experiments.config._errors import ConfigError

MAX_FILE_BYTES = 1 << 20
"""Largest config file read (1 MiB; the largest example is under 4 KB)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists (a run config nests 5 levels)."""
MAX_ALIASES = 1000
"""Most alias uses (``*name``) in one document."""
MAX_NODES = 200_000
"""Most values a document may hold once its aliases are expanded."""

_YAML11_INT = re.compile(r"""^[-+]?(?:0[0-7_]+|0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*(?::[0-5]?[0-9])+|[0-9]+(?:_[0-9]*)+)$""")
_YAML11_FLOAT = re.compile(r"""^[-+]?(?:[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[0-9_]*_[0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[0-9]+\.[0-9]*_[0-9_]*(?:[eE][-+]?[0-9]+)?)$""")


class YAMLLimit(Exception):
    """A limit of the loader was hit (problem, line, column)."""

    def __init__(self, problem: str, mark: Any = None, allowed: str = "YAML within the limits of docs/limits.md"):
        super().__init__(problem)
        self.problem = problem
        self.mark = mark
        self.allowed = allowed


class _Loader(yaml.SafeLoader):
    """Safe YAML loader: YAML 1.2 floats, bounded depth and aliases, unique keys, no YAML 1.1 numbers."""

    def __init__(self, stream: Any):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._open: list = []  # anchors of the nodes being composed

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YAMLLimit(f"uses more than {MAX_ALIASES} aliases", event.start_mark, f"at most {MAX_ALIASES} aliases (*name) per document")
            if event.anchor in self._open:
                raise YAMLLimit("has an alias inside the value it refers to (a recursive structure)", event.start_mark, "aliases to values defined before them")
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YAMLLimit(f"nests deeper than {MAX_DEPTH} levels", event.start_mark, f"at most {MAX_DEPTH} levels of mappings and lists")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open.append(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open.pop()

    def compose_document(self) -> Any:
        node = super().compose_document()
        if node is not None:
            expanded = _expanded_size(node)
            if expanded > MAX_NODES:
                raise YAMLLimit(f"expands to more than {MAX_NODES} values through its aliases ({expanded:.3g})", node.start_mark,
                                f"at most {MAX_NODES} values with every alias expanded")
        return node

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if isinstance(key_node, ScalarNode):
                    key = (key_node.tag, key_node.value)
                    if key in seen:
                        raise YAMLLimit(f"repeats a key (first given on line {seen[key] + 1})", key_node.start_mark, "each key once in a mapping")
                    seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)

    def construct_yaml_int(self, node: Any) -> Any:
        _refuse_yaml11(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: Any) -> Any:
        _refuse_yaml11(node)
        return super().construct_yaml_float(node)


def _refuse_yaml11(node: Any) -> None:
    text = str(node.value)
    if _YAML11_INT.match(text) or _YAML11_FLOAT.match(text):
        raise YAMLLimit("holds a number in a YAML 1.1 form (leading 0, 0x, 0b, '_' or ':'), which YAML versions "
                        "and people read differently (036 is 30 in YAML 1.1)", node.start_mark, "a decimal number (36, 30, 1.5, 1e-3), or quoted text")


def _expanded_size(root: Any) -> float:
    """Values the node holds with every alias expanded (shared nodes counted once per use)."""
    sizes: dict[int, float] = {}
    stack = [(root, False)]
    while stack:  # post-order without recursion (depth is bounded, but keep it flat)
        node, done = stack.pop()
        if id(node) in sizes and not done:
            continue
        if done:
            if isinstance(node, SequenceNode):
                children = node.value
            elif isinstance(node, MappingNode):
                children = [c for pair in node.value for c in pair]
            else:
                children = []
            sizes[id(node)] = 1 + sum(sizes.get(id(c), 1) for c in children)
            if sizes[id(node)] > 1e18:
                sizes[id(node)] = 1e18
            continue
        stack.append((node, True))
        if isinstance(node, SequenceNode):
            stack.extend((c, False) for c in node.value if id(c) not in sizes)
        elif isinstance(node, MappingNode):
            stack.extend((c, False) for pair in node.value for c in pair if id(c) not in sizes)
    return sizes[id(root)]


# the resolvers of YAML 1.2 floats (1e-3 without a dot)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)
# YAML 1.2 booleans only: yes/no/on/off are text (PyYAML follows YAML 1.1 there)
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)

_QUOTED = re.compile(r"""'[^']*'|"[^"]*"|`[^`]*`""")


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


def parse_yaml_text(text: str, field: str, file: str | Path | None = None, parameter: str | None = None) -> Any:
    """The data of a YAML text; ``field`` (and ``parameter``) name it in the error.

    A text from a file (``file`` given) is never echoed; an inline text (an override) is
    shown cut to a few words.
    """
    if len(text) > MAX_FILE_BYTES:
        raise ConfigError(field, str(file) if file else f"({len(text)} characters)", f"is longer than {MAX_FILE_BYTES} characters",
                          "a smaller YAML text", parameter=parameter)
    shown = str(file) if file else text
    try:
        return yaml.load(text, Loader=_Loader)
    except YAMLLimit as exc:
        raise ConfigError(field, shown, f"is refused ({_where(exc.mark)}{exc.problem})", f"{exc.allowed} (docs/limits.md)", parameter=parameter) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or "cannot be parsed"
        what = _QUOTED.sub("…", str(what))  # the problem may quote the text: show none of it
        raise ConfigError(field, shown, f"is not valid YAML ({_where(mark)}{what})", "YAML text", parameter=parameter) from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise ConfigError(field, shown, f"nests too deep", f"at most {MAX_DEPTH} levels", parameter=parameter) from None


def load_yaml(path: str | Path, field: str = "config") -> Any:
    """Read a YAML file (UTF-8, at most :data:`MAX_FILE_BYTES`); errors are ConfigErrors."""
    p = Path(path)
    try:
        with open(p, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(field, str(p), "file does not exist", "a path to an existing YAML file") from None
    except IsADirectoryError:
        raise ConfigError(field, str(p), "is a directory", "a path to a YAML file") from None
    except OSError as exc:
        raise ConfigError(field, str(p), f"cannot be read ({exc.strerror or type(exc).__name__})", "a readable YAML file") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(field, str(p), f"is larger than {MAX_FILE_BYTES // 1024} KiB", "a YAML file of at most 1 MiB (docs/limits.md)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(field, str(p), f"is not UTF-8 text (byte {exc.start})", "a YAML text file in UTF-8") from None
    if "\x00" in text:
        raise ConfigError(field, str(p), "is not a text file (it holds NUL bytes)", "a YAML text file in UTF-8") from None
    return parse_yaml_text(text, field, p)


def load_mapping(path: Path, field: str) -> dict:
    """A YAML file that holds a mapping (an empty file is an empty mapping)."""
    data = load_yaml(path, field)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(field, type(data).__name__, "is not a mapping at the top of the file", "a YAML mapping (key: value lines)", path)
    return data
