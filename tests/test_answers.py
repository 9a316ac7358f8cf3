"""Answers written as labels (SPEC §2 "Answers as text"): [answers], an indicator's own
answers, input.leading_code; unmapped texts stay non_numeric_value."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.method.load import parse_method
from ddci_cli.pipeline import ReadOptions, read_survey
from ddci_cli.survey.answers import leading_code

METHOD = """
[input]
unit_column = "Đơn vị"
missing_codes = ["Không biết"]
{input}
{answers}
[[subindices]]
id = "s"
  [[subindices.indicators]]
  id = "q1"
  column = "Q1"
  valid = [1, 5]
  {own}
  [[subindices.indicators]]
  id = "q2"
  column = "Q2"
"""


def method(input_keys: str = "", answers: str = "", own: str = ""):
    return parse_method(METHOD.format(input=input_keys, answers=answers, own=own))


def read(tmp_path, rows: list[str], m, lenient: bool = False):
    path = tmp_path / "s.csv"
    path.write_text("Đơn vị,Q1,Q2\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = ProblemReport()
    survey = read_survey(path, m, ReadOptions(lenient=lenient), report)
    return survey, report


@pytest.mark.parametrize("text, code", [
    ("4 - Đồng ý", 4.0), ("5. Rất tốt", 5.0), ("3) Bình thường", 3.0), ("2: Không", 2.0),
    ("1 – Rất kém", 1.0), ("5.", 5.0), ("2,5 - nửa", 2.5)])
def test_leading_code_reads_the_number(text, code):
    assert leading_code(text) == code


@pytest.mark.parametrize("text", ["4.5", "4-5", "Đồng ý", "45%", "4 Đồng ý", "", "1.000"])
def test_leading_code_leaves_other_texts(text):
    assert leading_code(text) is None


def test_answers_map_labels_in_any_spelling(tmp_path):
    m = method(answers='[answers]\n"Có" = 1\n"Không" = 0\n"Đồng ý" = 4')
    nfd = unicodedata.normalize("NFD", "Đồng ý")
    survey, report = read(tmp_path, ["X,Đồng ý,Có", f"X, {nfd.upper()} ,không ", "X,2,Không biết"], m)
    assert not report.has_errors, report.problems
    np.testing.assert_array_equal(survey.X, [[4, 1], [4, 0], [2, np.nan]])


def test_indicator_answers_replace_the_global_table(tmp_path):
    m = method(answers='[answers]\n"Có" = 1', own='answers = { "Có" = 5, "Tốt" = 4 }')
    survey, report = read(tmp_path, ["X,Có,Có", "X,Tốt,1"], m)
    assert not report.has_errors
    np.testing.assert_array_equal(survey.X, [[5, 1], [4, 1]])
    _, report = read(tmp_path, ["X,1,Tốt"], m)  # Q2 uses the global table, without Tốt
    assert [p.code for p in report.errors] == ["non_numeric_value"]


def test_unmapped_text_names_the_mapped_texts(tmp_path):
    m = method(answers='[answers]\n"Có" = 1\n"Không" = 0')
    _, report = read(tmp_path, ["X,1,Có", "X,2,Chắc có"], m)
    (problem,) = report.errors
    assert problem.code == "non_numeric_value" and problem.row == 3 and problem.column == "Q2"
    assert "'Có', 'Không'" in problem.message and "[answers]" in problem.message


def test_leading_code_and_range(tmp_path):
    m = method(input_keys="leading_code = true")
    survey, report = read(tmp_path, ["X,4 - Đồng ý,1", "X,7 - Quá tốt,1", "X,4.5,1"], m)
    assert [(p.code, p.row) for p in report.errors] == [("out_of_range", 3)]
    assert survey.X[0, 0] == 4 and survey.X[2, 0] == 4.5
    without = method()
    _, report = read(tmp_path, ["X,4 - Đồng ý,1"], without)
    assert [p.code for p in report.errors] == ["non_numeric_value"]


def test_missing_code_comes_before_the_answers(tmp_path):
    m = method(answers='[answers]\n"Không biết" = 0')
    survey, _ = read(tmp_path, ["X,1,Không biết"], m)
    assert np.isnan(survey.X[0, 1])


def test_a_label_mapped_twice_is_an_error():
    with pytest.raises(InputError) as info:
        method(answers='[answers]\n"Có" = 1\n"có " = 2')
    (problem,) = info.value.report.errors
    assert problem.code == "answer_conflict" and problem.key == 'answers."có "'
    assert "'Có'" in problem.message
    method(answers='[answers]\n"Có" = 1\n"CÓ" = 1')  # the same code twice is harmless


@pytest.mark.parametrize("body, code", [('[answers]\n"Có" = "1"', "bad_type"),
                                        ('[answers]\n" " = 1', "bad_value"),
                                        ("own: answers = 3", "bad_type")])
def test_bad_answer_tables(body, code):
    with pytest.raises(InputError) as info:
        if body.startswith("own: "):
            method(own=body[5:])
        else:
            method(answers=body)
    assert code in [p.code for p in info.value.report.errors]


def test_layout_keys_are_checked():
    with pytest.raises(InputError) as info:
        method(input_keys='layout = "wide"\ngrid_pattern = "{question}"')
    keys = {p.key for p in info.value.report.errors}
    assert keys == {"input.layout", "input.grid_pattern"}
