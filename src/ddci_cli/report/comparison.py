"""The Comparison sheet of the Excel report, in the Summary sheet's styles: a sentence that
says what was compared (years, scale, how units were linked), the synthetic-data line for
samples, then per block each unit's composite in every compared year and its change, its
rank in every year and its change, and beside the rows a slope chart of the ranks.

:func:`add_comparison_sheet` adds the sheet to a report being built (the full report calls
it); :func:`ddci_cli.report.compare_book.write_comparison_workbook` writes ``compare -o FILE.xlsx``: the full report of
the last year with this sheet when the report writer takes a ``comparison=`` argument,
otherwise a workbook of the comparison alone. Texts are string cells, never formulas.
"""

from __future__ import annotations

from collections import Counter

from ddci_cli.report.comparison_text import compared_sentence, text
from ddci_cli.report.context import Report, is_synthetic
from ddci_cli.report.layout import Sheet
from ddci_cli.report.native import place, rows_height_cm
from ddci_cli.report.slope import move_colour, rank_slope_chart
from ddci_cli.report.style import CM_PER_WIDTH_UNIT, ROW_HEIGHT
from ddci_cli.years.compare import Comparison, Track
from ddci_cli.years.output import events, flat_rows, significant

CHART_WIDTH_CM = 15.0
CHART_MIN_ROWS = 12          # a block with few units still gets a legible chart


def standalone(cmp: Comparison, lang: str | None):
    """An empty workbook and the report context of the last compared year."""
    from openpyxl import Workbook

    from ddci_cli.report.labels import Labels
    from ddci_cli.report.style import StyleBook, tier_colours

    scores = cmp.scores[-1]
    wb = Workbook()
    wb.remove(wb.active)
    book = StyleBook(wb, scores.method.decimals,
                     tier_colours(scores.method.tiers_descending()))
    return wb, Report(scores, Labels(lang or scores.method.language), book, seed=0)


def synthetic(cmp: Comparison) -> bool:
    """True when any compared year's data come from ``ddci sample``."""
    return any(is_synthetic(s.method, s.survey) for s in cmp.scores)


def add_comparison_sheet(wb, cmp: Comparison, rep: Report) -> Sheet:
    """Add the Comparison sheet to ``wb`` (styles and language of ``rep``)."""
    lang = rep.labels.lang
    sheet = Sheet(wb, rep.sheet_name(text(lang, "sheet")), rep.book, rep.labels("page.footer"))
    years = cmp.years
    heading = text(lang, "title", index=cmp.scores[-1].method.name, first=years[0],
                   last=years[-1])
    counts = Counter(e["event"] for tr in cmp.tracks for e in events(cmp, tr))
    alert = rep.labels("note.synthetic") if synthetic(cmp) else None
    what, linked = compared_sentence(cmp, lang, counts)
    header_row = sheet.titles(heading, what, None)
    for line, style in ((linked, "subtitle"), (alert, "alert")):
        if line:
            sheet.span(header_row, 1, line, style)
            header_row += 1
    cols = _columns(cmp, lang)
    sheet.header(header_row, [head for head, _, _ in cols])
    row, charts = header_row + 1, []
    for block_id in _blocks(cmp):
        tracks = _ordered([tr for tr in cmp.tracks if cmp.block(tr.last) == block_id], cmp)
        label = _block_label(cmp, block_id, rep)
        sheet.band(row, label, len(cols))
        first = row + 1
        for r, track in enumerate(tracks, first):
            for c, (_, get, style) in enumerate(cols, 1):
                sheet.put(r, c, get(track), style)
        row = first + len(tracks)
        charts.append((label, first - 1, first, row - 1, tracks))
        end = max(row - 1, first - 1 + CHART_MIN_ROWS)
        sheet.groups.append((first - 1, end))
        row = end + 2
    sheet.table(header_row, max(r for _, r in sheet.groups), len(cols))
    chart_col = len(cols) + 2
    sheet.width(chart_col - 1, 2.0)
    sheet.last_col = max(sheet.last_col, chart_col - 1)
    sheet.finish(extra_width=CHART_WIDTH_CM / CM_PER_WIDTH_UNIT)
    rank_cols = [c for c, (_, _, style) in enumerate(cols, 1) if style == "int"]
    for label, top, first, last, tracks in charts:
        _add_chart(sheet, cmp, lang, label, top, first, last, tracks, rank_cols,
                   header_row, chart_col)
    return sheet


def _columns(cmp: Comparison, lang: str) -> list[tuple[str, object, str]]:
    """(header, track → value, style): composites per year and their change, then ranks
    per year and their change (so scores and ranks stay apart), then the change since the
    first year (three years or more), the interval columns (bootstrap) and the note."""
    years, n = cmp.years, len(cmp.years)
    a, b = years[-2], years[-1]
    cols = [(text(lang, "col.unit"), lambda tr: cmp.name(tr.last), "text")]
    cols += [(text(lang, "col.composite", year=y), _value(cmp, t, "composite"), "score")
             for t, y in enumerate(years)]
    cols.append((text(lang, "col.change", a=a, b=b), _change(cmp.changes, "composite"),
                 "signed"))
    cols += [(text(lang, "col.rank", year=y), _value(cmp, t, "rank"), "int")
             for t, y in enumerate(years)]
    cols.append((text(lang, "col.rank_change", a=a, b=b), _change(cmp.changes, "rank"),
                 "signed_int"))
    if n > 2:
        cols += [(text(lang, "col.change", a=years[0], b=b),
                  _change(cmp.from_first, "composite"), "signed"),
                 (text(lang, "col.rank_change", a=years[0], b=b),
                  _change(cmp.from_first, "rank"), "signed_int")]
    if cmp.bootstrap is not None:
        cols += [(text(lang, "col.ci"), lambda tr: _interval(cmp, tr), "text"),
                 (text(lang, "col.sig"), lambda tr: _significant(cmp, tr, lang), "text")]
    cols.append((text(lang, "col.note"), lambda tr: _note(cmp, tr, lang), "text"))
    return cols


def _value(cmp: Comparison, t: int, what: str):
    def get(track: Track):
        node = next((nd for nd in track.nodes if nd[0] == t), None)
        if node is None:
            return None
        s = cmp.scores[t]
        if what == "rank":
            return int(s.rank[node[1]]) or None
        return float(s.composite[node[1]])
    return get


def _change(changes: dict, what: str):
    """The change of a unit of the last year (None for units that left earlier)."""
    def get(track: Track):
        change = changes.get(track.last)
        return None if change is None else getattr(change, what)
    return get


def _interval(cmp: Comparison, track: Track) -> str | None:
    change = cmp.changes.get(track.last)
    if change is None or not change.ci:
        return None
    lo, hi = change.ci["composite"]
    return f"[{lo:+.2f}, {hi:+.2f}]" if lo == lo and hi == hi else None


def _significant(cmp: Comparison, track: Track, lang: str) -> str | None:
    change = cmp.changes.get(track.last)
    if change is None or not change.ci:
        return None
    verdict = significant(*change.ci["composite"])
    return None if verdict is None else text(lang, "yes" if verdict else "no")


def _note(cmp: Comparison, track: Track, lang: str) -> str | None:
    notes = []
    for e in events(cmp, track):
        names = e["to"] if e["event"] == "merged_into" else e["from"]
        notes.append(f"{e['year']}: {text(lang, 'event.' + e['event'])} "
                     + " + ".join(names))
    return "; ".join(notes).strip() or None


def _blocks(cmp: Comparison) -> list[str]:
    """Blocks in the last year's method order, then any block only earlier years have."""
    found = list(dict.fromkeys(cmp.block(tr.last) for tr in cmp.tracks))
    order = [b for b in cmp.scores[-1].method.block_ids if b in found]
    return order + [b for b in found if b not in order]


def _ordered(tracks: list[Track], cmp: Comparison) -> list[Track]:
    """Units of the last year by rank (unranked after), then units that left earlier."""
    last = len(cmp.years) - 1

    def key(track: Track):
        t, u = track.last
        rank = int(cmp.scores[t].rank[u]) or 10 ** 9
        return (t != last, rank, cmp.name(track.last))
    return sorted(tracks, key=key)


def _block_label(cmp: Comparison, block_id: str, rep: Report) -> str:
    for s in reversed(cmp.scores):
        if block_id in s.method.block_ids:
            return rep.labels.of(s.method.block(block_id))
    return block_id


def _add_chart(sheet: Sheet, cmp: Comparison, lang: str, label: str, top: int, first: int,
               last: int, tracks: list[Track], rank_cols: list[int], header_row: int,
               chart_col: int) -> None:
    if last < first:
        return
    ws = sheet.ws
    first_col, last_col = rank_cols[0], rank_cols[len(cmp.years) - 1]
    ranks = [[ws.cell(r, c).value for c in (first_col, last_col)] for r in range(first, last + 1)]
    colours = [move_colour(a, b) for a, b in ranks]
    n_ranks = max((v for pair in ranks for v in pair if v), default=1)
    heading = text(lang, "chart", block=label, first=cmp.years[0], last=cmp.years[-1])
    rows = max(last - top + 1, CHART_MIN_ROWS + 1)
    chart = rank_slope_chart(ws, heading, text(lang, "axis"), list(range(first, last + 1)), 1,
                             first_col, last_col, header_row, n_ranks, colours,
                             CHART_WIDTH_CM, rows_height_cm(rows, ROW_HEIGHT) - 0.1)
    place(ws, chart, chart_col, top)


def add_comparison_data_sheet(wb, cmp: Comparison, rep: Report) -> Sheet:
    """One row per unit and year (the .csv output) with filters on."""
    rows = flat_rows(cmp)
    sheet = Sheet(wb, rep.sheet_name(text(rep.labels.lang, "data")), rep.book,
                  rep.labels("page.footer"))
    columns = list(rows[0]) if rows else []
    sheet.header(1, columns)
    for r, row in enumerate(rows, 2):
        for c, name in enumerate(columns, 1):
            value = row[name]
            sheet.put(r, c, value, "plain_number" if isinstance(value, (int, float))
                      and not isinstance(value, bool) else "text")
    sheet.groups.append((2, max(2, len(rows) + 1)))
    sheet.table(1, len(rows) + 1, len(columns), freeze_col=3)
    sheet.finish()
    return sheet
