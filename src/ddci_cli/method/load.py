"""Loading a method file: UTF-8 TOML → NFC → :func:`~ddci_cli.method.build.build_method`
→ one frozen :class:`~ddci_cli.method.model.Method`, or an InputError with every problem."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any

from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.method.build import build_method
from ddci_cli.method.model import Method, nfc
from ddci_cli.method.schema import TableReader


def load_method(path: str | Path) -> Method:
    """Read and validate a method file; raise :class:`InputError` listing every problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"method file {path} does not exist; create one with `ddci init`",
                         code="file_not_found", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read method file {path}: {exc.strerror}",
                         code="file_unreadable", file=str(path)) from None
    method = parse_method(data, source=str(path))
    return method


def parse_method(data: bytes | str, source: str = "method.toml") -> Method:
    """Parse method-file text (bytes or str) into a :class:`Method`, or raise InputError."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    report = ProblemReport()
    try:
        text = raw.decode("utf-8-sig")
        doc = toml_loads(text)
    except UnicodeDecodeError as exc:
        raise InputError(f"the method file is not UTF-8 (byte {exc.start}); save it as UTF-8",
                         code="method_encoding", file=source) from None
    except TomlTooDeep as exc:
        raise InputError(f"the method file {exc}", code="method_syntax", file=source) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"TOML syntax error: {exc}; fix the line it names",
                         code="method_syntax", file=source) from None
    method = build_method(_nfc_tree(doc), TableReader(report, source))
    report.raise_if_errors()
    return _with(method, source=source, sha256=hashlib.sha256(raw).hexdigest(), text=text,
                 problems=tuple(report.problems))


MAX_TOML_DEPTH = 32  # a method file nests 4 levels, a manifest 3; deeper is not a method


class TomlTooDeep(ValueError):
    """A TOML text whose arrays and tables nest deeper than :data:`MAX_TOML_DEPTH`."""


def toml_loads(text: str) -> dict[str, Any]:
    """``tomllib.loads`` that answers a deeply nested text (``a = [[[[…`` 500 levels, which
    exhausts the parser's recursion) with :class:`TomlTooDeep` instead of a crash."""
    too_deep = TomlTooDeep(f"nests arrays or tables more than {MAX_TOML_DEPTH} levels deep; "
                           "look for a run of '[' or '{' that is never closed")
    try:
        doc = tomllib.loads(text)
    except RecursionError:
        raise too_deep from None
    stack: list[tuple[Any, int]] = [(doc, 0)]
    while stack:  # iterative: the checks after this one may recurse over the document
        value, depth = stack.pop()
        if depth > MAX_TOML_DEPTH:
            raise too_deep
        children = value.values() if isinstance(value, dict) else \
            value if isinstance(value, list) else ()
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))
    return doc


def _with(method: Method, **changes: Any) -> Method:
    from dataclasses import replace

    return replace(method, **changes)


def _nfc_tree(value: Any) -> Any:
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        return {nfc(k): _nfc_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc_tree(v) for v in value]
    return value
