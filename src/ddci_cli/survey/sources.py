"""Sheets and CSVs of an export, and finding a column in one by name (SPEC §2 "Column
names", "Layouts"): with or without a group path, or by its leading code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ddci_cli.errors import ProblemReport
from ddci_cli.survey.locate import (_as_object_array, _prefix_match, column_letter,
                                    did_you_mean)
from ddci_cli.text import display_text, match_key

RESPONDENT_KEY = "\x00respondent"  # Table column: the respondent a row belongs to
GROUP_SEPARATORS = ("/", "-")       # danh_gia/don_vi (Kobo), danh_gia-don_vi (ODK Central)


@dataclass
class Source:
    """One sheet or CSV of an export: its cells, where it is, and how users name it."""

    path: str
    sheet: str | None
    cells: np.ndarray
    encoding: str | None = None

    @property
    def where(self) -> str:
        return f"sheet '{self.sheet}' of {Path(self.path).name}" if self.sheet else \
            Path(self.path).name

    @property
    def place(self) -> dict:
        return dict(file=self.path, sheet=self.sheet)


class LazySource(Source):
    """A workbook sheet read the first time its cells are asked for."""

    def __init__(self, path: str, sheet: str, book):
        self.path, self.sheet, self.encoding, self._book, self._cells = path, sheet, None, \
            book, None

    @property
    def cells(self) -> np.ndarray:
        if self._cells is None:
            self._cells = _as_object_array(self._book.grid(self.sheet).rows)
        return self._cells


def header_keys(row) -> list[str]:
    return ["" if c is None or (isinstance(c, str) and not c.strip()) else match_key(c)
            for c in row]


def find_column(name: str, keys: list[str]) -> tuple[list[int], str]:
    """Positions of the header cells that are the column ``name``, and how it was found:
    equal (``"exact"``); else one header that is ``name`` under a group path
    (``danh_gia/don_vi``, ``danh_gia-don_vi``: ``"group"``); else the one header starting
    with ``name`` and a space or punctuation (``C1`` → ``C1. Thủ tục …``: ``"prefix"``)."""
    key = match_key(name)
    exact = [j for j, k in enumerate(keys) if k == key]
    if exact:
        return exact, "exact"
    grouped = [j for j, k in enumerate(keys) if any(k.endswith(s + key) for s in
                                                    GROUP_SEPARATORS)]
    if len(grouped) == 1:
        return grouped, "group"
    ordered = sorted(set(k for k in keys if k))
    hits = _prefix_match(key, ordered)
    if len(hits) == 1:
        return [j for j, k in enumerate(keys) if k == ordered[hits[0]]], "prefix"
    return [], ""


def _missing(name: str, keypath: str, found: list[int], row, h: int, source: Source,
             report: ProblemReport) -> None:
    if found:
        cols = ", ".join(column_letter(j) for j in found)
        report.error("duplicate_column", f"row {h + 1}: column '{name}' (named by {keypath}) "
                     f"appears {len(found)} times (columns {cols}); rename or delete the "
                     "extra ones", row=h + 1, column=name, key=keypath, **source.place)
        return
    heads = [display_text(c) for c in row if isinstance(c, str) and c.strip()][:200]
    hint = did_you_mean(name, heads, f"the header of {source.where}")
    report.error("missing_column", f"row {h + 1} of {source.where} has no column '{name}' "
                 f"(named by {keypath}){hint}", row=h + 1, column=name, key=keypath,
                 **source.place)
