"""The answer cells of a grid export, read column by column (SPEC §2 "Layouts").

A grid export holds every question × unit in its own column: 20,000 respondents × 1,575
columns is 31.5 million cells, most of them references to the same few answer texts (a
CSV column is made of one Python string per distinct value). Two steps work on the
columns as arrays instead of on every cell as an object:

* :func:`answered_units`: which respondent × unit has any answer. Each column's distinct
  objects are found by their addresses (a handful of comparisons over a contiguous
  column), each is tested for blankness once, and the result is or-ed into its unit.
* :func:`gather`: an indicator's cells of the evaluations, copied one unit column at a
  time (sequential reads of one column, not a jump between 35 columns per cell).
"""

from __future__ import annotations

import ctypes
import sys

import numpy as np

SLOTS = 1 << 12  # the hash table of addresses (a power of two)
DISTINCT_LIMIT = 256  # distinct objects looked for by address in a column; then factorize


def answered_units(data: np.ndarray, where: np.ndarray) -> np.ndarray:
    """(rows × units) True where the respondent answered any question about the unit;
    ``where[u, k]``: the column of question k for unit u, -1 where there is none."""
    has = np.zeros((data.shape[0], where.shape[0]), bool)
    for u in range(where.shape[0]):
        for j in where[u]:
            if j >= 0:
                has[:, u] |= nonblank_column(data[:, j])
    return has


def nonblank_column(column: np.ndarray) -> np.ndarray:
    """True where a cell of a 1-d object column holds something (not None, not empty or
    whitespace text).

    The column's distinct objects are found by address with a small hash table (cells
    whose address owns their slot are settled, the others go round again), and each is
    tested once. A column of many distinct objects (a workbook's numbers, one object a
    cell) is factorized instead."""
    column = np.ascontiguousarray(column)
    addresses = _addresses(column)
    if addresses is None:
        return _by_factorize(column)
    blank: list[int] = []
    distinct = 0
    rest = None  # the cells not yet settled (None: all of them)
    while rest is None or len(rest):
        part = addresses if rest is None else addresses[rest]
        slot = (part >> 4) & (SLOTS - 1)  # CPython objects are 16-byte aligned
        owner = np.full(SLOTS, -1, np.intp)
        owner[slot] = np.arange(len(part)) if rest is None else rest
        owners = owner[owner >= 0]
        distinct += len(owners)
        if distinct > DISTINCT_LIMIT:
            return _by_factorize(column)  # many distinct values (a text column): hash them
        blank += [int(addresses[k]) for k in owners if _is_blank(column[k])]
        settled = addresses[owner[slot]] == part
        rest = np.flatnonzero(~settled) if rest is None else rest[~settled]
    keep = np.ones(len(column), bool)
    for address in blank:
        keep &= addresses != address
    return keep


def gather(data: np.ndarray, rows: np.ndarray, groups: list[np.ndarray],
           columns: np.ndarray) -> np.ndarray:
    """``data[rows[e], columns[u]]`` for each evaluation e of each unit u (``groups[u]``:
    its evaluations, :func:`unit_groups`); None where the unit has no such column
    (``columns[u] < 0``). Read unit by unit, down one column at a time."""
    out = np.full(len(rows), None, dtype=object)
    for at, j in zip(groups, columns):
        if j >= 0 and len(at):
            out[at] = data[rows[at], j]
    return out


def unit_groups(units: np.ndarray, count: int) -> list[np.ndarray]:
    """The evaluations of each unit, in their order."""
    order = np.argsort(units, kind="stable")
    bounds = np.searchsorted(units[order], np.arange(count + 1))
    return [order[bounds[u]:bounds[u + 1]] for u in range(count)]


def _by_factorize(column: np.ndarray) -> np.ndarray:
    from ddci_cli.text import factorize

    codes, uniques = factorize(column)  # nulls (None, NaN): -1, the entry appended
    out = np.array([not _is_blank(u) for u in uniques] + [True], bool)[codes]
    nulls = np.flatnonzero(codes < 0)
    if len(nulls):  # None is blank, NaN is not
        out[nulls] = [v is not None for v in column[nulls]]
    return out


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _addresses(cells: np.ndarray) -> np.ndarray | None:
    """The object addresses a contiguous 1-d object array holds (CPython's ``id()``),
    read without touching the objects; None where that does not hold."""
    if sys.implementation.name != "cpython" or not cells.flags.c_contiguous or \
            cells.dtype != object or not cells.size:
        return None
    pointer = cells.ctypes.data_as(ctypes.POINTER(ctypes.c_size_t))
    return np.ctypeslib.as_array(pointer, shape=(cells.size,))
