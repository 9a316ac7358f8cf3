"""The Summary sheet: per block the ranking (rank, unit, composite, tier in its colour,
responses, intervals and changes when known) and a bar chart of it beside the rows."""

from __future__ import annotations

import math
from typing import Callable

from ddci_cli.report.context import Report
from ddci_cli.report.extras import year_changes
from ddci_cli.report.layout import Sheet
from ddci_cli.report.native import place, ranking_chart, rows_height_cm
from ddci_cli.report.style import CM_PER_WIDTH_UNIT, ROW_HEIGHT

CHART_WIDTH_CM = 13.5
CHART_MIN_ROWS = 12          # a block with fewer units still gets a legible chart
UNIT_COL, COMPOSITE_COL = 2, 3

Column = tuple[str, Callable[[int], tuple[object, str]]]


def composite_scale(method) -> tuple[float, float] | None:
    """The composite's possible range, when the normalisation bounds it."""
    if method.normalization in ("minmax", "goalposts", "rank"):
        low, high = sorted(method.multiplier * v for v in method.range)
        return low, high
    return None


def summary_columns(rep: Report) -> list[Column]:
    t, s = rep.labels, rep.scores
    cols: list[Column] = [
        (t("col.rank"), lambda u: (int(s.rank[u]) or None, "int")),
        (t("col.unit"), lambda u: (s.survey.units[u], "text")),
        (t("col.composite"), lambda u: (s.composite[u], "score_bold")),
        (t("col.tier"), lambda u: (rep.tier_text(u), rep.tier_style(u))),
        (t("col.responses"), lambda u: (int(s.values.responses[u]), "count")),
    ]
    if s.ci:
        def ci(u, key, k):
            bounds = (s.ci.get(u) or {}).get(key)
            return bounds[k] if bounds else None
        cols += [(t("col.ci_low"), lambda u: (ci(u, "composite", 0), "score")),
                 (t("col.ci_high"), lambda u: (ci(u, "composite", 1), "score")),
                 (t("col.rank_ci_low"), lambda u: (ci(u, "rank", 0), "int")),
                 (t("col.rank_ci_high"), lambda u: (ci(u, "rank", 1), "int"))]
    changes = year_changes(rep)
    if changes is not None:
        previous, delta = changes
        cols += [(t("col.change_composite", year=previous),
                  lambda u: (delta.get(u, (None, None))[0], "signed")),
                 (t("col.change_rank", year=previous),
                  lambda u: (delta.get(u, (None, None))[1], "signed_int"))]
    cols.append((t("col.note"), lambda u: (_note(rep, u), "text")))
    return cols


def _note(rep: Report, u: int) -> str | None:
    """Why a unit is not ranked; or, with intervals, that it cannot be told apart from the
    unit ranked after it."""
    note = rep.status_note(u)
    if not note and ((rep.scores.ci or {}).get(u) or {}).get("tied_with_next"):
        note = rep.labels("note.tied")
    return note or None


def summary_sheet(wb, rep: Report) -> Sheet:
    """Header row, then per block a band row with the block's name, its units in ranking
    order and, right of them, the block's ranking chart. One page per block where the
    blocks do not fit together."""
    t = rep.labels
    sheet = Sheet(wb, rep.sheet_name(t("sheet.summary")), rep.book, t("page.footer"))
    scale = composite_scale(rep.method)
    subtitle = t("title.summary")
    if scale:
        subtitle += ". " + t("note.scale", low=scale[0], high=scale[1])
    if rep.scores.ci:
        subtitle += " " + t("note.tied_explained")
    header_row = sheet.titles(rep.title(), subtitle, rep.alert())
    cols = summary_columns(rep)
    sheet.header(header_row, [head for head, _ in cols])
    row, charts = header_row + 1, []
    for view in rep.blocks:
        sheet.band(row, view.label, len(cols))
        first = row + 1
        row = first
        for u in view.units:
            for c, (_, get) in enumerate(cols, 1):
                value, style = get(u)
                sheet.put(row, c, value, style)
            row += 1
        if view.ranked:
            charts.append((view, first - 1, first, first + len(view.ranked) - 1))
        end = max(row - 1, first - 1 + CHART_MIN_ROWS)
        sheet.groups.append((first - 1, end))
        row = end + 2
    last = max(r for _, r in sheet.groups)
    sheet.table(header_row, last, len(cols))
    chart_col = len(cols) + 2
    sheet.width(chart_col - 1, 2.0)
    sheet.last_col = max(sheet.last_col, chart_col - 1)
    sheet.finish(extra_width=CHART_WIDTH_CM / CM_PER_WIDTH_UNIT)
    breaks = sorted(b.id for b in sheet.ws.row_breaks.brk)
    for view, top, first, last_ranked in charts:
        axis = axis_range([rep.scores.composite[u] for u in view.ranked], scale)
        for n, (a, b) in enumerate(_page_parts(first, last_ranked, breaks)):
            _add_chart(sheet, rep, view, top if n == 0 else a, a, b, first, chart_col, axis)
    return sheet


def axis_range(values, scale) -> tuple[float | None, float | None]:
    """The value axis: the composite's scale when bounded (from 0 when it is positive),
    else 0 (or automatic below 0) to a round number above the largest value, so every
    part of a block's chart has the same axis."""
    if scale:
        return (0.0 if scale[0] >= 0 else None), scale[1]
    finite = [float(v) for v in values if v == v]
    if not finite or max(finite) <= 0:
        return None, None
    top = max(finite)
    step = 10 ** math.floor(math.log10(top)) / 2
    return (0.0 if min(finite) >= 0 else None), math.ceil(top / step * 1.0001) * step


def _page_parts(first: int, last: int, breaks: list[int]) -> list[tuple[int, int]]:
    """Rows first..last cut at the page breaks: one chart per printed page."""
    parts, start = [], first
    for brk in breaks:
        if start <= brk < last:
            parts.append((start, brk))
            start = brk + 1
    parts.append((start, last))
    return parts


def _add_chart(sheet: Sheet, rep: Report, view, top: int, first: int, last: int,
               block_first: int, chart_col: int, axis) -> None:
    s = rep.scores
    units = view.ranked[first - block_first:last - block_first + 1]
    colours = [rep.tier_colours[int(s.tier[u])][0] if s.tier[u] >= 0 else "7F7F7F"
               for u in units]
    rows = max(last - top + 1, CHART_MIN_ROWS + 1 if top < first else 1)
    heading = rep.labels("chart.ranking", block=view.label)
    if len(units) < len(view.ranked):
        heading += f" ({int(s.rank[units[0]])}–{int(s.rank[units[-1]])})"
    chart = ranking_chart(sheet.ws, heading, UNIT_COL, COMPOSITE_COL, first, last, colours,
                          rep.book.score_format, axis[0], axis[1], CHART_WIDTH_CM,
                          rows_height_cm(rows, ROW_HEIGHT) - 0.1)
    place(sheet.ws, chart, chart_col, top)
