"""Indicator cells to numbers, in SPEC §2's order: blank/marker → missing, text code →
missing, number or numeric text → value, numeric code → missing, outside ``valid`` → error.

Work is done once per distinct cell value (``pandas.factorize``), so a 50,000-row column
of Likert answers costs a handful of classifications, not 50,000. :func:`numeric_columns`
does all the indicator columns of a sheet as one block: one factorization of every answer,
then the rules that differ between indicators applied to the resulting floats.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import re
import sys
from dataclasses import dataclass
from numbers import Number

import numpy as np
import pandas as pd

from ddci_cli.text import match_key

STANDARD_MISSING = {"na", "n/a", "#n/a", "nan", "null"}
# SPEC §2 step 3: one separator (a decimal mark by default) and an optional exponent, as
# R, pandas and Stata write small and large numbers (2e-06, 3.6E+05)
NUMERIC_TEXT = re.compile(r"^[+-]?\d+([.,]\d+)?([eE][+-]?\d+)?$")

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
            number = float(text.replace(",", "."))
            return number if abs(number) != float("inf") else NON_NUMERIC  # 400 nines
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
        parsed[k], non_numeric[k] = _classify(raw)
    values, non_numeric_cells = parsed[codes], non_numeric[codes]
    booleans = _booleans(cells, codes, uniques)
    non_numeric_cells[booleans] = True
    values[booleans] = np.nan
    issues = []
    if non_numeric_cells.any():
        pos = np.flatnonzero(non_numeric_cells)
        issues.append(CellIssues(NON_NUMERIC, pos, [cells[p] for p in pos]))
    return _finish(values, numeric_codes, valid, cells, issues)


def _classify(raw) -> tuple[float, bool]:
    """(value or NaN, non-numeric?) for one distinct cell value. A boolean stands here for
    the numbers equal to it that factorize filed with it; :func:`_booleans` then marks
    the boolean cells themselves."""
    number = parse_number(float(raw) if isinstance(raw, bool) else raw)
    return (number if isinstance(number, float) else np.nan), number == NON_NUMERIC


def _booleans(cells: np.ndarray, codes: np.ndarray, uniques) -> np.ndarray:
    """Positions of the TRUE/FALSE cells of a 1-d ``cells``, which are non-numeric.
    factorize files True under 1.0 and False under 0.0 (they compare equal), so only
    cells filed under a value equal to 0 or 1 can be booleans: only those are looked at."""
    zero_one = [k for k, u in enumerate(uniques) if isinstance(u, Number) and u in (0, 1)]
    if not zero_one:
        return np.empty(0, np.intp)
    addresses = _addresses(cells)
    if addresses is not None:  # True and False are single objects: compare addresses
        return np.flatnonzero((addresses == id(True)) | (addresses == id(False)))
    suspects = np.flatnonzero(np.isin(codes, zero_one))
    kinds = np.fromiter(map(type, cells[suspects]), object, len(suspects))
    return suspects[kinds == bool]


def _addresses(cells: np.ndarray) -> np.ndarray | None:
    """The object addresses a contiguous object array holds (in CPython, what ``id()``
    gives), read without touching the objects: looking at each of 3 million cells costs
    a cache miss apiece (70 ms), this 3 ms. None where that does not hold."""
    if sys.implementation.name != "cpython" or not cells.flags.c_contiguous or \
            cells.dtype != object or not cells.size:
        return None
    pointer = cells.ctypes.data_as(ctypes.POINTER(ctypes.c_size_t))
    return np.ctypeslib.as_array(pointer, shape=(cells.size,))


def numeric_columns(columns: list[np.ndarray], text_codes: list[set[str]],
                    numeric_codes: list[set[float]], valid: list
                    ) -> tuple[np.ndarray, list[list[CellIssues]]]:
    """:func:`numeric_column` for several columns of one length: X (rows × columns, NaN
    missing) and each column's bad cells, the same as column by column. Columns of Python
    objects (what a workbook or CSV gives) are read as one block: their cells are
    factorized together, so each distinct answer is classified once for all of them."""
    n = len(columns[0]) if columns else 0
    X = np.empty((n, len(columns)))
    issues: list[list[CellIssues]] = [[] for _ in columns]
    block = [i for i, c in enumerate(columns) if c.dtype.kind not in "fiu"]
    for i in sorted(set(range(len(columns))) - set(block)):
        X[:, i], issues[i] = numeric_column(columns[i], text_codes[i], numeric_codes[i],
                                            valid[i])
    if block:
        cells = [columns[i] for i in block]
        values, wrong = _parse_block(cells, [text_codes[i] for i in block])
        found = _finish_block(values, wrong, cells, [numeric_codes[i] for i in block],
                              [valid[i] for i in block])
        if len(block) == len(columns):
            X = values
        else:
            X[:, block] = values
        for i, cell_issues in zip(block, found):
            issues[i] = cell_issues
    return X, issues


def _parse_block(columns: list[np.ndarray], text_codes: list[set[str]]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(values, non-numeric mask), both rows × columns, of object columns. A text code
    that only some columns have is remembered with those columns and applied to them."""
    n, m = len(columns[0]), len(columns)
    block = np.empty((n, m), dtype=object)
    for j, cells in enumerate(columns):
        block[:, j] = cells
    # in row order, the order python-calamine created the cell objects in: 7× faster than
    # column by column, which meets each object 60 cells apart (a cache miss apiece)
    codes, uniques = pd.factorize(block.reshape(-1))  # nulls: -1, the appended "missing"
    booleans = _booleans(block.reshape(-1), codes, uniques)
    del block  # 8 bytes a cell: let it go before the float results are made
    everywhere = set.intersection(*map(set, text_codes))
    parsed = np.full(len(uniques) + 1, np.nan)
    non_numeric = np.zeros(len(uniques) + 1, bool)
    some: dict[int, list[int]] = {}  # distinct text → the columns that read it as missing
    for k, raw in enumerate(uniques):
        key = match_key(raw) if isinstance(raw, str) else None
        if key is not None and key in everywhere:
            continue
        parsed[k], non_numeric[k] = _classify(raw)
        if key is not None and (cols := [j for j, t in enumerate(text_codes) if key in t]):
            some[k] = cols
    values, wrong = parsed[codes].reshape(n, m), non_numeric[codes].reshape(n, m)
    values.reshape(-1)[booleans] = np.nan
    wrong.reshape(-1)[booleans] = True
    codes = codes.reshape(n, m)
    for k, cols in some.items():
        for j in cols:
            hit = codes[:, j] == k
            values[hit, j] = np.nan
            wrong[hit, j] = False
    return values, wrong


def _finish_block(values: np.ndarray, wrong: np.ndarray, columns: list[np.ndarray],
                  numeric_codes: list[set[float]], valid: list) -> list[list[CellIssues]]:
    """Per column: non-numeric cells, then numeric missing codes, then the valid range
    (the order of :func:`numeric_column`); ``values`` is changed in place."""
    issues: list[list[CellIssues]] = [[] for _ in columns]
    for j in np.flatnonzero(wrong.any(axis=0)):
        pos = np.flatnonzero(wrong[:, j])
        issues[j].append(CellIssues(NON_NUMERIC, pos, [columns[j][p] for p in pos]))
    groups: dict[frozenset, list[int]] = {}
    for j, found in enumerate(numeric_codes):
        if found:
            groups.setdefault(frozenset(found), []).append(j)
    for found, cols in groups.items():
        part = values[:, cols] if len(cols) < values.shape[1] else values
        part[np.isin(part, list(found))] = np.nan
        if part is not values:
            values[:, cols] = part
    low = np.array([-np.inf if v is None else v[0] for v in valid], dtype=float)
    high = np.array([np.inf if v is None else v[1] for v in valid], dtype=float)
    with np.errstate(invalid="ignore"):
        outside = (values < low) | (values > high)
    for j in np.flatnonzero(outside.any(axis=0)):
        pos = np.flatnonzero(outside[:, j])
        issues[j].append(CellIssues(OUT_OF_RANGE, pos, [columns[j][p] for p in pos]))
    values[outside] = np.nan
    return issues


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
