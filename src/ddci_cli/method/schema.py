"""Typed, path-aware reading of TOML tables, collecting every problem.

Each getter returns a usable value (the default when the key is wrong) and records a
``Problem`` with the key path, so one pass over the file finds every mistake.
"""

from __future__ import annotations

import difflib
import math
from typing import Any, Iterable

from ddci_cli.errors import ProblemReport

_MISSING = object()


class TableReader:
    """Reads values out of TOML tables, recording problems in ``report``."""

    def __init__(self, report: ProblemReport, source: str):
        self.report = report
        self.source = source

    def error(self, code: str, key: str, message: str, value: Any = None) -> None:
        self.report.error(code, f"{key}: {message}", file=self.source, key=key, value=value)

    def warning(self, code: str, key: str, message: str, value: Any = None) -> None:
        self.report.warning(code, f"{key}: {message}", file=self.source, key=key, value=value)

    def check_keys(self, table: dict, allowed: Iterable[str], path: str) -> None:
        allowed = list(allowed)
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else \
                    f"; allowed keys: {', '.join(allowed)}"
                self.error("unknown_key", _join(path, key), f"unknown key{hint}")

    def table(self, parent: dict, key: str, path: str) -> dict:
        value = parent.get(key, {})
        if not isinstance(value, dict):
            self.error("bad_type", _join(path, key), "must be a table")
            return {}
        return value

    def tables(self, parent: dict, key: str, path: str) -> list[dict]:
        value = parent.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.error("bad_type", _join(path, key), f"must be an array of tables ([[{key}]])")
            return []
        return value

    def text(self, table: dict, key: str, path: str, default: Any = _MISSING) -> Any:
        value = table.get(key, _MISSING)
        if value is _MISSING:
            return self._absent(key, path, default)
        if not isinstance(value, str) or not value.strip():
            self.error("bad_type", _join(path, key), "must be a non-empty text", value)
            return None if default is _MISSING else default
        return value.strip()

    def number(self, table: dict, key: str, path: str, default: Any = _MISSING, *,
               positive: bool = False, minimum: float | None = None,
               maximum: float | None = None, integer: bool = False) -> Any:
        value = table.get(key, _MISSING)
        if value is _MISSING:
            return self._absent(key, path, default)
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value):
            kind = "an integer" if integer else "a finite number (not inf or nan)"
            self.error("bad_type", _join(path, key), f"must be {kind}", value)
            return None if default is _MISSING else default
        if positive and not value > 0:
            self.error("bad_value", _join(path, key), "must be greater than 0", value)
        if minimum is not None and value < minimum:
            self.error("bad_value", _join(path, key), f"must be at least {minimum}", value)
        if maximum is not None and value > maximum:
            self.error("bad_value", _join(path, key), f"must be at most {maximum}", value)
        return value

    def boolean(self, table: dict, key: str, path: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.error("bad_type", _join(path, key), "must be true or false", value)
            return default
        return value

    def choice(self, table: dict, key: str, path: str, choices: Iterable[str],
               default: str) -> str:
        choices = tuple(choices)
        value = table.get(key, default)
        if value not in choices:
            close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'? " if close else ""
            self.error("bad_value", _join(path, key),
                       f"{hint}must be one of {', '.join(choices)}", value)
            return default
        return value

    def pair(self, table: dict, key: str, path: str, default: Any = None, *,
             increasing: bool = True) -> Any:
        """A two-number list ``[a, b]``; with ``increasing`` it must have a < b."""
        value = table.get(key, _MISSING)
        if value is _MISSING:
            return default
        if (not isinstance(value, list) or len(value) != 2
                or not all(_is_number(v) for v in value)):
            self.error("bad_type", _join(path, key), "must be a list of two finite numbers "
                       "[a, b]", value)
            return default
        a, b = float(value[0]), float(value[1])
        if increasing and not a < b:
            self.error("bad_range", _join(path, key), f"needs a < b, got [{a:g}, {b:g}]", value)
            return default
        return (a, b)

    def numbers(self, table: dict, key: str, path: str) -> tuple[float, ...] | None:
        value = table.get(key, _MISSING)
        if value is _MISSING:
            return None
        if not isinstance(value, list) or not value or not all(_is_number(v) for v in value):
            self.error("bad_type", _join(path, key), "must be a non-empty list of finite "
                       "numbers", value)
            return None
        return tuple(float(v) for v in value)

    def texts(self, table: dict, key: str, path: str) -> tuple[str, ...] | None:
        value = table.get(key, _MISSING)
        if value is _MISSING:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error("bad_type", _join(path, key), "must be a list of texts", value)
            return None
        return tuple(v.strip() for v in value)

    def codes(self, table: dict, key: str, path: str) -> tuple[Any, ...]:
        """Missing codes: texts and numbers."""
        value = table.get(key, [])
        if not isinstance(value, list) or not all(
                isinstance(v, str) or _is_number(v) for v in value):
            self.error("bad_type", _join(path, key), "must be a list of texts and numbers",
                       value)
            return ()
        return tuple(v if isinstance(v, str) else float(v) for v in value)

    def _absent(self, key: str, path: str, default: Any) -> Any:
        if default is _MISSING:
            self.error("missing_key", _join(path, key), "is required")
            return None
        return default


def _is_number(value: Any) -> bool:
    """A finite TOML number: ``inf`` and ``nan`` are valid TOML but never a valid setting."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def _join(path: str, key: str) -> str:
    if not path:
        return key
    return f"{path}.{key}" if "." not in key and " " not in key else f'{path}."{key}"'
