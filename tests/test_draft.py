"""`ddci init --from SURVEY`: a method file drafted from an export (sample/draft.py) loads,
and scores the export it was drafted from."""

from __future__ import annotations

import tomllib

import pytest

from ddci_cli.cli.init import write_draft
from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.method import load_method
from ddci_cli.pipeline import ReadOptions, read_survey
from ddci_cli.sample.draft import draft_method
from test_exports import GRID_HEADER, kobo_book, write_csv

FORMS = [GRID_HEADER,
         ["2024/03/01 9:00:00 GMT+7", "a@x.vn", "DN1", "4 - Đồng ý", "2 - Không đồng ý", "Có", ""],
         ["2024/03/01 9:05:00 GMT+7", "b@x.vn", "DN2", "", "5 - Rất đồng ý", "", "Không"],
         ["2024/03/01 9:07:00 GMT+7", "c@x.vn", "DN3", "3 - Bình thường", "", "Không biết", ""]]


def drafted(tmp_path, survey):
    draft = draft_method(survey)
    path = tmp_path / "method.toml"
    path.write_text(draft.text, encoding="utf-8")
    method = load_method(path)
    report = ProblemReport()
    data = read_survey(survey, method, ReadOptions(), report)
    assert not report.has_errors, (report.problems, draft.text)
    return draft, tomllib.loads(draft.text), data


def test_google_forms_grid_draft(tmp_path):
    draft, doc, survey = drafted(tmp_path, write_csv(tmp_path / "forms.csv", FORMS))
    assert doc["input"]["layout"] == "grid" and doc["input"]["leading_code"] is True
    assert "unit_column" not in doc["input"]
    assert doc["input"]["missing_codes"] == ["Không biết"]
    assert doc["answers"] == {"Có": 1, "Không": 0}
    (sub,) = doc["subindices"]
    assert [(i["id"], i["column"], i["valid"]) for i in sub["indicators"]] == [
        ("c1", "C1. Thủ tục được công khai", [2, 5]),
        ("c2", "C2. Có phải nộp thêm giấy tờ?", [0, 1])]
    assert draft.units == ["Sở Tài chính", "Sở XD"]
    assert survey.units == ["Sở Tài chính", "Sở XD"] and survey.rows == 4
    assert "CHECK" in draft.text


def test_kobo_repeat_draft(tmp_path):
    draft, doc, survey = drafted(tmp_path, kobo_book(tmp_path / "kobo.xlsx"))
    assert doc["input"]["layout"] == "repeat"
    assert doc["input"]["unit_column"] == "nhom/danh_gia/don_vi"
    assert [i["column"] for i in doc["subindices"][0]["indicators"]] == [
        "nhom/danh_gia/C1", "nhom/danh_gia/C2"]
    # known labels keep their usual codes; an unknown one is numbered and marked
    assert doc["answers"]["Đồng ý"] == 4 and doc["answers"]["khong"] == 0
    assert '"Rất đồng ý" = 1  # CHECK: guessed' in draft.text
    assert "# respondent_column = \"ma_dn\"" in draft.text  # the parent sheet's firm id
    assert survey.rows == 3


def test_long_draft_finds_the_unit_column_under_titles(tmp_path):
    path = write_csv(tmp_path / "long.csv", [
        ["KHẢO SÁT DDCI 2024"], [],
        ["STT", "Mã DN", "Khối", "Đơn vị", "Trọng số", "Q1", "Q2", "Ghi chú"],
        *[[k, f"DN{k}", "Sở" if k % 2 else "Huyện", "Sở Tài chính" if k % 2 else
           "UBND huyện An Lão", 1.5, k % 5 + 1, 99 if k == 3 else k % 3, f"ý kiến {k}"]
          for k in range(1, 40)]])
    draft, doc, survey = drafted(tmp_path, path)
    assert doc["input"]["unit_column"] == "Đơn vị" and doc["input"]["missing_codes"] == [99]
    assert [i["column"] for i in doc["subindices"][0]["indicators"]] == ["Q1", "Q2"]
    assert doc["subindices"][0]["indicators"][1]["valid"] == [0, 2]
    assert "answers" not in doc and survey.units == ["Sở Tài chính", "UBND huyện An Lão"]


def test_write_draft_keeps_an_existing_file_and_writes_nothing_on_a_bad_survey(tmp_path):
    survey = write_csv(tmp_path / "forms.csv", FORMS)
    path, draft = write_draft(tmp_path / "new", survey)
    assert path.read_text(encoding="utf-8") == draft.text
    with pytest.raises(FileExistsError):
        write_draft(tmp_path / "new", survey)
    with pytest.raises(InputError):
        write_draft(tmp_path / "other", tmp_path / "none.csv")
    assert not (tmp_path / "other").exists()


@pytest.mark.slow
def test_init_from_then_validate(ddci, tmp_path):
    survey = write_csv(tmp_path / "forms.csv", FORMS)
    proc = ddci.run("init", "--from", survey, tmp_path / "new")
    assert proc.returncode == 0, proc.stderr
    assert "layout grid, 2 indicators" in proc.stderr + proc.stdout
    proc = ddci.run("validate", survey, "-m", tmp_path / "new" / "method.toml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    again = ddci.run("init", "--from", survey, tmp_path / "new")
    assert again.returncode == 2 and "--force" in again.stderr
    missing = ddci.run("init", "--from", tmp_path / "none.csv", tmp_path / "other")
    assert missing.returncode == 1 and not (tmp_path / "other").exists()


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["grid", "kobo", "odk", "long"])
def test_init_from_each_sample_layout_validates(ddci, tmp_path, layout):
    assert ddci.run("sample", tmp_path / "s", "--layout", layout, "--respondents", 300,
                    "-q").returncode == 0
    survey = next(p for p in (tmp_path / "s").iterdir() if p.suffix != ".toml")
    proc = ddci.run("init", "--from", survey, tmp_path / "m", "-q")
    assert proc.returncode == 0, proc.stderr
    proc = ddci.run("validate", survey, "-m", tmp_path / "m" / "method.toml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 errors" in proc.stdout + proc.stderr
    ddci.score(survey, tmp_path / "m" / "method.toml")
