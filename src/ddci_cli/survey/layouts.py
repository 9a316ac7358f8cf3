"""Survey layouts (SPEC §2 "Layouts"): grid and repeat exports → the long :class:`Table`.

* ``grid``: one row per respondent, one column per question × unit, as Google Forms writes
  a "multiple-choice grid" (``C1. Thủ tục được công khai [Sở Tài chính]``). Each respondent
  × unit with any answer becomes one evaluation (so ``responses`` means what it means in
  the long layout); the respondent is the row, or ``respondent_column``.
* ``repeat``: KoboToolbox / ODK Central / SurveyCTO exports, whose evaluations are a repeat
  group: one sheet (or CSV) of evaluations linked to the submissions by ``_parent_index`` →
  ``_index`` or ``PARENT_KEY`` → ``KEY``; the parent's columns (weight, respondent, strata)
  are joined to each evaluation. See :mod:`ddci_cli.survey.repeat`.

A zip of CSV files is read as one survey in any layout. Every evaluation keeps the
spreadsheet row of the export it came from, so each problem names a row the user can find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.io.exports import is_zip, rename_files, unpacked
from ddci_cli.io.read import SPREADSHEET, open_book, read_grid
from ddci_cli.method.model import Method
from ddci_cli.survey.gridcells import answered_units, gather, unit_groups
from ddci_cli.survey.locate import (HEADER_SEARCH_ROWS, Table, _as_object_array,
                                    _prefix_match, column_letter, did_you_mean, load_table)
from ddci_cli.survey.repeat import repeat_table
from ddci_cli.survey.sources import (RESPONDENT_KEY, LazySource, Source, _missing,
                                     find_column, header_keys)
from ddci_cli.text import display_text, factorize, match_key



def load_survey_table(path, method: Method, wanted: dict[str, str], *,
                      sheet=None, header_row=None, encoding=None, delimiter=None,
                      report: ProblemReport) -> Table:
    """The long table of ``path`` in the method's ``input.layout`` (a zip of CSVs too);
    anything that is not a file path (a DataFrame) goes to :func:`load_table` as it is."""
    if not isinstance(path, Path) or not is_zip(path):
        if method.layout == "long" or not isinstance(path, Path):
            return load_table(path, wanted, method.unit_column, sheet=sheet,
                              header_row=header_row, encoding=encoding,
                              delimiter=delimiter, report=report)
        return _from_sources(_file_sources(path, sheet, encoding, delimiter, report), method,
                             wanted, sheet, header_row, report)
    with unpacked(path) as members:
        try:
            if method.layout == "long":
                return _long_member(members, method, wanted, header_row, encoding,
                                    delimiter, report)
            sources = []
            for m in members:
                grid = read_grid(m.path, encoding=encoding, delimiter=delimiter, report=report)
                sources.append(Source(m.shown, None, _as_object_array(grid.rows),
                                      grid.encoding))
            return _from_sources(sources, method, wanted, sheet, header_row, report)
        except InputError as exc:
            rename_files(exc.report, members)
            raise
        finally:
            rename_files(report, members)


def respondent_codes(ids: np.ndarray) -> np.ndarray:
    """0-based respondent numbers of the rows of a grid or repeat export (the row or
    submission each evaluation came from), for bootstrap clusters and diagnostics."""
    return factorize(np.asarray(ids, dtype=object))[0]


def _long_member(members, method, wanted, header_row, encoding, delimiter, report) -> Table:
    """The one CSV of the zip whose header is found (the first, if several are)."""
    first_error = None
    for m in members:
        try:
            table = load_table(m.path, wanted, method.unit_column, header_row=header_row,
                               encoding=encoding, delimiter=delimiter, report=report)
        except InputError as exc:
            first_error = first_error or exc
            continue
        table.path = m.shown
        return table
    raise first_error


def _file_sources(path: Path, sheet, encoding, delimiter, report) -> list[Source]:
    """Every sheet of a workbook (one named by ``sheet`` first), or the one CSV."""
    if path.suffix.lower() not in SPREADSHEET:
        grid = read_grid(path, encoding=encoding, delimiter=delimiter, report=report)
        return [Source(str(path), None, _as_object_array(grid.rows), grid.encoding)]
    book = open_book(path)
    return [LazySource(str(path), name, book) for name in book.sheet_names]


def _from_sources(sources: list[Source], method: Method, wanted, sheet, header_row,
                  report) -> Table:
    if method.layout == "grid":
        return grid_table(_pick(sources, sheet), method, wanted, header_row, report)
    return repeat_table(sources, method, wanted, sheet, header_row, report)


def _pick(sources: list[Source], sheet) -> list[Source]:
    if sheet is None:
        return sources
    key = match_key(sheet)
    named = [s for s in sources if s.sheet is not None and match_key(s.sheet) == key]
    if not named and str(sheet).isdigit() and 1 <= int(sheet) <= len(sources):
        named = [sources[int(sheet) - 1]]
    if not named:
        names = ", ".join(s.sheet or Path(s.path).name for s in sources)
        raise InputError(f"sheet '{sheet}' not found; the export has: {names}",
                         code="sheet_not_found", value=str(sheet), file=sources[0].path)
    return named


# ------------------------------------------------------------------ grid layout

def grid_regex(pattern: str) -> re.Pattern:
    """``input.grid_pattern`` as a regular expression with groups question and unit."""
    parts = re.split(r"(\{question\}|\{unit\})", display_text(pattern))
    body = "".join("(?P<question>.+?)" if p == "{question}" else "(?P<unit>.+?)"
                   if p == "{unit}" else re.escape(p) for p in parts)
    return re.compile(rf"^\s*{body}\s*$", re.S)


@dataclass
class GridHeader:
    """The header row of a grid export, split: ``cells[(indicator column, unit key)]`` →
    column position; ``units``: unit key → the unit as the header spells it."""

    row: int
    cells: dict[tuple[str, str], list[int]]
    units: dict[str, str]
    first_column: dict[str, int]


def split_grid_header(row, method: Method) -> GridHeader | None:
    """The question × unit columns of one header row; None when no header is one."""
    regex = grid_regex(method.grid_pattern)
    questions = {match_key(i.column): i.column for i in method.indicators}
    ordered = sorted(questions)
    cells: dict[tuple[str, str], list[int]] = {}
    units: dict[str, str] = {}
    first: dict[str, int] = {}
    for j, cell in enumerate(row):
        if not isinstance(cell, str) or not (found := regex.match(display_text(cell))):
            continue
        qkey = match_key(found.group("question"))
        column = questions.get(qkey) or _question_by_prefix(qkey, ordered, questions)
        if column is None:
            continue
        unit = display_text(found.group("unit"))
        ukey = match_key(unit)
        units.setdefault(ukey, unit)
        first.setdefault(ukey, j)
        cells.setdefault((column, ukey), []).append(j)
    return GridHeader(0, cells, units, first) if cells else None


def _question_by_prefix(qkey: str, ordered: list[str], questions: dict) -> str | None:
    """The indicator column a grid question starts with (``C1`` for ``C1. Thủ tục …``)."""
    hits = [k for k in ordered if qkey.startswith(k) and len(qkey) > len(k)
            and _prefix_match(k, [qkey])]
    return questions[max(hits, key=len)] if hits else None


def grid_table(sources: list[Source], method: Method, wanted: dict[str, str],
               header_row: int | None, report: ProblemReport) -> Table:
    """The evaluations of a grid export: one per respondent row × unit with any answer,
    in respondent order (so each unit's rows keep the order of the long layout)."""
    source, header = _grid_header(sources, method, header_row)
    h = header.row
    cells = source.cells
    _check_grid_header(header, cells[h], method, source, report)
    data = cells[h + 1:]
    indicators = [i.column for i in method.indicators]
    unit_keys = list(header.units)
    where = np.full((len(unit_keys), len(indicators)), -1)
    for (column, ukey), found in header.cells.items():
        where[unit_keys.index(ukey), indicators.index(column)] = found[0]
    has = answered_units(data, where)  # column by column, on the objects' addresses
    rows, units = np.nonzero(has)  # row-major: respondent by respondent
    groups = unit_groups(units, len(unit_keys))
    columns: dict[str, np.ndarray] = {name: gather(data, rows, groups, where[:, k])
                                      for k, name in enumerate(indicators)}
    columns[method.unit_column] = np.array([header.units[k] for k in unit_keys],
                                           dtype=object)[units]
    keys = header_keys(cells[h])
    for name, keypath in wanted.items():
        if keypath.startswith("subindices[") and keypath.endswith(".column") or \
                keypath == "input.unit_column":
            continue
        found, _ = find_column(name, keys)
        if len(found) != 1:
            _missing(name, keypath, found, cells[h], h, source, report)
            continue
        columns[name] = data[rows, found[0]]
    columns[RESPONDENT_KEY] = rows + h + 2
    return Table(source.path, source.sheet, h + 1, source.encoding, columns, rows + h + 2,
                 int(len(rows)))


def _grid_header(sources: list[Source], method: Method, header_row: int | None
                 ) -> tuple[Source, GridHeader]:
    """The sheet (or CSV) and row whose headers split into question × unit."""
    for source in sources:
        cells = source.cells
        rows = [header_row - 1] if header_row else range(min(HEADER_SEARCH_ROWS,
                                                             cells.shape[0]))
        for i in rows:
            if 0 <= i < cells.shape[0] and (found := split_grid_header(cells[i], method)):
                found.row = i
                return source, found
    pattern = method.grid_pattern
    example = pattern.replace("{question}", method.indicators[0].column) \
        .replace("{unit}", "Sở Tài chính") if method.indicators else pattern
    raise InputError(f"no header of {sources[0].where} looks like a grid column "
                     f"'{pattern}' (e.g. '{example}') with a question the method names; "
                     "check input.grid_pattern and the indicator columns, or set "
                     "input.layout", code="header_not_found", file=sources[0].path,
                     sheet=sources[0].sheet, key="input.grid_pattern")


def _check_grid_header(header: GridHeader, row, method: Method, source: Source,
                       report: ProblemReport) -> None:
    """A unit not in ``[units]`` (when there is one) is ``grid_unknown_unit``, naming its
    column; two headers for one question × unit are ``duplicate_column``."""
    h = header.row + 1
    if method.units:
        listed = {match_key(a): e.name for e in method.units for a in (e.name, *e.aliases)}
        for ukey, unit in header.units.items():
            if ukey in listed:
                continue
            j = header.first_column[ukey]
            hint = did_you_mean(unit, sorted(set(listed.values())), "the [units] table")
            report.error("grid_unknown_unit", f"row {h}, column {column_letter(j)} "
                         f"'{display_text(row[j])}': the unit '{unit}' in this header "
                         f"matches no unit of the [units] table{hint}. Add it (or an alias) "
                         "to [units], or correct the form's row label", row=h,
                         column=display_text(row[j]), value=unit, **source.place)
    for (column, ukey), found in header.cells.items():
        if len(found) > 1:
            cols = ", ".join(column_letter(j) for j in found)
            report.error("duplicate_column", f"row {h}: question '{column}' for unit "
                         f"'{header.units[ukey]}' appears {len(found)} times (columns "
                         f"{cols}); delete the extra ones", row=h, column=column,
                         **source.place)
    present = {c for c, _ in header.cells}
    for n, ind in enumerate(method.indicators):
        if ind.column not in present:
            report.error("missing_column", f"row {h}: no grid header has the question "
                         f"'{ind.column}' (e.g. '{ind.column} [unit]')", row=h,
                         column=ind.column, key=_indicator_key(method, ind), **source.place)


def _indicator_key(method: Method, ind) -> str:
    for n, k in enumerate(method.subindices):
        for j, other in enumerate(k.indicators):
            if other is ind:
                return f"subindices[{n}].indicators[{j}].column"
    return "column"
