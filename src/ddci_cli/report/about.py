"""The Method sheet (the method file as tables) and the About sheet (tool version, time,
input and method files with their SHA-256, command line, seed, and whether the data are
synthetic)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from ddci_cli import __version__
from ddci_cli.report.context import Report
from ddci_cli.report.layout import Sheet

LABEL_WIDTH = 50.0
VALUE_WIDTH = 90.0


def command_line() -> str | None:
    """The ``ddci …`` command that is running, or None when called from Python."""
    prog = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if prog not in ("ddci", "ddci.exe", "__main__.py"):
        return None
    return shlex.join(["ddci", *sys.argv[1:]])


def _text(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _codes(values) -> str:
    return ", ".join(_text(v) for v in values)


def _pair(values) -> str | None:
    return f"{values[0]:g} – {values[1]:g}" if values else None


def _share(ind) -> str | None:
    """The answers a share counts: a set {4, 5} or an inclusive range [4 – 5]."""
    if ind.share_of:
        return "{" + _codes(ind.share_of) + "}"
    return f"[{_pair(ind.share_range)}]" if ind.share_range else None


def method_sheet(wb, rep: Report) -> Sheet:
    t, m = rep.labels, rep.method
    sheet = Sheet(wb, rep.sheet_name(t("sheet.method")), rep.book, t("page.footer"))
    row = sheet.titles(rep.title(), t("title.method"), rep.alert())
    sheet.freeze_titles(row)
    sheet.width(2, LABEL_WIDTH)
    rng = ("normalization.zscore", _pair(m.zscore)) if m.normalization == "zscore" else \
        ("normalization.range", _pair(m.range))
    rules = [("index.name", "rule.name", m.name), ("index.year", "rule.year", m.year),
             ("index.language", "rule.language", m.language),
             ("input.unit_column", "rule.unit_column", m.unit_column),
             ("input.block_column", "rule.block_column", m.block_column),
             ("input.weight_column", "rule.weight_column", m.weight_column),
             ("input.missing_codes", "rule.missing_codes", _codes(m.missing_codes)),
             ("input.min_responses", "rule.min_responses", m.min_responses),
             ("input.min_indicator_responses", "rule.min_indicator_responses",
              m.min_indicator_responses),
             ("normalization.method", "rule.normalization", _value(t, m.normalization)),
             (rng[0], "rule.range", rng[1]),
             ("aggregation.subindex", "rule.subindex_aggregation",
              _value(t, m.subindex_aggregation)),
             ("aggregation.composite", "rule.composite_aggregation",
              _value(t, m.composite_aggregation)),
             ("aggregation.multiplier", "rule.multiplier", m.multiplier),
             ("aggregation.min_coverage", "rule.min_coverage", m.min_coverage),
             ("ranking.decimals", "rule.decimals", m.decimals)]
    row = _table(sheet, row, t("method.rules"), [t("col.key"), t("col.item"), t("col.setting")],
                 [[(key, "text"), (t(label), "key"), (value, "span")]
                  for key, label, value in rules]) + 1
    row = _table(sheet, row, t("method.blocks"),
                 [t("col.id"), t("col.label"), t("col.label_en")],
                 [[(b.id, "text"), (b.label, "wrap"), (b.label_en, "span")]
                  for b in m.blocks]) + 1
    row = _table(sheet, row, t("method.subindices"),
                 [t("col.id"), t("col.label"), t("col.weight"), t("col.blocks")],
                 [[(k.id, "text"), (t.of(k), "wrap"), (k.weight, "plain_number"),
                   (_blocks(t, m, k.blocks), "span")] for k in m.subindices]) + 1
    row = _table(sheet, row, t("method.indicators"),
                 [t("col.id"), t("col.indicator"), t("col.weight"), t("col.column"),
                  t("col.subindex"), t("col.direction"), t("col.statistic"), t("col.valid"),
                  t("col.share_of"), t("col.goalposts"), t("col.blocks")],
                 [_indicator_row(t, m, ind) for ind in m.indicators]) + 1
    row = _table(sheet, row, t("method.tiers"),
                 [t("col.label"), t("col.label_en"), t("col.min"), t("col.colour")],
                 [[(tier.label, "text"), (tier.label_en, "wrap"), (tier.min, "plain_number"),
                   (None, f"swatch{k}")] for k, tier in enumerate(m.tiers_descending())]) + 1
    if m.units:
        _table(sheet, row, t("method.units"), [t("col.block"), t("col.unit"), t("col.aliases")],
               [[(_blocks(t, m, [u.block]), "text"), (u.name, "wrap"),
                 (_codes(u.aliases), "span")]
                for u in m.units])
    sheet.pages = sheet.finish()
    return sheet


def _value(t, setting: str) -> str:
    """A method setting (``minmax``, ``arithmetic``…) in the report language, with the
    method-file value in brackets so the file can be matched."""
    key = f"value.{setting}"
    from ddci_cli.report.labels import LABELS

    return f"{t(key)} ({setting})" if key in LABELS else setting


def _blocks(t, method, ids) -> str:
    """Block ids as their labels in the report language."""
    known = {b.id: t.of(b) for b in method.blocks}
    return "; ".join(known.get(b, b) for b in ids if b)   # labels may hold commas


def _indicator_row(t, m, ind) -> list[tuple[object, str]]:
    share = _share(ind)
    return [(ind.id, "text"), (t.of(ind), "wrap"), (ind.weight, "plain_number"),
            (ind.column, "text"), (ind.subindex, "text"),
            (t("dir.positive" if ind.direction > 0 else "dir.negative"), "text"),
            (t(f"stat.{ind.statistic}"), "text"), (_pair(ind.valid), "text"),
            (share, "text"), (_pair(ind.goalposts), "text"), (_blocks(t, m, ind.blocks), "span")]


def _table(sheet: Sheet, row: int, title: str, heads: list[str],
           rows: list[list[tuple[object, str]]]) -> int:
    """A section title, a header and rows; a style "span" lets a text run to the right."""
    first = row
    sheet.span(row, 1, title, "section")
    sheet.header(row + 1, heads)
    row += 2
    for cells in rows:
        for c, (value, style) in enumerate(cells, 1):
            if style == "span":
                sheet.span(row, c, value, "text")
            else:
                sheet.put(row, c, value, style)
        row += 1
    sheet.groups.append((first, row - 1))
    return row


def about_sheet(wb, rep: Report) -> Sheet:
    t, m, s = rep.labels, rep.method, rep.survey
    sheet = Sheet(wb, rep.sheet_name(t("sheet.about")), rep.book, t("page.footer"))
    row = sheet.titles(rep.title(), t("title.about"), rep.alert())
    sheet.freeze_titles(row)
    sheet.width(2, VALUE_WIDTH)
    facts = [("about.version", f"ddci {__version__}", "text"),
             ("about.time", rep.now.replace(tzinfo=None) if rep.now else None, "datetime"),
             ("about.index", m.name, "text"),
             ("about.data", t("about.synthetic" if rep.synthetic else "about.real"),
              "alert" if rep.synthetic else "text"),
             ("about.input", s.path, "wrap"), ("about.input_sha", s.sha256, "text"),
             ("about.sheet", t("about.sheet_row", sheet=s.sheet, row=s.header_row)
              if s.sheet else None, "text"),
             ("about.rows", s.rows, "count"),
             ("about.method", m.source, "wrap"), ("about.method_sha", m.sha256, "text"),
             ("about.command", rep.command or t("about.no_command"), "wrap"),
             ("about.seed", rep.seed, "count"), ("about.language", t.lang, "text")]
    boot = getattr(rep.scores, "bootstrap", None)
    if boot:
        facts.append(("about.bootstrap", t("about.bootstrap_text", n=boot.get("replicates"),
                                           level=float(boot.get("level") or 0) * 100,
                                           kind=boot.get("resampling", "")), "text"))
    first = row
    for key, value, style in facts:
        sheet.put(row, 1, t(key), "key")
        sheet.put(row, 2, value, "count_left" if style == "count" else style, measure=False)
        row += 1
    sheet.groups.append((first, row - 1))
    sheet.pages = sheet.finish()
    return sheet
