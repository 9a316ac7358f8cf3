"""Cell values and sheet names Excel accepts, whatever the survey's texts hold.

A text is always stored as a string cell, never as a formula, whatever it starts with
(``=HYPERLINK(...)``, ``+84 912 345 678``); NaN becomes an empty cell; numpy numbers
become Python numbers.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

SHEET_LIMIT = 31                      # Excel's limit, in UTF-16 code units
FORBIDDEN = set('[]:*?/\\')
RESERVED = {"history"}                # Excel reserves this sheet name


def cell_value(value: Any) -> Any:
    """``value`` as openpyxl should store it: str, int, float, bool, datetime or None."""
    if value is None or isinstance(value, (str, bool)):
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
    if hasattr(value, "item") and not hasattr(value, "tzinfo"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def set_cell(ws, row: int, col: int, value: Any, number_format: str | None = None):
    """Write ``value``; a text is stored as a string cell even if it starts with '='."""
    cell = ws.cell(row=row, column=col)
    value = cell_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format
    return cell


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> str:
    """The longest prefix of ``text`` within ``limit`` UTF-16 units, not ending inside a
    combining sequence."""
    out = ""
    for ch in text:
        if _utf16_len(out + ch) > limit:
            break
        out += ch
    while out and unicodedata.combining(out[-1]):
        out = out[:-1]
    if out and len(out) < len(text) and unicodedata.combining(text[len(out)]):
        out = out[:-1]
    return out.rstrip().rstrip("'")


def safe_sheet_title(title: str, used: set[str]) -> str:
    """A sheet name Excel accepts: NFC, no []:*?/\\ or control characters, no leading or
    trailing apostrophe, at most 31 UTF-16 units, unique (case-insensitively) in ``used``,
    which it joins."""
    clean = unicodedata.normalize("NFC", str(title))
    clean = "".join("_" if ch in FORBIDDEN else ch for ch in clean
                    if unicodedata.category(ch)[0] != "C")
    clean = " ".join(clean.split()).strip("'").strip() or "Sheet"
    base, n = _cut(clean, SHEET_LIMIT), 2
    name = base
    while name.casefold() in used or name.casefold() in RESERVED:
        suffix = f" ({n})"
        name = _cut(base, SHEET_LIMIT - len(suffix)) + suffix
        n += 1
    used.add(name.casefold())
    return name
