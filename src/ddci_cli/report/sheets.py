"""The data sheets: Sub-indices (units × sub-indices, a colour scale per column and block,
block mean and best rows) and Indicators (one row per unit × indicator: value, normalised
score, answers; imputed values italic and winsorised ones shaded, SPEC §10)."""

from __future__ import annotations

from copy import copy

from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import PatternFill
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
    """One row per unit × indicator: value, normalised score, answers. With imputation
    (SPEC §10) an imputed value is shown in italic; with treatment a "Treated value"
    column follows the value and winsorised values are shaded; a legend line above the
    table says so."""
    t, s, method = rep.labels, rep.scores, rep.method
    sheet = Sheet(wb, rep.sheet_name(t("sheet.indicators")), rep.book, t("page.footer"))
    header_row = sheet.titles(rep.title(), t("title.indicators"), rep.alert())
    marks = _Marks(rep)
    header_row = marks.legend(sheet, header_row)
    heads = [t("col.block"), t("col.unit"), t("col.subindex"), t("col.id"), t("col.indicator"),
             t("col.value"), *([t("col.treated")] if marks.treated else []), t("col.score"),
             t("col.n")]
    sheet.header(header_row, heads)
    sub_label = {k.id: t.of(k) for k in method.subindices}
    row = header_row + 1
    for view in rep.blocks:
        for u in view.units:
            first = row
            for i in view.plan.indicators:
                ind = method.indicators[i]
                number = "share" if ind.statistic == "share" else "score"
                value = marks.value(u, i)
                cells = [(view.label, "text"), (s.survey.units[u], "text"),
                         (sub_label[ind.subindex], "text"), (ind.id, "text"),
                         (t.of(ind), "text"), (value, number)]
                if marks.treated:  # a log-transformed column is no longer a percentage
                    cells.append((marks.treated_value(u, i),
                                  "score" if (view.plan.block, ind.id) in marks.logged
                                  else number))
                cells += [(s.scores[u, i], "score"), (int(s.values.counts[u, i]), "count")]
                for c, (v, style) in enumerate(cells, 1):
                    cell = sheet.put(row, c, v, style)
                    if c == VALUE_COL or (marks.treated and c == VALUE_COL + 1):
                        marks.mark(cell, u, i)
                row += 1
            if row > first:
                sheet.groups.append((first, row - 1))
    sheet.table(header_row, row - 1, len(heads), freeze_col=3)
    sheet.pages = sheet.finish()
    return sheet


VALUE_COL = 6                # the unit value's column in the Indicators sheet
WINSORISED_FILL = "FCE4D6"   # light orange: a winsorised value (legend line above the table)


class _Marks:
    """Imputed and winsorised values of the Indicators sheet (SPEC §10): which cells, how
    they look (italic; an orange fill) and the legend naming both."""

    def __init__(self, rep: Report):
        self.rep, self.p = rep, rep.scores.prepared
        method = rep.method
        self.imputing = self.p is not None and method.imputation.method != "none"
        self.treated = self.p is not None and method.treatment.method != "none"
        self.logged = {(r["block"], r["indicator"]) for r in self.p.records if r["log"]} \
            if self.treated else set()

    def legend(self, sheet: Sheet, row: int) -> int:
        """Legend lines under the titles (only for the steps the method runs); the next
        free row."""
        t = self.rep.labels
        if self.imputing:
            how = t(f"impute.{self.rep.method.imputation.method}")
            sheet.span(row, 1, t("note.imputed", how=how), "aside")
            row += 1
        if self.treated:
            sheet.span(row, 1, t("note.winsorised"), "aside")
            self._fill(sheet.ws.cell(row, 1))
            row += 1
        return row

    def value(self, u: int, i: int):
        """The unit value, or its imputed value."""
        if self.imputing and self.p.imputed[u, i]:
            return self.p.values[u, i]
        return self.rep.scores.values.values[u, i]

    def treated_value(self, u: int, i: int):
        return self.p.treated[u, i]

    def mark(self, cell, u: int, i: int) -> None:
        if self.imputing and self.p.imputed[u, i]:
            font = copy(cell.font)
            font.italic = True
            cell.font = font
        if self.treated and self.p.winsorised[u, i]:
            self._fill(cell)

    @staticmethod
    def _fill(cell) -> None:
        cell.fill = PatternFill("solid", fgColor=WINSORISED_FILL)
