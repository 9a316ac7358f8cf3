"""The ``ddci diagnose`` workbook: one plain sheet per diagnostic table."""

from __future__ import annotations

from pathlib import Path


def diagnostic_tables(doc: dict, english: bool) -> list[tuple[str, list[str], list[list]]]:
    """The diagnostics as (sheet title, headers, rows) tables for a workbook; the last,
    Distribution, holds G1, G2 and the units winsorising would treat (SPEC §10)."""
    units = [[u["block"], u["unit"], u["evaluations"], u["responses"], u["status"],
              u["missing_rate"]] for u in doc["units"]]
    indicators = [[i["indicator"], i["subindex"], i["column"], i["answers"],
                   i["missing_rate"]] for i in doc["indicators"]]
    reliability = [[s["block"], s["subindex"], len(s["items"]), s["rows"], s["alpha"],
                    s["alpha_standardized"], s["first_pc_share"], item,
                    s["alpha_if_dropped"][item], s["item_rest"][item]]
                   for s in doc["subindices"] for item in s["items"]]
    pairs = [[block, p["a"], p["b"], p["r"], kind]
             for block, c in doc["correlations"].items()
             for kind, items in (("r > 0.9", c["high"]), ("r < 0 within sub-index",
                                                          c["negative_within"]))
             for p in items]
    outliers = doc.get("outliers") or {"settings": {}, "indicators": []}
    rule = outliers["settings"]
    distribution = [[o["block"], o["indicator"], o["n"], o["skewness"], o["kurtosis"],
                     None if o["passes"] is None else ("yes" if o["passes"] else "no"),
                     o["points"], ", ".join(o["would_winsorise"]) or None,
                     "yes" if o["log"] else "no"] for o in outliers["indicators"]]
    return [
        ("Responses" if english else "Số phiếu",
         ["block", "unit", "evaluations", "responses", "status", "missing rate"], units),
        ("Missing" if english else "Thiếu trả lời",
         ["indicator", "sub-index", "column", "answers", "missing rate"], indicators),
        ("Reliability" if english else "Độ tin cậy",
         ["block", "sub-index", "items", "rows", "Cronbach alpha", "standardised alpha",
          "first PC share", "item", "alpha if dropped", "item-rest r"], reliability),
        ("Correlations" if english else "Tương quan",
         ["block", "indicator", "indicator", "r", "flag"], pairs),
        ("Distribution" if english else "Phân phối",
         ["block", "indicator", "n", "skewness G1", "kurtosis G2",
          f"passes (|G1| < {rule.get('skew', 2):g} or G2 < {rule.get('kurtosis', 3.5):g})",
          f"points winsorised (winmax {rule.get('winmax', 5)})", "units winsorised",
          "log used"], distribution)]


def write_sheets(target: Path, tables: list[tuple[str, list[str], list[list]]]) -> None:
    """A plain workbook, one sheet per (title, headers, rows) table: numbers as numbers,
    texts as string cells (never formulas), header row frozen, filters on."""
    from openpyxl import Workbook

    from ddci_cli.io.write import write_with
    from ddci_cli.report.cells import safe_sheet_title, set_cell

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for title, headers, rows in tables:
        ws = wb.create_sheet(safe_sheet_title(title, used))
        for c, head in enumerate(headers, 1):
            set_cell(ws, 1, c, head)
        for r, row in enumerate(rows, 2):
            for c, value in enumerate(row, 1):
                set_cell(ws, r, c, value, "0.000" if isinstance(value, float) else None)
        ws.freeze_panes = "A2"
        if rows:
            ws.auto_filter.ref = ws.dimensions
        for c, head in enumerate(headers, 1):
            ws.column_dimensions[ws.cell(1, c).column_letter].width = max(12, len(head) + 2)
    write_with(target, lambda tmp: wb.save(tmp))
