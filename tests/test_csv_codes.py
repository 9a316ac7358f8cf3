"""A CSV survey read from pyarrow's dictionary codes (io/delimited.Coded: each column's
distinct values once, a code per cell) gives the Survey the grid of Python objects gives:
the same answers, units, weights, respondents and rows, and the same problems with the
same row, column and value (SPEC §2). Random files are read both ways and compared."""

from __future__ import annotations

import codecs
import csv
import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ddci_cli.survey.clean as clean_module
import ddci_cli.survey.locate as locate
from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.io import delimited
from ddci_cli.io.read import read_grid
from ddci_cli.method.load import parse_method
from ddci_cli.pipeline import ReadOptions, read_survey
from ddci_cli.text import display_text, display_texts, factorize, factorize_codes

METHOD = """
[index]
name = "Codes"
year = 2024
language = "vi"

[input]
unit_column = "Đơn vị"
block_column = "Khối"
respondent_column = "Mã DN"
weight_column = "Trọng số"
missing_codes = ["Không biết", "KB", 99]
strict_units = false
{input}

{answers}

[[blocks]]
id = "department"
label = "Khối Sở"

[[blocks]]
id = "district"
label = "Khối quận"

[[subindices]]
id = "s1"
  [[subindices.indicators]]
  id = "q1"
  column = "Q1"
  valid = [1, 5]
  {own}
  [[subindices.indicators]]
  id = "q2"
  column = "Q2"
  missing_codes = ["x", 0]
  [[subindices.indicators]]
  id = "q3"
  column = "Q3"
  valid = [0, 1000]

[units."Sở A"]
block = "department"
"""

AHEAD_FROM = clean_module.AHEAD_FROM
HEADER = ["Mã DN", "Đơn vị", "Khối", "Trọng số", "Q1", "Q2", "Q3"]
ANSWERS = ["1", "2", "3", "4", "5", "", " 3 ", "KB", "Không biết", "kb", "99", "1.000",
           "12.500", "2,5", "1.5", "1 000", "Có", "Tốt", "x", "6", "0", "4 - Đồng ý", "NA",
           "=1+1", "3e0", "  ", "-1", "1.234,5", "1e400"]
CELLS = {
    "Mã DN": ["DN1", "DN 1", "dn1", "", "DN2", " DN3", "DN1 "],
    "Đơn vị": ["Sở A", "Quận B", " sở a ", "", "Sở C", "Tổng cộng"],
    "Khối": ["Khối Sở", "Khối quận", "", "zzz", "khối sở"],
    "Trọng số": ["1", "0.5", "", "-1", "1,5", "x", "1.000", "0", "2"],
}
METHODS = [
    dict(),
    dict(input='thousands = "."', answers='[answers]\n"Có" = 1\n"Tốt" = 4'),
    dict(input='thousands = " "\ndecimal_mark = ","', own='answers = { "Có" = 5 }'),
    dict(input="leading_code = true", answers='[answers]\n"Có" = 1',
         own='answers = { "Tốt" = 3 }'),
]


@st.composite
def surveys(draw):
    """(csv text, method number): a header under optional title or blank rows, rows of
    cells from small pools (so values repeat), some rows blank or ragged."""
    rows = []
    for _ in range(draw(st.integers(0, 2))):
        rows.append(draw(st.sampled_from([["Khảo sát DDCI"], [], ["", ""], ["Năm", "2024"]])))
    header = list(HEADER)
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    rows.append(header + draw(st.sampled_from([[], [""], ["Ghi chú"]])))
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["row"] * 8 + ["blank", "short", "long"]))
        if kind == "blank":
            rows.append([])
            continue
        row = [draw(st.sampled_from(CELLS.get(name, ANSWERS))) for name in header]
        if kind == "short":
            row = row[:draw(st.integers(1, len(row) - 1))]
        elif kind == "long":
            row = row + ["extra"]
        rows.append(row)
    out = io.StringIO()
    delimiter = draw(st.sampled_from([",", ";"]))
    csv.writer(out, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))
               ).writerows(rows)
    return out.getvalue(), draw(st.integers(0, len(METHODS) - 1)), delimiter


def outcome(path, m, lenient: bool):
    """What read_survey gives: the survey's arrays and every problem, or the error."""
    report = ProblemReport()
    try:
        s = read_survey(path, m, ReadOptions(lenient=lenient), report)
    except InputError as exc:
        return ("error", problems(exc.report.problems))
    arrays = (s.X, s.unit_of_row, s.weights, s.row_numbers, s.respondents)
    return (s.units, s.unit_blocks, s.header_row, s.rows, s.encoding,
            [None if a is None else (a.dtype.kind, a.shape, a.tolist()) for a in arrays],
            problems(report.problems))


def problems(found) -> list:
    return [(p.code, p.severity, p.message, p.row, p.column, p.key, repr(p.value))
            for p in found]


def as_objects(monkeypatch):
    """Make the survey read the grid of Python objects (the path before codes)."""
    plain = locate.read_grid

    def read(*args, **kwargs):
        grid = plain(*args, **kwargs)
        grid.rows  # built now: load_table takes the object path
        return grid

    monkeypatch.setattr(locate, "read_grid", read)


def same(a, b) -> bool:
    """Outcomes equal, NaN equal to NaN."""
    return repr(a) == repr(b)


CODES_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                           HealthCheck.function_scoped_fixture])
SURVEYS = dict(survey=surveys(), lenient=st.booleans(), bom=st.booleans(), ahead=st.booleans())


@settings(max_examples=70, **CODES_SETTINGS)
@given(**SURVEYS)
def test_codes_give_the_survey_the_objects_give(tmp_path_factory, monkeypatch, survey, lenient,
                                                bom, ahead):
    same_survey(tmp_path_factory, monkeypatch, survey, lenient, bom, ahead)


@pytest.mark.slow
@settings(max_examples=400, **CODES_SETTINGS)
@given(**SURVEYS)
def test_codes_give_the_survey_the_objects_give_many(tmp_path_factory, monkeypatch, survey,
                                                     lenient, bom, ahead):
    same_survey(tmp_path_factory, monkeypatch, survey, lenient, bom, ahead)


def same_survey(tmp_path_factory, monkeypatch, survey, lenient, bom, ahead) -> None:
    """``ahead``: the answers are converted on a second thread, as for a big file."""
    text, which, _ = survey
    path = tmp_path_factory.mktemp("codes") / "s.csv"
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))
    m = parse_method(METHOD.format(**{"input": "", "answers": "", "own": "",
                                      **METHODS[which]}))
    with monkeypatch.context() as patch:  # undone before the next example
        patch.setattr(clean_module, "AHEAD_FROM", 0 if ahead else AHEAD_FROM)
        coded = outcome(path, m, lenient)
        as_objects(patch)
        objects = outcome(path, m, lenient)
    assert same(coded, objects)


@settings(max_examples=100, **CODES_SETTINGS)
@given(survey=surveys(), block=st.sampled_from([64, 128, 1024]))
def test_many_blocks_give_the_records_of_the_csv_module(tmp_path_factory, monkeypatch, survey,
                                                        block):
    """pyarrow reads a big file in blocks, each with its own dictionary; the codes of a
    column are unified across them (here: blocks of a few rows)."""
    text, _, delimiter = survey
    path = tmp_path_factory.mktemp("blocks") / "s.csv"
    path.write_bytes(text.encode("utf-8"))
    if not text.strip():
        return
    monkeypatch.setattr(delimited, "BLOCK", block)
    try:
        grid = read_grid(path, delimiter=delimiter)
    except InputError as exc:  # a record longer than a block: pyarrow refuses it
        assert exc.code == "bad_csv"
        return
    expected = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max(map(len, expected), default=0)
    assert grid.height() == len(expected)
    for i, record in enumerate(expected):
        assert grid.fields(i)[:len(record)] == record or not any(record)
        assert list(grid.rows[i]) == (record + [""] * width)[:len(grid.rows[i])]
    for column in grid.coded:
        assert len(set(column.uniques.tolist())) == len(column.uniques)


@settings(max_examples=500, deadline=None)
@given(raw=st.one_of(st.binary(max_size=12), st.text(max_size=8).map(str.encode),
                     st.lists(st.sampled_from([b"a", b"\xc3", b"\xa9", b"\xed\xa0\x80",
                                               b"\xf4\x90\x80\x80", b"\xe2\x82", b"\xac",
                                               b"\xc0\xaf", b"\xf0\x9f\x98\x80", b"\x00"]),
                              max_size=6).map(b"".join)))
def test_utf8_is_checked_as_python_decodes(raw):
    try:
        raw.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    assert delimited.valid_utf8(raw) == valid


@settings(max_examples=300, deadline=None)
@given(text=st.text(min_size=1, max_size=40), chars=st.integers(1, 12))
def test_the_start_is_decoded_as_the_whole_text_would_be(text, chars):
    start, complete = delimited.decoded_start(text.encode("utf-8"), chars)
    assert start == text[:chars] and complete == (len(text) <= chars)


@settings(max_examples=500, deadline=None)
@given(values=st.lists(st.text(alphabet=st.sampled_from(list("ab 1\t\n\u00a0\u2003e\u0301é\x00")),
                               max_size=5), max_size=6))
def test_display_texts_is_display_text_of_each(values):
    assert display_texts(values) == [display_text(v) for v in values]


POOL = ["a", "b", None, float("nan"), 1, 1.0, True, "c", 0, False, 2.5, "a "]


@settings(max_examples=500, deadline=None)
@given(picks=st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=7),
       codes=st.lists(st.integers(0, 6), max_size=15), na=st.booleans())
def test_factorize_codes_is_factorize_of_the_cells(picks, codes, na):
    uniques = np.empty(len(picks), dtype=object)
    uniques[:] = [POOL[k] for k in picks]
    codes = np.array([c % len(picks) for c in codes], dtype=np.uint8)
    expected_codes, expected = factorize(uniques[codes], na)
    got_codes, got = factorize_codes(codes, uniques, na)
    assert got_codes.tolist() == expected_codes.tolist()
    assert repr(got.tolist()) == repr(expected.tolist()) or \
        [str(v) for v in got] == [str(v) for v in expected] or got.tolist() == expected.tolist()


@pytest.mark.parametrize("ids", [["DN1", "DN2", "DN1"], ["DN 1", "DN  1", "x"]])
def test_distinct_ids_are_not_hashed_again(ids):
    uniques = np.empty(len(ids), dtype=object)
    uniques[:] = ids
    codes = np.array([2, 0, 1, 0, 2], np.uint8)
    keys = np.empty(len(ids), dtype=object)
    keys[:] = display_texts(ids)
    expected = factorize(keys[codes])[0].tolist()
    assert factorize_codes(codes, keys)[0].tolist() == expected
    if len(set(keys.tolist())) == len(keys):
        assert factorize_codes(codes, keys, distinct=True)[0].tolist() == expected


@settings(max_examples=300, deadline=None)
@given(count=st.integers(1, 6), draws=st.lists(st.integers(0, 5), min_size=1, max_size=30),
       ordered=st.booleans())
def test_distinct_ids_numbered_in_order_are_taken_as_they_are(count, draws, ordered):
    """Ids already numbered in order of first appearance (what pyarrow's dictionary
    gives) keep their codes; any other numbering is renumbered: factorize's answer."""
    ids = np.empty(count, dtype=object)
    ids[:] = [f"DN{k}" for k in range(count)]
    codes = [d % count for d in draws]
    if ordered:  # renumber by first appearance: the fast path
        seen: dict[int, int] = {}
        codes = [seen.setdefault(c, len(seen)) for c in codes]
    codes = np.array(codes, dtype=np.uint8)
    expected_codes, expected = factorize(ids[codes])
    got_codes, got = factorize_codes(codes, ids, distinct=True)
    assert got_codes.tolist() == expected_codes.tolist()
    assert got.tolist() == expected.tolist()
    got_codes[:] = -1  # a fresh array: the caller may write to it
    assert codes.min() >= 0


def test_the_survey_is_read_without_a_grid_of_objects(tmp_path):
    """The codes path is the one taken: no object grid of the file is built."""
    text = "Khảo sát\n" + ",".join(HEADER) + "\n" + "\n".join(
        f"DN{i},Sở A,Khối Sở,1,{i % 5 + 1},{i % 3},{i}" for i in range(50)) + "\n"
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    built = []
    plain = delimited.grid_of

    def grid_of(*args):
        built.append(args)
        return plain(*args)

    delimited.grid_of = grid_of
    try:
        report = ProblemReport()
        survey = read_survey(path, parse_method(METHOD.format(input="", answers="", own="")),
                             report=report)
    finally:
        delimited.grid_of = plain
    assert not built
    assert survey.rows == 50 and survey.header_row == 2
    assert survey.X[1].tolist() == [2.0, 1.0, 1.0]
    assert np.isnan(survey.X[0, 1])  # 0 is a missing code of Q2


def test_a_big_file_read_on_two_threads_gives_the_records(tmp_path, monkeypatch):
    """Above THREADS_FROM pyarrow parses on two threads in small blocks and the columns
    are coded on two threads: the same records as the csv module's."""
    rng = np.random.default_rng(7)
    rows = [HEADER] + [[f"DN{rng.integers(0, 300)}", f"Sở {rng.integers(0, 9)}", "Khối Sở",
                        str(rng.integers(0, 3)), *(str(rng.integers(0, 7)) for _ in range(3))]
                       for _ in range(3000)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "s.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    monkeypatch.setattr(delimited, "THREADS_FROM", 0)
    monkeypatch.setattr(delimited, "THREAD_BLOCK", 4096)
    grid = read_grid(path)
    assert grid.height() == len(rows)
    assert [list(r) for r in grid.rows] == rows
    assert all(len(set(c.uniques.tolist())) == len(c.uniques) for c in grid.coded)


@pytest.mark.parametrize("header_row", [None, 3, 1202, 5000])
def test_header_rows_far_down_and_outside(tmp_path, monkeypatch, header_row):
    """--header-row may name a row below the first 1,000 (the rows looked at as objects)
    or one outside the file: the same survey or error as from the grid of objects."""
    lines = ["Khảo sát", ""] + [f"note {i},x" for i in range(1199)] + [",".join(HEADER)] + [
        f"DN{i},Sở A,Khối Sở,1,{i % 5 + 1},{i % 4},{i}" for i in range(40)]
    if header_row == 3:
        lines = lines[:2] + lines[1201:]
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    m = parse_method(METHOD.format(input="", answers="", own=""))

    def read():
        report = ProblemReport()
        try:
            s = read_survey(path, m, ReadOptions(header_row=header_row), report)
        except InputError as exc:
            return problems(exc.report.problems)
        return (s.X.tolist(), s.row_numbers.tolist(), s.units, problems(report.problems))

    coded = read()
    with monkeypatch.context() as patch:
        as_objects(patch)
        assert repr(read()) == repr(coded)
