"""Unit names to canonical units and their blocks (SPEC §2, "Units")."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from .errors import ProblemReport
from .method import Method
from .text import display_text, match_key


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
    row_keys = np.array([match_key(c) if c is not None else "" for c in cells], dtype=object)
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
    hint = ""
    if close:
        hint = f"; did you mean '{listed[[match_key(n) for n in listed].index(close[0])]}'?"
    first = int(table.row_numbers[np.argmax(mask)])
    text = (f"unit '{name}' (first in row {first}) is not in the method's [units] table"
            f"{hint} Add it, or an alias, to [units]")
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
    if cells is not None:
        lookup = _block_lookup(method)
        codes, uniques = pd.factorize(np.array([match_key(c) if c is not None else ""
                                                for c in cells], dtype=object))
        ids = [lookup.get(u) for u in uniques]
        for k, key in enumerate(uniques):
            if key and ids[k] is None:
                pos = int(np.argmax(codes == k))
                count = int((codes == k).sum())
                report.error("unknown_block", f"row {rows[pos]}: block {cells[pos]!r} in column "
                             f"'{method.block_column}' is not a block of the method "
                             f"({count} rows); use one of: "
                             f"{', '.join(b.label for b in method.blocks)}",
                             row=int(rows[pos]), column=method.block_column, value=cells[pos],
                             **place)
        pairs = pd.DataFrame({"u": unit_of_row, "b": codes}).drop_duplicates()
        for u, b in pairs.itertuples(index=False):
            if u >= 0 and ids[b]:
                seen[u].add(ids[b])
    blocks = []
    for u, name in enumerate(names):
        entry = entry_of_unit.get(u)
        if entry is not None and entry.block:
            if seen[u] - {entry.block}:
                report.warning("block_mismatch", f"unit '{name}' is marked as block "
                               f"{sorted(seen[u] - {entry.block})} in the data but the [units] "
                               f"table says '{entry.block}'; the table wins", value=name,
                               column=method.block_column, **place)
            blocks.append(entry.block)
        elif len(seen[u]) > 1:
            report.error("unit_in_two_blocks", f"unit '{name}' appears in blocks "
                         f"{sorted(seen[u])}; a unit belongs to one block. Fix the block column "
                         "or give the unit a block in [units]", value=name,
                         column=method.block_column, **place)
            blocks.append(sorted(seen[u])[0])
        elif seen[u]:
            blocks.append(next(iter(seen[u])))
        elif single:
            blocks.append(single)
        else:
            report.error("unknown_block", f"unit '{name}' has no block: add a block column "
                         "(input.block_column) or list the unit with its block in [units]",
                         value=name, column=method.unit_column, **place)
            blocks.append(method.blocks[0].id)
    return blocks
