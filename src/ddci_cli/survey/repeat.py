"""The repeat layout (SPEC §2 "Layouts"): evaluations kept as a repeat group.

KoboToolbox's XLSX export puts each repeat group on its own sheet, its rows linked to the
submissions by ``_parent_index`` → ``_index`` (and ``_parent_table_name`` naming the
parent sheet); ODK Central and SurveyCTO export one CSV per repeat, linked by
``PARENT_KEY`` → ``KEY``. The evaluations sheet (``input.repeat_sheet``, or the one sheet
holding a parent link) is the long table; the columns it lacks (weight, respondent,
strata) come from the parent row. Column names match with or without their group path.
"""

from __future__ import annotations

import numpy as np

from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.method.model import Method
from ddci_cli.survey.cells import NumberFormat, numeric_values
from ddci_cli.survey.sources import (RESPONDENT_KEY, Source, _missing, find_column,
                                     header_keys)
from ddci_cli.survey.locate import Table, _nonblank_rows
from ddci_cli.text import display_text, match_key

# (the child's link column, the parent's key column), as match keys
LINKS = (("_parent_index", "_index"), ("parent_key", "key"))
PARENT_TABLE = "_parent_table_name"
SHEET_NAME_CHARS = 31  # Excel cuts sheet names here; _parent_table_name keeps the whole
SHOWN_ORPHANS = 1000


def repeat_table(sources: list[Source], method: Method, wanted: dict[str, str], sheet,
                 header_row: int | None, report: ProblemReport) -> Table:
    """The evaluations of the repeat sheet, with the parent's columns joined to them."""
    h = (header_row or 1) - 1
    heads = [header_keys(s.cells[h]) if s.cells.shape[0] > h else [] for s in sources]
    c = _child(sources, heads, method, sheet)
    child, keys = sources[c], heads[c]
    link, key_name = next((a, b) for a, b in LINKS if a in keys)
    p = _parent(sources, heads, c, link, key_name, h)
    parent, pkeys = sources[p], heads[p]
    data = child.cells[h + 1:]
    columns, from_parent = {}, {}
    for name, keypath in wanted.items():
        found, _ = find_column(name, keys)
        if len(found) == 1:
            columns[name] = data[:, found[0]]
            continue
        up, _ = find_column(name, pkeys) if not found else ([], "")
        if len(up) == 1 and keypath != "input.unit_column":
            from_parent[name] = up[0]
            continue
        _missing(name, keypath, found or up, child.cells[h], h, child, report)
    keep = np.flatnonzero(_nonblank_rows(list(columns.values()), len(data)))
    columns = {k: v[keep] for k, v in columns.items()}
    rows = keep + h + 2
    links = _keys(data[keep, keys.index(link)])
    at = _join(links, parent, pkeys.index(key_name), h)
    _orphans(at, links, rows, child, parent, link, key_name, report)
    pdata = parent.cells[h + 1:]
    for name, j in from_parent.items():
        out = np.full(len(keep), None, dtype=object)
        out[at >= 0] = pdata[at[at >= 0], j]
        columns[name] = out
    if method.weight_column in from_parent:
        _parent_weights(columns, at, pdata[:, from_parent[method.weight_column]], parent, h,
                        method, report)
    columns[RESPONDENT_KEY] = links
    return Table(child.path, child.sheet, h + 1, child.encoding, columns, rows, len(rows))


def _child(sources: list[Source], heads: list[list[str]], method: Method, sheet) -> int:
    """The evaluations sheet: the one named (``--sheet``, ``input.repeat_sheet``), else
    the one with a parent link (the one holding the unit column, if several)."""
    named = sheet if sheet is not None else method.repeat_sheet
    linked = [n for n, k in enumerate(heads) if any(a in k for a, _ in LINKS)]
    if named is not None:
        key = match_key(named)
        hit = [n for n, s in enumerate(sources) if key in _names(s)]
        if not hit:
            raise InputError(f"no sheet or CSV named '{named}' (input.repeat_sheet) in the "
                             f"export; it has: {_listing(sources)}", code="sheet_not_found",
                             file=sources[0].path, key="input.repeat_sheet", value=named)
        if hit[0] not in linked:
            raise _no_link(sources[hit[0]])
        return hit[0]
    if len(linked) > 1:
        with_unit = [n for n in linked if find_column(method.unit_column, heads[n])[0]]
        linked = with_unit or linked
    if len(linked) == 1:
        return linked[0]
    if not linked:
        raise _no_link(sources[0], sources)
    shown = ", ".join(sources[n].sheet or sources[n].path for n in linked)
    raise InputError(f"the export has several repeat groups ({shown}); name the one "
                     "holding the evaluations with input.repeat_sheet",
                     code="repeat_sheet_ambiguous", file=sources[0].path,
                     key="input.repeat_sheet")


def _names(source: Source) -> set[str]:
    """What a user may call a sheet or CSV: its name, file name or file stem."""
    from pathlib import PurePosixPath

    names = {match_key(source.sheet)} if source.sheet else set()
    tail = PurePosixPath(source.path.replace("\\", "/"))
    return names | {match_key(tail.name), match_key(tail.stem)}


def _listing(sources: list[Source]) -> str:
    return ", ".join(s.sheet or s.path for s in sources)


def _no_link(source: Source, sources: list[Source] | None = None) -> InputError:
    return InputError(f"{source.where if sources is None else 'no sheet or CSV of the export'}"
                      " has a parent link column (_parent_index for KoboToolbox, PARENT_KEY "
                      "for ODK/SurveyCTO), so it is not a repeat group; export the repeat "
                      "groups too (Kobo: XLSX; ODK Central: the zip of CSVs with repeats), "
                      f"or set input.layout = \"long\"{'' if sources is None else f' (the export has: {_listing(sources)})'}",
                      code="no_repeat_sheet", file=source.path, sheet=source.sheet,
                      key="input.layout")


def _parent(sources, heads, c: int, link: str, key_name: str, h: int) -> int:
    """The parent sheet: the one ``_parent_table_name`` names, else the sheet with the key
    column that holds most of the link values."""
    child = sources[c]
    if PARENT_TABLE in heads[c]:
        values = [v for v in child.cells[h + 1:, heads[c].index(PARENT_TABLE)]
                  if isinstance(v, str) and v.strip()]
        if values:
            want = match_key(values[0][:SHEET_NAME_CHARS])
            for n, s in enumerate(sources):
                if n != c and s.sheet and match_key(s.sheet) == want and key_name in heads[n]:
                    return n
    candidates = [n for n, k in enumerate(heads) if n != c and key_name in k]
    if not candidates:
        raise InputError(f"{child.where} links its rows to a parent through '{link}', but no "
                         f"other sheet or CSV of the export has the column '{key_name}'; "
                         "export the main submissions table too", code="no_repeat_parent",
                         file=child.path, sheet=child.sheet)
    links = set(_keys(child.cells[h + 1:, heads[c].index(link)]))
    return max(candidates, key=lambda n: len(links & set(
        _keys(sources[n].cells[h + 1:, heads[n].index(key_name)]))))


def _keys(cells: np.ndarray) -> np.ndarray:
    """Link values as comparable texts (a workbook's 12.0 is the CSV's "12")."""
    return np.array(["" if v is None else display_text(v) for v in cells], dtype=object)


def _join(links: np.ndarray, parent: Source, j: int, h: int) -> np.ndarray:
    """The parent row (0-based, below the header) of each link value; -1 when none."""
    position: dict[str, int] = {}
    for n, key in enumerate(_keys(parent.cells[h + 1:, j])):
        if key:
            position.setdefault(key, n)
    return np.array([position.get(k, -1) for k in links], dtype=int)


def _orphans(at, links, rows, child: Source, parent: Source, link: str, key_name: str,
             report: ProblemReport) -> None:
    """A repeat row whose parent row is missing: an error naming both places."""
    for pos in np.flatnonzero(at < 0)[:SHOWN_ORPHANS]:
        value = links[pos]
        why = f"has no {link}" if not value else \
            f"has {link} '{value}', but {parent.where} has no row with {key_name} '{value}'"
        report.error("orphan_repeat_row", f"row {rows[pos]} of {child.where} {why}; its "
                     "submission is missing (deleted, or left out of the export), so its "
                     "weight and respondent are unknown. Export the data again, or delete "
                     "the row", row=int(rows[pos]), column=link, value=value, **child.place)


def _parent_weights(columns: dict, at: np.ndarray, cells: np.ndarray, parent: Source, h: int,
                    method: Method, report: ProblemReport) -> None:
    """Weights joined from the parent are checked where the user can fix them: a bad
    weight names the parent's row, and its evaluations get weight 0 (already an error)."""
    values, bad, _ = numeric_values(cells, NumberFormat(method.thousands, method.decimal_mark))
    with np.errstate(invalid="ignore"):
        bad |= values < 0
    name = method.weight_column
    for pos in np.flatnonzero(bad & np.isin(np.arange(len(cells)), at)):
        report.error("bad_weight", f"row {pos + h + 2} of {parent.where}, column '{name}': "
                     f"the weight {cells[pos]!r} is not a finite number ≥ 0 (use 0 to drop "
                     "the submission)", row=int(pos + h + 2), column=name, value=cells[pos],
                     **parent.place)
    joined = columns[name]
    joined[(at >= 0) & bad[np.maximum(at, 0)]] = 0.0
    joined[at < 0] = 0.0  # an orphan row: already an error of its own
