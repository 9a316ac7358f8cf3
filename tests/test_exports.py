"""Online-survey exports read as they come (SPEC §2 "Layouts"): Google Forms grids,
KoboToolbox XLSX repeat groups, ODK Central zips; the four sample layouts score alike."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from openpyxl import Workbook

from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.method.load import parse_method
from ddci_cli.pipeline import ReadOptions, read_survey, score
from ddci_cli.results import score_document
from ddci_cli.sample.exports import LAYOUTS, export_files
from ddci_cli.sample.writer import generate_survey, survey_xlsx_bytes, sample_method_toml

UNITS = """
[[blocks]]
id = "so"
[units."Sở Tài chính"]
block = "so"
[units."Sở Xây dựng"]
block = "so"
aliases = ["Sở XD"]
"""
INDICATORS = """
[[subindices]]
id = "s"
  [[subindices.indicators]]
  id = "c1"
  column = "C1"
  valid = [1, 5]
  [[subindices.indicators]]
  id = "c2"
  column = "C2"
  statistic = "share"
  share_of = [1]
  valid = [0, 1]
"""


def method(input_keys: str, answers: str = '"Có" = 1\n"Không" = 0') -> object:
    return parse_method(f"[input]\n{input_keys}\n[answers]\n{answers}\n{UNITS}{INDICATORS}")


def read(path, m, **options):
    report = ProblemReport()
    try:
        survey = read_survey(path, m, ReadOptions(**options), report)
    except InputError as exc:
        return None, exc.report
    return survey, report


# ------------------------------------------------------------------ the four samples

def sample_documents(tmp_path, respondents: int = 300) -> dict[str, dict]:
    frame = generate_survey(2024, 0, respondents)
    files = {"ddci_haiphong_2024_long.xlsx": survey_xlsx_bytes(frame, 2024, 0, respondents),
             "ddci_haiphong_2024_long.toml": sample_method_toml(2024).encode()}
    for layout in LAYOUTS[1:]:
        files.update(export_files(frame, layout, 2024))
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    docs = {}
    for layout in LAYOUTS:
        survey = next(p for p in tmp_path.glob(f"*_{layout}.*") if p.suffix != ".toml")
        scores, _ = score(survey, tmp_path / f"ddci_haiphong_2024_{layout}.toml")
        docs[layout] = score_document(scores)
    return docs


@pytest.mark.slow
def test_the_four_sample_layouts_score_identically(tmp_path):
    docs = sample_documents(tmp_path)
    units = docs["long"]["units"]
    assert len(units) == 35 and any(u["rank"] for u in units)
    for layout in LAYOUTS[1:]:
        assert json.dumps(docs[layout]["units"]) == json.dumps(units), layout


@pytest.mark.slow
def test_sample_command_writes_each_layout_and_scores_alike(ddci, tmp_path):
    found = {}
    for layout in LAYOUTS:
        proc = ddci.run("sample", tmp_path / layout, "--layout", layout, "--respondents", 600,
                        "-q")
        assert proc.returncode == 0, proc.stderr
        files = sorted((tmp_path / layout).iterdir())
        survey = next(p for p in files if p.suffix != ".toml")
        found[layout] = ddci.score(survey, next(p for p in files if p.suffix == ".toml"))
    for layout in LAYOUTS[1:]:
        assert found[layout]["units"] == found["long"]["units"], layout


def test_sample_rejects_an_unknown_layout(ddci, tmp_path):
    proc = ddci.run("sample", tmp_path, "--layout", "wide")
    assert proc.returncode == 2 and "--layout" in proc.stderr


# ------------------------------------------------------------------ Google Forms grid

GRID_HEADER = ["Dấu thời gian", "Địa chỉ email", "Mã DN",
               "C1. Thủ tục được công khai [Sở Tài chính]", "C1. Thủ tục được công khai [Sở XD]",
               "C2. Có phải nộp thêm giấy tờ? [Sở Tài chính]",
               "C2. Có phải nộp thêm giấy tờ? [Sở XD]"]


def write_csv(path, rows):
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_google_forms_grid_with_labels_scores(tmp_path):
    path = write_csv(tmp_path / "forms.csv", [
        GRID_HEADER,
        ["2024/03/01 9:00:00 GMT+7", "a@x.vn", "DN1", "4 - Đồng ý", "2 - Không đồng ý", "Có", ""],
        ["2024/03/01 9:05:00 GMT+7", "b@x.vn", "DN2", "", "5 - Rất đồng ý", "", "Không"],
        ["2024/03/01 9:07:00 GMT+7", "c@x.vn", "DN3", "3 - Bình thường", "", "", ""],
        ["2024/03/02 9:00:00 GMT+7", "d@x.vn", "DN4", "", "", "", ""],
    ])
    m = method('layout = "grid"\nleading_code = true')
    survey, report = read(path, m)
    assert not report.has_errors, report.problems
    assert survey.units == ["Sở Tài chính", "Sở Xây dựng"]
    # DN1 rated both, DN2 Sở XD, DN3 Sở Tài chính; DN4 answered nothing: 4 evaluations
    np.testing.assert_array_equal(survey.unit_of_row, [0, 1, 1, 0])
    np.testing.assert_array_equal(survey.row_numbers, [2, 2, 3, 4])
    np.testing.assert_array_equal(survey.X, [[4, 1], [2, np.nan], [5, 0], [3, np.nan]])
    np.testing.assert_array_equal(survey.respondents, [0, 0, 1, 2])  # the row is the firm
    scores, _ = score(path, m)
    assert [int(n) for n in scores.survey.weights] == [1, 1, 1, 1]


def test_grid_respondent_column_and_bad_cell_rows(tmp_path):
    path = write_csv(tmp_path / "forms.csv", [
        GRID_HEADER, ["t", "e", "DN1", "Tốt", "", "", ""]])
    m = method('layout = "grid"\nrespondent_column = "Mã DN"')
    _, report = read(path, m)
    (problem,) = report.errors
    assert (problem.code, problem.row, problem.column) == ("non_numeric_value", 2, "C1")
    assert problem.file.endswith("forms.csv") and "'Có', 'Không'" in problem.message


def test_grid_header_that_matches_no_unit(tmp_path):
    header = GRID_HEADER + ["C1. Thủ tục được công khai [Sở Tài chánh]"]
    path = write_csv(tmp_path / "forms.csv", [header, ["t", "e", "DN1", "4", "", "", "", "3"]])
    _, report = read(path, method('layout = "grid"'))
    (problem,) = report.errors
    assert problem.code == "grid_unknown_unit" and problem.row == 1
    assert "column H" in problem.message and "Sở Tài chính" in problem.message


def test_grid_pattern_is_configurable(tmp_path):
    path = write_csv(tmp_path / "forms.csv", [
        ["Timestamp", "Sở Tài chính - C1", "Sở Tài chính - C2"], ["t", "5", "Có"]])
    survey, report = read(path, method('layout = "grid"\ngrid_pattern = "{unit} - {question}"'))
    assert not report.has_errors and survey.X.tolist() == [[5.0, 1.0]]
    _, report = read(path, method('layout = "grid"'))
    assert report.errors[0].code == "header_not_found"
    assert report.errors[0].key == "input.grid_pattern"


# ------------------------------------------------------------------ KoboToolbox XLSX

def kobo_book(path, parent_indexes=(1, 2, 2), group: bool = True):
    wb = Workbook()
    main = wb.active
    main.title = "DDCI 2024"
    main.append(["start", "ma_dn", "trong_so", "_id", "_uuid", "_index"])
    main.append(["2024-03-01", "DN1", 2, 101, "u1", 1])
    main.append(["2024-03-02", "DN2", 0.5, 102, "u2", 2])
    repeat = wb.create_sheet("danh_gia")
    prefix = "nhom/danh_gia/" if group else ""
    repeat.append([f"{prefix}don_vi", f"{prefix}C1", f"{prefix}C2", "_index",
                   "_parent_table_name", "_parent_index", "_submission__uuid"])
    answers = [("Sở Tài chính", "Đồng ý", "Có"), ("Sở XD", "4", "khong"),
               ("Sở Tài chính", "Rất đồng ý", "Không")]
    for n, (answer, parent) in enumerate(zip(answers, parent_indexes), start=1):
        repeat.append([*answer, n, "DDCI 2024", parent, f"u{parent}"])
    wb.save(path)
    return path


KOBO = ('layout = "repeat"\nunit_column = "don_vi"\nrespondent_column = "ma_dn"\n'
        'weight_column = "trong_so"')
KOBO_ANSWERS = '"Đồng ý" = 4\n"Rất đồng ý" = 5\n"Có" = 1\n"Không" = 0\n"co" = 1\n"khong" = 0'


@pytest.mark.parametrize("group", [True, False])
def test_kobo_repeat_group_joins_the_parent(tmp_path, group):
    path = kobo_book(tmp_path / "kobo.xlsx", group=group)
    survey, report = read(path, method(KOBO, KOBO_ANSWERS))
    assert not report.has_errors, report.problems
    assert survey.sheet == "danh_gia" and survey.row_numbers.tolist() == [2, 3, 4]
    np.testing.assert_array_equal(survey.X, [[4, 1], [4, 0], [5, 0]])
    assert survey.weights.tolist() == [2.0, 0.5, 0.5]
    np.testing.assert_array_equal(survey.respondents, [0, 1, 1])
    assert survey.units == ["Sở Tài chính", "Sở Xây dựng"]


def test_kobo_repeat_row_without_parent(tmp_path):
    path = kobo_book(tmp_path / "kobo.xlsx", parent_indexes=(1, 7, 2))
    _, report = read(path, method(KOBO, KOBO_ANSWERS))
    (problem,) = report.errors
    assert (problem.code, problem.sheet, problem.row) == ("orphan_repeat_row", "danh_gia", 3)
    assert "'DDCI 2024'" in problem.message and "_index '7'" in problem.message


def test_kobo_bad_parent_weight_names_the_parent_row(tmp_path):
    path = kobo_book(tmp_path / "kobo.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb["DDCI 2024"]["C3"] = "nửa"
    wb.save(path)
    _, report = read(path, method(KOBO, KOBO_ANSWERS))
    (problem,) = report.errors
    assert (problem.code, problem.sheet, problem.row) == ("bad_weight", "DDCI 2024", 3)


# ------------------------------------------------------------------ ODK Central zip

def odk_zip(path, members=None):
    main = ("SubmissionDate,ma_dn,trong_so,meta-instanceID,KEY\n"
            "2024-03-01,DN1,1,uuid:a,uuid:a\n2024-03-02,DN2,3,uuid:b,uuid:b\n")
    child = ("danh_gia-don_vi,danh_gia-C1,danh_gia-C2,PARENT_KEY,KEY\n"
             "Sở Tài chính,5,co,uuid:a,uuid:a/danh_gia[1]\n"
             "Sở Xây dựng,2,khong,uuid:b,uuid:b/danh_gia[1]\n"
             "Sở Tài chính,3,,uuid:b,uuid:b/danh_gia[2]\n")
    members = members or {"ddci.csv": main, "ddci-danh_gia.csv": child}
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_odk_central_zip_scores(tmp_path):
    path = odk_zip(tmp_path / "odk.zip")
    survey, report = read(path, method(KOBO, KOBO_ANSWERS))
    assert not report.has_errors, report.problems
    np.testing.assert_array_equal(survey.X, [[5, 1], [2, 0], [3, np.nan]])
    assert survey.weights.tolist() == [1.0, 3.0, 3.0]
    assert survey.path.endswith("odk.zip/ddci-danh_gia.csv")
    scores, _ = score(path, method(KOBO, KOBO_ANSWERS))
    assert scores.survey.sha256 and len(scores.survey.units) == 2


def test_odk_orphan_names_the_member(tmp_path):
    path = odk_zip(tmp_path / "odk.zip", {
        "ddci.csv": "ma_dn,trong_so,KEY\nDN1,1,uuid:a\n",
        "ddci-danh_gia.csv": "don_vi,C1,C2,PARENT_KEY,KEY\nSở Tài chính,5,co,uuid:a,k1\n"
                             "Sở Tài chính,4,co,uuid:zz,k2\n"})
    _, report = read(path, method(KOBO, KOBO_ANSWERS))
    (problem,) = report.errors
    assert (problem.code, problem.row) == ("orphan_repeat_row", 3)
    assert problem.file.endswith("odk.zip/ddci-danh_gia.csv")


def test_zip_holding_no_survey(tmp_path):
    path = odk_zip(tmp_path / "odk.zip", {"readme.txt.pdf": "x", "__MACOSX/._a.csv": "x"})
    _, report = read(path, method(KOBO, KOBO_ANSWERS))
    (problem,) = report.errors
    assert problem.code == "no_survey_in_zip" and "readme.txt.pdf" in problem.message


def test_google_forms_zip_of_one_csv_in_long_layout(tmp_path):
    text = "Đơn vị,C1,C2\nSở Tài chính,4,Có\nSở XD,5,Không\n"
    path = odk_zip(tmp_path / "forms.zip", {"Khảo sát.csv": text})
    survey, report = read(path, method('unit_column = "Đơn vị"'))
    assert not report.has_errors and survey.X.tolist() == [[4.0, 1.0], [5.0, 0.0]]


def test_repeat_layout_without_repeat_sheet(tmp_path):
    path = write_csv(tmp_path / "flat.csv", [["don_vi", "C1", "C2"], ["Sở Tài chính", 4, "Có"]])
    _, report = read(path, method(KOBO, KOBO_ANSWERS))
    assert report.errors[0].code == "no_repeat_sheet"
