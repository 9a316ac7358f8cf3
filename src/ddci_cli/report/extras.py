"""What exists only when its data are given to the writer: changes against the previous
year (``comparison``: a ddci_cli.compare.Comparison, whose own module draws its sheet, or
the ``ddci compare --json`` document of SPEC §9) and the sensitivity of the ranks
(``sensitivity``: the ``ddci sensitivity --json`` document of SPEC §8)."""

from __future__ import annotations

from typing import Any

from ddci_cli.text import match_key
from ddci_cli.report.context import Report
from ddci_cli.report.labels import LABELS
from ddci_cli.report.layout import Sheet


def _year_key(mapping: dict, year) -> Any:
    for key in (year, str(year)):
        if key in mapping:
            return key
    return None


def _current_year(rep: Report, years: list) -> Any:
    """The report's year among the compared ones: the method's year, else the last."""
    same = [y for y in years if rep.method.year is not None and str(y) == str(rep.method.year)]
    return same[0] if same else years[-1]


def _unit_index(rep: Report) -> dict[tuple[str, str], int]:
    survey = rep.survey
    return {(match_key(name), block): u
            for u, (name, block) in enumerate(zip(survey.units, survey.unit_blocks))}


def year_changes(rep: Report) -> tuple[Any, dict[int, tuple]] | None:
    """(previous year, unit → (composite change, rank change)) for this report's year, or
    None without a comparison."""
    doc = rep.extras.get("comparison")
    if doc is not None and hasattr(doc, "latest_changes"):     # a compare.Comparison
        if len(doc.years) < 2:
            return None
        return doc.years[-2], {u: (_number(c.composite), c.rank)
                               for u, c in doc.latest_changes().items() if c is not None}
    if not doc or not doc.get("years"):
        return None
    years = list(doc["years"])
    current = _current_year(rep, years)
    pos = years.index(current)
    if pos == 0:
        return None
    index = _unit_index(rep)
    out = {}
    for item in doc.get("units", []):
        u = index.get((match_key(item.get("unit", "")), item.get("block")))
        changes = item.get("changes") or {}
        key = _year_key(changes, current)
        if u is None or key is None or not changes[key]:
            continue
        out[u] = (changes[key].get("composite"), changes[key].get("rank"))
    return years[pos - 1], out


def _number(value) -> float | None:
    return None if value is None or value != value else float(value)


def years_sheet(wb, rep: Report):
    """The comparison over the years: the compare module's own sheet (with its charts) for
    a Comparison, a plain table for a ``compare --json`` document."""
    doc = rep.extras.get("comparison")
    if doc is not None and hasattr(doc, "tracks"):
        from ddci_cli.report.comparison import add_comparison_sheet

        return add_comparison_sheet(wb, doc, rep)
    if not doc or not doc.get("years"):
        return None
    t = rep.labels
    sheet = Sheet(wb, rep.sheet_name(t("sheet.years")), rep.book, t("page.footer"))
    header_row = sheet.titles(rep.title(), t("title.years"), rep.alert())
    years = list(doc["years"])
    heads = [t("col.block"), t("col.unit")]
    for y in years:
        heads += [t("col.year_composite", year=y), t("col.year_rank", year=y)]
    sheet.header(header_row, heads)
    labels = {b.id: t.of(b) for b in rep.method.blocks}
    row = header_row + 1
    for item in doc.get("units", []):
        sheet.put(row, 1, labels.get(item.get("block"), item.get("block")))
        sheet.put(row, 2, item.get("unit"))
        for k, y in enumerate(years):
            entry = item.get("years", {}).get(_year_key(item.get("years", {}), y) or y) or {}
            sheet.put(row, 3 + 2 * k, entry.get("composite"), "score")
            sheet.put(row, 4 + 2 * k, entry.get("rank"), "int")
        row += 1
    sheet.groups.append((header_row + 1, max(row - 1, header_row + 1)))
    sheet.table(header_row, row - 1, len(heads), freeze_col=3)
    sheet.pages = sheet.finish()
    return sheet


def sensitivity_sheet(wb, rep: Report) -> Sheet | None:
    doc = rep.extras.get("sensitivity")
    if not doc:
        return None
    t = rep.labels
    sheet = Sheet(wb, rep.sheet_name(t("sheet.sensitivity")), rep.book, t("page.footer"))
    header_row = sheet.titles(rep.title(), t("title.sensitivity"), rep.alert())
    for text in (_varied(t, doc), t("sens.tiers")):
        sheet.span(header_row, 1, text, "subtitle")
        header_row += 1
    header_row += 1
    tiers = [tier.label for tier in rep.method.tiers_descending()]
    tier_names = [t("col.tier_probability", tier=t.of(tier))
                  for tier in rep.method.tiers_descending()]
    heads = [t("col.block"), t("col.unit"), t("col.nominal_rank"), t("col.mean_rank"),
             t("col.median_rank"), t("col.q05_rank"), t("col.q95_rank")] + tier_names
    sheet.header(header_row, heads)
    labels = {b.id: t.of(b) for b in rep.method.blocks}
    rank_1 = rep.book.variant("score", "0.0")
    row = header_row + 1
    for item in doc.get("units", []):
        values = [(labels.get(item.get("block"), item.get("block")), "text"),
                  (item.get("unit"), "text"), (_rank(item.get("nominal_rank")), "int"),
                  (item.get("mean_rank"), rank_1), (_rank(item.get("median_rank")), "int"),
                  (_rank(item.get("q05_rank")), "int"), (_rank(item.get("q95_rank")), "int")]
        probs = item.get("tier_probability") or {}
        values += [(probs.get(label), "pct0") for label in tiers]
        for c, (value, style) in enumerate(values, 1):
            sheet.put(row, c, value, style)
        row += 1
    last = row - 1
    sheet.groups.append((header_row + 1, max(last, header_row + 1)))
    _indices_table(sheet, rep, doc.get("indices") or {}, row + 1, labels)
    sheet.table(header_row, last, len(heads), freeze_col=3)
    sheet.pages = sheet.finish()
    return sheet


def _rank(value):
    """A rank as a whole number where it is one (nominal ranks, quantiles of ranks)."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _varied(t, doc: dict) -> str:
    """One sentence: how many runs, and what each run varied (SPEC §8)."""
    settings = doc.get("settings") or {}
    parts = []
    if settings.get("weights_dirichlet"):
        parts.append(t("sens.dirichlet", a=settings["weights_dirichlet"]))
    elif settings.get("weights"):
        p = float(settings["weights"])
        parts.append(t("sens.weights", p=p, pct=round(100 * p, 6)))
    for key in ("normalization", "aggregation", "min_responses"):
        values = settings.get(key) or []
        if len(values) > 1:
            shown = [t(f"value.{v}") if f"value.{v}" in LABELS else str(v) for v in values]
            parts.append(t("sens.choice", what=t(f"sens.{key}"), values=" / ".join(shown)))
    if settings.get("exclude_subindex"):
        parts.append(t("sens.exclude"))
    return t("sens.runs", runs=doc.get("runs", settings.get("runs")), seed=doc.get("seed", 0),
             varied="; ".join(parts) or t("sens.nothing"))


def _indices_table(sheet: Sheet, rep: Report, indices: dict, row: int, labels: dict) -> int:
    """Sobol indices per block and input (``--mode sobol``), below the ranks."""
    if not indices:
        return row
    t = rep.labels
    sheet.header(row, [t("col.block"), t("col.input"), t("col.first_order"), t("col.total")])
    first = row
    row += 1
    for block, inputs in indices.items():
        for name, stats in inputs.items():
            sheet.put(row, 1, labels.get(block, block))
            sheet.put(row, 2, name)
            sheet.put(row, 3, stats.get("first_order"), "score")
            sheet.put(row, 4, stats.get("total"), "score")
            row += 1
    sheet.groups.append((first, row - 1))
    return row
