"""Option values converted without pydantic, for the plain types ddci's options have.

typer 0.29 converts every parameter of the command that runs (given or left at its
default) through a pydantic ``TypeAdapter``: importing pydantic and building the adapters
costs several times the rest of parsing the command line. :func:`install` gives typer's
parameters a conversion for the values whose result is not in doubt, the one the adapter
would return: a text for ``str``, True or False for ``bool``, ``Path(text)`` (after
typer's own path checks) for ``Path``, a plain decimal integer or number for ``int`` and
``float``, and lists of these; values of the right type pass as they are. Anything else (an unusual spelling, a wrong
value, an annotation or a parameter setting not listed here) goes to typer's adapter, so
its messages and results are exactly typer's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PLAIN_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")  # an int whose value is not in doubt
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,17})?")


def sheet_option(text: str | None) -> str | int | None:
    """``--sheet``'s value as the commands take it: digits are a 1-based index (a sheet
    named "2024" is still found by its name first), anything else a name."""
    return int(text) if text and text.strip().isdigit() else text


def install() -> bool:
    """Give typer's parameters the conversion below; False (typer unchanged) when this
    typer does not convert values the way it was written for."""
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer._param_types import coerce_cli_path
        from typer.core import _TyperParameter
    except ImportError:
        return False
    original = _TyperParameter.get_runtime_param
    if getattr(original, "plain_values", False):
        return True

    @dataclass(frozen=True)
    class PlainRuntimeParam(RuntimeParam):
        """A plain value converted here; any other handed to typer's own conversion."""

        kind: type = str

        def _coerce_value(self, value, param, ctx):
            if isinstance(value, (list, tuple)) and self.kind is not _ONE:
                out = [self._one(item, param, ctx) for item in value]
                if all(item is not _OTHER for item in out):
                    return out
            elif not isinstance(value, (list, tuple)) and self.kind is _ONE:
                one = self._one(value, param, ctx)
                if one is not _OTHER:
                    return one
            typer_own = build_runtime_param(param.type_descriptor)
            return typer_own._coerce_value(value, param=param, ctx=ctx)

        def _one(self, value, param, ctx):
            kind = self.kind if self.kind is not _ONE else self.annotation
            exact = type(value) is kind
            if kind is str or kind is bool:
                return value if exact else _OTHER
            if kind is int:
                return value if exact else (int(value) if type(value) is str
                                            and PLAIN_INT.fullmatch(value) else _OTHER)
            if kind is float:
                return value if exact else (float(value) if type(value) is str
                                            and _FLOAT.fullmatch(value) else _OTHER)
            if kind is Path:  # the checks on the text, as typer makes them, then Path()
                if isinstance(value, Path):
                    return coerce_cli_path(value, self.parameter_info, path_type=Path,
                                           param=param, ctx=ctx)
                if type(value) is not str or not value:
                    return _OTHER
                return Path(coerce_cli_path(value, self.parameter_info, path_type=None,
                                            param=param, ctx=ctx))
            return _OTHER

    def get_runtime_param(self):
        if self._runtime_param is None:
            kind = _plain_kind(self.type_descriptor)
            if kind is not None:
                self._runtime_param = PlainRuntimeParam(
                    parameter_info=self.type_descriptor.parameter_info,
                    annotation=self.type_descriptor.annotation, kind=kind)
        return original(self)

    get_runtime_param.plain_values = True
    _TyperParameter.get_runtime_param = get_runtime_param
    return True


class _Marker:
    pass


_ONE = _Marker   # kind of a single value: the annotation itself
_OTHER = _Marker()  # "not a plain value": typer converts it


def _plain_kind(descriptor):
    """``_ONE`` for a single str, int, float, bool or Path; the item type for a list of one of
    them; None for anything else (or a parameter with a parser, bounds, choices, files)."""
    info = descriptor.parameter_info
    if (info.parser is not None or info.min is not None or info.max is not None
            or info.allow_dash or descriptor.file_annotation is not None
            or descriptor.is_choice):
        return None
    annotation = descriptor.annotation
    if annotation in (str, int, float, bool) or (annotation is Path and info.path_type is None):
        return _ONE
    if getattr(annotation, "__origin__", None) is list:
        args = getattr(annotation, "__args__", ())
        if len(args) == 1 and (args[0] in (str, int, float)
                               or (args[0] is Path and info.path_type is None)):
            return args[0]
    return None
