"""The Diagnostics sheet: responses per unit, missing rate per indicator, Cronbach's alpha
per sub-index (when computed), the outlier treatment record (when the method treats, SPEC
§10), and every problem (warning) found while reading and scoring."""

from __future__ import annotations

from typing import Any

import numpy as np

from ddci_cli.report.context import Report
from ddci_cli.report.layout import Sheet

WIDTHS = (22.0, 60.0, 13.0, 13.0, 13.0, 34.0)   # A: key, B: long text, C–E: numbers, F: note
PROBLEM_LIMIT = 2000          # a spreadsheet is no place for a million bad-cell warnings


def rows_per_unit(survey) -> np.ndarray:
    """Survey rows (evaluations) with weight > 0 per unit."""
    mask = (survey.unit_of_row >= 0) & (np.nan_to_num(survey.weights) > 0)
    return np.bincount(survey.unit_of_row[mask], minlength=len(survey.units))


def missing_rates(scores) -> list[tuple[int, int, int, float | None]]:
    """Per indicator of the method: (index, valid answers, evaluations of the units of the
    blocks it belongs to, missing rate 0–1 or None without evaluations)."""
    survey, method = scores.survey, scores.method
    rows = rows_per_unit(survey)
    out = []
    for i, _ind in enumerate(method.indicators):
        units = [u for plan in scores.plans if i in set(plan.indicators.tolist())
                 for u in plan.units]
        total = int(rows[units].sum()) if units else 0
        answers = int(scores.values.counts[units, i].sum()) if units else 0
        out.append((i, answers, total, 1.0 - answers / total if total else None))
    return out


def alpha_rows(rep: Report) -> list[tuple[str, str, Any, Any, Any]] | None:
    """(block, sub-index, alpha, items, n) from the ``diagnostics`` given to the writer:
    ``{"alpha": [{"block", "subindex", "alpha", "items", "n"}, ...]}``, or
    ``{"alpha": {block: {subindex: alpha}}}``, or ``{"alpha": {subindex: alpha}}``."""
    doc = rep.extras.get("diagnostics") or {}
    alpha = doc.get("alpha")
    if not alpha:
        return None
    t, method = rep.labels, rep.method
    blocks = {b.id: t.of(b) for b in method.blocks}
    subs = {k.id: t.of(k) for k in method.subindices}
    if isinstance(alpha, list):
        return [(blocks.get(a.get("block"), a.get("block") or ""),
                 subs.get(a.get("subindex"), a.get("subindex")), a.get("alpha"),
                 a.get("items"), a.get("n")) for a in alpha]
    out = []
    for key, value in alpha.items():
        if isinstance(value, dict):
            out += [(blocks.get(key, key), subs.get(k, k), v, None, None)
                    for k, v in value.items()]
        else:
            out.append(("", subs.get(key, key), value, None, None))
    return out


def diagnostics_sheet(wb, rep: Report) -> Sheet:
    t = rep.labels
    sheet = Sheet(wb, rep.sheet_name(t("sheet.diagnostics")), rep.book, t("page.footer"))
    row = sheet.titles(rep.title(), t("title.diagnostics"), rep.alert())
    sheet.freeze_titles(row)
    for col, width in enumerate(WIDTHS, 1):
        sheet.width(col, width)
    row = _responses(sheet, rep, row) + 1
    row = _missing(sheet, rep, row) + 1
    row = _alpha(sheet, rep, row) + 1
    row = _treatment(sheet, rep, row)
    _problems(sheet, rep, row)
    sheet.pages = sheet.finish()
    return sheet


def _section(sheet: Sheet, row: int, title: str, heads: list[str]) -> int:
    sheet.span(row, 1, title, "section")
    if heads:
        sheet.header(row + 1, heads)
        return row + 2
    return row + 1


def _responses(sheet: Sheet, rep: Report, row: int) -> int:
    t, s = rep.labels, rep.scores
    first = row
    row = _section(sheet, row, t("diag.responses"),
                   [t("col.block"), t("col.unit"), t("col.rows"), t("col.responses"), None,
                    t("col.note")])
    rows = rows_per_unit(s.survey)
    for view in rep.blocks:
        for u in view.units:
            sheet.put(row, 1, view.label)
            sheet.put(row, 2, s.survey.units[u])
            sheet.put(row, 3, int(rows[u]), "count")
            sheet.put(row, 4, int(s.values.responses[u]), "count")
            sheet.put(row, 5, None)
            sheet.put(row, 6, rep.status_note(u) or None, "wrap")
            row += 1
    sheet.groups.append((first, row - 1))
    return row


def _missing(sheet: Sheet, rep: Report, row: int) -> int:
    t, method = rep.labels, rep.method
    first = row
    row = _section(sheet, row, t("diag.missing"),
                   [t("col.id"), t("col.indicator"), t("col.answers"), t("col.rows"),
                    t("col.missing_rate")])
    for i, answers, total, rate in missing_rates(rep.scores):
        ind = method.indicators[i]
        sheet.put(row, 1, ind.id)
        sheet.put(row, 2, t.of(ind), "wrap")
        sheet.put(row, 3, answers, "count")
        sheet.put(row, 4, total, "count")
        sheet.put(row, 5, rate, "pct")
        sheet.put(row, 6, None)
        row += 1
    sheet.groups.append((first, row - 1))
    return row


def _alpha(sheet: Sheet, rep: Report, row: int) -> int:
    t = rep.labels
    first = row
    rows = alpha_rows(rep)
    if rows is None:
        row = _section(sheet, row, t("diag.alpha"), [])
        sheet.span(row, 1, t("diag.alpha_none"), "subtitle")
        sheet.groups.append((first, row))
        return row + 1
    row = _section(sheet, row, t("diag.alpha"),
                   [t("col.block"), t("col.subindex"), t("col.alpha"), t("col.items"),
                    t("col.n")])
    for values in rows:
        for c, (value, style) in enumerate(zip(values, ("text", "text", "score", "count",
                                                        "count")), 1):
            sheet.put(row, c, value, style)
        row += 1
    sheet.groups.append((first, row - 1))
    return row


TREATMENT_COLS = 11  # block … log used; units winsorised in the wide note column F


def _treatment(sheet: Sheet, rep: Report, row: int) -> int:
    """The treatment record (SPEC §10), one row per block and indicator: n, G1 and G2
    before, the units and points winsorised, G1 and G2 after, whether it passes, whether
    the log replaced it; nothing when the method does not treat. Returns the next free
    row (after a blank one)."""
    p, method, t = rep.scores.prepared, rep.method, rep.labels
    if p is None or method.treatment.method == "none":
        return row
    first = row
    rule = method.treatment
    sheet.span(row, 1, t("diag.treatment"), "section")
    sheet.span(row + 1, 1, t("diag.treatment_rule", winmax=rule.winmax, skew=rule.skew,
                             kurtosis=rule.kurtosis,
                             fallback=t(f"diag.fallback_{rule.fallback}")), "aside")
    sheet.header(row + 2, [t("col.block"), t("col.indicator"), t("col.values_n"),
                           t("col.skew_before"), t("col.kurtosis_before"),
                           t("col.units_winsorised"), t("col.points_winsorised"),
                           t("col.skew_after"), t("col.kurtosis_after"), t("col.passed"),
                           t("col.log")])
    for col in range(7, TREATMENT_COLS + 1):
        sheet.width(col, 13.0)
    row += 3
    blocks = {b.id: t.of(b) for b in method.blocks}
    labels = {ind.id: t.of(ind) for ind in method.indicators}
    moment = rep.book.variant("score", "0.00")
    for r in p.records:
        passed = r["passed_after"]
        cells = ((blocks.get(r["block"], r["block"]), "text"),
                 (f"{r['indicator']} – {labels.get(r['indicator'], '')}", "wrap"),
                 (r["n"], "count"), (r["skew_before"], moment), (r["kurtosis_before"], moment),
                 (", ".join(r["units_winsorised"]) or None, "wrap"), (r["winsorised"], "count"),
                 (r["skew_after"], moment), (r["kurtosis_after"], moment),
                 (t("treat.few") if passed is None else t(f"bool.{'yes' if passed else 'no'}"),
                  "text"), (t(f"bool.{'yes' if r['log'] else 'no'}"), "text"))
        for c, (value, style) in enumerate(cells, 1):
            sheet.put(row, c, value, style)
        row += 1
    sheet.groups.append((first, row - 1))
    return row + 1


def _problems(sheet: Sheet, rep: Report, row: int) -> int:
    t = rep.labels
    problems = list(rep.scores.problems)
    first = row
    row = _section(sheet, row, t("diag.problems"),
                   [t("col.severity"), t("col.message"), t("col.code"), None, None,
                    t("col.place")])
    if not problems:
        sheet.put(row, 1, t("diag.no_problems"))
        sheet.groups.append((first, row))
        return row + 1
    for p in problems[:PROBLEM_LIMIT]:
        sheet.put(row, 1, t(f"severity.{p.severity}"))
        sheet.put(row, 2, p.message, "wrap")
        sheet.span(row, 3, p.code, "text")
        sheet.put(row, 4, None)
        sheet.put(row, 5, None)
        sheet.put(row, 6, p.place() or None, "wrap")
        row += 1
    if len(problems) > PROBLEM_LIMIT:
        sheet.put(row, 2, f"… +{len(problems) - PROBLEM_LIMIT}", "text")
        row += 1
    sheet.groups.append((first, row - 1))
    return row
