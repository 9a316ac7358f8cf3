"""Find the header row under title rows and cut a :class:`Table` of the needed columns.

The header is the first row among rows 1–30 in which one cell equals the unit column's
name and every other named column is present (names compared by :func:`match_key`).
Problems of the sheet's layout are reported here: duplicated or missing columns, rows of a
delimited file whose fields do not line up with the header, merged cells inside the data,
and formula cells that carry no saved result.
"""

from __future__ import annotations

import bisect
import difflib
import math
import unicodedata
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.io.delimited import Coded, grid_of
from ddci_cli.io.read import SPREADSHEET, Grid, open_book, pick_sheet, read_grid
from ddci_cli.text import display_text, factorize, match_key
from ddci_cli.survey.frame import frame_grid, is_frame

HEADER_SEARCH_ROWS = 30
LIST_CHARS = 300      # a list of header names in a message stops (between names) near this
SUGGESTED_MISSING = 50  # did-you-mean is worked out for this many missing columns at most
HINT_SEARCH_ROWS = 1000  # beyond row 30 the header is not used, only suggested
IDENTITY_KEYS = ("input.unit_column", "input.block_column")  # merged cells fill down


class Columns(MutableMapping):
    """Column name → array. A column of a delimited file (or a Parquet text column without
    nulls) is held as its codes (:class:`~ddci_cli.io.delimited.Coded`, :meth:`coded`)
    and becomes an object array only when it is asked for: the survey is cleaned from
    the codes."""

    def __init__(self, columns: dict):
        self._columns = dict(columns)
        self._cells: dict[str, np.ndarray] = {}

    def coded(self, name: str) -> Coded | None:
        value = self._columns.get(name)
        return value if isinstance(value, Coded) else None

    def __getitem__(self, name: str) -> np.ndarray:
        value = self._columns[name]
        if not isinstance(value, Coded):
            return value
        if name not in self._cells:
            self._cells[name] = value.cells()
        return self._cells[name]

    def __setitem__(self, name: str, value) -> None:
        self._cells.pop(name, None)
        self._columns[name] = value

    def __delitem__(self, name: str) -> None:
        self._cells.pop(name, None)
        del self._columns[name]

    def __contains__(self, name) -> bool:
        return name in self._columns

    def __iter__(self):
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __repr__(self) -> str:
        return f"Columns({list(self._columns)})"


def column_of(table, name: str):
    """Column ``name`` of ``table`` as codes when it is held so, else its array (or None)."""
    columns = table.columns
    coded = columns.coded(name) if isinstance(columns, Columns) else None
    return coded if coded is not None else columns.get(name)


def cell_of(column, pos: int):
    """The cell at ``pos`` of a column (an array or :class:`Coded`)."""
    return column.uniques[column.codes[pos]] if isinstance(column, Coded) else column[pos]


@dataclass
class Table:
    """The used columns of a survey: ``columns[name]`` is an array aligned with
    ``row_numbers`` (1-based spreadsheet rows); blank rows are already dropped. Columns
    held as codes (a delimited file's, a Parquet file's text) are in :class:`Columns`
    (:func:`column_of`)."""

    path: str
    sheet: str | None
    header_row: int
    encoding: str | None
    columns: dict[str, np.ndarray]
    row_numbers: np.ndarray
    total_rows: int


def load_table(path: "Path | Any", wanted: dict[str, str], unit_column: str, *,
               sheet: str | int | None = None, header_row: int | None = None,
               encoding: str | None = None, delimiter: str | None = None,
               report: ProblemReport) -> Table:
    """Read ``path`` (a file, or a pandas DataFrame) and return the columns named in
    ``wanted`` (name → method key path).

    Missing columns are reported (``missing_column`` with the key path) and left out.
    """
    if is_frame(path):  # a pandas DataFrame: its column names are the header row
        grid, obj = frame_grid(path)
    else:
        grid, obj = _pick_grid(path, wanted, unit_column, sheet, header_row, encoding,
                               delimiter)
    report.extend(grid.problems)
    if grid.columns is not None:
        return _parquet_table(grid, wanted, report)
    if obj is None:  # a delimited file, held as codes
        return _coded_table(grid, wanted, unit_column, header_row, report)
    if not _any_nonblank(obj):
        where = f"sheet '{grid.sheet}' of " if grid.sheet else ""
        raise InputError(f"{where}{Path(grid.path).name} is empty; it has no cells with data",
                         code="empty_file", file=grid.path, sheet=grid.sheet)
    h = header_row - 1 if header_row else find_header(obj, wanted, unit_column, grid)
    if not 0 <= h < obj.shape[0]:
        raise InputError(f"--header-row {header_row} is outside the sheet (it has "
                         f"{obj.shape[0]} rows)", code="header_not_found", file=grid.path,
                         sheet=grid.sheet, row=header_row)
    data = obj[h + 1:]
    return _cut(grid, obj[h], [data[:, j] for j in range(obj.shape[1])], len(data), h,
                wanted, unit_column, report)


def _coded_table(grid: Grid, wanted: dict[str, str], unit_column: str,
                 header_row: int | None, report: ProblemReport) -> Table:
    """:func:`load_table` of a delimited file held as codes: the header is looked for in
    its first rows (made Python objects), the used columns are cut from the codes."""
    height = grid.height()
    head = _head(grid, min(height, HINT_SEARCH_ROWS))
    if not _any_nonblank(head) and not any(_nonblank_coded(c).any() for c in grid.coded):
        raise InputError(f"{Path(grid.path).name} is empty; it has no cells with data",
                         code="empty_file", file=grid.path, sheet=grid.sheet)
    h = header_row - 1 if header_row else find_header(head, wanted, unit_column, grid)
    if not 0 <= h < height:
        raise InputError(f"--header-row {header_row} is outside the sheet (it has "
                         f"{height} rows)", code="header_not_found", file=grid.path,
                         sheet=grid.sheet, row=header_row)
    header = head[h] if h < len(head) else [c.uniques[c.codes[h]] for c in grid.coded]
    columns = [Coded(c.codes[h + 1:], c.uniques) for c in grid.coded]
    return _cut(grid, header, columns, height - h - 1, h, wanted, unit_column, report)


def _head(grid: Grid, rows: int) -> np.ndarray:
    """The first ``rows`` rows of a grid held as codes, as an object array."""
    return grid_of([Coded(c.codes[:rows], c.uniques) for c in grid.coded], rows)


def _pick_grid(path: Path, wanted, unit_column, sheet, header_row, encoding, delimiter):
    """The grid to use: the named sheet, else the first sheet whose header is found."""
    if path.suffix.lower() not in SPREADSHEET:
        grid = read_grid(path, sheet, encoding=encoding, delimiter=delimiter, wanted=wanted)
        if grid.coded is not None and grid.__dict__.get("_rows") is None:
            return grid, None  # its columns as codes: no grid of Python references
        return grid, _as_object_array(grid.rows)
    book = open_book(path)
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        sheet = str(sheet)  # a sheet named "2024" is found by name before index 2024
    if sheet is not None or header_row:
        grid = book.grid(pick_sheet(book.sheet_names, sheet, path))
        return grid, _as_object_array(grid.rows)
    first_error = None
    for name in book.sheet_names:
        grid = book.grid(name)
        obj = _as_object_array(grid.rows)
        if not _any_nonblank(obj):
            continue
        try:
            find_header(obj, wanted, unit_column, grid)
            return grid, obj
        except InputError as exc:
            first_error = first_error or exc
    if first_error:
        raise first_error
    raise InputError(f"{path.name} has no sheet with data (sheets: "
                     f"{', '.join(book.sheet_names)})", code="empty_file", file=str(path))


def _as_object_array(rows: list[list]) -> np.ndarray:
    if isinstance(rows, np.ndarray):  # a delimited file arrives as one already
        return rows
    if not rows:
        return np.empty((0, 0), dtype=object)
    width = max(len(r) for r in rows)
    if any(len(r) != width for r in rows):
        rows = [r + [""] * (width - len(r)) for r in rows]
    out = np.empty((len(rows), width), dtype=object)
    out[:] = rows
    return out


def _any_nonblank(cells: np.ndarray) -> bool:
    """Whether any cell holds something; the first cells (a title, a header) usually tell."""
    flat = cells.ravel(order="K")  # any order: a column-major grid is not copied
    return bool(_nonblank(flat[:64]).any() or _nonblank(flat[64:]).any())


def _nonblank_rows(columns: list[np.ndarray], n: int) -> np.ndarray:
    """True for rows where any of ``columns`` holds something. A column is only looked
    at in the rows the columns before it left blank (after the unit column, few)."""
    keep = np.zeros(n, bool)
    todo = np.arange(n)
    for column in columns:
        if not len(todo):
            break
        if isinstance(column, Coded):  # each distinct value looked at once
            hit = _nonblank_coded(column, todo if len(todo) < n else None)
        else:
            hit = _nonblank(column[todo])
        keep[todo[hit]] = True
        todo = todo[~hit]
    return keep


def _nonblank_coded(column: Coded, at: np.ndarray | None = None) -> np.ndarray:
    """:func:`_nonblank` of a column held as codes (of its cells ``at``, else all)."""
    filled = np.array([not _is_blank(u) for u in column.uniques.tolist()], bool)
    if filled.all() or not filled.any():
        return np.full(len(column.codes) if at is None else len(at), filled.all())
    return filled[column.codes if at is None else column.codes[at]]


def _nonblank(cells: np.ndarray) -> np.ndarray:
    """True where a cell holds something (not None, not empty or whitespace text)."""
    flat = cells.ravel()
    codes, uniques = _factorize(flat)
    keep = np.array([not _is_blank(u) for u in uniques], dtype=bool)
    return keep[codes].reshape(cells.shape) if len(uniques) else np.zeros(cells.shape, bool)


def _factorize(values: np.ndarray):
    codes, uniques = factorize(values, use_na_sentinel=False)
    return codes, list(uniques)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _row_keys(row) -> set[str]:
    """Match keys of a row's header-like cells: texts, and numbers (a header cell ``1``
    stored as a number matches the column name ``"1"``)."""
    return {match_key(c) for c in row if _header_like(c)}


def _header_like(cell) -> bool:
    if isinstance(cell, str):
        return bool(cell.strip())
    return isinstance(cell, (int, float)) and not isinstance(cell, bool) and math.isfinite(cell)


def _prefix_match(key: str, keys: list[str]) -> list[int]:
    """Indices into ``keys`` (sorted) of the keys that start with ``key`` followed by a space
    or punctuation (``c1`` → ``c1. thông tin …``, never ``b1`` → ``b10``). Binary search:
    the keys starting with ``key`` are next to each other in sorted order."""
    found = []
    for i in range(bisect.bisect_right(keys, key), len(keys)):
        if not keys[i].startswith(key):
            break
        follow = keys[i][len(key)]
        if follow.isspace() or unicodedata.category(follow).startswith("P"):
            found.append(i)
    return found


def _present(key: str, cells: set[str], ordered: list[str]) -> bool:
    """Whether a header row with keys ``cells`` (also ``ordered``: sorted) has the column
    named ``key``: equal, or else exactly one header starting with it (SPEC §2)."""
    return key in cells or len(_prefix_match(key, ordered)) == 1


def find_header(obj: np.ndarray, wanted: dict[str, str], unit_column: str, grid: Grid) -> int:
    """0-based index of the header row, or raise ``header_not_found`` naming the best row."""
    unit_key = match_key(unit_column)
    keys = {match_key(n) for n in wanted}
    best, best_found = None, set()
    for i in range(min(HEADER_SEARCH_ROWS, obj.shape[0])):
        cells = _row_keys(obj[i])
        if unit_key not in cells:
            continue
        ordered = sorted(cells)
        found = {k for k in keys if _present(k, cells, ordered)}
        if found == keys:
            return i
        if len(found) > len(best_found):
            best, best_found = i, found
    if best is not None and len(best_found) >= max(2, len(keys) // 2):
        return best  # the missing columns are reported one by one by _cut
    where = f"sheet '{grid.sheet}'" if grid.sheet else Path(grid.path).name
    if best is None:
        row, msg = _no_unit_column(obj, keys, unit_column, where)
        raise InputError(msg, code="header_not_found", file=grid.path, sheet=grid.sheet,
                         row=row, column=unit_column, key="input.unit_column")
    lacking = sorted(n for n in wanted if match_key(n) not in best_found)
    msg = (f"row {best + 1} of {where} looks like the header but lacks {len(lacking)} of the "
           f"columns the method names: {quoted_list(lacking)}; check the column names in the "
           "method file or pass --header-row")
    raise InputError(msg, code="header_not_found", file=grid.path, sheet=grid.sheet,
                     row=best + 1, column=lacking[0] if lacking else None)


def _no_unit_column(obj: np.ndarray, keys: set[str], unit_column: str,
                    where: str) -> tuple[int | None, str]:
    """The message when no row of the first 30 has the unit column: say where the header
    seems to be (further down, or with the unit column under another name)."""
    unit_key = match_key(unit_column)
    for i in range(HEADER_SEARCH_ROWS, min(HINT_SEARCH_ROWS, obj.shape[0])):
        cells = _row_keys(obj[i])
        if unit_key in cells and len(keys & cells) >= max(2, len(keys) // 2):
            return i + 1, (f"the header of {where} is on row {i + 1}, below the first "
                           f"{HEADER_SEARCH_ROWS} rows where it is looked for; pass "
                           f"--header-row {i + 1} (or delete the rows above it)")
    best, best_row, best_score = None, None, 0.0
    for i in range(min(HEADER_SEARCH_ROWS, obj.shape[0])):
        cells = [c for c in obj[i] if isinstance(c, str) and c.strip()]
        if len(cells) < 2:  # a title row, not a header
            continue
        for cell in cells:
            key = match_key(cell)
            score = difflib.SequenceMatcher(None, unit_key, key).ratio()
            score = max(score, 0.8 if unit_key in key and len(key) < 3 * len(unit_key) else 0)
            if score > best_score:
                best, best_row, best_score = display_text(cell), i + 1, score
    base = (f"no row among the first {HEADER_SEARCH_ROWS} of {where} has a cell "
            f"'{unit_column}' (the unit column, input.unit_column)")
    if best is not None and best_score >= 0.6:
        return best_row, (f"{base}; row {best_row} has '{best}': if that is the unit column, "
                          f"set unit_column = \"{best}\" under [input] in the method file")
    return None, (f"{base}; add that column, set input.unit_column in the method file to the "
                  "header text the survey uses, or pass --header-row")


def _cut(grid: Grid, header_row, data: list, n: int, h: int, wanted: dict[str, str],
         unit_column: str, report: ProblemReport) -> Table:
    """The used columns below header row ``h`` (``header_row``: its cells; ``data``: every
    column below it, ``n`` rows, as arrays or :class:`Coded`)."""
    header = ["" if _is_blank(c) else match_key(c) for c in header_row]
    positions: dict[str, list[int]] = {}
    for j, key in enumerate(header):
        if key:
            positions.setdefault(key, []).append(j)
    place = dict(file=grid.path, sheet=grid.sheet)
    columns: dict[str, np.ndarray] = {}
    used: dict[int, str] = {}
    ordered = sorted(positions)
    missing = 0
    for name, keypath in wanted.items():
        found = positions.get(match_key(name), [])
        if not found:
            found = _by_prefix(name, keypath, ordered, positions, header_row, h, report,
                               place)
        if len(found) > 1:
            cols = ", ".join(column_letter(j) for j in found)
            report.error("duplicate_column", f"row {h + 1}: column '{name}' (named by "
                         f"{keypath}) appears {len(found)} times in the header (columns {cols}); "
                         "rename or delete the extra ones", row=h + 1, column=name, key=keypath,
                         **place)
        elif not found:
            missing += 1
            heads = [display_text(c) for c in header_row if not _is_blank(c)]
            hint = did_you_mean(name, heads, f"header row {h + 1}",
                                suggest=missing <= SUGGESTED_MISSING)
            report.error("missing_column", f"row {h + 1}: the header has no column '{name}' "
                         f"(named by {keypath}){hint}", row=h + 1, column=name, key=keypath,
                         **place)
        else:
            columns[name] = data[found[0]]
            used[found[0]] = name
    for name, keypath in wanted.items():
        if keypath in IDENTITY_KEYS and name in columns and grid.merged:
            _fill_merged(columns[name], grid.merged, positions.get(match_key(name)), h + 1)
    identity = {n for n, k in wanted.items() if k in IDENTITY_KEYS}
    _check_layout(grid, h, used, identity, report)
    keep = _nonblank_rows(list(columns.values()), n)
    rows = np.flatnonzero(keep)
    if len(rows) < n:  # copying the columns costs a cache miss per cell: only if needed
        columns = {k: v.take(rows) if isinstance(v, Coded) else v[rows]
                   for k, v in columns.items()}
    return Table(grid.path, grid.sheet, h + 1, grid.encoding, _held(columns), rows + h + 2,
                 int(len(rows)))


def _held(columns: dict):
    """The table's columns: :class:`Columns` when some are held as codes."""
    return Columns(columns) if any(isinstance(v, Coded) for v in columns.values()) \
        else columns


def _by_prefix(name: str, keypath: str, ordered: list[str], positions: dict[str, list[int]],
               header_row, h: int, report: ProblemReport, place: dict) -> list[int]:
    """The column of the one header that starts with ``name`` and a space or punctuation
    (``C1`` → ``C1. Thông tin … (1-5)``), with an info line; none when zero or several do."""
    hits = _prefix_match(match_key(name), ordered)
    if len(hits) != 1:
        return []
    found = positions[ordered[hits[0]]]
    header = display_text(header_row[found[0]])
    report.add("column_prefix", f"row {h + 1}: no header is '{name}' (named by {keypath}); "
               f"used column {column_letter(found[0])} '{header}', the one header that starts "
               f"with it. Write column = \"{header}\" in the method file to say so exactly",
               "info", row=h + 1, column=name, key=keypath, value=header, **place)
    return found


def did_you_mean(name: str, heads: list[str], where: str, suggest: bool = True) -> str:
    """'; did you mean …?' naming the header closest to ``name`` and, when none is close,
    the headers themselves (each quoted; the list stops between two names)."""
    if not heads:
        return f"; {where} has no named columns"
    best, score = _closest(name, heads) if suggest else (None, 0.0)
    hint = f"; did you mean '{best}'?" if best is not None else ""
    if score < 0.6:
        hint += f" {where[0].upper()}{where[1:]} has: {quoted_list(heads)}"
    return hint


def _closest(name: str, heads: list[str]) -> tuple[str | None, float]:
    """The header most like ``name`` (difflib ratio of the match keys; a header that
    starts with the name, or the name with it, counts as close) and its score."""
    key = match_key(name)
    best, best_score = None, -1.0
    for head in dict.fromkeys(heads):
        other = match_key(head)
        matcher = difflib.SequenceMatcher(None, key, other)
        if matcher.real_quick_ratio() <= best_score and not other.startswith(key):
            continue
        score = matcher.ratio()
        if other.startswith(key) or key.startswith(other):
            score = max(score, 0.6)
        if score > best_score:
            best, best_score = head, score
    return best, best_score


def quoted_list(names: list[str], limit: int = LIST_CHARS) -> str:
    """``'a', 'b', 'c'`` for a message, cut between names (never inside one) once it
    passes ``limit`` characters, saying how many more there are."""
    parts, length = [], 0
    for n, name in enumerate(names):
        item = f"'{name}'"
        if parts and length + len(item) > limit:
            return f"{', '.join(parts)} … and {len(names) - n} more"
        parts.append(item)
        length += len(item) + 2
    return ", ".join(parts)


def _check_layout(grid: Grid, h: int, used: dict[int, str], identity: set[str],
                  report: ProblemReport) -> None:
    if grid.delimiter is not None:
        _check_row_lengths(grid, h, report)
    place = dict(file=grid.path, sheet=grid.sheet)
    # the answer columns in order: a merge finds its first one by binary search, so a
    # merge as wide as the sheet costs no more than a narrow one
    answers = sorted(c for c, name in used.items() if name not in identity)
    for r0, c0, r1, c1 in grid.merged:
        if not (r1 > h and r1 > r0):
            continue
        at = bisect.bisect_left(answers, c0)
        if at == len(answers) or answers[at] > c1:
            continue
        name = used[answers[at]]
        blank_from = max(r0 + 1, h + 1) + 1
        ref = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
        report.warning("merged_cells", f"cells {ref} are merged: only row {r0 + 1} holds a "
                       f"value, rows {blank_from}–{r1 + 1} of "
                       f"column '{name}' are read as blank; unmerge the cells and fill "
                       "in every row", row=r0 + 1, column=name, value=ref, **place)
    by_column: dict[str, list[int]] = {}
    for r, c in grid.formula_blanks:
        if r > h and c in used:
            by_column.setdefault(used[c], []).append(r + 1)
    for name, rows in by_column.items():
        shown = ", ".join(map(str, sorted(rows)[:5])) + (" …" if len(rows) > 5 else "")
        report.warning("formula_cell", f"column '{name}': {len(rows)} formula cell(s) have no "
                       f"saved result and are read as blank (row{'s' * (len(rows) > 1)} "
                       f"{shown}); the file was saved "
                       "by a program that does not calculate formulas. Open it in Excel or "
                       "LibreOffice and save it", row=min(rows), column=name, **place)


def _check_row_lengths(grid: Grid, h: int, report: ProblemReport) -> None:
    """A delimited row whose fields do not line up with the header (a mixed delimiter, a
    stray quote) would shift its answers into the wrong columns: an error per row."""
    header = grid.fields(h)
    width = max((j + 1 for j, c in enumerate(header) if not _is_blank(c)), default=0)
    others = [d for d in (",", ";", "\t") if d != grid.delimiter]
    shown = {"\t": "tab"}
    for i, row in grid.rows_unlike(h):  # a row as long as the header lines up with it
        short = len(row) < width and any(not _is_blank(c) for c in row)
        extra = any(not _is_blank(c) for c in row[len(header):])
        if not (short or extra):
            continue
        text = " ".join(str(c) for c in row)
        guess = next((d for d in others if d in text), None)
        why = (f"; it seems to use '{shown.get(guess, guess)}' where the file uses "
               f"'{shown.get(grid.delimiter, grid.delimiter)}'" if guess else "")
        report.error("ragged_row", f"row {i + 1} has {len(row)} field(s) but the header (row "
                     f"{h + 1}) has {width}{why}; its answers would land in the wrong columns. "
                     "Fix the row or export the file again with one delimiter (or pass "
                     "--delimiter)", row=i + 1, value=text[:80], file=grid.path)


def _fill_merged(column: np.ndarray, merged, where, first_data: int) -> None:
    """A blank cell inside a merged range takes the merged cell's value. Each row is
    settled once (it holds a value, or has just been given one), and ``skip`` leads past
    settled rows, so overlapping ranges (which only a hostile file has) cost linear time."""
    if not merged or not where:
        return
    j = where[0]
    skip: list[int] | None = None  # skip[r]: a row at or after r not yet settled

    def next_open(r: int) -> int:
        root = r
        while skip[root] != root:
            root = skip[root]
        while skip[r] != root:  # path compression
            skip[r], r = root, skip[r]
        return root

    for r0, c0, r1, c1 in merged:
        if c0 <= j <= c1 and r1 >= first_data:
            top = r0 - first_data
            if 0 <= top < len(column) and not _is_blank(value := column[top]):
                skip = skip or list(range(len(column) + 1))
                stop = min(r1 - first_data + 1, len(column))
                r = next_open(top + 1)
                while r < stop:
                    if _is_blank(column[r]):
                        column[r] = value
                    skip[r] = r + 1
                    r = next_open(r + 1)


def _parquet_table(grid: Grid, wanted: dict[str, str], report: ProblemReport) -> Table:
    by_key = {match_key(k): k for k in grid.columns}
    columns = {}
    for name, keypath in wanted.items():
        source = by_key.get(match_key(name))
        if source is not None and grid.columns[source] is None:
            continue  # there, but unreadable (a nested column): reported by the reader
        if source is None:
            hint = did_you_mean(name, [str(c) for c in grid.header or grid.columns],
                                "the file")
            report.error("missing_column", f"the survey has no column '{name}' (named by "
                         f"{keypath}){hint}", file=grid.path, row=1, column=name, key=keypath)
        else:
            value = grid.columns[source]
            columns[name] = value if isinstance(value, Coded) else np.asarray(value)
    columns = _held(columns)
    if grid.row_numbers is not None:  # rows blank in every used column are already dropped
        rows = np.asarray(grid.row_numbers)
        return Table(grid.path, None, 1, None, columns, rows, len(rows))
    n = len(next(iter(grid.columns.values()))) if grid.columns else 0
    return Table(grid.path, None, 1, None, columns, np.arange(2, n + 2), n)


def column_letter(j: int) -> str:
    """Excel's letters for the 0-based column ``j`` (0 → A, 27 → AB)."""
    name = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        name = chr(65 + rem) + name
    return name
