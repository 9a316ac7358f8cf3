"""A Parquet survey's text columns without nulls are read as codes (io/delimited.Coded,
as a CSV's): the Survey and every problem are those of the object path, which null
columns still take. Files are built here, at test time."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_csv_codes import ANSWERS, CELLS, CODES_SETTINGS, HEADER, METHOD, METHODS, outcome, \
    same

from ddci_cli.io import parquet
from ddci_cli.io.delimited import Coded
from ddci_cli.method.load import parse_method

CODED = parquet._coded
NUMBERS = [1.0, 2.0, 3.0, 5.0, 0.0, 6.0, 99.0, -1.0, 2.5, float("nan"), None]


@st.composite
def tables(draw):
    """(pyarrow table, method number): the CSV tests' cell pools; each text column may
    hold nulls, each answer column is text or numbers."""
    rows = draw(st.integers(0, 25))
    data = {}
    for name in HEADER:
        numeric = name.startswith("Q") and draw(st.booleans())
        pool = NUMBERS if numeric else CELLS.get(name, ANSWERS) + \
            ([None] if draw(st.booleans()) else [])
        data[name] = pa.array([draw(st.sampled_from(pool)) for _ in range(rows)],
                              pa.float64() if numeric else pa.string())
    return pa.table(data), draw(st.integers(0, len(METHODS) - 1))


@settings(max_examples=60, **CODES_SETTINGS)
@given(drawn=tables(), lenient=st.booleans())
def test_codes_give_the_survey_the_objects_give(tmp_path_factory, monkeypatch, drawn,
                                                lenient):
    same_survey(tmp_path_factory, monkeypatch, drawn, lenient)


@pytest.mark.slow
@settings(max_examples=400, **CODES_SETTINGS)
@given(drawn=tables(), lenient=st.booleans())
def test_codes_give_the_survey_the_objects_give_many(tmp_path_factory, monkeypatch, drawn,
                                                     lenient):
    same_survey(tmp_path_factory, monkeypatch, drawn, lenient)


def same_survey(tmp_path_factory, monkeypatch, drawn, lenient) -> None:
    table, which = drawn
    path = tmp_path_factory.mktemp("pq") / "s.parquet"
    pq.write_table(table, path)
    m = parse_method(METHOD.format(**{"input": "", "answers": "", "own": "",
                                      **METHODS[which]}))
    made = []

    def counted(array):
        made.append(len(array))
        return CODED(array)

    with monkeypatch.context() as patch:  # (undone before the next example)
        patch.setattr(parquet, "_coded", counted)
        coded = outcome(path, m, lenient)
    with monkeypatch.context() as patch:
        patch.setattr(parquet, "_coded", parquet._decode)  # the object path
        objects = outcome(path, m, lenient)
    assert same(coded, objects)
    nulls = [name for name in HEADER if table.column(name).null_count]
    text = [name for name in HEADER if pa.types.is_string(table.column(name).type)]
    if table.num_rows and len(text) > len(nulls):  # some column was read as codes
        assert made


def test_respondents_of_a_big_parquet_are_read_from_codes(tmp_path):
    """The respondent column comes as codes: one string per distinct id."""
    from ddci_cli.io.parquet import read_parquet

    ids = [f"DN{i // 2}" for i in range(1000)]
    path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"id": ids, "q": np.arange(1000.0)}), path)
    column = read_parquet(path, None)["columns"]["id"]
    assert isinstance(column, Coded) and len(column.uniques) == 500
    assert column.cells().tolist() == ids


NUMERIC_TYPES = [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(),
                 pa.uint32(), pa.uint64(), pa.float32(), pa.float64()]


@st.composite
def chunked(draw, kinds):
    """A chunked Arrow column of one of ``kinds``: chunks of any length, some sliced, with
    nulls (and NaN, and blank texts)."""
    kind = draw(st.sampled_from(kinds))
    if pa.types.is_string(kind):
        value = st.sampled_from(["a", " ", "", "  b ", "\u00a0", "đ"])
    elif pa.types.is_floating(kind):
        value = st.sampled_from([0.0, 1.5, -2.0, float("nan"), 1e300])
    else:
        value = st.integers(0, 100)
    chunks = []
    for cells in draw(st.lists(st.lists(st.one_of(st.none(), value), max_size=12),
                               max_size=3)):
        array = pa.array(cells, kind)
        if len(cells) > 2 and draw(st.booleans()):
            array = array.slice(1, len(cells) - 2)
        chunks.append(array)
    if pa.types.is_string(kind) and draw(st.booleans()):  # as read_dictionary gives it
        return pa.chunked_array([c.dictionary_encode() for c in chunks],
                                pa.dictionary(pa.int32(), kind))
    return pa.chunked_array(chunks, kind)


@settings(max_examples=120, deadline=None)
@given(col=chunked(NUMERIC_TYPES))
def test_numbers_are_what_to_numpy_gives(col):
    """Numbers are read from Arrow's buffers (no pandas): the array pyarrow's own
    to_numpy gives, dtype, NaN for nulls and all."""
    got, expected = parquet._numbers(col), col.to_numpy(zero_copy_only=False)
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected, equal_nan=got.dtype.kind == "f")


@settings(max_examples=120, deadline=None)
@given(cols=st.lists(chunked(NUMERIC_TYPES + [pa.string()]), min_size=1, max_size=3))
def test_blank_rows_are_those_blank_in_every_column(cols):
    """A row is kept when any column holds something: not null, not NaN, not blank text
    (nothing but whitespace)."""
    n = min(len(c) for c in cols)
    cols = [c.slice(0, n) for c in cols]

    def holds(value) -> bool:
        if value is None:
            return False
        if isinstance(value, float):
            return value == value
        return not isinstance(value, str) or bool(value.strip())

    expected = [any(holds(c[r].as_py()) for c in cols) for r in range(n)]
    got = parquet._nonblank_rows(cols, n)
    assert (got.tolist() if got is not None else [True] * n) == expected


def test_a_dictionary_that_repeats_an_entry_gives_one_code_per_text():
    """A file's dictionary might repeat a text: each text must still be one code (else
    one unit or respondent would count as two)."""
    array = pa.DictionaryArray.from_arrays(pa.array([0, 1, 2, 1, 0], pa.int32()),
                                           pa.array(["a", "a", "b"]))
    column = parquet.to_numpy(pa.chunked_array([array]))
    assert isinstance(column, Coded)
    assert column.cells().tolist() == ["a", "a", "b", "a", "a"]
    assert sorted(column.uniques.tolist()) == ["a", "b"]


def test_text_read_as_a_dictionary_is_read_as_text(tmp_path):
    """Text columns come from Parquet as dictionaries; with nulls, as objects (None)."""
    from ddci_cli.io.parquet import read_parquet

    path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"u": ["x", None, "y", "x"], "id": ["1", "2", "2", "3"]}), path)
    columns = read_parquet(path, None)["columns"]
    assert columns["u"].tolist() == ["x", None, "y", "x"]
    assert isinstance(columns["id"], Coded)
    assert columns["id"].cells().tolist() == ["1", "2", "2", "3"]
