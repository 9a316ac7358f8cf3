"""Look and print layout of the workbook: fonts, a restrained palette, number formats,
column widths that fit Vietnamese text, A4 landscape pages with explicit page breaks.

Every row gets an explicit height, so a page holds a known number of rows and the printed
page count follows from the breaks set here, whatever fonts the viewer substitutes.
"""

from __future__ import annotations

import math
from copy import copy
from dataclasses import dataclass

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties

CM_PER_WIDTH_UNIT = 0.185    # one Excel column-width unit, printed at 100 %
FONT = "Arial"
SIZE = 10
NAVY = "1F3864"
GREY_TEXT = "595959"
ALERT = "C00000"
HEADER_FILL = "D9E1F2"
HEADER_LINE = "8EA9DB"
ROW_LINE = "D9D9D9"
STAT_FILL = "F2F2F2"
BAND_FILL = "EEF2F8"
ABSENT_FILL = "F7F7F7"
SERIES = {"unit": "2F5597", "mean": "BFBFBF", "best": "9DC3E6"}
SCALE = ("F2B8B5", "FFFFFF", "B7DDB0")          # colour scale: low, middle, high
TIER_ANCHORS = ("2E7D32", "7CB342", "F9A825", "EF6C00", "C62828")  # best → worst

ROW_HEIGHT = 13.0        # points, every body row (Excel: 12.75 for Arial 10)
LINE_HEIGHT = 12.5       # points per wrapped line of a header
TITLE_HEIGHT = 21.0
MIN_WIDTH, MAX_WIDTH = 6.0, 70.0
# A4 landscape with the margins below, in points
PAGE_WIDTH = (11.69 - 0.8) * 72
PAGE_HEIGHT = (8.27 - 1.05) * 72             # the footer sits in the bottom margin


def number_format(decimals: int) -> str:
    return "0." + "0" * decimals if decimals > 0 else "0"


def tier_colours(tiers) -> list[tuple[str, str]]:
    """(strong, tint) hex colours per tier, best first: the method's ``color`` when given,
    else a green → amber → red ramp sampled at as many points as there are tiers."""
    n = len(tiers)
    out = []
    for k, tier in enumerate(tiers):
        strong = (tier.color or "").lstrip("#").upper()
        if len(strong) != 6 or any(c not in "0123456789ABCDEF" for c in strong):
            strong = _ramp(k / (n - 1) if n > 1 else 0.0)
        out.append((strong, _mix(strong, "FFFFFF", 0.72)))
    return out


def _ramp(t: float) -> str:
    pos = t * (len(TIER_ANCHORS) - 1)
    lo = min(int(pos), len(TIER_ANCHORS) - 2)
    return _mix(TIER_ANCHORS[lo], TIER_ANCHORS[lo + 1], pos - lo)


def _mix(a: str, b: str, t: float) -> str:
    ca = [int(a[i:i + 2], 16) for i in (0, 2, 4)]
    cb = [int(b[i:i + 2], 16) for i in (0, 2, 4)]
    return "".join(f"{round(x + (y - x) * t):02X}" for x, y in zip(ca, cb))


def _font(bold=False, italic=False, size=SIZE, color=None) -> Font:
    return Font(name=FONT, size=size, bold=bold, italic=italic, color=color)


def _fill(color: str | None) -> PatternFill:
    return PatternFill("solid", fgColor=color) if color else PatternFill()


_THIN = Side(style="thin", color=ROW_LINE)
_HEAD = Side(style="thin", color=HEADER_LINE)
ROW_BORDER = Border(bottom=_THIN)
HEAD_BORDER = Border(top=_HEAD, bottom=_HEAD)


@dataclass
class StyleSpec:
    font: Font
    fill: PatternFill
    border: Border
    alignment: Alignment
    number_format: str = "General"


class StyleBook:
    """Named cell styles of one workbook. Each is built once and copied onto cells as
    openpyxl's internal style array: setting five style attributes per cell would cost
    most of the report's writing time."""

    def __init__(self, wb, decimals: int, tier_colours_: list[tuple[str, str]]):
        self._wb = wb
        self._arrays: dict[str, StyleArray] = {}
        self.score_format = number_format(decimals)
        scratch = wb.create_sheet("_styles")
        self._cell = scratch.cell(row=1, column=1)
        for key, spec in self._specs(tier_colours_).items():
            self._define(key, spec)
        wb.remove(scratch)

    def _specs(self, tiers: list[tuple[str, str]]) -> dict[str, StyleSpec]:
        left = Alignment(horizontal="left", vertical="center")
        right = Alignment(horizontal="right", vertical="center")
        centre = Alignment(horizontal="center", vertical="center")
        wrap = Alignment(horizontal="left", vertical="center", wrap_text=True)
        plain = _font()
        specs = {
            "title": StyleSpec(_font(True, size=14, color=NAVY), _fill(None), Border(), left),
            "subtitle": StyleSpec(_font(italic=True, color=GREY_TEXT), _fill(None), Border(),
                                  left),
            "aside": StyleSpec(_font(italic=True, color=GREY_TEXT), _fill(None), Border(),
                               Alignment(horizontal="left", vertical="center", indent=1)),
            "alert": StyleSpec(_font(True, color=ALERT), _fill(None), Border(), left),
            "section": StyleSpec(_font(True, size=11, color=NAVY), _fill(None), Border(), left),
            "header": StyleSpec(_font(True, color=NAVY), _fill(HEADER_FILL), HEAD_BORDER,
                                Alignment(horizontal="center", vertical="center",
                                          wrap_text=True)),
            "band": StyleSpec(_font(True, color=NAVY), _fill(BAND_FILL), HEAD_BORDER, left),
            "text": StyleSpec(plain, _fill(None), ROW_BORDER, left),
            "key": StyleSpec(_font(True), _fill(None), ROW_BORDER, left),
            "wrap": StyleSpec(plain, _fill(None), ROW_BORDER, wrap),
            "int": StyleSpec(plain, _fill(None), ROW_BORDER, centre, "0"),
            "count": StyleSpec(plain, _fill(None), ROW_BORDER, right, "#,##0"),
            "count_left": StyleSpec(plain, _fill(None), ROW_BORDER, left, "#,##0"),
            "score": StyleSpec(plain, _fill(None), ROW_BORDER, right, self.score_format),
            "score_bold": StyleSpec(_font(True), _fill(None), ROW_BORDER, right,
                                    self.score_format),
            "signed": StyleSpec(plain, _fill(None), ROW_BORDER, right,
                                f"+{self.score_format};-{self.score_format};"
                                f"{self.score_format}"),
            "signed_int": StyleSpec(plain, _fill(None), ROW_BORDER, centre, "+0;-0;0"),
            "share": StyleSpec(plain, _fill(None), ROW_BORDER, right,
                               self.score_format + '"%"'),
            "pct": StyleSpec(plain, _fill(None), ROW_BORDER, right, "0.0%"),
            "pct0": StyleSpec(plain, _fill(None), ROW_BORDER, right, '0%;-0%;"–"'),
            "plain_number": StyleSpec(plain, _fill(None), ROW_BORDER, right, "General"),
            "datetime": StyleSpec(plain, _fill(None), ROW_BORDER, left, "yyyy-mm-dd hh:mm:ss"),
            "stat_text": StyleSpec(_font(italic=True), _fill(STAT_FILL), ROW_BORDER, left),
            "stat_score": StyleSpec(_font(italic=True), _fill(STAT_FILL), ROW_BORDER, right,
                                    self.score_format),
            "absent": StyleSpec(plain, _fill(ABSENT_FILL), ROW_BORDER, centre),
        }
        for k, (strong, tint) in enumerate(tiers):
            specs[f"tier{k}"] = StyleSpec(_font(True), _fill(tint), ROW_BORDER, centre)
            specs[f"swatch{k}"] = StyleSpec(plain, _fill(strong), ROW_BORDER, centre)
        return specs

    def _define(self, key: str, spec: StyleSpec) -> None:
        cell = self._cell
        cell._style = StyleArray()
        cell.font, cell.fill, cell.border = spec.font, spec.fill, spec.border
        cell.alignment, cell.number_format = spec.alignment, spec.number_format
        self._arrays[key] = copy(cell._style)

    def apply(self, cell, key: str) -> None:
        cell._style = copy(self._arrays[key])

    def variant(self, base: str, number_format: str) -> str:
        """The key of style ``base`` with another number format (defined on first use),
        e.g. a unit value shown as ``3.9 / 5`` or ``37.2 %`` but stored as the number."""
        key = f"{base}|{number_format}"
        if key not in self._arrays:
            self._cell._style = copy(self._arrays[base])
            self._cell.number_format = number_format
            self._arrays[key] = copy(self._cell._style)
        return key


def text_width(value, style: str) -> float:
    """Column width (Excel character units) that shows ``value`` unclipped. Generous on
    purpose: viewers without Arial substitute a wider font (DejaVu Sans)."""
    if value is None:
        return 0.0
    if isinstance(value, str):
        longest = max((len(line) for line in value.split("\n")), default=0)
        factor = 1.18 if style in ("key", "title", "section", "alert", "score_bold") else 1.08
        if style == "title":
            factor = 1.6
        return longest * factor + 2.0
    if isinstance(value, float):
        return len(f"{value:.4f}") + 2.0
    return len(str(value)) + 2.5


def header_lines(text: str, width: float) -> int:
    """Lines a wrapped bold header of ``width`` characters takes (greedy word wrap)."""
    per_line = max(1.0, (width - 1.0) / 1.2)
    count = 0
    for part in str(text).split("\n"):
        line, n = 0.0, 1
        for word in part.split():
            need = len(word) if not line else line + 1 + len(word)
            if line and need > per_line:
                n, line = n + 1, float(len(word))
            else:
                line = need
        count += n + (int(line // per_line) if line > per_line else 0)
    return max(1, count)


def setup_page(ws, footer: str, title_rows: int, fit_height: int = 0) -> None:
    """A4 landscape, one page wide, title rows repeated on every printed page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = fit_height
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.55, bottom=0.5, header=0.25,
                                  footer=0.25)
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = f"1:{title_rows}"
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.left.size = 8
    ws.oddFooter.right.text = footer
    ws.oddFooter.right.size = 8
    ws.sheet_view.showGridLines = False


def page_scale(widths: list[float]) -> float:
    """The print scale 'one page wide' gives for columns of these widths (≤ 1)."""
    points = sum((w * 7 + 5) * 0.75 for w in widths)
    return min(1.0, PAGE_WIDTH / points) if points else 1.0


def page_room(widths: list[float], title_points: float) -> float:
    """Points of body rows that fit on one printed page below the repeated title rows,
    with a margin for the viewer rounding the scale down to a whole percent."""
    return 0.97 * PAGE_HEIGHT / page_scale(widths) - title_points


def paginate(ws, groups: list[tuple[int, int]], heights: dict[int, float],
             room: float) -> int:
    """Set row breaks so each printed page holds whole groups (row spans) where it can and
    never more than ``room`` points of rows. A group taller than a page starts on a new
    page and is cut into parts of about equal height (no orphan rows). Return the number
    of pages."""
    def height(row: int) -> float:
        return heights.get(row, ROW_HEIGHT)

    pages, used = 1, 0.0
    for first, last in groups:
        rows = range(first, last + 1)
        size = sum(height(r) for r in rows)
        if used and used + size > room:
            ws.row_breaks.append(Break(id=first - 1))
            pages, used = pages + 1, 0.0
        limit = room
        if size > room:
            parts = math.ceil(size / room)
            limit = min(room, size / parts + max(height(r) for r in rows))
        for row in rows:
            if used and used + height(row) > limit:
                ws.row_breaks.append(Break(id=row - 1))
                pages, used = pages + 1, 0.0
            used += height(row)
    return pages
