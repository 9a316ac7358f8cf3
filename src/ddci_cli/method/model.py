"""The method model (SPEC §3): frozen dataclasses of one validated index definition.

Built by :mod:`ddci_cli.method.build` from the TOML that :mod:`ddci_cli.method.load` reads;
every mistake there is collected with its key path and raised at once.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ddci_cli.errors import Problem

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
    answers: tuple[tuple[str, float], ...] | None = None  # own [answers]: text → code


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
    answers: tuple[tuple[str, float], ...] = ()  # [answers]: answer text → code (SPEC §2)
    leading_code: bool = False        # input.leading_code: "4 - Đồng ý" reads as 4
    layout: str = "long"              # input.layout: long | grid | repeat
    grid_pattern: str = "{question} [{unit}]"  # input.grid_pattern: a grid header
    repeat_sheet: str | None = None   # input.repeat_sheet: the evaluations sheet or CSV
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
