"""The data sheets: Sub-indices (units × sub-indices, a colour scale per column and block,
block mean and best rows) and Indicators (one row per unit × indicator: value, normalised
score, answers)."""

from __future__ import annotations

from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.utils import get_column_letter

from ddci_cli.report.context import Report
from ddci_cli.report.layout import Sheet
from ddci_cli.report.style import SCALE

FIXED_COLS = 3   # rank, unit, composite


def subindex_sheet(wb, rep: Report) -> Sheet:
    t, s, method = rep.labels, rep.scores, rep.method
    sheet = Sheet(wb, rep.sheet_name(t("sheet.subindices")), rep.book, t("page.footer"))
    header_row = sheet.titles(rep.title(), t("title.subindices"), rep.alert())
    subs = list(method.subindices)
    sheet.header(header_row, [t("col.rank"), t("col.unit"), t("col.composite")]
                 + [t.of(k) for k in subs])
    for c in range(FIXED_COLS + 1, FIXED_COLS + len(subs) + 1):
        sheet.width(c, 13.0)
    row = header_row + 1
    for view in rep.blocks:
        sheet.band(row, view.label, FIXED_COLS + len(subs))
        row += 1
        first = row
        present = {int(k): n for n, k in enumerate(view.plan.subindices)}
        for u in view.units:
            sheet.put(row, 1, int(s.rank[u]) or None, "int")
            sheet.put(row, 2, s.survey.units[u])
            sheet.put(row, 3, s.composite[u], "score_bold")
            for k in range(len(subs)):
                col = FIXED_COLS + 1 + k
                if k in present:
                    sheet.put(row, col, s.subindices[u, k], "score")
                else:
                    sheet.put(row, col, None, "absent")
            row += 1
        last_unit = row - 1
        for label, stats, comp in ((t("row.block_mean"), view.sub_mean, _mean(s, view)),
                                   (t("row.block_best"), view.sub_best, _best(s, view))):
            sheet.put(row, 1, None, "stat_text")
            sheet.put(row, 2, label, "stat_text")
            sheet.put(row, 3, comp, "stat_score")
            for k in range(len(subs)):
                value = stats[present[k]] if k in present else None
                sheet.put(row, FIXED_COLS + 1 + k, value, "stat_score")
            row += 1
        _colour_scales(sheet.ws, present, first, last_unit)
        sheet.groups.append((first - 1, row - 1))
        row += 1
    last = row - 2
    sheet.table(header_row, last, FIXED_COLS + len(subs), freeze_col=3)
    sheet.pages = sheet.finish()
    return sheet


def _mean(s, view):
    values = [s.composite[u] for u in view.ranked]
    return sum(values) / len(values) if values else None


def _best(s, view):
    return max((s.composite[u] for u in view.ranked), default=None)


def _colour_scales(ws, present: dict[int, int], first: int, last: int) -> None:
    """Low → high colours within the block's own units (normalisation is per block)."""
    if last < first:
        return
    for k in sorted(present):
        col = get_column_letter(FIXED_COLS + 1 + k)
        rule = ColorScaleRule(start_type="min", start_color=SCALE[0], mid_type="percentile",
                              mid_value=50, mid_color=SCALE[1], end_type="max",
                              end_color=SCALE[2])
        ws.conditional_formatting.add(f"{col}{first}:{col}{last}", rule)


def indicator_sheet(wb, rep: Report) -> Sheet:
    t, s, method = rep.labels, rep.scores, rep.method
    sheet = Sheet(wb, rep.sheet_name(t("sheet.indicators")), rep.book, t("page.footer"))
    header_row = sheet.titles(rep.title(), t("title.indicators"), rep.alert())
    heads = [t("col.block"), t("col.unit"), t("col.subindex"), t("col.id"), t("col.indicator"),
             t("col.value"), t("col.score"), t("col.n")]
    sheet.header(header_row, heads)
    sub_label = {k.id: t.of(k) for k in method.subindices}
    indicators = method.indicators
    row = header_row + 1
    for view in rep.blocks:
        for u in view.units:
            first = row
            for i in view.plan.indicators:
                ind = indicators[i]
                share = ind.statistic == "share"
                cells = ((view.label, "text"), (s.survey.units[u], "text"),
                         (sub_label[ind.subindex], "text"), (ind.id, "text"),
                         (t.of(ind), "text"),
                         (s.values.values[u, i], "share" if share else "score"),
                         (s.scores[u, i], "score"), (int(s.values.counts[u, i]), "count"))
                for c, (value, style) in enumerate(cells, 1):
                    sheet.put(row, c, value, style)
                row += 1
            if row > first:
                sheet.groups.append((first, row - 1))
    sheet.table(header_row, row - 1, len(heads), freeze_col=3)
    sheet.pages = sheet.finish()
    return sheet
