"""Indicator cells to numbers, in SPEC §2's order: blank/marker → missing, text code →
missing, number or numeric text → value, numeric code → missing, outside ``valid`` → error.

Work is done once per distinct cell value (``pandas.factorize``), so a 50,000-row column
of Likert answers costs a handful of classifications, not 50,000.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from numbers import Number

import numpy as np
import pandas as pd

from .text import match_key

STANDARD_MISSING = {"na", "n/a", "#n/a", "nan", "null"}
NUMERIC_TEXT = re.compile(r"^[+-]?\d+([.,]\d+)?$")

MISSING = "missing"
NON_NUMERIC = "non_numeric_value"
OUT_OF_RANGE = "out_of_range"


@dataclass
class CellIssues:
    """Positions (indices into the column) and values of bad cells of one kind."""

    kind: str
    positions: np.ndarray
    values: list


def parse_number(value) -> float | str:
    """A float, ``MISSING`` (blank or marker) or ``NON_NUMERIC`` for one cell value."""
    if value is None:
        return MISSING
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return NON_NUMERIC
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = float(value)
        if value != value:
            return MISSING
        return value if abs(value) != float("inf") else NON_NUMERIC
    if isinstance(value, str):
        text = value.strip()
        if not text or text.casefold() in STANDARD_MISSING:
            return MISSING
        if NUMERIC_TEXT.match(text):
            return float(text.replace(",", "."))
    return NON_NUMERIC


def numeric_column(cells: np.ndarray, text_codes: set[str], numeric_codes: set[float],
                   valid: tuple[float, float] | None) -> tuple[np.ndarray, list[CellIssues]]:
    """Convert one indicator column to floats with NaN for missing; also return bad cells."""
    if cells.dtype.kind in "fiu":
        values = cells.astype(float, copy=True)
        bad_inf = np.isinf(values)
        values[bad_inf] = np.nan
        issues = [CellIssues(NON_NUMERIC, np.flatnonzero(bad_inf),
                             [str(v) for v in cells[bad_inf]])] if bad_inf.any() else []
        return _finish(values, numeric_codes, valid, cells, issues)
    # nulls (None, NaN) get code -1, which picks the appended "missing" entry; this also
    # spares the separate null scan that use_na_sentinel=False costs
    codes, uniques = pd.factorize(cells)
    parsed = np.full(len(uniques) + 1, np.nan)
    non_numeric = np.zeros(len(uniques) + 1, bool)
    for k, raw in enumerate(uniques):
        if isinstance(raw, str) and text_codes and match_key(raw) in text_codes:
            parsed[k] = np.nan
            continue
        number = parse_number(raw)
        parsed[k] = number if isinstance(number, float) else np.nan
        non_numeric[k] = number == NON_NUMERIC
    values, non_numeric_cells = parsed[codes], non_numeric[codes]
    # factorize files True under 1.0 and False under 0.0; booleans are not numbers. Only
    # cells filed under a number equal to 0 or 1 can be booleans: only those are looked at.
    zero_one = [k for k, u in enumerate(uniques) if isinstance(u, Number) and u in (0, 1)]
    if any(isinstance(uniques[k], (bool, float, int)) for k in zero_one):
        suspects = np.flatnonzero(np.isin(codes, zero_one))
        kinds = np.fromiter(map(type, cells[suspects]), object, len(suspects))
        booleans = suspects[kinds == bool]
        non_numeric_cells[booleans] = True
        values[booleans] = np.nan
    issues = []
    if non_numeric_cells.any():
        pos = np.flatnonzero(non_numeric_cells)
        issues.append(CellIssues(NON_NUMERIC, pos, [cells[p] for p in pos]))
    return _finish(values, numeric_codes, valid, cells, issues)


def _finish(values: np.ndarray, numeric_codes: set[float], valid, cells: np.ndarray,
            issues: list[CellIssues]) -> tuple[np.ndarray, list[CellIssues]]:
    if numeric_codes:
        values[np.isin(values, list(numeric_codes))] = np.nan
    if valid is not None:
        with np.errstate(invalid="ignore"):
            outside = (values < valid[0]) | (values > valid[1])
        if outside.any():
            pos = np.flatnonzero(outside)
            issues.append(CellIssues(OUT_OF_RANGE, pos, [cells[p] for p in pos]))
            values[outside] = np.nan
    return values, issues


def numeric_values(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Floats for a weight-like column and a mask of cells that are not finite numbers."""
    if cells.dtype.kind in "fiu":
        values = cells.astype(float)
        return values, ~np.isfinite(values)
    codes, uniques = pd.factorize(cells)  # nulls get code -1: the appended NaN
    parsed = np.array([*(_strict_number(u) for u in uniques), np.nan], dtype=float)
    values = parsed[codes]
    return values, ~np.isfinite(values)


def _strict_number(value) -> float:
    number = parse_number(value)
    return number if isinstance(number, float) else np.nan


def text_codes(codes) -> set[str]:
    return {match_key(c) for c in codes if isinstance(c, str)}


def number_codes(codes) -> set[float]:
    return {float(c) for c in codes if not isinstance(c, str)}
