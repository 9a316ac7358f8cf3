"""Cells, weights, separators, headers and sheets (SPEC §2, §4 "Composite"): files built
the way a field team or a hostile sender builds them, run through the real ``ddci``
command. Each case was a silent wrong answer or an unhelpful message before."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from test_bad_inputs import run_cli

HEADER = ["Mã DN", "Đơn vị", "Trọng số", "B1", "C1"]
UNITS = ["Sở A", "Sở B", "Sở C"]

METHOD = """
[index]
name = "Trust"

[input]
unit_column = "Đơn vị"
respondent_column = "Mã DN"
{input}

[normalization]
method = "{norm}"
range = [1, 10]

[aggregation]
subindex = "arithmetic"
composite = "{composite}"

[[subindices]]
id = "s1"
weight = 1
  [[subindices.indicators]]
  id = "b1"
  column = "{b1}"
  {b1_extra}

[[subindices]]
id = "s2"
weight = {s2_weight}
  [[subindices.indicators]]
  id = "c1"
  column = "C1"
  {c1_extra}
"""


def method_file(tmp: Path, *, input: str = "", norm: str = "minmax", composite="arithmetic",
                b1: str = "B1", b1_extra: str = "valid = [1, 5]",
                c1_extra: str = "valid = [1, 5]", s2_weight: str = "1") -> Path:
    path = tmp / "method.toml"
    path.write_text(METHOD.format(input=input, norm=norm, composite=composite, b1=b1,
                                  b1_extra=b1_extra, c1_extra=c1_extra, s2_weight=s2_weight),
                    encoding="utf-8")
    return path


def rows(n: int = 3) -> list[list]:
    """``n`` respondents × the three units, Likert answers, every weight 1."""
    out = []
    for r in range(n):
        for u, unit in enumerate(UNITS):
            out.append([f"DN{r}", unit, 1, 1 + (r + u) % 5, 1 + (2 * r + u) % 5])
    return out


def xlsx(tmp: Path, body: list[list], header=HEADER, name="survey.xlsx",
         sheets: dict[str, list[list]] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for row in [header, *body]:
        ws.append(row)
    for title, content in (sheets or {}).items():
        other = wb.create_sheet(title)
        for row in content:
            other.append(row)
    path = tmp / name
    wb.save(path)
    return path


def csv_file(tmp: Path, body: list[list], header=HEADER, name="survey.csv") -> Path:
    lines = [",".join(f'"{c}"' for c in header)]
    lines += [",".join(f'"{c}"' if c is not None else "" for c in row) for row in body]
    path = tmp / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def problems(*args) -> tuple[int, list[dict], str]:
    code, out, err = run_cli(*args, "--json")
    doc = json.loads(out) if out.strip() else {}
    return code, doc.get("problems", []), err


def validate(survey: Path, method: Path, *extra) -> tuple[int, list[dict], str]:
    return problems("validate", survey, "-m", method, *extra)


def codes(found: list[dict]) -> list[str]:
    return [p["code"] for p in found]


# ---- item 3: weights -------------------------------------------------------------------

WEIGHTED = 'weight_column = "Trọng số"'


@pytest.mark.parametrize("where", [0, 4])
def test_boolean_weight_cells_are_bad_weight_only_on_their_row(tmp_path, where):
    """TRUE is not 1, wherever it comes: before the genuine 1s (which must still be read)
    or after them (where it was silently taken as 1)."""
    body = rows()
    body[where][2] = True
    code, found, _ = validate(xlsx(tmp_path, body), method_file(tmp_path, input=WEIGHTED))
    assert code == 1
    bad = [p for p in found if p["code"] == "bad_weight"]
    assert [p["row"] for p in bad] == [where + 2], found
    assert "TRUE" in bad[0]["message"]


def test_false_weight_cell_is_bad_weight(tmp_path):
    body = rows()
    body[3][2] = False
    code, found, _ = validate(xlsx(tmp_path, body), method_file(tmp_path, input=WEIGHTED))
    assert code == 1 and [(p["code"], p["row"]) for p in found] == [("bad_weight", 5)]


@pytest.mark.parametrize("text", ["TRUE", "false", ""])
def test_boolean_or_blank_weight_text_in_csv(tmp_path, text):
    body = rows()
    body[2][2] = text
    code, found, _ = validate(csv_file(tmp_path, body), method_file(tmp_path, input=WEIGHTED))
    assert code == 1 and [(p["code"], p["row"]) for p in found] == [("bad_weight", 4)]


def test_blank_weight_cell_in_xlsx(tmp_path):
    body = rows()
    body[5][2] = None
    code, found, _ = validate(xlsx(tmp_path, body), method_file(tmp_path, input=WEIGHTED))
    assert code == 1 and [(p["code"], p["row"]) for p in found] == [("bad_weight", 7)]
    assert "blank" in found[0]["message"]


# ---- item 5: a zero sub-index in a geometric composite ---------------------------------

def test_zero_subindex_in_geometric_composite_is_an_error(tmp_path):
    """Normalisation none keeps a 0 share as 0: the geometric composite cannot take it,
    and the unit must not become a silent 'incomplete'."""
    body = rows()
    for row in body:
        row[3] = 3 if row[1] != "Sở B" else 1  # Sở B: no answer in share_of → share 0
    method = method_file(tmp_path, norm="none", composite="geometric",
                         b1_extra='statistic = "share"\n  share_of = [3]\n  valid = [1, 5]')
    code, found, _ = validate(xlsx(tmp_path, body), method)
    assert code == 1, found
    bad = [p for p in found if p["code"] == "nonpositive_geometric"]
    assert len(bad) == 1 and "Sở B" in bad[0]["message"] and "s1" in bad[0]["message"]


def test_zero_subindex_dropped_by_coverage_raises_nothing(tmp_path):
    """Checked after the coverage rule: a sub-index that coverage drops enters nothing."""
    body = rows()
    for row in body:
        row[3] = 3 if row[1] != "Sở B" else 1
        if row[1] == "Sở B":
            row[4] = None  # s2 missing for Sở B: coverage 1/4 of the weight < 0.5
    method = method_file(tmp_path, norm="none", composite="geometric", s2_weight="3",
                         b1_extra='statistic = "share"\n  share_of = [3]\n  valid = [1, 5]')
    code, found, _ = validate(xlsx(tmp_path, body), method)
    assert "nonpositive_geometric" not in codes(found), found


# ---- item 6: 400 nines, inf in the method file -----------------------------------------

NINES = "9" * 400


@pytest.mark.parametrize("maker", [xlsx, csv_file])
def test_four_hundred_nines_are_not_a_number(tmp_path, maker):
    body = rows()
    body[1][3] = NINES
    code, found, _ = validate(maker(tmp_path, body),
                              method_file(tmp_path, b1_extra=""))  # no valid range
    assert code == 1 and [(p["code"], p["row"], p["column"]) for p in found] == \
        [("non_numeric_value", 3, "B1")]


@pytest.mark.parametrize("maker", [xlsx, csv_file])
def test_four_hundred_nines_weight_is_bad_weight(tmp_path, maker):
    body = rows()
    body[1][2] = NINES
    code, found, _ = validate(maker(tmp_path, body), method_file(tmp_path, input=WEIGHTED))
    assert code == 1 and [(p["code"], p["row"]) for p in found] == [("bad_weight", 3)]


def test_scientific_notation_weight_and_answers(tmp_path):
    body = rows()
    body[0][2] = "2e-06"
    body[1][3] = "3E+00"
    code, found, _ = validate(csv_file(tmp_path, body), method_file(tmp_path, input=WEIGHTED))
    assert code == 0, found


def test_parquet_numeric_columns_with_inf_and_huge_text(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    body = rows()
    table = {name: [r[j] for r in body] for j, name in enumerate(HEADER)}
    table["Trọng số"] = [1.0] * len(body)
    table["Trọng số"][2] = float("inf")
    table["B1"] = [str(v) for v in table["B1"]]
    table["B1"][4] = NINES
    path = tmp_path / "survey.parquet"
    pq.write_table(pa.table(table), path)
    code, found, _ = validate(path, method_file(tmp_path, input=WEIGHTED, b1_extra=""))
    assert code == 1
    assert sorted((p["code"], p["row"]) for p in found) == \
        [("bad_weight", 4), ("non_numeric_value", 6)]


@pytest.mark.parametrize("where, key", [
    ("b1", "subindices[0].indicators[0].weight"),
    ("s2", "subindices[1].weight"),
])
@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_infinite_or_nan_weight_in_method_is_a_method_error(tmp_path, where, key, value):
    kwargs = dict(b1_extra=f"weight = {value}") if where == "b1" else dict(s2_weight=value)
    method = method_file(tmp_path, **kwargs)
    code, found, _ = validate(xlsx(tmp_path, rows()), method)
    assert code == 1
    assert key in [p["key"] for p in found if p["severity"] == "error"], found


def test_infinite_bounds_in_method_are_method_errors(tmp_path):
    method = method_file(tmp_path, b1_extra="valid = [1, inf]",
                         c1_extra="valid = [1, 5]\n  missing_codes = [inf]")
    code, found, _ = validate(xlsx(tmp_path, rows()), method)
    assert code == 1
    keys = {p["key"] for p in found}
    assert {"subindices[0].indicators[0].valid",
            "subindices[1].indicators[0].missing_codes"} <= keys, found


# ---- item 9: thousands and decimal marks -----------------------------------------------

def cost_rows(texts: list[str]) -> list[list]:
    body = rows()
    for row, text in zip(body, texts * len(body)):
        row[3] = text
    return body


def unit_values(doc: dict, indicator: str = "b1") -> dict[str, float]:
    return {u["unit"]: u["indicators"][indicator]["value"] for u in doc["units"]}


def test_three_digits_after_separator_warns_and_says_which_key(tmp_path):
    body = cost_rows(["1.000", "12.500", "2.000"])
    method = method_file(tmp_path, b1_extra="")
    code, found, _ = validate(csv_file(tmp_path, body), method)
    assert code == 0
    warned = [p for p in found if p["code"] == "ambiguous_separator"]
    assert len(warned) == 1 and warned[0]["column"] == "B1", found
    message = warned[0]["message"]
    assert "'1.000'" in message and "thousands" in message and "decimal_mark" in message
    # --strict makes it a failure: a cron job never ranks on a 1000-fold guess
    code, _, _ = validate(csv_file(tmp_path, body), method, "--strict")
    assert code == 1


def test_thousands_key_reads_vietnamese_grouping(tmp_path, ddci):
    body = cost_rows(["1.500.000", "12.500", "2.000"])
    method = method_file(tmp_path, input='thousands = "."\ndecimal_mark = ","', b1_extra="")
    doc = ddci.score(csv_file(tmp_path, body), method)
    assert not [p for p in doc["problems"] if p["code"] == "ambiguous_separator"]
    values = {v for row in body for v in [row[3]]}
    assert values == {"1.500.000", "12.500", "2.000"}
    assert max(unit_values(doc).values()) >= 12500


def test_decimal_comma_and_space_grouping(tmp_path, ddci):
    body = cost_rows(["2,5", "1 500", "3"])
    method = method_file(tmp_path, input='thousands = " "', b1_extra="")
    doc = ddci.score(csv_file(tmp_path, body), method)
    assert sorted(unit_values(doc).values()) == [2.5, 3.0, 1500.0]  # one text per unit


def test_declared_grouping_rejects_a_badly_grouped_number(tmp_path):
    body = cost_rows(["1.50", "2", "3"])
    method = method_file(tmp_path, input='thousands = "."', b1_extra="")
    code, found, _ = validate(csv_file(tmp_path, body), method)
    assert code == 1 and set(codes(found)) == {"non_numeric_value"}


def test_decimal_mark_alone_silences_the_warning(tmp_path):
    body = cost_rows(["1.000", "2.500", "3.250"])
    method = method_file(tmp_path, input='decimal_mark = "."', b1_extra="")
    code, found, _ = validate(csv_file(tmp_path, body), method)
    assert code == 0 and found == []


def test_no_warning_when_a_separated_text_is_clearly_decimal(tmp_path):
    body = cost_rows(["1.000", "2.5", "3"])
    code, found, _ = validate(csv_file(tmp_path, body), method_file(tmp_path, b1_extra=""))
    assert code == 0 and found == []


def test_numbers_stored_as_numbers_are_unaffected(tmp_path):
    body = cost_rows([1.5, 12.5, 2.0])
    method = method_file(tmp_path, input='thousands = "."', b1_extra="")
    code, found, _ = validate(xlsx(tmp_path, body), method)
    assert code == 0 and found == []


def test_ambiguous_weight_column_warns(tmp_path):
    body = rows()
    for row in body:
        row[2] = "1.500"
    code, found, _ = validate(csv_file(tmp_path, body), method_file(tmp_path, input=WEIGHTED))
    assert code == 0 and [(p["code"], p["column"]) for p in found] == \
        [("ambiguous_separator", "Trọng số")]


@pytest.mark.parametrize("line, key", [
    ('thousands = "_"', "input.thousands"),
    ('decimal_mark = " "', "input.decimal_mark"),
    ('thousands = ","\ndecimal_mark = ","', "input.decimal_mark"),
])
def test_bad_separator_keys(tmp_path, line, key):
    code, found, _ = validate(csv_file(tmp_path, rows()), method_file(tmp_path, input=line))
    assert code == 1 and key in [p["key"] for p in found], found


# ---- item 10: headers and sheets -------------------------------------------------------

def test_numeric_header_cell_matches_a_text_column_name(tmp_path, ddci):
    """Questions numbered 1, 2, 3 in the header, stored as numbers: the header row is
    found and every column is read."""
    method = tmp_path / "numbers.toml"
    method.write_text('[input]\nunit_column = "Đơn vị"\n\n[[subindices]]\nid = "s"\n'
                      + "".join(f'  [[subindices.indicators]]\n  id = "q{k}"\n'
                                f'  column = "{k}"\n' for k in (1, 2, 3)), encoding="utf-8")
    body = [[row[1], row[3], row[4], 3] for row in rows()]
    doc = ddci.score(xlsx(tmp_path, body, header=["Đơn vị", 1, 2.0, 3]), method)
    assert doc["inputs"][0]["header_row"] == 1
    assert all(u["indicators"][q]["value"] is not None for u in doc["units"]
               for q in ("q1", "q2", "q3"))


def test_sheet_named_like_a_number_is_found_by_name(tmp_path, ddci):
    """--sheet 2024 (and --sheet 2) name sheets before they count them."""
    body = rows()
    other = [row[:] for row in body]
    for row in other:
        row[3] = 5
    path = xlsx(tmp_path, body, sheets={"2024": [HEADER, *other], "2": [HEADER, *body]})
    method = method_file(tmp_path)
    doc = ddci.score(path, method, "--sheet", "2024")
    assert doc["inputs"][0]["sheet"] == "2024", doc["inputs"]
    assert set(unit_values(doc).values()) == {5.0}
    doc = ddci.score(path, method, "--sheet", "2")
    assert doc["inputs"][0]["sheet"] == "2"
    doc = ddci.score(path, method, "--sheet", "3")  # no sheet named 3: the third sheet
    assert doc["inputs"][0]["sheet"] == "2"


def test_method_sheet_number_is_a_name_first(tmp_path, ddci):
    path = xlsx(tmp_path, [], header=["x"], sheets={"2024": [HEADER, *rows()]})
    doc = ddci.score(path, method_file(tmp_path, input="sheet = 2024"))
    assert doc["inputs"][0]["sheet"] == "2024"


def test_column_found_by_prefix_with_an_info_line(tmp_path, ddci):
    long_c1 = "C1. Thông tin về thủ tục hành chính được công khai đầy đủ (1-5)"
    header = HEADER[:3] + ["B10 Ghi chú", long_c1]
    body = rows()
    for row in body:
        row.insert(3, "x")  # B10 holds text: using it for B1 would be an error
    header = HEADER[:3] + ["B10 Ghi chú", "B1", long_c1]
    doc = ddci.score(xlsx(tmp_path, body, header=header), method_file(tmp_path))
    info = [p for p in doc["problems"] if p["code"] == "column_prefix"]
    assert len(info) == 1 and info[0]["severity"] == "info" and info[0]["column"] == "C1"
    assert long_c1 in info[0]["message"]
    # --strict does not fail on an info line
    doc = ddci.score(xlsx(tmp_path, body, header=header), method_file(tmp_path), "--strict")
    assert doc["ok"]


def test_prefix_is_never_a_longer_code(tmp_path):
    """B1 is not B10, B11 or B1a: no prefix match, and the message names what exists."""
    header = HEADER[:3] + ["B10", "C1"]
    code, found, _ = validate(xlsx(tmp_path, rows(), header=header), method_file(tmp_path))
    assert code == 1
    missing = [p for p in found if p["code"] == "missing_column"]
    assert [p["column"] for p in missing] == ["B1"]
    assert "did you mean 'B10'?" in missing[0]["message"]


def test_two_headers_with_the_prefix_match_neither(tmp_path):
    header = HEADER[:3] + ["B1. Câu hỏi (1-5)", "C1", "B1 (ghi chú)"]
    body = [row + ["x"] for row in rows()]
    code, found, _ = validate(xlsx(tmp_path, body, header=header), method_file(tmp_path))
    assert code == 1 and "missing_column" in codes(found)


def test_missing_column_names_the_closest_and_lists_whole_quoted_names(tmp_path):
    names = [f"Câu hỏi số {k}, phần {k % 3} (thang điểm 1-5)" for k in range(1, 40)]
    header = HEADER[:3] + ["C1"] + names
    body = [row[:3] + [row[4]] + [3] * len(names) for row in rows()]
    method = method_file(tmp_path, b1="Tình hình chung")
    code, found, _ = validate(xlsx(tmp_path, body, header=header), method)
    assert code == 1
    message = next(p["message"] for p in found if p["code"] == "missing_column")
    assert "did you mean '" in message
    listed = message.split(" has: ", 1)[1]
    assert "more" in listed  # cut between names, saying how many are left out
    for item in listed.split("', '")[1:-1]:
        assert item in names or item in HEADER, item
    last = listed.rsplit(" … and ", 1)[0]
    assert last.endswith("'")
