"""Units read from a delimited file's codes (io/delimited.Coded: each distinct text once,
a code per row) are those read from the object array of the same cells: the same names,
blocks, unit of each row, counts, first rows, look-alike groups, and every problem with
the same code, message, row, column and value, in the same order (SPEC §2 "Units").
Random unit, block and respondent columns are cleaned both ways and compared."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ddci_cli.errors import ProblemReport
from ddci_cli.io.delimited import Coded
from ddci_cli.method.load import parse_method
from ddci_cli.survey.clean import clean_table
from ddci_cli.survey.locate import Columns, Table
from ddci_cli.survey.units import find_units, first_pairs
from ddci_cli.text import display_text, display_texts

METHOD = """
[input]
unit_column = "Đơn vị"
{block_column}
respondent_column = "Mã DN"
strict_units = {strict}
min_responses = 2

[[blocks]]
id = "department"
label = "Khối Sở"
{second_block}

[[subindices]]
id = "s"
  [[subindices.indicators]]
  id = "a1"
  column = "A1"
  valid = [1, 5]

{units}
"""

SECOND_BLOCK = """
[[blocks]]
id = "district"
label = "Khối quận"
label_en = "Districts"
"""

UNITS_TABLE = """
[units."Sở Tài chính"]
block = "department"
aliases = ["STC", "Sở TC"]

[units."Quận Hải Châu"]
block = "{district}"
aliases = ["Hải Châu", "Q. Hải Châu"]

[units."Sở Y tế"]
aliases = ["SYT"]
"""

NAMES = ["Sở Tài chính", "sở tài chính", " Sở  Tài   chính ", "SỞ TÀI CHÍNH", "STC", "stc",
         "Sở TC", unicodedata.normalize("NFD", "Sở Tài chính"), "Quận Hải Châu",
         "Hải Châu", "hải châu", "Q. Hải Châu", "Sở Y tế", "Sở Y Tế", "Sở Ytế", "SYT",
         "Sở\u200b Y tế", "Sở Xây dựng", "sở xây dựng", "So Xay dung", "Sở Xây dựnq",
         "Sở XD", "Phường 1", "phuong 1", "Phường 01", "Quận 1", "Q.1", "UBND Quận 1",
         "Tổng cộng", "", "  ", "\u200b", "\t", "Sở Giáo dục và Đào tạo", "Sở GD&ĐT",
         "Sở GDĐT", "101", "101 ", "Ban Quản lý", "Ban quản lý ", "BQL"]
BLOCKS = ["Khối Sở", "khối sở", "department", " DEPARTMENT", "Khối quận", "district",
          "Districts", "", " ", "zzz", "Khối huyện"]
IDS = ["DN1", "DN 1", "DN  1", "dn1", "", " ", "DN2", "DN3 ", "Mã 4", "DN\u00a05"]
ABSENT = ["Đơn vị", "Khối", "Mã DN", "Khảo sát DDCI", "ghi chú"]  # header and title texts
LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyÁÀẢÃẠÂẤẦĐáàảãạấầếềộờứựỳ Sở"


def vietnamese():
    return st.one_of(st.sampled_from(NAMES),
                     st.text(alphabet=st.sampled_from(list(LETTERS)), max_size=6))


@st.composite
def tables(draw):
    """(columns as codes, the same columns as objects, row numbers)."""
    n = draw(st.integers(0, 40))
    pools = {"Đơn vị": draw(st.lists(vietnamese(), min_size=1, max_size=12)),
             "Khối": draw(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=5)),
             "Mã DN": draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=6)),
             "A1": ["1", "3", "5", "", "x"]}
    coded, objects = {}, {}
    for name, pool in pools.items():
        cells = [draw(st.sampled_from(pool)) for _ in range(n)]
        texts = list(dict.fromkeys(cells + draw(st.lists(st.sampled_from(ABSENT), max_size=2))))
        texts = draw(st.permutations(texts))  # the dictionary in any order
        index = {t: k for k, t in enumerate(texts)}
        uniques = np.empty(len(texts), dtype=object)
        uniques[:] = texts
        coded[name] = Coded(np.array([index[c] for c in cells], np.uint8), uniques)
        objects[name] = coded[name].cells()
    gaps = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    rows = np.cumsum(np.array(gaps, dtype=np.int64)) + 1
    return coded, objects, rows


@st.composite
def methods(draw):
    two = draw(st.booleans())
    units = UNITS_TABLE.format(district="district" if two else "department")
    return parse_method(METHOD.format(
        block_column='block_column = "Khối"' if draw(st.booleans()) else "",
        strict=draw(st.sampled_from(["true", "false"])),
        second_block=SECOND_BLOCK if two else "",
        units=units if draw(st.booleans()) else ""))


def table_of(columns, rows):
    return Table("s.csv", None, 1, "utf-8", Columns(columns), rows, len(rows))


def problems(report) -> list:
    return [(p.code, p.severity, p.message, p.row, p.column, p.key, repr(p.value), p.file,
             p.sheet) for p in report.problems]


def units_outcome(columns, rows, method):
    report = ProblemReport()
    u = find_units(table_of(columns, rows), method, report)
    return (u.names, u.blocks, [e and e.name for e in u.entries], u.counts, u.first_rows,
            u.unit_of_row.dtype.str, u.unit_of_row.tolist(), u.groups, u.nearest,
            sorted(u.unsure), problems(report))


def survey_outcome(columns, rows, method):
    report = ProblemReport()
    s = clean_table(table_of(columns, rows), method, report)
    arrays = (s.X, s.unit_of_row, s.weights, s.respondents)
    return (s.units, s.unit_blocks,
            [(a.dtype.str, a.shape, a.tolist()) for a in arrays], problems(report))


def same_units(table, method) -> None:
    coded, objects, rows = table
    got = units_outcome(coded, rows, method)
    assert repr(got) == repr(units_outcome(objects, rows, method))
    assert repr(survey_outcome(coded, rows, method)) == \
        repr(survey_outcome(objects, rows, method))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), method=methods())
def test_units_from_codes_are_the_units_from_objects(table, method):
    same_units(table, method)


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), method=methods())
def test_units_from_codes_are_the_units_from_objects_many(table, method):
    same_units(table, method)


def test_the_codes_path_is_taken_and_finds_the_problems():
    """A survey with every kind of unit problem: the same from codes and from objects,
    and the unit column's cells are never made into an object array."""
    method = parse_method(METHOD.format(block_column='block_column = "Khối"', strict="false",
                                        second_block=SECOND_BLOCK,
                                        units=UNITS_TABLE.format(district="district")))
    units = ["STC", "Sở Xây dựng", "", "sở xây dựng", "Sở XD", "Sở Y tế", "Phường 1",
             "Phường 1", "Tổng cộng", "Sở Xây dựnq", "Hải Châu", "Phường 1"]
    blocks = ["Khối quận", "Khối Sở", "Khối Sở", "Khối quận", "", "zzz", "Khối Sở", "",
              "", "Khối Sở", "department", "Khối Sở"]
    columns = {}
    for name, cells in (("Đơn vị", units), ("Khối", blocks),
                        ("Mã DN", ["DN1"] * len(units)), ("A1", ["3"] * len(units))):
        texts = list(dict.fromkeys(cells))
        uniques = np.empty(len(texts), dtype=object)
        uniques[:] = texts
        columns[name] = Coded(np.array([texts.index(c) for c in cells], np.uint8), uniques)
    rows = np.arange(2, 2 + len(units))
    made = []

    class Watched(Coded):
        def cells(self):
            made.append(self)
            return super().cells()

    watched = Watched(columns["Đơn vị"].codes, columns["Đơn vị"].uniques)
    got = units_outcome({**columns, "Đơn vị": watched}, rows, method)
    assert not made
    objects = {k: v.cells() for k, v in columns.items()}
    assert repr(got) == repr(units_outcome(objects, rows, method))
    codes = [p[0] for p in got[-1]]
    for code in ("unknown_unit", "missing_unit", "unknown_block", "block_mismatch",
                 "unit_in_two_blocks", "similar_units"):
        assert code in codes, code
    assert got[0][:3] == ["Sở Tài chính", "Sở Xây dựng", "Sở XD"]


WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.lists(st.sampled_from(
    ["a", "D", "N", "1", "\x00", "é", "e\u0301", "\ud800", *WHITESPACE]), max_size=5)
    .map("".join), max_size=8))
def test_display_texts_is_display_text_of_each(values):
    assert display_texts(values) == [display_text(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(a=st.lists(st.integers(-1, 6), max_size=40), units=st.integers(1, 4),
       shift=st.sampled_from([0, 1 << 40]))
def test_first_pairs_are_the_first_rows_of_each_pair(a, units, shift):
    a = np.array(a, dtype=np.int64) + shift
    b = (np.arange(len(a)) * 7 % (units + 1)) - 1
    seen, expected = set(), []
    for x, y in zip(a.tolist(), b.tolist()):
        expected.append((x, y) not in seen)
        seen.add((x, y))
    assert first_pairs(a, b).tolist() == expected
