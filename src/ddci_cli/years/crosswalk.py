"""Crosswalks and unit lineage across compared years (SPEC §9).

A crosswalk file has columns ``year, old, new, weight``: the unit ``old`` of the previous
compared year continues as ``new`` in ``year``. :func:`load_crosswalk` reads and checks it;
:func:`link_years` turns it, with the units found in each year, into a :class:`Lineage`: a
graph whose nodes are (year index, unit index) and whose edges say which unit continues
which, with the weight each predecessor carries in a merge.

Rules (docs/years.md):
- a unit continues under its own name (match key) unless that name is an ``old`` of a
  crosswalk row of the transition; explicit rows add edges (rename, merge, split);
- an empty ``new`` abolishes ``old``;
- rows whose year lies strictly between two compared years are applied, in year order, to
  that transition, so a rename in a year that was not surveyed still links;
- a unit that is absent in one compared year and back in a later one, under the same name,
  is linked to its last appearance (unless it was abolished or continued in between).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.io.read import read_grid
from ddci_cli.text import display_text, match_key

COLUMNS = {"year": ("year", "năm"), "old": ("old", "cũ", "đơn vị cũ"),
           "new": ("new", "mới", "đơn vị mới"), "weight": ("weight", "trọng số")}
Node = tuple[int, int]  # (year index, unit index in that year's Scores)


@dataclass(frozen=True)
class CrosswalkRow:
    year: int
    old: str
    new: str | None          # None: the old unit was abolished
    weight: float | None     # merge weight; None: the old unit's responses
    row: int                 # 1-based row in the file, as a spreadsheet shows it


@dataclass
class Crosswalk:
    path: str
    sha256: str
    rows: list[CrosswalkRow]


@dataclass
class Lineage:
    """``preds[n]``: (predecessor node, merge weight ≥ 0) pairs; ``succs[n]``: successors;
    ``abolished``: nodes ended by an explicit abolition row; ``applied``: crosswalk rows used."""

    preds: dict[Node, list[tuple[Node, float]]] = field(default_factory=dict)
    succs: dict[Node, list[Node]] = field(default_factory=lambda: defaultdict(list))
    abolished: set[Node] = field(default_factory=set)
    applied: int = 0

    def add(self, src: Node, dst: Node, weight: float) -> None:
        self.preds.setdefault(dst, []).append((src, weight))
        self.succs[src].append(dst)


def load_crosswalk(path: str | Path, report: ProblemReport | None = None) -> Crosswalk:
    """Read ``path`` (.csv, .tsv or a workbook); raise InputError listing every bad row."""
    path = Path(path)
    report = report if report is not None else ProblemReport()
    local = ProblemReport()
    grid = read_grid(path, report=local)
    rows = [r for r in grid.rows]
    start = next((i for i, r in enumerate(rows) if any(_text(c) for c in r)), None)
    if start is None:
        raise InputError(f"crosswalk {path.name} is empty; it needs the columns year, old, "
                         "new, weight", code="crosswalk_header", file=str(path))
    cols = _header(rows[start], path, start + 1)
    out = []
    for i in range(start + 1, len(rows)):
        cells = rows[i]
        if not any(_text(c) for c in cells):
            continue
        item = _row(cells, cols, i + 1, path, local)
        if item is not None:
            out.append(item)
    _check_duplicates(out, path, local)
    report.extend(local.problems)
    if local.has_errors:
        raise InputError(local)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Crosswalk(str(path), digest, out)


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return display_text(cell)


def _header(cells, path: Path, row: int) -> dict[str, int]:
    keys = [match_key(_text(c)) for c in cells]
    cols = {}
    for name, aliases in COLUMNS.items():
        for j, key in enumerate(keys):
            if key in aliases:
                cols[name] = j
                break
    missing = [c for c in ("year", "old", "new") if c not in cols]
    if missing:
        raise InputError(f"crosswalk {path.name}, row {row}: the header lacks column(s) "
                         f"{', '.join(missing)}; the first row must be: year,old,new,weight",
                         code="crosswalk_header", file=str(path), row=row)
    return cols


def _row(cells, cols: dict[str, int], row: int, path: Path,
         report: ProblemReport) -> CrosswalkRow | None:
    def cell(name):
        j = cols.get(name)
        return _text(cells[j]) if j is not None and j < len(cells) else ""

    place = dict(file=str(path), row=row)
    year_text, old, new, weight_text = cell("year"), cell("old"), cell("new"), cell("weight")
    ok = True
    if not (len(year_text) == 4 and year_text.isdigit()):
        report.error("crosswalk_year", f"crosswalk {path.name}, row {row}: year "
                     f"{year_text!r} must be a 4-digit year (the year in which 'new' is "
                     "first surveyed)", column="year", value=year_text, **place)
        ok = False
    if not old:
        report.error("crosswalk_old", f"crosswalk {path.name}, row {row}: 'old' is empty; "
                     "name the unit of the previous year", column="old", **place)
        ok = False
    weight = None
    if weight_text:
        try:
            weight = float(weight_text.replace(",", "."))
        except ValueError:
            weight = math.nan
        if not (math.isfinite(weight) and weight > 0):
            report.error("crosswalk_weight", f"crosswalk {path.name}, row {row}: weight "
                         f"{weight_text!r} must be a number > 0, or empty (= the old unit's "
                         "responses)", column="weight", value=weight_text, **place)
            ok = False
    if not ok:
        return None
    return CrosswalkRow(int(year_text), old, new or None, weight, row)


def _check_duplicates(rows: list[CrosswalkRow], path: Path, report: ProblemReport) -> None:
    seen: dict[tuple, int] = {}
    for r in rows:
        key = (r.year, match_key(r.old), match_key(r.new or ""))
        if key in seen:
            report.error("crosswalk_duplicate", f"crosswalk {path.name}, row {r.row} repeats "
                         f"row {seen[key]} ({r.year}: {r.old} → {r.new or '(abolished)'}); "
                         "delete one", file=str(path), row=r.row, value=r.old)
        seen.setdefault(key, r.row)
    ends: dict[tuple, list[CrosswalkRow]] = defaultdict(list)
    for r in rows:
        ends[(r.year, match_key(r.old))].append(r)
    for group in ends.values():
        if len(group) > 1 and any(r.new is None for r in group):
            r = group[0]
            report.error("crosswalk_conflict", f"crosswalk {path.name}, row {r.row}: "
                         f"'{r.old}' is both abolished and continued in {r.year}; keep one",
                         file=str(path), row=r.row, value=r.old)


def link_years(units: list[list[str]], responses: list[np.ndarray], years: list[int],
               crosswalk: Crosswalk | None, report: ProblemReport) -> Lineage:
    """The lineage of units over ``years`` (ascending). ``units[t]``: unit names of year t;
    ``responses[t]``: their responses (default merge weights). Problems go to ``report``;
    rows naming a unit found in neither year of their transition are errors."""
    lineage = Lineage()
    index = [{match_key(n): u for u, n in enumerate(names)} for names in units]
    shown = {match_key(n): n for names in units for n in names}
    rows = crosswalk.rows if crosswalk else []
    for t in range(1, len(years)):
        steps = sorted({r.year for r in rows if years[t - 1] < r.year <= years[t]})
        chain = [[r for r in rows if r.year == y] for y in steps]
        _link_pair(t, index, units[t - 1], responses[t - 1], chain, crosswalk, lineage,
                   report, years, shown)
    _link_gaps(index, lineage, len(years))
    return lineage


def _link_pair(t: int, index, prev_names: list[str], prev_responses, chain, crosswalk,
               lineage: Lineage, report: ProblemReport, years: list[int],
               shown: dict[str, str]) -> None:
    prev, cur = index[t - 1], index[t]
    # each previous-year unit follows its names through the chain of crosswalk years
    paths = {key: {key: None} for key in prev}   # origin → {current key: stated weight}
    ended: set[str] = set()
    for step, rows in enumerate(chain):
        later_old = {match_key(r.old) for rs in chain[step + 1:] for r in rs}
        known_new = set(cur) | later_old
        moves: dict[str, list[CrosswalkRow]] = defaultdict(list)
        current = {k for p in paths.values() for k in p}
        for r in rows:
            if _check_row(r, current, known_new, prev, cur, crosswalk, report, years, t,
                          shown):
                moves[match_key(r.old)].append(r)
        for origin, keys in paths.items():
            nxt: dict[str, float | None] = {}
            for key, weight in keys.items():
                if key not in moves:
                    nxt.setdefault(key, weight)
                    continue
                for r in moves[key]:
                    if r.new is None:
                        ended.add(origin)
                    else:
                        nxt[match_key(r.new)] = r.weight if r.weight is not None else weight
            paths[origin] = nxt
        lineage.applied += sum(len(v) for v in moves.values())
    for origin, keys in paths.items():
        src = (t - 1, prev[origin])
        targets = [(k, w) for k, w in keys.items() if k in cur]
        for key, weight in targets:
            w = float(prev_responses[prev[origin]]) if weight is None else weight
            lineage.add(src, (t, cur[key]), w)
        if origin in ended and not targets:
            lineage.abolished.add(src)
            if origin in cur:
                report.warning("crosswalk_abolished_present", f"'{prev_names[prev[origin]]}' "
                               f"is abolished in the crosswalk but is surveyed again in "
                               f"{years[t]}; it is listed there as a new unit",
                               file=crosswalk.path if crosswalk else None,
                               value=prev_names[prev[origin]])


def _check_row(r: CrosswalkRow, current: set[str], known_new: set[str], prev, cur,
               crosswalk, report: ProblemReport, years: list[int], t: int,
               shown: dict[str, str]) -> bool:
    """True when the row can be applied; errors for names found in neither year."""
    path = crosswalk.path if crosswalk else None
    name = Path(path).name if path else "crosswalk"
    old_k, new_k = match_key(r.old), match_key(r.new) if r.new else None
    span = f"{years[t - 1]} or {years[t]}"
    usable = True
    for column, key, value in (("old", old_k, r.old), ("new", new_k, r.new)):
        if key is None:
            continue
        here = current if column == "old" else known_new
        if key in here:
            continue
        usable = False
        if key in prev or key in cur or key in current or key in known_new:
            side = years[t] if column == "old" else years[t - 1]
            report.warning("crosswalk_wrong_side", f"crosswalk {name}, row {r.row}: "
                           f"'{value}' (column {column}) is a unit of {side} only; the row "
                           "links nothing. Check that old and new are not swapped",
                           file=path, row=r.row, column=column, value=value)
        else:
            hint = _nearest(value, list(prev) if column == "old" else list(cur), shown)
            report.error("crosswalk_unknown_unit", f"crosswalk {name}, row {r.row}: "
                         f"'{value}' (column {column}) is a unit of neither {span}{hint}; "
                         "fix the name or delete the row", file=path, row=r.row,
                         column=column, value=value)
    return usable


def _nearest(value: str, keys: list[str], shown: dict[str, str]) -> str:
    import difflib

    close = difflib.get_close_matches(match_key(value), keys, n=1, cutoff=0.6)
    return f" (did you mean '{shown.get(close[0], close[0])}'?)" if close else ""


def _link_gaps(index, lineage: Lineage, n_years: int) -> None:
    """Same-name links over a year in which the unit was not surveyed."""
    last_seen: dict[str, Node] = {}
    for t in range(n_years):
        for key, u in index[t].items():
            node = (t, u)
            src = last_seen.get(key)
            if (t > 0 and node not in lineage.preds and src is not None and src[0] < t - 1
                    and not lineage.succs.get(src) and src not in lineage.abolished):
                lineage.add(src, node, 1.0)
            last_seen[key] = node
