"""The Excel workbook: one ranking sheet per block plus a sub-index sheet.

Texts are always written as string cells, never as formulas, whatever they start with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..results import unit_order, unit_record
from ..score import Scores
from ..write import write_with


def set_cell(ws, row: int, col: int, value: Any, number_format: str | None = None):
    """Write ``value``; a text is stored as a string cell even if it starts with '='."""
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format
    return cell


def safe_sheet_title(title: str, used: set[str]) -> str:
    """A sheet name Excel accepts: no []:*?/\\, at most 31 characters, unique."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("' ") or "Sheet"
    base, n = clean[:31], 2
    name = base
    while name.casefold() in used:
        suffix = f" ({n})"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    used.add(name.casefold())
    return name


def write_workbook(scores: Scores, target: Path, seed: int = 0, lang: str | None = None) -> None:
    from openpyxl import Workbook

    method = scores.method
    english = (lang or method.language) == "en"
    fmt = "0." + "0" * method.decimals if method.decimals else "0"
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for plan in scores.plans:
        block = method.block(plan.block)
        ws = wb.create_sheet(safe_sheet_title(block.label_en if english else block.label, used))
        heads = ["Rank", "Unit", "Composite", "Tier", "Responses", "Status"] if english else \
            ["Hạng", "Đơn vị", "Điểm tổng hợp", "Xếp loại", "Số phiếu", "Trạng thái"]
        for c, h in enumerate(heads, 1):
            set_cell(ws, 1, c, h)
        row = 2
        for u in unit_order(scores):
            if scores.survey.unit_blocks[u] != plan.block:
                continue
            rec = unit_record(scores, u)
            values = [rec["rank"], rec["unit"], rec["composite"],
                      tier_text(scores, u, english), rec["responses"], rec["status"]]
            for c, v in enumerate(values, 1):
                set_cell(ws, row, c, v, fmt if c == 3 else None)
            row += 1
        ws.freeze_panes = "A2"
        ws.column_dimensions["B"].width = 40
    _subindex_sheet(wb, scores, used, english, fmt)
    write_with(target, lambda tmp: wb.save(tmp))


def tier_text(scores: Scores, u: int, english: bool) -> str | None:
    from ..results import tier_label

    return tier_label(scores, u, english)


def _subindex_sheet(wb, scores: Scores, used: set[str], english: bool, fmt: str) -> None:
    method = scores.method
    ws = wb.create_sheet(safe_sheet_title("Sub-indices" if english else "Chỉ số thành phần",
                                          used))
    heads = ["Block", "Unit"] if english else ["Khối", "Đơn vị"]
    heads += [k.label_en if english else k.label for k in method.subindices]
    for c, h in enumerate(heads, 1):
        set_cell(ws, 1, c, h)
    for r, u in enumerate(unit_order(scores), 2):
        rec = unit_record(scores, u)
        set_cell(ws, r, 1, rec["block"])
        set_cell(ws, r, 2, rec["unit"])
        for c, k in enumerate(method.subindices, 3):
            set_cell(ws, r, c, rec["subindices"].get(k.id), fmt)
    ws.freeze_panes = "C2"
    ws.column_dimensions["B"].width = 40
