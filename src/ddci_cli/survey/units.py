"""Unit names to canonical units and their blocks (SPEC §2, "Units")."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np

from ddci_cli.errors import ProblemReport
from ddci_cli.method.model import DEFAULT_BLOCK, Method
from ddci_cli.text import display_text, factorize, first_cells, keys_of, match_key


@dataclass
class Units:
    """The distinct units of a survey: ``names[u]``, ``blocks[u]``, ``entries[u]`` (the
    ``[units]`` entry, None when unlisted), ``counts[u]`` (rows), ``first_rows[u]``
    (spreadsheet row), ``unit_of_row`` (-1 where the unit is missing) and the look-alike
    ``groups`` among unlisted units (lists of unit indices, canonical first); ``nearest``
    maps an unlisted unit to the listed name it most probably means, ``unsure`` holds the
    units whose block could not be found (an ``unknown_block`` error)."""

    names: list[str]
    blocks: list[str]
    entries: list
    counts: list[int]
    first_rows: list
    unit_of_row: np.ndarray
    groups: list[list[int]] = field(default_factory=list)
    nearest: dict[int, str] = field(default_factory=dict)
    unsure: set[int] = field(default_factory=set)


def resolve_units(table, method: Method, report: ProblemReport):
    """Return (unit names, unit blocks, unit index per row; -1 where the unit is missing)."""
    units = find_units(table, method, report)
    return units.names, units.blocks, units.unit_of_row


def find_units(table, method: Method, report: ProblemReport) -> Units:
    """Every unit of the unit column, its block, and its problems (SPEC §2 "Units").
    A column of a delimited file held as codes is matched once per distinct value and
    the results are taken by the codes: no pass of Python over its cells."""
    rows = table.row_numbers
    coded = _coded(table, method.unit_column)
    cells = table.columns.get(method.unit_column) if coded is None else None
    if coded is None and cells is None:
        return Units([], [], [], [], [], np.full(len(rows), -1))
    if coded is None:
        names, entries, unit_of_row, nearest = _names(table, method, cells, report)
        firsts = _first_positions(unit_of_row, len(names))
        counts = np.bincount(unit_of_row[unit_of_row >= 0], minlength=len(names)).tolist()
        by_code = None
    else:
        names, entries, unit_of_row, nearest, firsts, counts, by_code = _names_coded(
            table, method, coded, report)
    if by_code is None or (by_code[1] < 0).any():
        for pos in np.flatnonzero(unit_of_row < 0):
            report.error("missing_unit", f"row {rows[pos]} has answers but no unit in column "
                         f"'{method.unit_column}'; fill in the unit or delete the row",
                         row=int(rows[pos]), column=method.unit_column, file=table.path,
                         sheet=table.sheet)
    entry_of_unit = {u: e for u, e in enumerate(entries) if e is not None}
    first_rows = [int(rows[p]) for p in firsts]
    blocks, unsure = _unit_blocks(table, method, names, unit_of_row, entry_of_unit, report,
                                  first_rows, by_code)
    units = Units(names, blocks, entries, counts, first_rows, unit_of_row, nearest=nearest,
                  unsure=unsure)
    from ddci_cli.survey.lookalike import lookalike_groups

    unlisted = [u for u, e in enumerate(entries) if e is None]
    groups = lookalike_groups([names[u] for u in unlisted])
    units.groups = [_canonical_first([unlisted[i] for i in g], units) for g in groups]
    for group in units.groups:
        _similar_units(group, units, method, table, report)
    return units


def _coded(table, name):
    """Column ``name`` as :class:`~ddci_cli.io.delimited.Coded` when ``table`` holds it
    so (a delimited file, Parquet text without nulls), else None (an array: a workbook,
    other Parquet columns, a frame)."""
    from ddci_cli.survey.locate import Columns

    columns = table.columns
    return columns.coded(name) if name and isinstance(columns, Columns) else None


def _in_order(first: np.ndarray, n: int) -> list[int]:
    """The values that some of the ``n`` cells have, in the order of their first cells."""
    order = np.argsort(first, kind="stable")
    return order[first[order] < n].tolist()


def _lookup(method: Method) -> dict:
    lookup = {match_key(alias): e for e in method.units for alias in e.aliases}
    lookup.update((match_key(e.name), e) for e in method.units)  # a name wins over an alias
    return lookup


class _Naming:
    """Units named in the order their match keys are met: a ``[units]`` entry gives its
    name, an unlisted key its first spelling; every unlisted key met is an
    ``unknown_unit`` (with the nearest listed name, if one is close)."""

    def __init__(self, table, method: Method, report: ProblemReport):
        self.table, self.method, self.report = table, method, report
        self.lookup = _lookup(method)
        self.names: list[str] = []
        self.entries: list = []
        self.nearest: dict[int, str] = {}
        self._index: dict[str, int] = {}
        self._hints = None

    def unit(self, key: str, spelling, pos: int) -> int:
        """The unit of match key ``key``, first spelt ``spelling`` at position ``pos``."""
        entry = self.lookup.get(key)
        name = entry.name if entry else display_text(spelling)
        if name not in self._index:
            self._index[name] = len(self.names)
            self.names.append(name)
            self.entries.append(entry)
        unit = self._index[name]
        if entry is None and self.method.units:
            self._hints = self._hints or _listed_index(self.method)
            close = self._hints.nearest(name)
            if close:
                self.nearest[unit] = close
            _unknown_unit(name, close, self.method, self.report, self.table, pos)
        return unit


def _names_coded(table, method: Method, coded, report: ProblemReport):
    """:func:`_names` from the codes of the unit column: one key per distinct text, taken
    in the order of its first cell, so names, their order and the problems are those of
    the cells. Also (first position of each unit, its rows, (codes, unit per code))."""
    naming = _Naming(table, method, report)
    codes, texts = coded.codes, coded.uniques.tolist()
    n = len(codes)
    first = first_cells(codes, len(texts))
    firsts: list[int] = []
    unit_of_key: dict[str, int] = {}
    unit_of_code = np.full(len(texts), -1, np.int64)
    for c in _in_order(first, n):
        key = match_key(texts[c])
        if key == "":
            continue
        if key in unit_of_key:  # another spelling of a key seen in an earlier row
            unit_of_code[c] = unit_of_key[key]
            continue
        unit = naming.unit(key, texts[c], int(first[c]))
        if unit == len(firsts):  # a new unit
            firsts.append(int(first[c]))
        unit_of_key[key] = unit_of_code[c] = unit
    unit_of_row = np.take(unit_of_code, codes, mode="clip") if n else np.full(0, -1)
    listed = unit_of_code >= 0
    counts = np.zeros(len(naming.names), np.int64)
    np.add.at(counts, unit_of_code[listed], np.bincount(codes, minlength=len(texts))[listed])
    return naming.names, naming.entries, unit_of_row, naming.nearest, firsts, \
        counts.tolist(), (codes, unit_of_code)


def _names(table, method: Method, cells, report: ProblemReport):
    """(names, [units] entry or None per name, unit index per row, {unlisted unit: nearest
    listed name}): one lookup per distinct match key; rows of one key are one unit, named
    by its first spelling."""
    naming = _Naming(table, method, report)
    row_keys = keys_of(cells)
    codes, keys = factorize(row_keys)
    firsts = np.full(len(keys), -1)
    firsts[codes[::-1]] = np.arange(len(codes))[::-1]  # first row of each key
    unit_of_key = np.full(len(keys), -1)
    for k, key in enumerate(keys):
        if key != "":
            unit_of_key[k] = naming.unit(key, cells[firsts[k]], int(firsts[k]))
    unit_of_row = np.where(codes >= 0, unit_of_key[codes], -1)
    unit_of_row[row_keys == ""] = -1
    return naming.names, naming.entries, unit_of_row, naming.nearest


def _listed_index(method: Method):
    """Names and aliases of the ``[units]`` table, indexed once for every hint."""
    from ddci_cli.survey.lookalike import NameIndex

    spellings = [(s, e.name) for e in method.units for s in (e.name, *e.aliases)]
    return NameIndex([s for s, _ in spellings], [n for _, n in spellings])


def _unknown_unit(name, close, method: Method, report: ProblemReport, table,
                  pos: int) -> None:
    hint = f"; did you mean '{close}'?" if close else "."
    first = int(table.row_numbers[pos])
    text = (f"row {first}, column '{method.unit_column}': unit '{name}' is not in the "
            f"method's [units] table{hint} Add it, or an alias, to [units]{_totals_hint(name)}")
    severity = "error" if method.strict_units else "warning"
    report.add("unknown_unit", text, severity, file=table.path, sheet=table.sheet, row=first,
               column=method.unit_column, value=name)


def _canonical_first(group: list[int], units: Units) -> list[int]:
    """The group with the name to keep first: a name that abbreviates no word, then the
    most responses, then the first seen."""
    from ddci_cli.survey.lookalike import initials

    return sorted(group, key=lambda u: (initials(units.names[u])[1], -units.counts[u], u))


def _similar_units(group: list[int], units: Units, method: Method, table,
                   report: ProblemReport) -> None:
    """Warning ``similar_units``: the spellings, their responses, a ``[units]`` snippet."""
    names = units.names
    listed = ", ".join(f"'{names[u]}' ({_responses(units.counts[u])}, first in row "
                       f"{units.first_rows[u]})" for u in group[:10])
    if len(group) > 10:
        listed += f" and {len(group) - 10} more (ddci units lists them all)"
    snippet = units_snippet(names[group[0]], units.blocks[group[0]],
                            [names[u] for u in group[1:]], method)
    below = [u for u in group if units.counts[u] < method.min_responses]
    total = sum(units.counts[u] for u in group)
    split = ""
    if len(below) == len(group) and total >= method.min_responses:
        split = (f"; split this way none reaches min_responses = {method.min_responses}, so "
                 f"none is ranked, while together they have {total} responses")
    text = (f"column '{method.unit_column}': {listed} look like one unit typed "
            f"{len(group)} ways; they are scored as {len(group)} units{split}. If they are "
            f"one, add to the method file:\n{snippet}")
    report.warning("similar_units", text, file=table.path, sheet=table.sheet,
                   row=units.first_rows[group[1]], column=method.unit_column,
                   value=names[group[1]])  # the cell at that row and column


def _responses(n: int) -> str:
    return f"{n} response{'s' * (n != 1)}"


def units_snippet(name: str, block: str | None, aliases: list[str], method: Method) -> str:
    """A ``[units]`` entry as TOML, ready to paste at the end of a method file."""
    lines = [f"[units.{toml_string(name)}]"]
    if block and block != DEFAULT_BLOCK and len(method.blocks) > 1:
        lines.append(f"block = {toml_string(block)}")
    if aliases:
        lines.append(f"aliases = [{', '.join(toml_string(a) for a in aliases)}]")
    return "\n".join(lines)


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes, control and invisible
    format characters escaped."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(f"\\u{ord(c):04X}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _block_lookup(method: Method) -> dict[str, str]:
    lookup = {}
    for b in method.blocks:
        for text in (b.id, b.label, b.label_en):
            lookup[match_key(text)] = b.id
    return lookup


def _unit_blocks(table, method: Method, names, unit_of_row, entry_of_unit,
                 report: ProblemReport, first: list[int],
                 by_code=None) -> tuple[list[str], set[int]]:
    """(block of each unit, units whose block is unknown: an error, and a placeholder).
    ``first``: each unit's first row; ``by_code``: (codes of the unit column, unit of
    each code) when the column is held as codes."""
    place = dict(file=table.path, sheet=table.sheet)
    rows = table.row_numbers
    single = method.blocks[0].id if len(method.blocks) == 1 else None
    coded = _coded(table, method.block_column) if by_code is not None else None
    if coded is None:
        seen, reported, blank, codes, ids = _blocks_seen(table, method, len(names),
                                                          unit_of_row, report)
    else:
        seen, reported, blank, codes, ids = _blocks_seen_coded(table, method, len(names),
                                                                by_code, coded, report)
    blocks, unsure = [], set()
    for u, name in enumerate(names):
        entry = entry_of_unit.get(u)
        if entry is not None and entry.block:
            if seen[u] - {entry.block}:
                report.warning("block_mismatch", f"unit '{name}' is marked as block "
                               f"{sorted(seen[u] - {entry.block})} in the data but the [units] "
                               f"table says '{entry.block}'; the table wins", value=name,
                               row=first[u], column=method.block_column, **place)
            blocks.append(entry.block)
        elif single:
            blocks.append(single)
        elif len(seen[u]) > 1:
            other, (block_a, block_b) = _row_of_other_block(u, unit_of_row, codes, ids, rows)
            report.error("unit_in_two_blocks", f"row {other}, column '{method.block_column}': "
                         f"unit '{name}' is in block '{block_b}' here but in '{block_a}' in row "
                         f"{first[u]}; a unit belongs to one block. Fix the block column or give "
                         "the unit its block in [units]", value=name, row=other,
                         column=method.block_column, **place)
            blocks.append(sorted(seen[u])[0])
        elif seen[u] and u in blank:
            _blank_block(name, next(iter(seen[u])), blank[u], method, table, report)
            blocks.append(next(iter(seen[u])))
        elif seen[u]:
            blocks.append(next(iter(seen[u])))
        elif u in reported:
            blocks.append(method.blocks[0].id)
            unsure.add(u)
        else:
            column = method.block_column or method.unit_column
            report.error("unknown_block", f"row {first[u]}, column '{column}': unit '{name}' "
                         "has no block; fill in its block cells (input.block_column) or list the "
                         f"unit with its block in [units]{_totals_hint(name)}", value=name,
                         row=first[u], column=column, **place)
            blocks.append(method.blocks[0].id)
            unsure.add(u)
    return blocks, unsure


def _blocks_seen(table, method: Method, n_units: int, unit_of_row, report: ProblemReport):
    """(blocks each unit's cells name, units with an unknown block cell (already an error),
    {unit: (position of its first blank block cell, number of blank cells)}, block code per
    row, block id per code). Unknown block texts are reported here, once each."""
    seen: list[set[str]] = [set() for _ in range(n_units)]
    reported: set[int] = set()
    blank: dict[int, tuple[int, int]] = {}
    cells = table.columns.get(method.block_column) if method.block_column else None
    if cells is None:
        return seen, reported, blank, None, None
    lookup = _block_lookup(method)
    codes, uniques = factorize(keys_of(cells))
    ids = [lookup.get(u) for u in uniques]
    firsts = np.full(len(uniques), -1)
    firsts[codes[::-1]] = np.arange(len(codes))[::-1]
    counts = np.bincount(codes, minlength=len(uniques)).tolist()
    for k, key in enumerate(uniques):
        if key and ids[k] is None:
            pos = int(firsts[k])
            _unknown_block(table, method, pos, cells[pos], counts[k], report)
    firsts_of_pairs = np.flatnonzero(first_pairs(unit_of_row, codes))
    for u, b in zip(unit_of_row[firsts_of_pairs].tolist(), codes[firsts_of_pairs].tolist()):
        if u >= 0 and ids[b]:
            seen[u].add(ids[b])
        elif u >= 0 and uniques[b]:
            reported.add(u)  # its block cell is already an unknown_block error
    blank_code = [k for k, key in enumerate(uniques) if key == ""]
    empty = (codes == blank_code[0]) & (unit_of_row >= 0) if blank_code else \
        np.zeros(len(codes), bool)
    units, index, number = np.unique(unit_of_row[empty], return_index=True,
                                     return_counts=True)
    positions = np.flatnonzero(empty)
    for u, i, n in zip(units, index, number):
        blank[int(u)] = (int(positions[i]), int(n))
    return seen, reported, blank, codes, ids


def _blocks_seen_coded(table, method: Method, n_units: int, by_code, coded,
                       report: ProblemReport):
    """:func:`_blocks_seen` from the codes of the unit and block columns: a key per
    distinct block text, the (unit, block) pairs from the pairs of codes. The block code
    per row it gives is the column's own, and the block id is given per code."""
    seen: list[set[str]] = [set() for _ in range(n_units)]
    reported: set[int] = set()
    blank: dict[int, tuple[int, int]] = {}
    lookup = _block_lookup(method)
    unit_codes, unit_of_code = by_code
    codes, texts = coded.codes, coded.uniques.tolist()
    n, width = len(codes), len(texts)
    first = first_cells(codes, width)
    count = np.bincount(codes, minlength=width).tolist()
    keys = [match_key(t) for t in texts]
    key_first: dict[str, int] = {}  # key → the code of its first cell
    key_count: dict[str, int] = {}
    for c in _in_order(first, n):
        key_first.setdefault(keys[c], c)
        key_count[keys[c]] = key_count.get(keys[c], 0) + count[c]
    for key, c in key_first.items():
        if key and lookup.get(key) is None:
            _unknown_block(table, method, int(first[c]), texts[c], key_count[key], report)
    ids = [lookup.get(k) for k in keys]
    pair = unit_codes.astype(np.intp) * width + codes  # (unit code, block code)
    if len(unit_of_code) * width <= max(n, 1 << 16):  # one counter per possible pair
        pair_count = np.bincount(pair, minlength=len(unit_of_code) * width)
        pairs = np.flatnonzero(pair_count)
        pair_count = pair_count[pairs]
    else:
        pairs, pair_count = np.unique(pair, return_counts=True)
    empties = []
    for p, k in zip(pairs.tolist(), pair_count.tolist()):
        u, b = int(unit_of_code[p // width]), p % width
        if u < 0:
            continue
        if ids[b]:
            seen[u].add(ids[b])
        elif keys[b]:
            reported.add(u)  # its block cell is already an unknown_block error
        if not keys[b]:
            empties.append((u, p, k))
    if empties:  # blank block cells of a unit: the first, and how many
        wanted = np.array(sorted({p for _, p, _ in empties}))
        at = np.full(len(wanted), n, np.intp)
        hit = np.searchsorted(wanted, pair)
        hit[hit == len(wanted)] = 0
        mine = wanted[hit] == pair
        np.minimum.at(at, hit[mine], np.flatnonzero(mine))
        at_of = dict(zip(wanted.tolist(), at.tolist()))
        for u, p, k in empties:
            pos, total = blank.get(u, (n, 0))
            blank[u] = (min(pos, at_of[p]), total + k)
    return seen, reported, blank, codes, ids


def _unknown_block(table, method: Method, pos: int, value, count: int,
                   report: ProblemReport) -> None:
    """Error ``unknown_block``: a block text (first at ``pos``, in ``count`` rows) that is
    no block of the method."""
    rows = table.row_numbers
    report.error("unknown_block", f"row {rows[pos]}, column '{method.block_column}': block "
                 f"{value!r} is not a block of the method ({count} "
                 f"row{'s' * (count != 1)}); use one of: "
                 f"{', '.join(b.label for b in method.blocks)}",
                 row=int(rows[pos]), column=method.block_column, value=value,
                 file=table.path, sheet=table.sheet)


def _blank_block(name: str, block: str, blank: tuple[int, int], method: Method, table,
                 report: ProblemReport) -> None:
    """Error ``unknown_block``: an unlisted unit's block cell is blank in some rows while
    other rows name its block: the rows are never put in a block by guess."""
    pos, count = blank
    row = int(table.row_numbers[pos])
    label = method.block(block).label
    report.error("unknown_block", f"row {row}, column '{method.block_column}': the block cell "
                 f"of unit '{name}' is blank ({count} row{'s' * (count != 1)}) while other rows "
                 f"say '{label}'; fill in the block cells, or list the unit with its block in "
                 "[units]", row=row, column=method.block_column, value=name,
                 file=table.path, sheet=table.sheet)


def _first_positions(unit_of_row: np.ndarray, n_units: int) -> list[int]:
    """The position of the row where each unit first appears (each has a row)."""
    mine = unit_of_row >= 0
    first = np.full(n_units, len(unit_of_row), np.intp)
    np.minimum.at(first, unit_of_row[mine], np.flatnonzero(mine))
    return first.tolist()


def _row_of_other_block(u: int, unit_of_row, codes, ids, rows):
    """The first row where unit ``u`` carries a block other than in its first row, and
    (first block, other block)."""
    mine = np.flatnonzero(unit_of_row == u)
    known = [p for p in mine if ids[codes[p]]]
    first = ids[codes[known[0]]]
    for p in known:
        if ids[codes[p]] != first:
            return int(rows[p]), (first, ids[codes[p]])
    return None, (first, first)


TOTALS = ("tổng", "tổng cộng", "cộng", "tổng số", "trung bình", "total", "sum", "average", "mean")


def _totals_hint(name: str) -> str:
    """A row labelled 'Tổng cộng' is a totals row typed under the data, not a unit."""
    return "; it looks like a totals row: delete it" if match_key(name) in TOTALS else ""


def first_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True at the first row of each distinct (a, b) pair of two integer arrays (what
    pandas' ``duplicated(keep="first")`` leaves False)."""
    first = np.zeros(len(a), dtype=bool)
    if not len(a):
        return first
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    a0, b0 = int(a.min()), int(b.min())
    span_a, span_b = int(a.max()) - a0 + 1, int(b.max()) - b0 + 1
    if span_a * span_b >= 2 ** 62:
        _, index = np.unique(np.stack([a, b], axis=1), axis=0, return_index=True)
        first[index] = True
        return first
    # one key a pair, as narrow as it fits, sorted stably: the first of each run of equal
    # keys is the pair's first row (a third of np.unique's working memory: 17 MB a
    # million rows)
    kind = np.int32 if span_a * span_b < 2 ** 31 else np.int64
    key = (a - a0).astype(kind, copy=False)
    key *= span_b
    key += (b - b0).astype(kind, copy=False)
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.empty(len(key), bool)
    starts[0] = True
    np.not_equal(key[1:], key[:-1], out=starts[1:])
    first[order[starts]] = True
    return first
