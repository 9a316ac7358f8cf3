"""Crosswalk files and unit lineage across years (SPEC §9, docs/years.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ddci_cli.years.crosswalk import Crosswalk, CrosswalkRow, link_years
from ddci_cli.errors import ProblemReport

YEARS = Path(__file__).parent / "data" / "years"


def xwalk(*rows) -> Crosswalk:
    return Crosswalk("cw.csv", "0" * 64, [CrosswalkRow(y, o, n, w, i + 2)
                                          for i, (y, o, n, w) in enumerate(rows)])


def links(units: list[list[str]], years: list[int], *rows, responses=None):
    report = ProblemReport()
    resp = responses or [np.ones(len(u)) for u in units]
    lin = link_years(units, resp, years, xwalk(*rows) if rows else None, report)
    named = {(years[d[0]], units[d[0]][d[1]]): sorted((years[s[0]], units[s[0]][s[1]], w)
                                                      for s, w in preds)
             for d, preds in lin.preds.items()}
    return named, lin, report


def test_same_name_continues_unless_named_old():
    named, _, _ = links([["A", "B"], ["a ", "B"]], [2021, 2022])
    assert named == {(2022, "a "): [(2021, "A", 1.0)], (2022, "B"): [(2021, "B", 1.0)]}


def test_merge_into_an_existing_unit_keeps_its_own_history():
    # only the absorbed unit is listed: A continues as A and B joins it
    named, _, _ = links([["A", "B"], ["A"]], [2021, 2022], (2022, "B", "A", None),
                        responses=[np.array([10.0, 30.0]), np.array([5.0])])
    assert named == {(2022, "A"): [(2021, "A", 10.0), (2021, "B", 30.0)]}


def test_swapped_names():
    named, _, _ = links([["A", "B"], ["A", "B"]], [2021, 2022],
                        (2022, "A", "B", None), (2022, "B", "A", None))
    assert named == {(2022, "B"): [(2021, "A", 1.0)], (2022, "A"): [(2021, "B", 1.0)]}


def test_rows_of_a_year_not_compared_are_chained():
    # compared 2021 and 2023; renames happened in 2022 (not surveyed) and 2023
    named, lin, _ = links([["A", "Z"], ["A3", "Z"]], [2021, 2023],
                          (2022, "A", "A2", None), (2023, "A2", "A3", None),
                          (2019, "Q", "Z", None), (2024, "Z", "Y", None))
    assert named == {(2023, "A3"): [(2021, "A", 1.0)], (2023, "Z"): [(2021, "Z", 1.0)]}
    assert lin.applied == 2                    # rows of 2019 and 2024 are outside 2021–2023


def test_absent_year_links_same_name_but_not_after_abolition():
    named, _, _ = links([["A", "B"], ["C"], ["A", "B"]], [2021, 2022, 2023],
                        (2022, "B", None, None))
    assert named == {(2023, "A"): [(2021, "A", 1.0)]}     # B was abolished: a new B


def test_abolished_unit_surveyed_again_is_a_warning():
    _, lin, report = links([["A", "B"], ["A", "B"]], [2021, 2022], (2022, "B", None, None))
    assert [p.code for p in report.problems] == ["crosswalk_abolished_present"]
    assert lin.abolished == {(0, 1)}


def test_unit_in_neither_year_is_an_error_naming_row_and_value():
    _, _, report = links([["Sở Tài chính"], ["Sở Tài chính mới"]], [2023, 2024],
                         (2024, "Sở Tài chinh", "Sở Tài chính mới", None))
    p, = report.errors
    assert (p.code, p.file, p.row, p.column, p.value) == \
        ("crosswalk_unknown_unit", "cw.csv", 2, "old", "Sở Tài chinh")
    assert "did you mean 'Sở Tài chính'" in p.message


def test_names_on_the_wrong_side_are_a_warning():
    named, _, report = links([["A"], ["B"]], [2021, 2022], (2022, "B", "A", None))
    assert [(p.code, p.column) for p in report.problems] == \
        [("crosswalk_wrong_side", "old"), ("crosswalk_wrong_side", "new")]
    assert named == {}


# --------------------------------------------------------------------------- the file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cw.csv"
    path.write_text(text, encoding="utf-8")
    return path


def run(ddci, crosswalk: Path) -> tuple[int, dict]:
    proc = ddci.run("compare", YEARS / "ddci_2021.csv", YEARS / "ddci_2022.csv", "-m",
                    YEARS / "method.toml", "--crosswalk", crosswalk, "--json")
    return proc.returncode, json.loads(proc.stdout)


def test_unknown_unit_exits_1_with_file_row_and_value(ddci, tmp_path):
    path = write(tmp_path, "year,old,new,weight\n2022,A,Anew,\n2022,Zed,BC,\n")
    rc, doc = run(ddci, path)
    assert rc == 1 and doc["ok"] is False
    p, = [p for p in doc["problems"] if p["severity"] == "error"]
    assert (p["code"], p["file"], p["row"], p["value"]) == \
        ("crosswalk_unknown_unit", str(path), 3, "Zed")


@pytest.mark.parametrize("text, code, row", [
    ("year;old;new;weight\n22;A;Anew;\n", "crosswalk_year", 2),
    ("year,old,new,weight\n2022,B,BC,-1\n", "crosswalk_weight", 2),
    ("year,old,new,weight\n2022,B,BC,x\n", "crosswalk_weight", 2),
    ("year,old,new,weight\n2022,,BC,\n", "crosswalk_old", 2),
    ("year,old,new,weight\n2022,B,BC,\n2022,b,bc,\n", "crosswalk_duplicate", 3),
    ("year,old,new,weight\n2022,E,,\n2022,E,BC,\n", "crosswalk_conflict", 2),
    ("năm,cũ,weight\n2022,B,\n", "crosswalk_header", 1),
])
def test_bad_rows(ddci, tmp_path, text, code, row):
    rc, doc = run(ddci, write(tmp_path, text))
    assert rc == 1
    assert (code, row) in [(p["code"], p["row"]) for p in doc["problems"]]


def test_vietnamese_headers_and_merge_weights(ddci, tmp_path):
    # B (composite 2) and C (composite 7) merged with stated weights 3 and 1:
    # (3·2 + 1·7)/4 = 3.25; BC 2022 = 5 → change 1.75
    path = write(tmp_path, "Năm,Cũ,Mới,Trọng số\n2022,B,BC,3\n2022,C,BC,1\n")
    rc, doc = run(ddci, path)
    assert rc == 0
    bc = next(u for u in doc["units"] if u["unit"] == "BC")
    assert bc["changes"]["2022"]["composite"] == pytest.approx(1.75, abs=1e-12)
    assert doc["crosswalk"]["applied"] == 2


def test_partial_history_has_no_change_since_first(tmp_path):
    """A 2023 merge of a unit with 2021 history and a unit new in 2022 has a change
    against 2022 but none against 2021 (only part of it existed then)."""
    from ddci_cli.years.compare import compare
    from ddci_cli.method import load_method

    (tmp_path / "y_2021.csv").write_text("Unit,Q1,Q2\nA,2,2\nB,4,4\n", encoding="utf-8")
    (tmp_path / "y_2022.csv").write_text("Unit,Q1,Q2\nA,3,3\nB,5,5\nN,9,9\n",
                                         encoding="utf-8")
    (tmp_path / "y_2023.csv").write_text("Unit,Q1,Q2\nAN,6,6\nB,5,5\n", encoding="utf-8")
    cw = write(tmp_path, "year,old,new,weight\n2023,A,AN,1\n2023,N,AN,1\n")
    cmp = compare([tmp_path / f"y_{y}.csv" for y in (2021, 2022, 2023)],
                  [load_method(YEARS / "method.toml")], crosswalk=cw)
    an = (2, cmp.scores[2].survey.units.index("AN"))
    assert cmp.changes[an].composite == pytest.approx(6 - (3 + 9) / 2)
    assert cmp.from_first[an] is None
