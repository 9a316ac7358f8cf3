"""Find the header row under title rows and cut a :class:`Table` of the needed columns.

The header is the first row among rows 1–30 in which one cell equals the unit column's
name and every other named column is present (names compared by :func:`match_key`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import InputError, ProblemReport
from .read import Grid, pick_sheet, read_grid, sheet_names
from .text import display_text, match_key

HEADER_SEARCH_ROWS = 30


@dataclass
class Table:
    """The used columns of a survey: ``columns[name]`` is an array aligned with
    ``row_numbers`` (1-based spreadsheet rows); blank rows are already dropped."""

    path: str
    sheet: str | None
    header_row: int
    encoding: str | None
    columns: dict[str, np.ndarray]
    row_numbers: np.ndarray
    total_rows: int


def load_table(path: Path, wanted: dict[str, str], unit_column: str, *,
               sheet: str | int | None = None, header_row: int | None = None,
               encoding: str | None = None, delimiter: str | None = None,
               report: ProblemReport) -> Table:
    """Read ``path`` and return the columns named in ``wanted`` (name → method key path).

    Missing columns are reported (``missing_column`` with the key path) and left out.
    """
    if sheet is None and path.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".ods"}:
        grid = _first_sheet_with_header(path, wanted, unit_column, header_row, report)
    else:
        grid = read_grid(path, sheet, encoding=encoding, delimiter=delimiter, report=report)
    if grid.columns is not None:
        return _parquet_table(grid, wanted, report)
    obj = _as_object_array(grid.rows)
    if obj.size == 0 or not _nonblank(obj).any():
        where = f"sheet '{grid.sheet}' of " if grid.sheet else ""
        raise InputError(f"{where}{Path(grid.path).name} is empty; it has no cells with data",
                         code="empty_file", file=grid.path, sheet=grid.sheet)
    h = header_row - 1 if header_row else find_header(obj, wanted, unit_column, grid)
    if not 0 <= h < obj.shape[0]:
        raise InputError(f"--header-row {header_row} is outside the sheet (it has "
                         f"{obj.shape[0]} rows)", code="header_not_found", file=grid.path,
                         sheet=grid.sheet, row=header_row)
    return _cut(grid, obj, h, wanted, unit_column, report)


def _first_sheet_with_header(path, wanted, unit_column, header_row, report) -> Grid:
    names = sheet_names(path)
    if header_row:
        return read_grid(path, names[0] if names else None, report=report)
    first_error = None
    for name in names:
        grid = read_grid(path, name, report=report)
        obj = _as_object_array(grid.rows)
        if obj.size == 0:
            continue
        try:
            find_header(obj, wanted, unit_column, grid)
            return grid
        except InputError as exc:
            first_error = first_error or exc
    if first_error:
        raise first_error
    raise InputError(f"{path.name} has no sheet with data", code="empty_file", file=str(path))


def _as_object_array(rows: list[list]) -> np.ndarray:
    if not rows:
        return np.empty((0, 0), dtype=object)
    width = max(len(r) for r in rows)
    if any(len(r) != width for r in rows):
        rows = [r + [""] * (width - len(r)) for r in rows]
    out = np.empty((len(rows), width), dtype=object)
    out[:] = rows
    return out


def _nonblank(cells: np.ndarray) -> np.ndarray:
    """True where a cell holds something (not None, not empty or whitespace text)."""
    flat = cells.ravel()
    codes, uniques = _factorize(flat)
    keep = np.array([not _is_blank(u) for u in uniques], dtype=bool)
    return keep[codes].reshape(cells.shape) if len(uniques) else np.zeros(cells.shape, bool)


def _factorize(values: np.ndarray):
    import pandas as pd

    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, list(uniques)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def find_header(obj: np.ndarray, wanted: dict[str, str], unit_column: str, grid: Grid) -> int:
    """0-based index of the header row, or raise ``header_not_found`` naming the best row."""
    unit_key = match_key(unit_column)
    keys = {match_key(n) for n in wanted}
    best, best_found = None, set()
    for i in range(min(HEADER_SEARCH_ROWS, obj.shape[0])):
        cells = {match_key(c) for c in obj[i] if isinstance(c, str) and c.strip()}
        if unit_key not in cells:
            continue
        found = keys & cells
        if found == keys:
            return i
        if len(found) > len(best_found):
            best, best_found = i, found
    if best is not None and len(best_found) >= max(2, len(keys) // 2):
        return best  # the missing columns are reported one by one by _cut
    where = f"sheet '{grid.sheet}'" if grid.sheet else Path(grid.path).name
    if best is None:
        msg = (f"no row among the first {HEADER_SEARCH_ROWS} of {where} has a cell "
               f"'{unit_column}' (the unit column); set input.unit_column in the method file "
               "to the header text used in the survey, or pass --header-row")
    else:
        lacking = sorted(n for n in wanted if match_key(n) not in best_found)
        msg = (f"row {best + 1} of {where} looks like the header but lacks "
               f"{len(lacking)} of the columns the method names: {', '.join(lacking[:8])}"
               f"{' …' if len(lacking) > 8 else ''}; check the column names or pass --header-row")
    raise InputError(msg, code="header_not_found", file=grid.path, sheet=grid.sheet,
                     row=None if best is None else best + 1)


def _cut(grid: Grid, obj: np.ndarray, h: int, wanted: dict[str, str], unit_column: str,
         report: ProblemReport) -> Table:
    header = ["" if _is_blank(c) else match_key(c) for c in obj[h]]
    positions: dict[str, list[int]] = {}
    for j, key in enumerate(header):
        if key:
            positions.setdefault(key, []).append(j)
    data = obj[h + 1:]
    columns: dict[str, np.ndarray] = {}
    for name, keypath in wanted.items():
        found = positions.get(match_key(name), [])
        if len(found) > 1:
            cols = ", ".join(_letter(j) for j in found)
            report.error("duplicate_column", f"column '{name}' appears {len(found)} times in "
                         f"the header (columns {cols}); rename or delete the extra ones",
                         file=grid.path, sheet=grid.sheet, row=h + 1, column=name, key=keypath)
        elif not found:
            report.error("missing_column", f"the survey has no column '{name}' (named by "
                         f"{keypath}); header row {h + 1} has: "
                         f"{', '.join(display_text(c) for c in obj[h] if c not in ('', None))[:300]}",
                         file=grid.path, sheet=grid.sheet, row=h + 1, column=name, key=keypath)
        else:
            columns[name] = data[:, found[0]]
    if unit_column in columns:
        _fill_merged(columns[unit_column], grid.merged, positions.get(match_key(unit_column)),
                     h + 1)
    used = np.column_stack(list(columns.values())) if columns else data[:, :0]
    keep = _nonblank(used).any(axis=1) if used.size else np.zeros(len(data), bool)
    rows = np.flatnonzero(keep)
    return Table(grid.path, grid.sheet, h + 1, grid.encoding,
                 {k: v[rows] for k, v in columns.items()}, rows + h + 2, int(len(rows)))


def _fill_merged(column: np.ndarray, merged, where, first_data: int) -> None:
    """A blank unit cell inside a merged range takes the merged cell's value."""
    if not merged or not where:
        return
    j = where[0]
    for r0, c0, r1, c1 in merged:
        if c0 <= j <= c1 and r1 >= first_data:
            top = r0 - first_data
            if 0 <= top < len(column):
                value = column[top]
                for r in range(max(top + 1, 0), min(r1 - first_data + 1, len(column))):
                    if _is_blank(column[r]):
                        column[r] = value


def _parquet_table(grid: Grid, wanted: dict[str, str], report: ProblemReport) -> Table:
    by_key = {match_key(k): k for k in grid.columns}
    columns = {}
    for name, keypath in wanted.items():
        source = by_key.get(match_key(name))
        if source is None:
            report.error("missing_column", f"the survey has no column '{name}' (named by "
                         f"{keypath}); it has: {', '.join(list(grid.columns)[:30])}",
                         file=grid.path, row=1, column=name, key=keypath)
        else:
            columns[name] = np.asarray(grid.columns[source])
    n = len(next(iter(grid.columns.values()))) if grid.columns else 0
    return Table(grid.path, None, 1, None, columns, np.arange(2, n + 2), n)


def _letter(j: int) -> str:
    name = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        name = chr(65 + rem) + name
    return name
