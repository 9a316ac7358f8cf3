"""Indicator cells to numbers, in SPEC §2's order: blank/marker → missing, text code →
missing, number or numeric text → value, numeric code → missing, outside ``valid`` → error.

Work is done once per distinct cell value (``text.factorize``), so a 50,000-row column
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
from functools import lru_cache
from numbers import Number

import numpy as np

from ddci_cli.io.delimited import Coded
from ddci_cli.text import factorize, match_key

STANDARD_MISSING = {"na", "n/a", "#n/a", "nan", "null"}
# SPEC §2 step 3: one separator (a decimal mark by default) and an optional exponent, as
# R, pandas and Stata write small and large numbers (2e-06, 3.6E+05)
NUMERIC_TEXT = re.compile(r"^[+-]?\d+([.,]\d+)?([eE][+-]?\d+)?$")

# a numeric text that may be a thousands-grouped integer read as a decimal (1.000, 12.500):
# one separator, exactly three digits after it, 1–3 digits before it not starting with 0
# (0.125 or 1234.567 cannot be grouped thousands)
MAYBE_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$")
SPACES = " \u00a0\u202f"  # a space as thousands separator: plain, no-break, narrow no-break

MISSING = "missing"
NON_NUMERIC = "non_numeric_value"
OUT_OF_RANGE = "out_of_range"
AMBIGUOUS = "ambiguous_separator"


@dataclass(frozen=True)
class NumberFormat:
    """How numeric texts are written in a survey (method keys ``input.thousands`` and
    ``input.decimal_mark``). Neither set: one ``.`` or ``,`` is a decimal mark (SPEC §2)."""

    thousands: str | None = None     # ".", "," or " "
    decimal_mark: str | None = None  # "." or ","

    @property
    def declared(self) -> bool:
        return self.thousands is not None or self.decimal_mark is not None

    @property
    def decimals(self) -> str:
        """The characters read as a decimal mark."""
        if self.decimal_mark:
            return self.decimal_mark
        return {".": ",", ",": "."}.get(self.thousands or "", ".,")


DEFAULT_FORMAT = NumberFormat()


@dataclass
class CellIssues:
    """Positions (indices into the column) and values of bad cells of one kind."""

    kind: str
    positions: np.ndarray
    values: list


def parse_number(value, fmt: NumberFormat = DEFAULT_FORMAT) -> float | str:
    """A float, ``MISSING`` (blank or marker) or ``NON_NUMERIC`` for one cell value;
    numeric text is read as ``fmt`` says. Infinite results (400 nines) are not numbers."""
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
        if fmt.declared:
            return _parse_declared(text, fmt)
        if NUMERIC_TEXT.match(text):
            number = float(text.replace(",", "."))
            return number if abs(number) != float("inf") else NON_NUMERIC  # 400 nines
    return NON_NUMERIC


def _parse_declared(text: str, fmt: NumberFormat) -> float | str:
    """Numeric text under a declared grouping and decimal mark: ``1.500.000`` and ``2,5``
    with ``thousands = "."``; a group that is not three digits is not a number."""
    if not _declared_pattern(fmt).match(text):
        return NON_NUMERIC
    if fmt.thousands:
        for ch in SPACES if fmt.thousands == " " else fmt.thousands:
            text = text.replace(ch, "")
    number = float(text.replace(",", "."))
    return number if abs(number) != float("inf") else NON_NUMERIC


@lru_cache(maxsize=16)
def _declared_pattern(fmt: NumberFormat) -> re.Pattern:
    integer = r"\d+"
    if fmt.thousands:
        sep = f"[{SPACES}]" if fmt.thousands == " " else re.escape(fmt.thousands)
        integer = rf"(?:\d{{1,3}}(?:{sep}\d{{3}})+|\d+)"
    decimal = f"[{re.escape(fmt.decimals)}]"
    return re.compile(rf"^[+-]?{integer}(?:{decimal}\d+)?(?:[eE][+-]?\d+)?$")


def maybe_grouped(raw) -> bool:
    """Whether a cell is a numeric text the default reading takes as a decimal but that
    looks like grouped thousands (``1.000``, ``12.500``)."""
    return isinstance(raw, str) and ("." in raw or "," in raw) and \
        MAYBE_GROUPED.match(raw.strip()) is not None


def _separated(raw) -> bool:
    """A numeric text with a separator (``2,5``, ``1.000``): what the ambiguity rule looks at."""
    if not isinstance(raw, str) or not ("." in raw or "," in raw):
        return False
    match = NUMERIC_TEXT.match(raw.strip())
    return match is not None and match.group(1) is not None


def numeric_column(cells: np.ndarray, text_codes: set[str], numeric_codes: set[float],
                   valid: tuple[float, float] | None, fmt: NumberFormat = DEFAULT_FORMAT
                   ) -> tuple[np.ndarray, list[CellIssues]]:
    """Convert one indicator column to floats with NaN for missing; also return bad cells
    and, under the default reading, an ``AMBIGUOUS`` entry when its separated numeric texts
    all look like grouped thousands."""
    if cells.dtype.kind in "fiu":
        values = cells.astype(float, copy=True)
        bad_inf = np.isinf(values)
        values[bad_inf] = np.nan
        issues = [CellIssues(NON_NUMERIC, np.flatnonzero(bad_inf),
                             [str(v) for v in cells[bad_inf]])] if bad_inf.any() else []
        return _finish(values, numeric_codes, valid, cells, issues)
    # nulls (None, NaN) get code -1, which picks the appended "missing" entry; this also
    # spares the separate null scan that use_na_sentinel=False costs
    codes, uniques = factorize(cells)
    parsed = np.full(len(uniques) + 1, np.nan)
    non_numeric = np.zeros(len(uniques) + 1, bool)
    for k, raw in enumerate(uniques):
        if isinstance(raw, str) and text_codes and match_key(raw) in text_codes:
            parsed[k] = np.nan
            continue
        parsed[k], non_numeric[k] = _classify(raw, fmt)
    values, non_numeric_cells = parsed[codes], non_numeric[codes]
    booleans = _booleans(cells, codes, uniques)
    non_numeric_cells[booleans] = True
    values[booleans] = np.nan
    issues = []
    if non_numeric_cells.any():
        pos = np.flatnonzero(non_numeric_cells)
        issues.append(CellIssues(NON_NUMERIC, pos, [cells[p] for p in pos]))
    values, issues = _finish(values, numeric_codes, valid, cells, issues)
    if not fmt.declared:
        issues.extend(_ambiguous_columns(uniques, codes.reshape(-1, 1), [cells]).values())
    return values, issues


def _classify(raw, fmt: NumberFormat = DEFAULT_FORMAT) -> tuple[float, bool]:
    """(value or NaN, non-numeric?) for one distinct cell value. A boolean stands here for
    the numbers equal to it that factorize filed with it; :func:`_booleans` then marks
    the boolean cells themselves."""
    number = parse_number(float(raw) if isinstance(raw, bool) else raw, fmt)
    return (number if isinstance(number, float) else np.nan), number == NON_NUMERIC


def _ambiguous_columns(uniques, codes: np.ndarray, columns: list[np.ndarray]
                       ) -> dict[int, CellIssues]:
    """Columns (of ``codes``, rows × columns, indices into ``uniques``) whose separated
    numeric texts are all like ``1.000``: their positions and first such text. Looks at
    the distinct values only, so a file without such texts pays one pass over them."""
    grouped = [k for k, u in enumerate(uniques) if maybe_grouped(u)]
    if not grouped:
        return {}
    other = [k for k, u in enumerate(uniques) if _separated(u) and not maybe_grouped(u)]
    found = {}
    for j in range(codes.shape[1]):
        hits = np.isin(codes[:, j], grouped)
        if not hits.any() or (other and np.isin(codes[:, j], other).any()):
            continue
        pos = np.flatnonzero(hits)
        found[j] = CellIssues(AMBIGUOUS, pos, [columns[j][pos[0]]])
    return found


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
                    numeric_codes: list[set[float]], valid: list,
                    fmt: NumberFormat = DEFAULT_FORMAT, answers: list[dict] | None = None,
                    leading: bool = False) -> tuple[np.ndarray, list[list[CellIssues]]]:
    """:func:`numeric_column` for several columns of one length: X (rows × columns, NaN
    missing) and each column's bad cells, the same as column by column. Columns of Python
    objects (what a workbook or CSV gives) are read as one block: their cells are
    factorized together, so each distinct answer is classified once for all of them.
    ``answers`` (per column: match key of a text → code) and ``leading`` (read
    ``4 - Đồng ý`` as 4) map answer labels at step 2, after the text missing codes."""
    n = len(columns[0]) if columns else 0
    X = np.empty((n, len(columns)))
    issues: list[list[CellIssues]] = [[] for _ in columns]
    coded = [i for i, c in enumerate(columns) if isinstance(c, Coded)]
    if coded:
        labels = Labels([answers[i] for i in coded] if answers else [{} for _ in coded],
                        leading)
        found = _parse_coded([columns[i] for i in coded], [text_codes[i] for i in coded],
                             [numeric_codes[i] for i in coded], [valid[i] for i in coded],
                             fmt, labels, X, coded)
        for i, cell_issues in zip(coded, found):
            issues[i] = cell_issues
    block = [i for i, c in enumerate(columns)
             if not isinstance(c, Coded) and c.dtype.kind not in "fiu"]
    plain = sorted(set(range(len(columns))) - set(block) - set(coded))
    for start in range(0, len(plain), COLUMNS_AT_ONCE):  # numbers (a Parquet survey's)
        group = plain[start:start + COLUMNS_AT_ONCE]
        found = _numbers_into(X, group, [columns[i] for i in group],
                              [numeric_codes[i] for i in group], [valid[i] for i in group])
        for i, cell_issues in zip(group, found):
            issues[i] = cell_issues
    if block:
        cells = [columns[i] for i in block]
        maps = [answers[i] for i in block] if answers else [{} for _ in block]
        values, wrong, ambiguous = _parse_block(cells, [text_codes[i] for i in block], fmt,
                                                Labels(maps, leading))
        found = _finish_block(values, wrong, cells, [numeric_codes[i] for i in block],
                              [valid[i] for i in block])
        for j, issue in ambiguous.items():
            found[j].append(issue)
        if len(block) == len(columns):
            X = values
        else:
            X[:, block] = values
        for i, cell_issues in zip(block, found):
            issues[i] = cell_issues
    return X, issues


@dataclass
class Labels:
    """Answer labels to codes (SPEC §2 "Answers as text"): per column, match key → code;
    ``leading``: a text starting with a number and `` - ``/``.``/``)``/``:`` is it."""

    maps: list[dict[str, float]]
    leading: bool = False

    def base(self) -> dict[str, float]:
        """The table most columns share (usually the method's [answers])."""
        kinds = [frozenset(m.items()) for m in self.maps]
        common = max(set(kinds), key=kinds.count) if kinds else frozenset()
        return dict(common)

    def code(self, raw, key: str | None, table: dict[str, float]) -> float | None:
        if key is not None and table and key in table:
            return table[key]
        if self.leading and isinstance(raw, str):
            from ddci_cli.survey.answers import leading_code

            return leading_code(raw)
        return None


def _parse_block(columns: list[np.ndarray], text_codes: list[set[str]], fmt: NumberFormat,
                 labels: Labels | None = None
                 ) -> tuple[np.ndarray, np.ndarray, dict[int, CellIssues]]:
    """(values, non-numeric mask), both rows × columns, of object columns, and the columns
    whose separators are ambiguous. A text code that only some columns have is remembered
    with those columns and applied to them; so is an answer label that a column with its
    own answers table reads otherwise."""
    n, m = len(columns[0]), len(columns)
    block = np.empty((n, m), dtype=object)
    for j, cells in enumerate(columns):
        block[:, j] = cells
    # in row order, the order python-calamine created the cell objects in: 7× faster than
    # column by column, which meets each object 60 cells apart (a cache miss apiece)
    codes, uniques = factorize(block.reshape(-1))  # nulls: -1, the appended "missing"
    booleans = _booleans(block.reshape(-1), codes, uniques)
    del block  # 8 bytes a cell: let it go before the float results are made
    everywhere = set.intersection(*map(set, text_codes))
    parsed = np.full(len(uniques) + 1, np.nan)
    non_numeric = np.zeros(len(uniques) + 1, bool)
    some: dict[int, list[int]] = {}  # distinct text → the columns that read it as missing
    labels = labels or Labels([{} for _ in columns])
    base = labels.base()
    own = [j for j, t in enumerate(labels.maps) if t != base]  # columns with other answers
    other: dict[int, list[tuple[int, float, bool]]] = {}  # text → (column, value, wrong)
    for k, raw in enumerate(uniques):
        key = match_key(raw) if isinstance(raw, str) else None
        if key is not None and key in everywhere:
            continue
        code = labels.code(raw, key, base) if key is not None else None
        parsed[k], non_numeric[k] = (code, False) if code is not None else _classify(raw, fmt)
        if key is None:
            continue
        if cols := [j for j, t in enumerate(text_codes) if key in t]:
            some[k] = cols
        for j in own:
            mine = labels.code(raw, key, labels.maps[j])
            value, bad = (mine, False) if mine is not None else _classify(raw, fmt)
            if bad != non_numeric[k] or not (value == parsed[k] or value != value and
                                             parsed[k] != parsed[k]):
                other.setdefault(k, []).append((j, value, bad))
    values, wrong = parsed[codes].reshape(n, m), non_numeric[codes].reshape(n, m)
    values.reshape(-1)[booleans] = np.nan
    wrong.reshape(-1)[booleans] = True
    codes = codes.reshape(n, m)
    for k, found in other.items():
        for j, value, bad in found:
            hit = codes[:, j] == k
            values[hit, j] = value
            wrong[hit, j] = bad
    for k, cols in some.items():
        for j in cols:
            hit = codes[:, j] == k
            values[hit, j] = np.nan
            wrong[hit, j] = False
    ambiguous = {} if fmt.declared else _ambiguous_columns(uniques, codes, columns)
    return values, wrong, ambiguous


ROWS_AT_ONCE = 1 << 12  # rows of X filled at a time from the codes (they stay in cache)
COLUMNS_AT_ONCE = 8  # numeric columns converted, then written into X, at a time


def _numbers_into(X: np.ndarray, into: list[int], columns: list[np.ndarray],
                  numeric_codes: list[set[float]], valid: list) -> list[list[CellIssues]]:
    """``X[:, into[k]]`` = :func:`numeric_column` of the numeric ``columns[k]``, and its
    bad cells, a block of rows at a time: the rules (infinite, numeric missing codes,
    valid range) run on the block on its way into X, so no column is copied whole first,
    and each write fills whole cache lines (one column written alone into X lands in
    another line at every row: 46 of them at a million rows took 0.6-1.2 s)."""
    n, m = X.shape[0], len(columns)
    target = X[:, into[0]:into[-1] + 1] if into == list(range(into[0], into[-1] + 1)) \
        else None
    low = np.array([-np.inf if v is None else v[0] for v in valid], dtype=float)
    high = np.array([np.inf if v is None else v[1] for v in valid], dtype=float)
    codes = [list(c) for c in numeric_codes]
    # the codes a valid answer may equal: the only ones to look for in a block whose
    # cells are all blank or inside the range
    inner = [[c for c in these if lo <= c <= hi] for these, lo, hi in zip(codes, low, high)]
    floor, ceiling = (low.max(), high.min()) if m else (0.0, 0.0)
    found: list[dict[str, list[np.ndarray]]] = [{NON_NUMERIC: [], OUT_OF_RANGE: []}
                                                for _ in columns]
    step = ROWS_AT_ONCE * 4
    block = np.empty((min(step, n), m))
    for start in range(0, n, step):
        stop = min(start + step, n)
        part = block[:stop - start]
        for k, column in enumerate(columns):
            part[:, k] = column[start:stop]
        # the block's least and greatest number (blanks left out): when both are finite
        # and inside every column's range, no cell is infinite, out of its range or a
        # missing code outside that range, and the block skips those passes. (Taken
        # over the whole block: taken per column, along rows eight wide, took 25 times
        # as long)
        flat = part.reshape(-1)
        least, most = np.fmin.reduce(flat), np.fmax.reduce(flat)
        if not (floor <= least and most <= ceiling and np.isfinite(least)
                and np.isfinite(most)):
            bad = np.isinf(part)
            _note(found, NON_NUMERIC, bad, start)
            part[bad] = np.nan
            _blank_codes(part, codes)
            with np.errstate(invalid="ignore"):
                outside = (part < low) | (part > high)
            _note(found, OUT_OF_RANGE, outside, start)
            part[outside] = np.nan
        else:
            _blank_codes(part, inner)
        if target is not None:
            target[start:stop] = part
        else:
            X[start:stop, into] = part
    issues: list[list[CellIssues]] = []
    for column, kinds in zip(columns, found):
        mine = []
        for kind, parts in kinds.items():
            if parts:
                pos = np.concatenate(parts)
                values = [str(v) for v in column[pos]] if kind == NON_NUMERIC else \
                    [column[p] for p in pos]
                mine.append(CellIssues(kind, pos, values))
        issues.append(mine)
    return issues


def _blank_codes(part: np.ndarray, codes: list[list[float]]) -> None:
    """Cells of a block (rows × columns) equal to one of their column's numeric missing
    ``codes`` become NaN."""
    for k, these in enumerate(codes):
        if these:
            values = part[:, k]
            if len(these) <= 4:  # compared one by one: np.isin takes 10× as long
                hit = values == these[0]
                for code in these[1:]:
                    hit |= values == code
            else:
                hit = np.isin(values, these)
            values[hit] = np.nan


def _note(found: list[dict], kind: str, marks: np.ndarray, start: int) -> None:
    """Add the rows marked in each column of a block (rows × columns) to ``found``."""
    if not marks.any():
        return
    for k in np.flatnonzero(marks.any(axis=0)):
        found[k][kind].append(np.flatnonzero(marks[:, k]) + start)


def _parse_coded(columns: list[Coded], text_codes: list[set[str]],
                 numeric_codes: list[set[float]], valid: list, fmt: NumberFormat,
                 labels: Labels, X: np.ndarray, into: list[int]) -> list[list[CellIssues]]:
    """Columns kept as codes (a CSV's, Parquet text): each distinct value of a column is read
    by that column's rules (text missing codes, answer labels, number, numeric missing
    codes, valid range) and ``X[:, into[j]]`` taken from the results by the codes: the
    same values and bad cells as :func:`_parse_block` and :func:`_finish_block` give
    for the same cells as Python objects, without a reference or a code per cell."""
    issues: list[list[CellIssues]] = [[] for _ in columns]
    tables, flags = [], []
    for j, column in enumerate(columns):
        uniques = column.uniques
        parsed = np.full(len(uniques), np.nan)
        wrong = np.zeros(len(uniques), bool)
        for k, raw in enumerate(uniques.tolist()):
            key = match_key(raw) if isinstance(raw, str) else None
            if key is not None and key in text_codes[j]:
                continue
            code = labels.code(raw, key, labels.maps[j]) if key is not None else None
            parsed[k], wrong[k] = (code, False) if code is not None else _classify(raw, fmt)
        if numeric_codes[j]:
            parsed[np.isin(parsed, list(numeric_codes[j]))] = np.nan
        outside = np.zeros(len(uniques), bool)
        if valid[j] is not None:
            with np.errstate(invalid="ignore"):
                outside = (parsed < valid[j][0]) | (parsed > valid[j][1])
        parsed[outside] = np.nan
        tables.append(parsed)
        flags.append((wrong, outside))
    # a bad value may be no cell's (the header's text is one of its column's values)
    flagged = _take_rows(X, into, tables, [c.codes for c in columns],
                         [wrong | outside for wrong, outside in flags])
    for j, column in enumerate(columns):
        for kind, table in zip((NON_NUMERIC, OUT_OF_RANGE), flags[j]):
            if flagged[j] and table.any():
                pos = np.flatnonzero(table[column.codes])
                if len(pos):
                    values = column.uniques[column.codes[pos]].tolist()
                    issues[j].append(CellIssues(kind, pos, values))
        if not fmt.declared:
            ambiguous = _ambiguous_coded(column)
            if ambiguous is not None:
                issues[j].append(ambiguous)
    return issues


def _take_rows(X: np.ndarray, into: list[int], tables: list[np.ndarray],
               codes: list[np.ndarray], flags: list[np.ndarray]) -> np.ndarray:
    """``X[:, into[j]] = tables[j][codes[j]]``, written a block of rows at a time: the
    tables end to end, each cell's index the code plus its column's offset there, and
    one ``take`` fills the block's rows of X (column by column, each write would land
    in another cache line: twice the time). Also whether any cell of column ``j`` has a
    value that ``flags[j]`` marks."""
    flagged = np.zeros(len(tables), bool)
    if not tables:
        return flagged
    offsets = np.cumsum([0] + [len(t) for t in tables[:-1]])
    size = int(offsets[-1]) + len(tables[-1])
    kind = np.uint16 if size <= 1 << 16 else np.uint32 if size <= 1 << 32 else np.intp
    offsets = offsets.astype(kind)
    table = np.concatenate(tables)
    marks = np.concatenate(flags)
    look = bool(marks.any())
    whole = list(into) == list(range(X.shape[1]))
    index = np.empty((ROWS_AT_ONCE, len(tables)), kind)
    for start in range(0, X.shape[0], ROWS_AT_ONCE):
        stop = min(start + ROWS_AT_ONCE, X.shape[0])
        block = index[:stop - start]
        for j, c in enumerate(codes):
            block[:, j] = c[start:stop]
        block += offsets
        # "clip": the indices are valid; the default "raise" checks each one
        if whole:
            np.take(table, block, out=X[start:stop], mode="clip")
        else:
            X[start:stop, into] = np.take(table, block, mode="clip")
        if look:
            flagged |= np.take(marks, block, mode="clip").any(axis=0)
    return flagged


def _ambiguous_coded(column: Coded) -> CellIssues | None:
    """:func:`_ambiguous_columns` of one column kept as codes."""
    uniques = column.uniques.tolist()
    grouped = [k for k, u in enumerate(uniques) if maybe_grouped(u)]
    if not grouped:
        return None
    is_grouped = np.zeros(len(uniques), bool)
    is_grouped[grouped] = True
    hits = is_grouped[column.codes]
    if not hits.any():
        return None
    other = [k for k, u in enumerate(uniques) if _separated(u) and not is_grouped[k]]
    if other:
        is_other = np.zeros(len(uniques), bool)
        is_other[other] = True
        if is_other[column.codes].any():
            return None
    pos = np.flatnonzero(hits)
    return CellIssues(AMBIGUOUS, pos, [uniques[column.codes[pos[0]]]])


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


def numeric_values(cells: np.ndarray, fmt: NumberFormat = DEFAULT_FORMAT
                   ) -> tuple[np.ndarray, np.ndarray, CellIssues | None]:
    """Floats for a weight-like column, a mask of cells that are not finite numbers (blank,
    text, TRUE/FALSE, infinite) and, under the default reading, the ``AMBIGUOUS`` entry
    when its separated numeric texts all look like grouped thousands."""
    if isinstance(cells, Coded):  # each distinct value once, then taken by the codes
        parsed = np.array([_classify(u, fmt)[0] for u in cells.uniques.tolist()], float)
        values = parsed[cells.codes]
        ambiguous = None if fmt.declared else _ambiguous_coded(cells)
        return values, ~np.isfinite(values), ambiguous
    if cells.dtype.kind in "fiu":
        values = cells.astype(float)
        return values, ~np.isfinite(values), None
    codes, uniques = factorize(cells)  # nulls get code -1: the appended NaN
    # a boolean unique stands for the numbers equal to it filed with it (TRUE first, then
    # genuine 1s); the boolean cells themselves are marked by _booleans
    parsed = np.array([*(_classify(u, fmt)[0] for u in uniques), np.nan], dtype=float)
    values = parsed[codes]
    bad = ~np.isfinite(values)
    bad[_booleans(cells, codes, uniques)] = True
    ambiguous = None if fmt.declared else \
        _ambiguous_columns(uniques, codes.reshape(-1, 1), [cells]).get(0)
    return values, bad, ambiguous


def text_codes(codes) -> set[str]:
    return {match_key(c) for c in codes if isinstance(c, str)}


def number_codes(codes) -> set[float]:
    return {float(c) for c in codes if not isinstance(c, str)}
