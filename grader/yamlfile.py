"""Reading YAML files with line numbers, and checking them against the published JSON Schemas.

Errors name the file, the key path (``parts[1].kind``) and the line, so an author can jump
straight to the problem; nothing here ever lets a YAML or schema traceback reach the user.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from .errors import _Located
from .files import read_text

KeyPath = Sequence[str | int]


class SpecLoader(yaml.SafeLoader):
    """YAML 1.2-style booleans: only true/false are booleans; `yes`, `no`, `on`, `off`
    stay text, so `options: [yes, no]` means what an author means."""


SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))

# libyaml parses ~30 times faster than the pure-Python parser (PyPI's PyYAML wheels ship
# it); the same resolvers apply, so the results are identical.
try:
    from yaml.cyaml import CBaseLoader, CParser  # type: ignore[attr-defined]

    class _CSpecLoader(CParser, SafeConstructor, Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _CSpecLoader.yaml_implicit_resolvers = SpecLoader.yaml_implicit_resolvers
    _LOADERS: dict[bool, Any] = {False: _CSpecLoader, True: CBaseLoader}
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _LOADERS = {False: SpecLoader, True: yaml.BaseLoader}


def key_text(path: KeyPath) -> str:
    """`["parts", 1, "kind"]` → `parts[1].kind`."""
    out = ""
    for item in path:
        if isinstance(item, int):
            out += f"[{item}]"
        else:
            out += f".{item}" if out else str(item)
    return out


class Document:
    """A parsed YAML mapping plus its node tree, to find the line of any key path."""

    def __init__(self, data: Any, root: yaml.Node | None, file: Path) -> None:
        self.data = data
        self.root = root
        self.file = file

    def line(self, path: KeyPath) -> int | None:
        """1-based line of the value at `path`, or of the deepest ancestor that exists."""
        node = self.root
        best = node.start_mark.line + 1 if node is not None else None
        for item in path:
            if isinstance(node, yaml.MappingNode):
                found = None
                for key_node, value_node in node.value:
                    if key_node.value == item:
                        found = value_node
                        best = key_node.start_mark.line + 1
                        break
                node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(item, int):
                node = node.value[item] if 0 <= item < len(node.value) else None
                if node is not None:
                    best = node.start_mark.line + 1
            else:
                node = None
            if node is None:
                break
        return best

    def value_node(self, path: KeyPath) -> yaml.Node | None:
        node = self.root
        for item in path:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == item), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(item, int) \
                    and 0 <= item < len(node.value):
                node = node.value[item]
            else:
                return None
        return node

    def text_line(self, path: KeyPath, inner: int) -> int | None:
        """File line of line `inner` (1-based) inside the text value at `path`."""
        node = self.value_node(path)
        if node is None:
            return self.line(path)
        first = node.start_mark.line + 1
        block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
        return first + inner if block else first + inner - 1

    def error(self, error_cls: type[_Located], message: str, path: KeyPath = ()) -> _Located:
        return error_cls(message, file=self.file, key=key_text(path) or None, line=self.line(path))


def load(path: Path, error_cls: type[_Located], *, text_only: bool = False,
         source: str | None = None) -> Document:
    """Load one YAML file. `text_only` keeps every scalar as the text typed (answers files);
    `source`: its text, already read (a hand-in, read as a regular file only)."""
    if source is None:
        source = read_text(path, error_cls)
    loader_cls = _LOADERS[text_only]
    try:
        loader = loader_cls(source)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise error_cls(f"not valid YAML: {problem}", file=path, line=line) from None
    except yaml.YAMLError as exc:
        raise error_cls(f"not valid YAML: {exc}", file=path) from None
    return Document(data, root, path)


@functools.cache
def schema(name: str) -> dict[str, Any]:
    """The published JSON Schema `grader/schemas/<name>.schema.json`."""
    text = resources.files("grader").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


@functools.cache
def _validator(name: str) -> Any:
    import jsonschema  # imported on first validation only: it costs start-up time

    return jsonschema.Draft202012Validator(schema(name))


def check_schema(doc: Document, name: str, error_cls: type[_Located]) -> None:
    """Raise the most useful schema violation of `doc` as a located one-line error."""
    import jsonschema

    validator = _validator(name)
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc.data))
    if error is None:
        return
    raise _explain(doc, error, error_cls)


def _explain(doc: Document, error: Any, error_cls: type[_Located]) -> _Located:
    path = list(error.absolute_path)
    kind = error.validator
    instance = error.instance
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in allowed)
        key = extra[0] if extra else "?"
        hint = f" (allowed: {', '.join(sorted(allowed))})" if allowed else ""
        return doc.error(error_cls, f"unknown key '{key}'{hint}", [*path, key])
    if kind == "required":
        missing = [k for k in error.validator_value
                   if not isinstance(instance, dict) or k not in instance]
        return doc.error(error_cls, f"missing key '{missing[0] if missing else '?'}'", path)
    if kind == "propertyNames" or (kind == "enum" and error.absolute_schema_path
                                   and "propertyNames" in error.absolute_schema_path):
        bad = error.instance if isinstance(error.instance, str) else None
        parent = doc.data
        for item in path:
            parent = parent[item]
        owner = parent.get("kind") if isinstance(parent, dict) else None
        if bad is not None and owner:
            return doc.error(error_cls, f"key '{bad}' does not belong in a {owner} part",
                             [*path, bad])
        return doc.error(error_cls, f"bad key name {bad!r}", path)
    if kind == "oneOf" and path and len(path) >= 2 and path[0] == "params":
        return doc.error(
            error_cls,
            "bad distribution; use one of {uniform: [lo, hi], digits: k}, {int: [lo, hi]}, "
            "{choice: [a, b, ...]}, {fraction: {num: [lo, hi], den: [lo, hi]}}",
            path,
        )
    if kind == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        return doc.error(error_cls, f"{instance!r} is not one of: {options}", path)
    if kind == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        message = f"expected {_article(expected)}, got {_describe(instance)}"
        return doc.error(error_cls, message, path)
    if kind == "pattern" and path and path[-1] == "id" and len(path) == 1:
        return doc.error(error_cls, f"{instance!r} is not of the form topic/name", path)
    return doc.error(error_cls, error.message, path)


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    names = {dict: "a mapping", list: "a list", str: "text", bool: "true/false",
             int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)
