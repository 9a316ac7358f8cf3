"""Unit names to canonical units and their blocks (SPEC §2, "Units")."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from ddci_cli.errors import ProblemReport
from ddci_cli.method.model import Method
from ddci_cli.text import display_text, keys_of, match_key


def resolve_units(table, method: Method, report: ProblemReport):
    """Return (unit names, unit blocks, unit index per row; -1 where the unit is missing)."""
    place = dict(file=table.path, sheet=table.sheet)
    rows = table.row_numbers
    cells = table.columns.get(method.unit_column)
    if cells is None:
        return [], [], np.full(len(rows), -1)
    lookup = {}
    for entry in method.units:
        for alias in (entry.name, *entry.aliases):
            lookup[match_key(alias)] = entry
    row_keys = keys_of(cells)
    codes, keys = pd.factorize(row_keys)
    names: list[str] = []
    index_of_name: dict[str, int] = {}
    unit_of_key = np.full(len(keys), -1)
    entry_of_unit: dict[int, object] = {}
    for k, key in enumerate(keys):
        if key == "":
            continue
        entry = lookup.get(key)
        name = entry.name if entry else display_text(cells[np.argmax(codes == k)])
        if name not in index_of_name:
            index_of_name[name] = len(names)
            names.append(name)
        unit_of_key[k] = index_of_name[name]
        if entry:
            entry_of_unit[index_of_name[name]] = entry
        elif method.units:
            _unknown_unit(name, method, report, table, codes == k)
    unit_of_row = np.where(codes >= 0, unit_of_key[codes], -1)
    unit_of_row[row_keys == ""] = -1
    for pos in np.flatnonzero(unit_of_row < 0):
        report.error("missing_unit", f"row {rows[pos]} has answers but no unit in column "
                     f"'{method.unit_column}'; fill in the unit or delete the row",
                     row=int(rows[pos]), column=method.unit_column, **place)
    blocks = _unit_blocks(table, method, names, unit_of_row, entry_of_unit, report)
    return names, blocks, unit_of_row


def _unknown_unit(name, method: Method, report: ProblemReport, table, mask) -> None:
    listed = [e.name for e in method.units]
    close = difflib.get_close_matches(match_key(name), [match_key(n) for n in listed], n=1,
                                      cutoff=0.4)
    hint = "."
    if close:
        hint = f"; did you mean '{listed[[match_key(n) for n in listed].index(close[0])]}'?"
    first = int(table.row_numbers[np.argmax(mask)])
    text = (f"row {first}, column '{method.unit_column}': unit '{name}' is not in the "
            f"method's [units] table{hint} Add it, or an alias, to [units]{_totals_hint(name)}")
    severity = "error" if method.strict_units else "warning"
    report.add("unknown_unit", text, severity, file=table.path, sheet=table.sheet, row=first,
               column=method.unit_column, value=name)


def _block_lookup(method: Method) -> dict[str, str]:
    lookup = {}
    for b in method.blocks:
        for text in (b.id, b.label, b.label_en):
            lookup[match_key(text)] = b.id
    return lookup


def _unit_blocks(table, method: Method, names, unit_of_row, entry_of_unit,
                 report: ProblemReport) -> list[str]:
    place = dict(file=table.path, sheet=table.sheet)
    rows = table.row_numbers
    single = method.blocks[0].id if len(method.blocks) == 1 else None
    cells = table.columns.get(method.block_column) if method.block_column else None
    seen: list[set[str]] = [set() for _ in names]
    reported: set[int] = set()
    if cells is not None:
        lookup = _block_lookup(method)
        codes, uniques = pd.factorize(keys_of(cells))
        ids = [lookup.get(u) for u in uniques]
        for k, key in enumerate(uniques):
            if key and ids[k] is None:
                pos = int(np.argmax(codes == k))
                count = int((codes == k).sum())
                report.error("unknown_block", f"row {rows[pos]}, column '{method.block_column}'"
                             f": block {cells[pos]!r} is not a block of the method "
                             f"({count} row{'s' * (count != 1)}); use one of: "
                             f"{', '.join(b.label for b in method.blocks)}",
                             row=int(rows[pos]), column=method.block_column, value=cells[pos],
                             **place)
        pairs = pd.DataFrame({"u": unit_of_row, "b": codes}).drop_duplicates()
        for u, b in pairs.itertuples(index=False):
            if u >= 0 and ids[b]:
                seen[u].add(ids[b])
            elif u >= 0 and uniques[b]:
                reported.add(u)  # its block cell is already an unknown_block error
    first = _first_rows(unit_of_row, len(names), rows)
    blocks = []
    for u, name in enumerate(names):
        entry = entry_of_unit.get(u)
        if entry is not None and entry.block:
            if seen[u] - {entry.block}:
                report.warning("block_mismatch", f"unit '{name}' is marked as block "
                               f"{sorted(seen[u] - {entry.block})} in the data but the [units] "
                               f"table says '{entry.block}'; the table wins", value=name,
                               row=first[u], column=method.block_column, **place)
            blocks.append(entry.block)
        elif len(seen[u]) > 1:
            other, (block_a, block_b) = _row_of_other_block(u, unit_of_row, codes, ids, rows)
            report.error("unit_in_two_blocks", f"row {other}, column '{method.block_column}': "
                         f"unit '{name}' is in block '{block_b}' here but in '{block_a}' in row "
                         f"{first[u]}; a unit belongs to one block. Fix the block column or give "
                         "the unit its block in [units]", value=name, row=other,
                         column=method.block_column, **place)
            blocks.append(sorted(seen[u])[0])
        elif seen[u]:
            blocks.append(next(iter(seen[u])))
        elif single:
            blocks.append(single)
        elif u in reported:
            blocks.append(method.blocks[0].id)
        else:
            column = method.block_column or method.unit_column
            report.error("unknown_block", f"row {first[u]}, column '{column}': unit '{name}' "
                         "has no block; fill in its block cells (input.block_column) or list the "
                         f"unit with its block in [units]{_totals_hint(name)}", value=name,
                         row=first[u], column=column, **place)
            blocks.append(method.blocks[0].id)
    return blocks


def _first_rows(unit_of_row: np.ndarray, n_units: int, rows: np.ndarray) -> list[int | None]:
    """The spreadsheet row where each unit first appears."""
    first: list[int | None] = [None] * n_units
    units, index = np.unique(unit_of_row, return_index=True)
    for u, i in zip(units, index):
        if u >= 0:
            first[u] = int(rows[i])
    return first


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
