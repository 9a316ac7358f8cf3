"""A worksheet being filled: styled cells, measured column widths, explicit row heights,
title rows, table headers with a frozen pane and a filter, and the print layout."""

from __future__ import annotations

import math

from openpyxl.utils import get_column_letter

from ddci_cli.report.style import (LINE_HEIGHT, MAX_WIDTH, MIN_WIDTH, ROW_HEIGHT, TITLE_HEIGHT, header_lines,
                    page_room, paginate, setup_page, text_width)
from ddci_cli.report.cells import set_cell


def wrapped_lines(text: str, width: float) -> int:
    """Lines a wrapped body text of ``width`` characters takes."""
    return header_lines(text, width * 1.2 / 1.08)


class Sheet:
    """Cells go in with :meth:`put`; :meth:`finish` sizes columns and rows and sets up
    printing. Widths follow the longest text of a column (between MIN and MAX_WIDTH);
    headers and cells marked ``wrap`` wrap instead of widening their column."""

    def __init__(self, wb, title: str, book, footer: str):
        self.ws = wb.create_sheet(title)
        self.book, self.footer = book, footer
        self.need: dict[int, float] = {}
        self.fixed: dict[int, float] = {}
        self.heights: dict[int, float] = {}
        self.headers: list[tuple[int, int, str]] = []
        self.wraps: list[tuple[int, int, str]] = []
        self.spans: list[tuple[int, int, float]] = []
        self.last_row = 0
        self.last_col = 0
        self.groups: list[tuple[int, int]] = []
        self.title_rows = 0
        self.pages = 1

    def put(self, row: int, col: int, value, style: str = "text", measure: bool = True):
        cell = set_cell(self.ws, row, col, value)
        self.book.apply(cell, style)
        self.last_row, self.last_col = max(self.last_row, row), max(self.last_col, col)
        if style == "wrap" and isinstance(value, str):
            self.wraps.append((row, col, value))
        elif measure:
            width = text_width(cell.value, style)
            if width > self.need.get(col, 0.0):
                self.need[col] = width
        return cell

    def span(self, row: int, col: int, value, style: str) -> None:
        """A text that may run over the columns to its right (titles, notes)."""
        self.put(row, col, value, style, measure=False)
        self.spans.append((row, col, text_width(value, style)))

    def band(self, row: int, text: str, last_col: int) -> None:
        """A shaded row across the table naming the rows below it (a block)."""
        self.put(row, 1, text, "band", measure=False)
        for col in range(2, last_col + 1):
            self.put(row, col, None, "band", measure=False)

    def titles(self, title: str, subtitle: str | None, alert: str | None) -> int:
        """Title, subtitle and (for synthetic data) a warning line; the next free row."""
        self.span(1, 1, title, "title")
        self.heights[1] = TITLE_HEIGHT
        row = 2
        for text, style in ((subtitle, "subtitle"), (alert, "alert")):
            if text:
                self.span(row, 1, text, style)
                row += 1
        return row

    def header(self, row: int, texts: list[str | None], first_col: int = 1) -> None:
        for col, text in enumerate(texts, first_col):
            self.put(row, col, text, "header", measure=False)
            if text is None:
                continue
            self.headers.append((row, col, text))
            longest = max((len(w) for w in str(text).split()), default=0)
            two_lines = max(longest, len(str(text)) / 2 + 1)   # at most about two lines
            self.need[col] = max(self.need.get(col, 0.0), two_lines * 1.2 + 2.0)

    def table(self, header_row: int, last_row: int, last_col: int, freeze_col: int = 1,
              filter_: bool = True) -> None:
        """Freeze everything above the first data row (and left of ``freeze_col``), and
        put a filter on the header row."""
        self.ws.freeze_panes = f"{get_column_letter(freeze_col)}{header_row + 1}"
        if filter_ and last_row > header_row:
            self.ws.auto_filter.ref = f"A{header_row}:{get_column_letter(last_col)}{last_row}"
        self.title_rows = header_row

    def freeze_titles(self, first_body_row: int) -> None:
        """Sheets of several tables: keep the title rows in view and in print."""
        self.ws.freeze_panes = f"A{first_body_row}"
        self.title_rows = first_body_row - 1

    def width(self, col: int, value: float) -> None:
        self.fixed[col] = value

    def widths(self) -> list[float]:
        return [self.column_width(c) for c in range(1, self.last_col + 1)]

    def column_width(self, col: int) -> float:
        if col in self.fixed:
            return self.fixed[col]
        return min(MAX_WIDTH, max(MIN_WIDTH, math.ceil(self.need.get(col, 0.0))))

    def finish(self, extra_width: float = 0.0, fit_height: int = 0) -> int:
        """Set widths, heights and print layout; return the printed page count planned.
        ``extra_width``: character units taken by charts right of the cells."""
        widths = self.widths()
        if not extra_width:       # beside a chart, a long note may run over the chart
            self._widen_for_spans(widths)
        for col, width in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(col)].width = width
        heights = self._row_heights(widths)
        for row in range(1, self.last_row + 1):
            self.ws.row_dimensions[row].height = heights.get(row, ROW_HEIGHT)
        setup_page(self.ws, self.footer, self.title_rows, fit_height)
        if fit_height or not self.groups:
            self.pages = 1
            return 1
        title_points = sum(heights.get(r, ROW_HEIGHT) for r in range(1, self.title_rows + 1))
        room = page_room(widths + [extra_width], title_points)
        self.pages = paginate(self.ws, self.groups, heights, room)
        return self.pages

    def _widen_for_spans(self, widths: list[float]) -> None:
        for _row, col, need in self.spans:
            have = sum(widths[col - 1:])
            if need > have and widths:
                widths[-1] = min(MAX_WIDTH * 2, widths[-1] + need - have)

    def _row_heights(self, widths: list[float]) -> dict[int, float]:
        heights = dict(self.heights)
        for row, col, text in self.headers:
            lines = header_lines(text, widths[col - 1])
            heights[row] = max(heights.get(row, ROW_HEIGHT), lines * LINE_HEIGHT + 4)
        for row, col, text in self.wraps:
            lines = wrapped_lines(text, widths[col - 1])
            heights[row] = max(heights.get(row, ROW_HEIGHT), lines * LINE_HEIGHT + 3)
        return heights
