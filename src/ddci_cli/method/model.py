"""The method file: TOML in, one validated and frozen :class:`Method` out (SPEC §3).

Every mistake is collected with its key path (``subindices[2].indicators[0].weight``) and,
for a misspelt key, a suggestion; :func:`load_method` raises :class:`InputError` carrying
all of them at once.
"""

from __future__ import annotations

import hashlib
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ddci_cli.errors import InputError, Problem, ProblemReport
from ddci_cli.method.schema import TableReader

NORMALIZATIONS = ("minmax", "goalposts", "zscore", "rank", "none")
AGGREGATIONS = ("arithmetic", "geometric")
DEFAULT_BLOCK = "all"


@dataclass(frozen=True)
class Block:
    id: str
    label: str
    label_en: str


@dataclass(frozen=True)
class Indicator:
    """One survey question turned into a unit value; ``direction`` is +1 or -1."""

    id: str
    column: str
    label: str
    label_en: str
    subindex: str
    direction: int
    statistic: str
    weight: float
    blocks: tuple[str, ...]
    valid: tuple[float, float] | None = None
    share_of: tuple[float, ...] | None = None
    share_range: tuple[float, float] | None = None
    goalposts: tuple[float, float] | None = None
    missing_codes: tuple[Any, ...] = ()
    denominator: str | None = None    # column: each row's value ÷ the row's denominator


@dataclass(frozen=True)
class SubIndex:
    id: str
    label: str
    label_en: str
    weight: float
    blocks: tuple[str, ...]
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Tier:
    label: str
    label_en: str
    min: float
    color: str | None = None


@dataclass(frozen=True)
class UnitEntry:
    name: str
    block: str | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Imputation:
    """``[imputation]`` (SPEC §10): ``method`` none | mean | median; ``by`` "block" or a
    column holding a unit attribute (groups = block × attribute)."""

    method: str = "none"
    by: str = "block"


@dataclass(frozen=True)
class Treatment:
    """``[treatment]`` (SPEC §10): winsorise up to ``winmax`` points per indicator until
    |skewness| < ``skew`` or excess kurtosis < ``kurtosis``; ``fallback`` log | none."""

    method: str = "none"
    winmax: int = 5
    skew: float = 2.0
    kurtosis: float = 3.5
    fallback: str = "log"


@dataclass(frozen=True)
class Method:
    """A validated index definition. Scales: scores on ``range`` (or z-scores), composite
    on ``multiplier`` × that scale."""

    name: str
    year: int | None
    language: str
    sheet: str | None
    unit_column: str
    block_column: str | None
    respondent_column: str | None
    weight_column: str | None
    missing_codes: tuple[Any, ...]
    min_responses: int
    min_indicator_responses: int
    strict_units: bool
    normalization: str
    range: tuple[float, float]
    zscore: tuple[float, float]
    subindex_aggregation: str
    composite_aggregation: str
    multiplier: float
    min_coverage: float
    decimals: int
    blocks: tuple[Block, ...]
    subindices: tuple[SubIndex, ...]
    tiers: tuple[Tier, ...]
    units: tuple[UnitEntry, ...]
    thousands: str | None = None      # input.thousands: ".", "," or " " (None: no grouping)
    decimal_mark: str | None = None   # input.decimal_mark: "." or "," (None: either)
    imputation: Imputation = Imputation()
    treatment: Treatment = Treatment()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    source: str = "method.toml"
    sha256: str | None = None
    text: str = field(default="", compare=False, repr=False)
    problems: tuple[Problem, ...] = field(default=(), compare=False, repr=False)

    @cached_property  # hot in Monte Carlo loops; the method is frozen, so cache it
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for k in self.subindices for i in k.indicators)

    @property
    def block_ids(self) -> tuple[str, ...]:
        return tuple(b.id for b in self.blocks)

    def block(self, block_id: str) -> Block:
        return next(b for b in self.blocks if b.id == block_id)

    def tiers_descending(self) -> tuple[Tier, ...]:
        return tuple(sorted(self.tiers, key=lambda t: -t.min))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


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
    from ddci_cli.method.build import build_method  # validation lives beside the schema

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
