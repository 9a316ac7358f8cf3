"""The Comparison sheet of the Excel report: per block, each unit's composite and rank in
every compared year, its changes, and a line chart of the composites over the years.

:func:`add_comparison_sheet` adds the sheet to an openpyxl workbook (the full report calls
it); :func:`write_comparison_workbook` writes ``compare -o FILE.xlsx``: the full report of
the last year with this sheet when the report writer takes a ``comparison=`` argument,
otherwise a workbook of the comparison alone. Texts are string cells, never formulas.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from ddci_cli.years.compare import Comparison, Track
from ddci_cli.years.output import flat_rows, significant
from ddci_cli.report.workbook import safe_sheet_title, set_cell
from ddci_cli.io.write import write_with

ROW_CM = 0.53        # height of a default row (15 points) in cm
EVENTS = {"new": ("new", "mới"), "renamed": ("renamed from", "đổi tên từ"),
          "merged": ("merged from", "hợp nhất từ"), "split": ("split from", "tách từ"),
          "merged_into": ("merged into", "hợp nhất vào"), "abolished": ("abolished", "giải thể"),
          "absent": ("not surveyed; last", "không khảo sát; trước là"),
          "back": ("surveyed again; was", "khảo sát lại; trước là")}
DELTA_FMT = "+0.00;-0.00;0.00"
RANK_FMT = "+0;-0;0"


def write_comparison_workbook(cmp: Comparison, target: Path, seed: int = 0,
                              lang: str | None = None) -> None:
    from ddci_cli import report

    writer = report.write_workbook
    if "comparison" in inspect.signature(writer).parameters:
        writer(cmp.scores[-1], target, seed=seed, lang=lang, comparison=cmp)
        return
    from openpyxl import Workbook

    english = (lang or cmp.scores[-1].method.language) == "en"
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    add_comparison_sheet(wb, cmp, english, used)
    add_comparison_data_sheet(wb, cmp, english, used)
    write_with(target, lambda tmp: wb.save(tmp))


def _labels(english: bool) -> dict[str, str]:
    if english:
        return dict(sheet="Comparison", data="Comparison data", unit="Unit", rank="Rank",
                    change="Change", since="Change since", rank_change="Rank change",
                    note="Note", sig="Significant", yes="yes", no="not significant",
                    scale="Scale", chart="Composite")
    return dict(sheet="So sánh", data="Dữ liệu so sánh", unit="Đơn vị", rank="Hạng",
                change="Thay đổi", since="Thay đổi từ", rank_change="Thay đổi hạng",
                note="Ghi chú", sig="Có ý nghĩa", yes="có", no="không có ý nghĩa",
                scale="Thang đo", chart="Điểm tổng hợp")


def add_comparison_sheet(wb, cmp: Comparison, english: bool, used: set[str]):
    """Add the Comparison sheet to ``wb``; returns the worksheet."""
    L = _labels(english)
    method = cmp.scores[-1].method
    fmt = "0." + "0" * method.decimals if method.decimals else "0"
    ws = wb.create_sheet(safe_sheet_title(L["sheet"], used))
    set_cell(ws, 1, 1, f"{method.name}: {cmp.years[0]}–{cmp.years[-1]}").font = _bold()
    set_cell(ws, 2, 1, f"{L['scale']}: {cmp.scale}")
    row, chart_row = 4, 4
    blocks = list(dict.fromkeys(cmp.block(tr.last) for tr in cmp.tracks))
    for block_id in blocks:
        tracks = [tr for tr in cmp.tracks if cmp.block(tr.last) == block_id]
        end, ncols = _block_table(ws, cmp, block_id, tracks, row, L, fmt)
        chart_row = _block_chart(ws, cmp, block_id, row + 1, len(tracks), ncols + 2,
                                 max(chart_row, row), L, english)
        row = end + 2
    _widths(ws, len(cmp.years), cmp.bootstrap is not None)
    ws.freeze_panes = "B4"
    return ws


def _widths(ws, n_years: int, boot: bool) -> None:
    from openpyxl.utils import get_column_letter

    widths = [40] + [9] * (2 * n_years) + [13, 10, 13, 10] + ([20, 16] if boot else []) + [45]
    for c, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = width


def _bold():
    from openpyxl.styles import Font

    return Font(bold=True)


def _block_table(ws, cmp: Comparison, block_id: str, tracks: list[Track], row: int,
                 L: dict, fmt: str) -> tuple[int, int]:
    block = _block_label(cmp, block_id, L["unit"] == "Unit")
    set_cell(ws, row, 1, block).font = _bold()
    years = cmp.years
    heads = [L["unit"], *years, *[f"{L['rank']} {y}" for y in years],
             f"{L['change']} {years[-2]}–{years[-1]}", L["rank_change"],
             f"{L['since']} {years[0]}", f"{L['rank_change']} ({years[0]})"]
    boot = cmp.bootstrap is not None
    if boot:
        heads += [f"{L['change']} CI", L["sig"]]
    heads.append(L["note"])
    from openpyxl.styles import Alignment

    for c, h in enumerate(heads, 1):
        cell = set_cell(ws, row + 1, c, h)
        cell.font = _bold()
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[row + 1].height = 30
    for r, track in enumerate(tracks, row + 2):
        _track_row(ws, cmp, track, r, fmt, boot, L)
    return row + 1 + len(tracks), len(heads)


def _track_row(ws, cmp: Comparison, track: Track, r: int, fmt: str, boot: bool, L: dict):
    from ddci_cli.years.output import events

    n = len(cmp.years)
    by_year = {node[0]: node for node in track.nodes}
    set_cell(ws, r, 1, cmp.name(track.last))
    for t in range(n):
        node = by_year.get(t)
        s = cmp.scores[t] if node else None
        comp = float(s.composite[node[1]]) if node else None
        set_cell(ws, r, 2 + t, comp if comp == comp else None, fmt)
        set_cell(ws, r, 2 + n + t, int(s.rank[node[1]]) or None if node else None)
    c = 2 + 2 * n
    last_year = track.last[0] == n - 1
    change = cmp.changes.get(track.last) if last_year else None
    since = cmp.from_first.get(track.last) if last_year else None
    for ch, col in ((change, c), (since, c + 2)):
        if ch is not None:
            set_cell(ws, r, col, ch.composite if ch.composite == ch.composite else None,
                     DELTA_FMT)
            set_cell(ws, r, col + 1, ch.rank, RANK_FMT)
    c += 4
    if boot:
        if change is not None and change.ci:
            lo, hi = change.ci["composite"]
            if lo == lo and hi == hi:
                set_cell(ws, r, c, f"[{lo:+.2f}, {hi:+.2f}]")
                set_cell(ws, r, c + 1, L["yes"] if significant(lo, hi) else L["no"])
        c += 2
    english = L["unit"] == "Unit"
    note = "; ".join(f"{e['year']}: {EVENTS[e['event']][0 if english else 1]} "
                     + " + ".join(e["to"] if e["event"] == "merged_into" else e["from"])
                     for e in events(cmp, track))
    set_cell(ws, r, c, note.strip() or None)


def _block_label(cmp: Comparison, block_id: str, english: bool) -> str:
    for s in reversed(cmp.scores):
        if block_id in s.method.block_ids:
            b = s.method.block(block_id)
            return b.label_en if english else b.label
    return block_id


def _block_chart(ws, cmp: Comparison, block_id: str, head_row: int, n_rows: int,
                 col: int, at_row: int, L: dict, english: bool) -> int:
    """A line chart of composites over the years, one line per unit; returns the next
    free row for a chart."""
    from openpyxl.chart import LineChart, Reference
    from openpyxl.utils import get_column_letter

    if not n_rows:
        return at_row
    n = len(cmp.years)
    chart = LineChart()
    chart.title = f"{L['chart']} — {_block_label(cmp, block_id, english)}"
    # the legend lists every unit: the chart grows with the block so lines keep their room
    chart.height, chart.width = max(7.5, 4.5 + 0.45 * n_rows), 18
    chart.legend.position = "r"
    chart.y_axis.title = L["chart"]
    data = Reference(ws, min_col=1, max_col=1 + n, min_row=head_row + 1,
                     max_row=head_row + n_rows)
    chart.add_data(data, from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, max_col=1 + n, min_row=head_row))
    ws.add_chart(chart, f"{get_column_letter(col)}{at_row}")
    return at_row + int(chart.height / ROW_CM) + 2


def add_comparison_data_sheet(wb, cmp: Comparison, english: bool, used: set[str]):
    """One row per unit and year (the .csv output) with filters on."""
    rows = flat_rows(cmp)
    ws = wb.create_sheet(safe_sheet_title(_labels(english)["data"], used))
    columns = list(rows[0]) if rows else []
    for c, name in enumerate(columns, 1):
        set_cell(ws, 1, c, name).font = _bold()
    for r, row in enumerate(rows, 2):
        for c, name in enumerate(columns, 1):
            set_cell(ws, r, c, row[name])
    ws.freeze_panes = "C2"
    if rows:
        ws.auto_filter.ref = ws.dimensions
    return ws
