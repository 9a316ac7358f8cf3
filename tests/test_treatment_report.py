"""The report's marks of SPEC §10: imputed values italic and winsorised values shaded in the
Indicators sheet (with a legend), and the treatment record in the Diagnostics sheet."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from ddci_cli.method import parse_method
from ddci_cli.pipeline import score
from ddci_cli.report import write_workbook
from ddci_cli.report.sheets import WINSORISED_FILL
from ddci_cli.results import score_document
from test_treatment import method_text, write_survey

# 20 ordinary units and one outlier on a; u7 has no b (imputed by the block mean)
ROWS = [(f"u{k}", "X", "g", 1, k, "" if k == 7 else k) for k in range(1, 21)] + \
    [("big", "X", "g", 1, 1000, 5)]
TABLES = '[imputation]\nmethod = "mean"\n[treatment]\nmethod = "winsorise"\n'


def workbook(tmp_path, tables=TABLES, lang="en"):
    text = method_text(tables).replace('[[blocks]]\nid = "X"',
                                       '[[blocks]]\nid = "X"\nlabel_en = "Block X"')
    scores, _ = score(write_survey(tmp_path, ROWS), parse_method(text))
    out = tmp_path / "report.xlsx"
    write_workbook(scores, out, lang=lang)
    return load_workbook(out), score_document(scores)


def header(ws, first: str) -> int:
    return next(r[0].row for r in ws.iter_rows() if r[0].value == first)


def indicator_cells(ws) -> tuple[dict, list]:
    head = header(ws, "Block")
    heads = [c.value for c in ws[head]]
    rows = {(r[1].value, r[3].value): dict(zip(heads, r))
            for r in ws.iter_rows(min_row=head + 1) if r[1].value}
    return rows, heads


def test_imputed_italic_winsorised_shaded_with_a_legend(tmp_path):
    wb, doc = workbook(tmp_path)
    ws = wb["Indicators"]
    rows, heads = indicator_cells(ws)
    assert heads[5:8] == ["Value", "Treated value", "Normalised score"]
    imputed = rows[("u7", "b")]["Value"]
    want = sum(k for k in range(1, 21) if k != 7) + 5
    assert imputed.value == pytest.approx(want / 20) and imputed.font.italic
    assert imputed.data_type == "n" and imputed.number_format == "0.00"
    assert not rows[("u8", "b")]["Value"].font.italic
    big = rows[("big", "a")]
    assert big["Value"].value == 1000 and big["Treated value"].value == 20
    for cell in (big["Value"], big["Treated value"]):
        assert cell.fill.fgColor.rgb.endswith(WINSORISED_FILL)
    assert rows[("u20", "a")]["Value"].fill.fill_type is None
    assert big["Normalised score"].value == 100.0
    notes = [c.value for r in ws.iter_rows(max_row=header(ws, "Block") - 1) for c in r
             if isinstance(c.value, str)]
    assert any(n.startswith("Italic: an imputed value") and "mean" in n for n in notes)
    assert any(n.startswith("Orange cell: an outlier winsorised") for n in notes)
    assert not any(isinstance(c.value, str) and c.value.startswith("=")
                   for sheet in wb for r in sheet.iter_rows() for c in r)


def test_treatment_record_in_the_diagnostics_sheet(tmp_path):
    wb, doc = workbook(tmp_path)
    ws = wb["Diagnostics"]
    title = next(c for r in ws.iter_rows() for c in r
                 if c.value == "Outlier treatment per indicator (skewness G1, kurtosis G2)")
    rule = ws.cell(title.row + 1, 1).value
    assert rule == "Winsorise up to 5 points while |G1| ≥ 2 and G2 ≥ 3.5; if it still " \
        "fails: log of the untreated values."
    heads = [c.value for c in ws[title.row + 2]][:11]
    assert heads == ["Block", "Indicator", "Units with a value", "Skewness before (G1)",
                     "Kurtosis before (G2)", "Units winsorised", "Points winsorised",
                     "Skewness after (G1)", "Kurtosis after (G2)", "Passes after", "Log used"]
    got = [[c for c in r[:11]] for r in ws.iter_rows(min_row=title.row + 3,
                                                      max_row=title.row + 4)]
    records = {r["indicator"]: r for r in doc["treatment"]}
    for row in got:
        rec = records[row[1].value.split(" – ")[0]]
        assert row[0].value == "Block X" and row[2].value == rec["n"] == 21
        for cell, key in ((row[3], "skew_before"), (row[4], "kurtosis_before"),
                          (row[7], "skew_after"), (row[8], "kurtosis_after")):
            assert cell.value == pytest.approx(rec[key]) and cell.number_format == "0.00"
        assert row[6].value == rec["winsorised"] and row[9].value == "Yes"
        assert row[10].value == "No"
    a = next(r for r in got if r[1].value.startswith("a"))
    assert a[5].value == "big" and a[6].value == 1 and a[3].value > 2


def test_no_marks_without_the_steps(tmp_path):
    wb, _ = workbook(tmp_path, tables="", lang="vi")
    ws = wb["Chỉ tiêu"]
    head = header(ws, "Khối")
    assert [c.value for c in ws[head]][5:7] == ["Giá trị", "Điểm chuẩn hóa"]
    assert head == 3  # title, subtitle, then the header: no legend line
    diag = wb["Chẩn đoán"]
    assert not any(c.value and "G1" in str(c.value) for r in diag.iter_rows() for c in r)


def test_vietnamese_legend_and_record(tmp_path):
    wb, _ = workbook(tmp_path, lang="vi")
    ws = wb["Chỉ tiêu"]
    notes = [ws.cell(r, 1).value for r in range(1, header(ws, "Khối"))]
    assert any(n and n.startswith("Chữ nghiêng") and "trung bình" in n for n in notes)
    diag = wb["Chẩn đoán"]
    assert any(c.value == "Đơn vị được winsorise" for r in diag.iter_rows() for c in r)
