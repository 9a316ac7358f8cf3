"""The ``[weighting]`` table of the method file: population margins to rake the respondents'
design weights to (the raking itself is :mod:`ddci_cli.survey.weighting`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ddci_cli.errors import ProblemReport
from ddci_cli.method.model import Method
from ddci_cli.method.schema import TableReader
from ddci_cli.text import match_key

WEIGHTING_KEYS = ("margins", "max_iterations", "tolerance", "trim")
MAX_ITERATIONS = 200
TOLERANCE = 1e-9            # largest |weighted share − target share| accepted (shares 0–1)
SUM_TOLERANCE = 1e-6        # margin shares summing further from 1 are rescaled with a warning


@dataclass(frozen=True)
class WeightingSpec:
    """A validated ``[weighting]`` table. ``margins[column][category]`` is the population
    share (0–1, each margin summing to 1); ``trim`` bounds raked ÷ design weight."""

    margins: dict[str, dict[str, float]]
    max_iterations: int = MAX_ITERATIONS
    tolerance: float = TOLERANCE
    trim: tuple[float, float] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.margins)


def check_weighting(table: object, r: TableReader) -> WeightingSpec | None:
    """Validate a ``[weighting]`` table, recording every problem with its key path."""
    if not isinstance(table, dict):
        r.error("bad_type", "weighting", "must be a table")
        return None
    r.check_keys(table, WEIGHTING_KEYS, "weighting")
    margins = _margins(table.get("margins"), r)
    iterations = r.number(table, "max_iterations", "weighting", MAX_ITERATIONS, integer=True,
                          minimum=1, maximum=100_000)
    tolerance = r.number(table, "tolerance", "weighting", TOLERANCE, positive=True,
                         maximum=0.1)
    trim = r.pair(table, "trim", "weighting")
    if trim is not None and not (0 < trim[0] <= 1 <= trim[1]):
        r.error("bad_range", "weighting.trim", "needs 0 < low ≤ 1 ≤ high (bounds on the "
                "raked ÷ design weight ratio), e.g. [0.2, 5.0]", list(trim))
        trim = None
    if margins is None:
        return None
    return WeightingSpec(margins, int(iterations or MAX_ITERATIONS),
                         float(tolerance or TOLERANCE), trim)


def _margins(value: object, r: TableReader) -> dict[str, dict[str, float]] | None:
    if value is None:
        r.error("missing_key", "weighting.margins", "is required: a table of survey columns, "
                "each a table of category = population share")
        return None
    if not isinstance(value, dict) or not value:
        r.error("bad_type", "weighting.margins", "must be a non-empty table such as "
                '{ "Quy mô" = { "Nhỏ" = 0.6, "Vừa" = 0.3, "Lớn" = 0.1 } }')
        return None
    margins, seen = {}, {}
    for column, shares in value.items():
        path = f'weighting.margins."{column}"'
        if match_key(column) in seen:
            r.error("duplicate_column", path, f"names the same column as "
                    f'weighting.margins."{seen[match_key(column)]}"', column)
            continue
        seen[match_key(column)] = column
        parsed = _shares(shares, path, r)
        if parsed:
            margins[column.strip()] = parsed
    return margins if len(margins) == len(value) else None


def _shares(shares: object, path: str, r: TableReader) -> dict[str, float] | None:
    if not isinstance(shares, dict) or not shares:
        r.error("bad_type", path, "must be a non-empty table of category = share")
        return None
    out, keys, ok = {}, {}, True
    for category, share in shares.items():
        key = f'{path}."{category}"'
        same = keys.get(match_key(category))
        if same is not None:
            r.error("duplicate_category", key, f'is the same category as "{same}"', category)
            ok = False
        keys[match_key(category)] = category
        if isinstance(share, bool) or not isinstance(share, (int, float)) or \
                not math.isfinite(share):
            r.error("bad_type", key, "must be a finite number (the population share)", share)
            ok = False
        elif not share > 0:
            r.error("bad_value", key, "must be greater than 0; a category with no population "
                    "share cannot be raked (merge it into another category)", share)
            ok = False
        else:
            out[category.strip()] = float(share)
    if not ok:
        return None
    total = sum(out.values())
    if abs(total - 1) > SUM_TOLERANCE:
        r.warning("margin_not_normalised", path, f"shares sum to {total:.10g}, not 1; they "
                  "are rescaled to sum to 1", total)
    return {c: s / total for c, s in out.items()}


def weighting_spec(method: Method) -> WeightingSpec | None:
    """The method's validated ``[weighting]`` table (None when it has none). The method file
    was checked when loaded, so problems found again here are dropped."""
    table = method.extra.get("weighting")
    if table is None:
        return None
    return check_weighting(table, TableReader(ProblemReport(), method.source))


def weighting_columns(method: Method) -> tuple[str, ...]:
    """The survey columns the raking reads (none without ``[weighting]``)."""
    spec = weighting_spec(method)
    return spec.columns if spec else ()
