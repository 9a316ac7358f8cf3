"""The Excel report and the flat outputs: literal texts, safe sheet names, numbers with
formats, per-block statistics, optional sheets, determinism, the ranking chart."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from ddci_cli.pipeline import score
from ddci_cli.report import build_workbook, write_workbook
from ddci_cli.report.cells import safe_sheet_title
from ddci_cli.report.labels import LABELS, LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"

FORMULA = '=HYPERLINK("http://x","y")'
PHONE = "+84 912 345 678"
LONG_1 = "Sở Lao động - Thương binh và Xã hội thành phố Hải Phòng"
LONG_2 = "Sở Lao động - Thương binh và Xã hội huyện Thủy Nguyên"
CLASH = "Tổng hợp"                     # the Vietnamese Summary sheet's own name
SMALL = "Quận Bốn"                    # one response: below min_responses
NOW = dt.datetime(2024, 5, 1, 8, 30, 0)

METHOD = """
[index]
name = "Chỉ số thử"
year = 2024
language = "vi"

[input]
unit_column = "Đơn vị"
block_column = "Khối"
min_responses = 2

[normalization]
method = "minmax"
range = [0, 10]

[aggregation]
multiplier = 10

[ranking]
decimals = 3

[[blocks]]
id = "a"
label = "Khối A"
label_en = "Block A"

[[blocks]]
id = "b"
label = "Khối B"
label_en = "Block B"

[[subindices]]
id = "s1"
label = "Một"
label_en = "One"

  [[subindices.indicators]]
  id = "i1"
  column = "Q1"

  [[subindices.indicators]]
  id = "i2"
  column = "Q2"
  direction = "negative"

[[subindices]]
id = "s2"
label = "Hai"
label_en = "Two"
weight = 2

  [[subindices.indicators]]
  id = "i3"
  column = "Q3"

  [[subindices.indicators]]
  id = "i4"
  column = "Q4"
  statistic = "share"
  share_of = [4, 5]

[[tiers]]
label = "Tốt"
label_en = "Good"
min = 60

[[tiers]]
label = "Khá"
label_en = "Fair"
min = 30
"""

# unit, block, Q1..Q4 (None = blank); 2 rows per unit except SMALL
ROWS = [
    (FORMULA, "a", 5, 1, 4, 5), (FORMULA, "a", 4, 2, 5, 4),
    (PHONE, "a", 3, 3, 3, 2), (PHONE, "a", 2, None, 2, 1),
    (CLASH, "a", 1, 5, 1, 1), (CLASH, "a", 2, 4, None, 3),
    (LONG_1, "a", 4, 2, 2, 5), (LONG_1, "a", 3, 1, 3, 4),
    (LONG_2, "a", 2, 2, 5, 2), (LONG_2, "a", 5, 3, 4, None),
    ("Quận Một", "b", 5, 1, 5, 5), ("Quận Một", "b", 4, 1, 4, 4),
    ("Quận Hai", "b", 2, 4, 2, 2), ("Quận Hai", "b", 3, 3, None, 1),
    ("Quận Ba", "b", 3, 2, 3, 3), ("Quận Ba", "b", 3, 3, 3, 5),
    (SMALL, "b", 1, 1, 1, 1),
]
UNITS = [FORMULA, PHONE, CLASH, LONG_1, LONG_2, "Quận Một", "Quận Hai", "Quận Ba", SMALL]


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    survey, method = folder / "survey.csv", folder / "method.toml"
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    writer.writerow(["Đơn vị", "Khối", "Q1", "Q2", "Q3", "Q4"])
    for row in ROWS:
        writer.writerow(["" if v is None else v for v in row])
    survey.write_text(buf.getvalue(), encoding="utf-8")
    method.write_text(METHOD, encoding="utf-8")
    scores, _ = score(survey, method)
    return folder, survey, method, scores


def _report(case, name="report.xlsx", **kwargs):
    folder, _, _, scores = case
    target = folder / name
    write_workbook(scores, target, now=NOW, command="ddci score test", **kwargs)
    return target, load_workbook(target)


def _header_row(ws, text):
    for row in ws.iter_rows(min_row=1, max_row=200):
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"no header {text!r} in {ws.title}")


def _table(ws, first_header):
    """Rows below the header row as {unit column value: [cells]} (unit in column 2)."""
    head, _ = _header_row(ws, first_header)
    return {row[1].value: row for row in ws.iter_rows(min_row=head + 1)
            if isinstance(row[1].value, str)}


# ---- literal texts and sheet names --------------------------------------------------

def test_formula_like_unit_names_are_literal_strings(case):
    _, wb = _report(case)
    rows = _table(wb["Tổng hợp"], "Hạng")
    for name in (FORMULA, PHONE):
        cell = rows[name][1]
        assert cell.value == name and cell.data_type == "s"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row), ws.title


def test_no_formula_element_in_the_file(case):
    target, _ = _report(case, scorecards=True)
    with zipfile.ZipFile(target) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name


def test_csv_makes_formula_like_names_inert(case, ddci):
    folder, survey, method, _ = case
    out = folder / "flat.csv"
    proc = ddci.run("score", survey, "-m", method, "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    names = {r["unit"] for r in rows}
    assert "'" + FORMULA in names and "'" + PHONE in names
    assert {"block", "rank", "composite", "tier", "responses", "s1", "s2", "i1_value",
            "i1_score", "i1_n", "i4_n"} <= set(rows[0])


def test_json_and_parquet_hold_the_same_flat_results(case, ddci):
    folder, survey, method, _ = case
    pq, js = folder / "flat.parquet", folder / "doc.json"
    proc = ddci.run("score", survey, "-m", method, "-o", pq, "-o", js, "-q")
    assert proc.returncode == 0, proc.stderr
    frame = pd.read_parquet(pq)
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert list(frame["unit"]) == [u["unit"] for u in doc["units"]]
    assert FORMULA in set(frame["unit"])          # parquet holds data, not spreadsheet text
    for _, row in frame.iterrows():
        unit = next(u for u in doc["units"] if u["unit"] == row["unit"])
        if unit["composite"] is None:
            assert pd.isna(row["composite"])
        else:
            assert row["composite"] == pytest.approx(unit["composite"])


def test_scorecard_sheet_names_are_safe_and_unique(case):
    _, wb = _report(case, scorecards=True)
    names = wb.sheetnames
    assert len({n.casefold() for n in names}) == len(names)
    assert all(len(n.encode("utf-16-le")) // 2 <= 31 for n in names)
    assert all(not set(n) & set('[]:*?/\\') for n in names)
    titles = {wb[n]["A1"].value: n for n in names[3:3 + len(UNITS)]}
    assert set(titles) == set(UNITS)                   # one scorecard per unit, titled
    assert titles[CLASH] != "Tổng hợp" and titles[CLASH].startswith("Tổng hợp")
    assert titles[LONG_1] != titles[LONG_2]
    assert titles[LONG_1] == "Sở Lao động - Thương binh và Xã"
    assert titles[FORMULA] == '=HYPERLINK("http___x","y")'   # ':' and '/' are not allowed


@pytest.mark.parametrize("title, expected", [
    ("a/b:c", "a_b_c"), ("'quoted'", "quoted"), ("History", "History (2)"),
    ("x" * 40, "x" * 31), ("\u00e9" * 31, "\u00e9" * 31),
    ("e\u0301" * 20, "\u00e9" * 20),                  # NFD in, NFC out
    ("\U0001F600" * 20, "\U0001F600" * 15),          # astral: 2 UTF-16 units each
    ("   ", "Sheet"),
])
def test_safe_sheet_title(title, expected):
    assert safe_sheet_title(title, set()) == expected


def test_safe_sheet_title_uniqueness_is_case_insensitive():
    used: set[str] = set()
    assert safe_sheet_title("Summary", used) == "Summary"
    assert safe_sheet_title("summary", used) == "summary (2)"
    long = "Ủy ban nhân dân quận Hồng Bàng thành phố"
    assert safe_sheet_title(long, used) == "Ủy ban nhân dân quận Hồng Bàng"      # 30: no
    assert safe_sheet_title(long, used) == "Ủy ban nhân dân quận Hồng B (2)"     # trailing
    assert safe_sheet_title(long, used) == "Ủy ban nhân dân quận Hồng B (3)"     # space


# ---- numbers, formats, statistics ----------------------------------------------------

def test_summary_numbers_and_formats(case):
    _, wb = _report(case)
    ws = wb["Tổng hợp"]
    head, _ = _header_row(ws, "Hạng")
    assert ws.freeze_panes == f"A{head + 1}"
    assert ws.auto_filter.ref.startswith(f"A{head}:")
    assert ws.print_title_rows == f"$1:${head}"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    rows = _table(ws, "Hạng")
    _, _, _, scores = case
    for u, name in enumerate(scores.survey.units):
        rank, unit, comp, tier, responses = rows[name][:5]
        assert responses.value == int(scores.values.responses[u])
        assert isinstance(responses.value, int) and responses.number_format == "#,##0"
        if name == SMALL:
            assert rank.value is None and comp.value is None and tier.value is None
            assert "2" in rows[name][-1].value      # the note names min_responses
            continue
        assert isinstance(rank.value, int) and rank.number_format == "0"
        assert comp.value == pytest.approx(scores.composite[u])
        assert comp.number_format == "0.000"        # [ranking] decimals = 3
        assert tier.value == ("Tốt" if round(comp.value, 3) >= 60 else
                              "Khá" if round(comp.value, 3) >= 30 else None)


def test_tier_cells_are_coloured_by_tier(case):
    _, wb = _report(case)
    rows = _table(wb["Tổng hợp"], "Hạng")
    fills = {}
    for row in rows.values():
        if row[3].value:
            fills.setdefault(row[3].value, set()).add(row[3].fill.fgColor.rgb)
    assert all(len(v) == 1 for v in fills.values())        # one colour per tier
    assert len({next(iter(v)) for v in fills.values()}) == len(fills)


def test_subindex_sheet_block_mean_and_best(case, ddci):
    folder, survey, method, _ = case
    doc = ddci.score(survey, method)
    _, wb = _report(case)
    ws = wb["Chỉ số thành phần"]
    head, _ = _header_row(ws, "Hạng")
    heads = [c.value for c in ws[head]]
    assert heads[:3] == ["Hạng", "Đơn vị", "Điểm tổng hợp"] and heads[3:5] == ["Một", "Hai"]
    stats = {}
    block = None
    for row in ws.iter_rows(min_row=head + 1):
        if isinstance(row[0].value, str):          # a band row names the block
            block = row[0].value
        elif row[1].value in ("Trung bình khối", "Cao nhất khối"):
            stats[(block, row[1].value)] = [c.value for c in row[3:5]]
    for label, bid in (("Khối A", "a"), ("Khối B", "b")):
        values = np.array([[u["subindices"]["s1"], u["subindices"]["s2"]]
                           for u in doc["units"] if u["block"] == bid
                           and u["subindices"]["s1"] is not None], float)
        assert stats[(label, "Trung bình khối")] == pytest.approx(values.mean(axis=0).tolist())
        assert stats[(label, "Cao nhất khối")] == pytest.approx(values.max(axis=0).tolist())
    assert len(ws.conditional_formatting) == 4          # per sub-index column, per block


def test_indicator_sheet_values_scores_counts(case, ddci):
    folder, survey, method, _ = case
    doc = ddci.score(survey, method)
    _, wb = _report(case)
    ws = wb["Chỉ tiêu"]
    head, _ = _header_row(ws, "Khối")
    units = {u["unit"]: u for u in doc["units"]}
    seen = 0
    for row in ws.iter_rows(min_row=head + 1, values_only=True):
        unit, ind, value, score_, n = row[1], row[3], row[5], row[6], row[7]
        rec = units[unit]["indicators"][ind]
        assert n == rec["n"] and isinstance(n, int)
        for got, want in ((value, rec["value"]), (score_, rec["score"])):
            assert (got is None and want is None) or got == pytest.approx(want)
        seen += 1
    assert seen == len(UNITS) * 4
    share_cell = next(r[5] for r in ws.iter_rows(min_row=head + 1) if r[3].value == "i4")
    assert share_cell.number_format == '0.000"%"'


def test_diagnostics_missing_rate_by_hand(case):
    _, wb = _report(case)
    ws = wb["Chẩn đoán"]
    head, _ = _header_row(ws, "Mã")
    rates = {r[0].value: (r[2].value, r[3].value, r[4]) for r in ws.iter_rows(min_row=head + 1)
             if r[0].value in ("i1", "i2", "i3", "i4")}
    # 17 evaluations; blanks: Q2 one, Q3 two, Q4 one (counted from ROWS above)
    assert rates["i1"][:2] == (17, 17) and rates["i1"][2].value == 0
    assert rates["i2"][:2] == (16, 17)
    assert rates["i3"][2].value == pytest.approx(2 / 17)
    assert rates["i3"][2].number_format == "0.0%"
    assert rates["i4"][:2] == (16, 17)


STRONG_VI = "Chỉ tiêu mạnh nhất (trên trung bình khối, tối đa ba)"
WEAK_VI = "Chỉ tiêu yếu nhất (dưới trung bình khối, tối đa ba)"


def test_scorecard_strongest_and_weakest(case, ddci):
    folder, survey, method, _ = case
    doc = ddci.score(survey, method)
    _, wb = _report(case, scorecards=True)
    block_a = [u for u in doc["units"] if u["block"] == "a" and u["status"] == "ok"]
    means = {i: np.mean([u["indicators"][i]["score"] for u in block_a
                         if u["indicators"][i]["score"] is not None])
             for i in ("i1", "i2", "i3", "i4")}
    for name in (PHONE, LONG_1):
        unit = next(u for u in block_a if u["unit"] == name)
        diff = {i: unit["indicators"][i]["score"] - means[i] for i in means}
        above = sorted((i for i in diff if diff[i] > 0), key=lambda i: -diff[i])[:3]
        below = sorted((i for i in diff if diff[i] < 0), key=lambda i: diff[i])[:3]
        ws = next(wb[n] for n in wb.sheetnames if wb[n]["A1"].value == name)
        strong, weak = _card_list(ws, STRONG_VI), _card_list(ws, WEAK_VI)
        assert [r[0] for r in strong] == above         # indicators have no label: ids
        assert [r[0] for r in weak] == below
        assert [r[5] for r in strong + weak] == pytest.approx([diff[i] for i in above + below])
    # PHONE is below the block mean everywhere: no "strongest" at all, never a negative one
    ws = next(wb[n] for n in wb.sheetnames if wb[n]["A1"].value == PHONE)
    texts = [c.value for c in ws["A"]]
    assert "Không có chỉ tiêu nào trên trung bình khối." in texts


def _card_list(ws, heading):
    """Rows (label, value, score, mean, best, difference) under a scorecard heading."""
    texts = [c.value for c in ws["A"]]
    row = texts.index(heading) + 3                 # heading, header, first data row
    out = []
    while isinstance(ws.cell(row=row, column=6).value, (int, float)):
        out.append(tuple(ws.cell(row=row, column=c).value for c in range(1, 7)))
        row += 1
    return out


@pytest.mark.parametrize("year", [2023, 2024])
def test_scorecards_of_the_samples_are_on_the_right_side(year):
    """Every unit of both sample years: strongest strictly above the block mean, weakest
    strictly below, as many as there are (up to 3), and each row's unit value in its own
    unit (a share as "37.2 %", a mean as "3.9 / 5") beside the score."""
    scores, _ = score(SAMPLES / f"ddci_haiphong_{year}.xlsx",
                      SAMPLES / f"ddci_haiphong_{year}.toml")
    wb = build_workbook(scores, scorecards=True, lang="en", now=NOW, command="x")
    method, checked = scores.method, 0
    by_label = {ind.label_en or ind.label: ind for ind in method.indicators}
    for plan in scores.plans:
        ok = [u for u in plan.units if scores.status[u] == "ok"]
        mean = np.nanmean(scores.scores[np.ix_(ok, plan.indicators)], axis=0)
        for u in ok:
            diff = scores.scores[u, plan.indicators] - mean
            ws = next(wb[n] for n in wb.sheetnames if wb[n]["A1"].value == scores.survey.units[u])
            strong = _card_list(ws, "Strongest indicators (above the block mean, up to three)")
            weak = _card_list(ws, "Weakest indicators (below the block mean, up to three)")
            assert len(strong) == min(3, int((diff > 1e-9).sum()))
            assert len(weak) == min(3, int((diff < -1e-9).sum()))
            assert all(r[5] > 0 for r in strong) and all(r[5] < 0 for r in weak)
            assert [r[5] for r in strong] == sorted((r[5] for r in strong), reverse=True)
            for label, value, *_ in strong + weak:
                ind = by_label[label]
                i = method.indicators.index(ind)
                assert value == pytest.approx(scores.values.values[u, i])
                cell = next(c for c in ws["B"] if c.value == value)
                expect = '0.0" %"' if ind.statistic == "share" else f'0.0" / {ind.valid[1]:g}"'
                assert cell.number_format == expect
            checked += 1
    assert checked >= 20


# ---- languages, optional data, provenance --------------------------------------------

def test_every_label_in_every_language():
    for key, row in LABELS.items():
        assert set(LANGUAGES) <= set(row), key
        if not key.startswith("status.ok"):
            assert all(row[lang].strip() for lang in LANGUAGES), key


def test_english_report(case):
    _, wb = _report(case, lang="en", scorecards=True)
    assert wb.sheetnames[:3] == ["Summary", "Sub-indices", "Indicators"]
    assert wb.sheetnames[-3:] == ["Diagnostics", "Method", "About"]
    assert CLASH in wb.sheetnames                        # no clash in English
    rows = _table(wb["Summary"], "Rank")
    assert {r[3].value for r in rows.values()} <= {"Good", "Fair", None}
    assert "Fewer than 2 responses" in rows[SMALL][-1].value


def test_intervals_changes_and_sensitivity_when_given(case):
    folder, _, _, scores = case
    ranked = [u for u in range(len(scores.survey.units)) if scores.status[u] == "ok"]
    scores.ci = {u: {"composite": [scores.composite[u] - 1, scores.composite[u] + 1],
                     "rank": [1, 3], "subindices": {}} for u in ranked}
    try:
        comparison = {"years": [2023, 2024], "units": [
            {"unit": "Quận Một", "block": "b", "years": {},
             "changes": {"2024": {"composite": 2.5, "rank": -1}}}]}
        sensitivity = {"runs": 10, "units": [
            {"unit": "Quận Một", "block": "b", "nominal_rank": 1, "mean_rank": 1.2,
             "median_rank": 1, "q05_rank": 1, "q95_rank": 2,
             "tier_probability": {"Tốt": 0.7, "Khá": 0.3}}]}
        _, wb = _report(case, name="extra.xlsx", comparison=comparison,
                        sensitivity=sensitivity)
    finally:
        scores.ci = None
    ws = wb["Tổng hợp"]
    head, _ = _header_row(ws, "Hạng")
    heads = [c.value for c in ws[head]]
    assert "Điểm: cận dưới KTC" in heads and "Thay đổi hạng so với 2023" in heads
    rows = _table(ws, "Hạng")
    row = [c.value for c in rows["Quận Một"]]
    u = scores.survey.units.index("Quận Một")
    assert row[heads.index("Điểm: cận dưới KTC")] == pytest.approx(scores.composite[u] - 1)
    assert row[heads.index("Thay đổi điểm so với 2023")] == 2.5
    assert row[heads.index("Thay đổi hạng so với 2023")] == -1
    assert "Độ nhạy" in wb.sheetnames
    sens = _table(wb["Độ nhạy"], "Khối")
    probs = [c.value for c in sens["Quận Một"][-2:]]
    assert probs == [0.7, 0.3] and sens["Quận Một"][-1].number_format == '0%;-0%;"–"'
    row = sens["Quận Một"]
    assert isinstance(row[2].value, int) and row[2].number_format == "0"   # a rank, not 1.00
    texts = [c.value for c in wb["Độ nhạy"]["A"][:8]]
    assert any(isinstance(v, str) and v.startswith("Xác suất xếp loại") for v in texts)


def test_plain_report_has_no_optional_sheets(case):
    _, wb = _report(case)
    assert wb.sheetnames == ["Tổng hợp", "Chỉ số thành phần", "Chỉ tiêu", "Chẩn đoán",
                             "Phương pháp", "Thông tin"]


def test_about_sheet(case):
    folder, survey, method, scores = case
    _, wb = _report(case)
    about = {r[0].value: r[1] for r in wb["Thông tin"].iter_rows(min_row=3) if r[0].value}
    assert about["Thời điểm tạo (UTC)"].value == NOW
    assert about["SHA-256 tệp khảo sát"].value == scores.survey.sha256
    import hashlib
    assert about["SHA-256 tệp phương pháp"].value == hashlib.sha256(method.read_bytes()).hexdigest()
    assert about["Lệnh"].value == "ddci score test"
    assert about["Dữ liệu"].value == "Dữ liệu khảo sát"           # not synthetic


@pytest.mark.skipif(not (SAMPLES / "ddci_haiphong_2024.toml").exists(), reason="no samples")
def test_sample_data_are_marked_synthetic():
    scores, _ = score(SAMPLES / "ddci_haiphong_2024.xlsx", SAMPLES / "ddci_haiphong_2024.toml")
    wb = build_workbook(scores, now=NOW)
    about = {r[0].value: r[1].value for r in wb["Thông tin"].iter_rows(min_row=3)
             if r[0].value}
    assert "Giả lập" in about["Dữ liệu"]
    assert wb["Tổng hợp"]["A3"].value.startswith("DỮ LIỆU GIẢ LẬP")
    assert wb.properties.keywords == "synthetic"


# ---- determinism ---------------------------------------------------------------------

def test_same_inputs_same_bytes(case):
    a, _ = _report(case, name="a.xlsx", scorecards=True)
    b, _ = _report(case, name="b.xlsx", scorecards=True)
    assert a.read_bytes() == b.read_bytes()
    wb = load_workbook(a)
    assert wb.properties.created == wb.properties.modified == dt.datetime(2000, 1, 1)
    assert wb.properties.creator.startswith("ddci ")


def test_only_the_about_time_depends_on_the_clock(case):
    folder, _, _, scores = case
    one, two = folder / "t1.xlsx", folder / "t2.xlsx"
    write_workbook(scores, one, now=NOW, command="x")
    write_workbook(scores, two, now=NOW + dt.timedelta(days=3), command="x")
    wb1, wb2 = load_workbook(one), load_workbook(two)
    diffs = []
    for ws1 in wb1.worksheets:
        ws2 = wb2[ws1.title]
        for r1, r2 in zip(ws1.iter_rows(), ws2.iter_rows()):
            for c1, c2 in zip(r1, r2):
                if (c1.value, c1.number_format, repr(c1.font), repr(c1.fill),
                        repr(c1.border), repr(c1.alignment)) != \
                        (c2.value, c2.number_format, repr(c2.font), repr(c2.fill),
                         repr(c2.border), repr(c2.alignment)):
                    diffs.append((ws1.title, c1.coordinate))
    time_row = next(r[0].row for r in wb1["Thông tin"].iter_rows()
                    if r[0].value == "Thời điểm tạo (UTC)")
    assert diffs == [("Thông tin", f"B{time_row}")]
    with zipfile.ZipFile(one) as z1, zipfile.ZipFile(two) as z2:
        for name in z1.namelist():
            if "chart" in name or "drawing" in name or name.endswith("styles.xml"):
                assert z1.read(name) == z2.read(name), name


# ---- the ranking chart ---------------------------------------------------------------

def test_chart_png_is_written_and_deterministic(case, ddci):
    pytest.importorskip("matplotlib")
    from ddci_cli.report.chart import write_chart

    folder, survey, method, scores = case
    first, second = folder / "r1.png", folder / "r2.png"
    proc = ddci.run("score", survey, "-m", method, "--chart", first, "-q")
    assert proc.returncode == 0, proc.stderr
    write_chart(scores, second)                   # the library, in this process
    data = first.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data == second.read_bytes()
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == 1920 and height >= 1080          # full HD wide, 16:9 or taller


def test_chart_with_a_wrong_extension_is_a_usage_error(case, ddci):
    folder, survey, method, _ = case
    proc = ddci.run("score", survey, "-m", method, "--chart", folder / "r.gif")
    assert proc.returncode == 2
    assert ".png" in proc.stderr
    assert not (folder / "r.gif").exists()


def test_scorecards_option(case, ddci):
    folder, survey, method, _ = case
    with_cards, without = folder / "cards.xlsx", folder / "plain.xlsx"
    assert ddci.run("score", survey, "-m", method, "-o", with_cards, "--scorecards",
                    "-q").returncode == 0
    assert ddci.run("score", survey, "-m", method, "-o", without, "-q").returncode == 0
    n_with = len(load_workbook(with_cards, read_only=True).sheetnames)
    n_without = len(load_workbook(without, read_only=True).sheetnames)
    assert n_with - n_without == len(UNITS)
    about = {r[0].value: r[1].value for r in load_workbook(with_cards)["Thông tin"].iter_rows()
             if r[0].value}
    assert about["Lệnh"].startswith("ddci score ") and "--scorecards" in about["Lệnh"]


def test_texts_are_stored_nfc_and_literal_in_the_file(case):
    target, _ = _report(case, scorecards=True)
    with zipfile.ZipFile(target) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist()
                      if n.startswith("xl/worksheets/sheet"))
    for name in (LONG_1, "Quận Một"):
        assert unicodedata.normalize("NFC", name) in xml
    assert "<t>=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)</t>" in xml or \
        '<t>=HYPERLINK("http://x","y")</t>' in xml


# ---- docs/report.md runs -------------------------------------------------------------

@pytest.mark.skipif(not (SAMPLES / "ddci_haiphong_2024.toml").exists(), reason="no samples")
def test_report_doc_examples_run(ddci, tmp_path, monkeypatch):
    import re

    text = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    samples = str(SAMPLES) + "/"
    commands = [line for block in re.findall(r"```sh\n(.*?)```", text, re.S)
                for line in block.splitlines() if line.startswith("ddci ")]
    assert len(commands) == 3
    for line in commands:
        args = line.replace("data/samples/", samples).split()[1:]
        proc = ddci.run(*args)
        assert proc.returncode == 0, (line, proc.stderr)
    for name in ("report.xlsx", "results.csv", "results.parquet", "ranking.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert "Summary" in load_workbook(tmp_path / "report.xlsx", read_only=True).sheetnames
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "report.xlsx").unlink()
    exec(compile(block.replace("data/samples/", samples), "report.md", "exec"), {})
    about = load_workbook(tmp_path / "report.xlsx")["About"]
    assert dt.datetime(2024, 12, 31, 9, 0) in [r[1].value for r in about.iter_rows()]


def test_scorecard_explain_section():
    """Each ranked unit's scorecard carries the ``ddci explain`` what-ifs, with the ranks
    the analysis found."""
    from ddci_cli.explain import explain

    scores, _ = score(SAMPLES / "ddci_haiphong_2024.xlsx", SAMPLES / "ddci_haiphong_2024.toml")
    wb = build_workbook(scores, scorecards=True, lang="en", now=NOW, command="x")
    u = next(v for v in range(len(scores.status))
             if scores.status[v] == "ok" and explain(scores, v)["what_if"])
    doc = explain(scores, u)
    ws = next(wb[n] for n in wb.sheetnames if wb[n]["A1"].value == scores.survey.units[u])
    texts = [c.value for c in ws["A"]]
    start = texts.index("Why this rank, and what would move it") + 1
    assert any(isinstance(v, str) and v.startswith("Composite ") for v in texts[start:])
    header = next(r for r in range(start, len(texts) + 1)
                  if ws.cell(row=r, column=4).value == "New rank")
    ranks = [ws.cell(row=header + 1 + k, column=4).value for k in range(len(doc["what_if"]))]
    assert ranks == [w["rank"] for w in doc["what_if"]]


def test_sensitivity_and_method_sheets_say_what_in_the_report_language(case):
    """The Sensitivity sheet says what was varied (±25 % weights); the Method sheet
    translates settings and shows block labels, not ids."""
    doc = {"schema_version": 1, "runs": 200, "seed": 7,
           "settings": {"mode": "uncertainty", "runs": 200, "weights": 0.25,
                        "weights_dirichlet": None, "normalization": ["minmax", "zscore"],
                        "aggregation": ["arithmetic"], "min_responses": [2],
                        "exclude_subindex": False},
           "units": [{"unit": "Quận Một", "block": "b", "nominal_rank": 1, "mean_rank": 1.2,
                      "median_rank": 1.0, "q05_rank": 1.0, "q95_rank": 2.0,
                      "tier_probability": {}}]}
    _, wb = _report(case, sensitivity=doc)
    texts = [c.value for c in wb["Độ nhạy"]["A"][:8] if isinstance(c.value, str)]
    varied = next(v for v in texts if v.startswith("200 lần"))
    assert "±25 %" in varied and "seed 7" in varied and "điểm chuẩn z" in varied
    method = [str(c.value) for row in wb["Phương pháp"].iter_rows() for c in row if c.value]
    assert any(v.startswith("min–max (tối thiểu–tối đa)") for v in method)
    assert any(v.startswith("trung bình cộng có trọng số") for v in method)
    # the blocks table holds the label once; sub-indices and indicators name it again
    assert sum(v.startswith("Khối A") for v in method) >= 2
