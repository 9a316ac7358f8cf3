"""Scorecards (``--scorecards``): one printed page per unit — its rank, composite and tier;
its sub-indices against the block mean and the block's best value, as a table and a native
chart; and its three strongest and three weakest indicators relative to the block."""

from __future__ import annotations

import numpy as np

from ddci_cli.explain import explain
from ddci_cli.scores import INSUFFICIENT, OK
from ddci_cli.report.context import BlockView, Report
from ddci_cli.report.layout import Sheet
from ddci_cli.report.native import CM_PER_POINT, place, profile_chart
from ddci_cli.report.style import SERIES

LABEL_WIDTH = 46.0
NUMBER_WIDTH = 12.5
CHART_COL = 8                 # H: after the six table columns and a narrow gap
CHART_WIDTH_CM = 14.5
PICK = 3
GAP_TOL = 1e-9             # a difference this small (relative) is "at the mean"


def strongest_weakest(rep: Report, view: BlockView, u: int) -> tuple[list[int], list[int]]:
    """Positions in ``view.plan.indicators`` of the unit's strongest and weakest
    indicators: the largest positive and the most negative differences between its score
    and the block mean, ties in method order; at most 3 each. An indicator at the block
    mean (or without a score) is in neither list, so a list may hold fewer than 3."""
    diff = rep.scores.scores[u, view.plan.indicators] - view.ind_mean
    tol = GAP_TOL * max(1.0, float(np.nanmax(np.abs(view.ind_mean), initial=1.0)))
    above = [j for j in range(len(diff)) if diff[j] > tol]
    below = [j for j in range(len(diff)) if diff[j] < -tol]
    strong = sorted(above, key=lambda j: (-diff[j], j))[:PICK]
    weak = sorted(below, key=lambda j: (diff[j], j))[:PICK]
    return strong, weak


def value_format(indicator, decimals: int = 1) -> str | None:
    """Number format showing a unit value in its own unit: a share as ``37.2 %``, a mean
    on a known answer scale as ``3.9 / 5``; None (the score format) otherwise."""
    digits = "0." + "0" * decimals if decimals else "0"
    if indicator.statistic == "share":
        return f'{digits}" %"'
    if indicator.valid:
        return f'{digits}" / {indicator.valid[1]:g}"'
    return None


def scorecard_sheets(wb, rep: Report) -> list[Sheet]:
    return [_scorecard(wb, rep, view, u) for view in rep.blocks for u in view.units]


def _scorecard(wb, rep: Report, view: BlockView, u: int) -> Sheet:
    t, s = rep.labels, rep.scores
    name = s.survey.units[u]
    sheet = Sheet(wb, rep.sheet_name(name), rep.book, t("page.footer"))
    row = sheet.titles(name, f"{t('title.scorecard')} – {rep.title()}", rep.alert()) + 1
    sheet.width(1, LABEL_WIDTH)
    for c in range(2, 7):
        sheet.width(c, NUMBER_WIDTH)
    sheet.width(7, 2.0)
    row = _facts(sheet, rep, view, u, row) + 1
    if s.status[u] == INSUFFICIENT:
        sheet.title_rows = 0
        sheet.pages = sheet.finish(fit_height=1)
        return sheet
    top = row
    row = _subindex_table(sheet, rep, view, u, row)
    sub_rows = (top + 1, row - 1)
    strong, weak = strongest_weakest(rep, view, u)
    row = _indicator_table(sheet, rep, view, u, row + 1, t("card.strongest"), strong,
                           t("card.none_above"))
    row = _indicator_table(sheet, rep, view, u, row + 1, t("card.weakest"), weak,
                           t("card.none_below"))
    sheet.span(row + 1, 1, t("note.relative"), "subtitle")
    row = _explain_section(sheet, rep, view, u, row + 3)
    sheet.last_col = max(sheet.last_col, 7)
    sheet.pages = sheet.finish(fit_height=1)
    _chart(sheet, rep, top, sub_rows, row)
    return sheet


def _facts(sheet: Sheet, rep: Report, view: BlockView, u: int, row: int) -> int:
    t, s = rep.labels, rep.scores
    facts = [(t("card.block"), view.label, "text", None),
             (t("card.rank"), int(s.rank[u]) or None, "count",
              t("card.of", n=len(view.ranked)) if s.rank[u] else None),
             (t("card.composite"), s.composite[u], "score_bold", None),
             (t("card.tier"), rep.tier_text(u), rep.tier_style(u), None),
             (t("card.responses"), int(s.values.responses[u]), "count", None)]
    ci = (s.ci or {}).get(u) or {}
    if ci.get("composite"):
        facts.append((f"{t('col.ci_low')} / {t('col.ci_high')}", ci["composite"][0], "score",
                      ci["composite"][1]))
    for key, value, style, extra in facts:
        sheet.put(row, 1, key, "key")
        if isinstance(value, str) and style == "text":
            sheet.span(row, 2, value, "text")
        else:
            sheet.put(row, 2, value, style, measure=False)
        if isinstance(extra, str):
            sheet.span(row, 3, extra, "aside")
        elif extra is not None:
            sheet.put(row, 3, extra, "score", measure=False)
        row += 1
    note = rep.status_note(u)
    if note:
        sheet.span(row, 1, note, "alert")
        row += 1
    return row


def _subindex_table(sheet: Sheet, rep: Report, view: BlockView, u: int, row: int) -> int:
    t, s, method = rep.labels, rep.scores, rep.method
    sheet.header(row, [t("card.subindices"), None, t("col.unit_score"), t("col.block_mean"),
                       t("col.block_best"), t("col.difference")])
    row += 1
    for n, k in enumerate(view.plan.subindices):
        _against_block(sheet, row, t.of(method.subindices[k]), None, s.subindices[u, k],
                       view.sub_mean[n], view.sub_best[n])
        row += 1
    return row


def _against_block(sheet: Sheet, row: int, label: str, unit_value: tuple | None,
                   value: float, mean: float, best: float) -> None:
    """One row: the unit value in its own unit (``(number, style)`` or None), the unit's
    score, the block mean and best, and the difference to the mean."""
    sheet.put(row, 1, label, "wrap")
    if unit_value is None:
        sheet.put(row, 2, None, "text")
    else:
        sheet.put(row, 2, unit_value[0], unit_value[1], measure=False)
    sheet.put(row, 3, value, "score_bold")
    sheet.put(row, 4, mean, "score")
    sheet.put(row, 5, best, "score")
    sheet.put(row, 6, value - mean, "signed")


def _indicator_table(sheet: Sheet, rep: Report, view: BlockView, u: int, row: int,
                     heading: str, picks: list[int], none: str) -> int:
    t, s = rep.labels, rep.scores
    sheet.span(row, 1, heading, "section")
    row += 1
    if not picks:
        sheet.span(row, 1, none, "aside")
        return row + 1
    sheet.header(row, [t("col.indicator"), t("col.value"), t("col.unit_score"),
                       t("col.block_mean"), t("col.block_best"), t("col.difference")])
    row += 1
    for j in picks:
        i = view.plan.indicators[j]
        ind = rep.method.indicators[i]
        fmt = value_format(ind)
        style = rep.book.variant("score", fmt) if fmt else "score"
        _against_block(sheet, row, t.of(ind), (s.values.values[u, i], style), s.scores[u, i],
                       view.ind_mean[j], view.ind_best[j])
        row += 1
    return row


def _explain_section(sheet: Sheet, rep: Report, view: BlockView, u: int, row: int) -> int:
    """``ddci explain`` on the page: the gap to the block mean and its largest parts, the
    unit ranked just above, and up to three single changes with the rank each gives."""
    t, s = rep.labels, rep.scores
    if s.status[u] != OK:
        return row
    doc = explain(s, u)
    sheet.span(row, 1, t("card.explain"), "section")
    digits = f".{rep.method.decimals}f"
    label = {k.id: t.of(k) for k in rep.method.subindices}
    gaps = {p["id"]: (p["contribution"] or 0.0) - p["block_mean_contribution"]
            for p in doc["subindices"]}
    largest = sorted(gaps, key=lambda k: -abs(gaps[k]))[:3]
    text = ", ".join(f"{label[k]} {gaps[k]:+.2f}" for k in largest)
    sheet.span(row + 1, 1, t("card.vs_mean", composite=format(doc["composite"], digits),
                             mean=format(doc["block_mean"], digits),
                             gap=doc["composite"] - doc["block_mean"], parts=text), "text")
    row += 2
    if doc["above"]:
        sheet.span(row, 1, t("card.vs_above", **doc["above"]), "text")
        row += 1
    if not doc["what_if"]:
        sheet.span(row, 1, t("card.no_what_if"), "aside")
        return row + 1
    sheet.span(row, 1, t("card.what_if"), "text")
    sheet.header(row + 1, [t("col.indicator"), t("col.from"), t("col.to"), t("col.new_rank"),
                           t("col.new_composite"), t("col.unit")])
    row += 2
    ids = [ind.id for ind in rep.method.indicators]
    for w in doc["what_if"]:
        ind = rep.method.indicators[ids.index(w["indicator"])]
        fmt = value_format(ind)
        style = rep.book.variant("score", fmt) if fmt else "score"
        sheet.put(row, 1, t.of(ind), "wrap")
        sheet.put(row, 2, w["from"], style, measure=False)
        sheet.put(row, 3, w["to"], style, measure=False)
        sheet.put(row, 4, w["rank"], "int")
        sheet.put(row, 5, w["composite"], "score")
        sheet.put(row, 6, w["level_of"], "wrap")
        row += 1
    return row


def _chart(sheet: Sheet, rep: Report, top: int, sub_rows: tuple[int, int], end: int) -> None:
    low, high = _score_axis(rep.method)
    dims = sheet.ws.row_dimensions
    height = sum(dims[r].height or 15.0 for r in range(top, end + 1)) * CM_PER_POINT
    chart = profile_chart(sheet.ws, rep.labels("chart.profile"), 1,
                          [(3, SERIES["unit"]), (4, SERIES["mean"]), (5, SERIES["best"])],
                          top, sub_rows[0], sub_rows[1], low, high, CHART_WIDTH_CM,
                          max(height, 7.0))
    place(sheet.ws, chart, CHART_COL, top)


def _score_axis(method) -> tuple[float | None, float | None]:
    if method.normalization in ("minmax", "goalposts", "rank"):
        low, high = sorted(method.range)
        return (0.0 if low >= 0 else None), high
    return None, None
