"""CSV/TSV read by pyarrow give the grid Python's csv module gives (SPEC §2 "Files",
"Rows"): same records, same fields, same row numbers for ragged rows, every CSV rule
kept. Files are built here, at test time."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ddci_cli.errors import ProblemReport
from ddci_cli.io.read import read_grid

BAD = Path(__file__).resolve().parent / "data" / "bad"
METHOD = BAD / "method.toml"


def as_csv_module(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def records(grid) -> list[list[str]]:
    """Each record's fields; a blank line is [] as the csv module gives it."""
    out = []
    for i in range(len(grid.rows)):
        fields = grid.fields(i)
        out.append([] if all(f == "" for f in fields) and len(fields) <= grid.common
                   and (i not in (grid.odd or {})) else fields)
    return out


def normalised(rows: list[list[str]]) -> list[list[str]]:
    return [[] if all(f == "" for f in r) else r for r in rows]


FIELD = st.text(alphabet=st.sampled_from(list('ab1 2,;\t"\n\rđạ=+-')), max_size=6)


@st.composite
def csv_texts(draw):
    width = draw(st.integers(1, 5))
    rows = draw(st.lists(st.lists(FIELD, min_size=0, max_size=width + 1), max_size=12))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    for row in rows:
        if draw(st.booleans()):
            row = (row + [""] * width)[:width]  # most rows regular
        writer.writerow(row)
    return out.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=csv_texts())
def test_records_are_those_of_the_csv_module(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("csv") / "s.csv"
    path.write_bytes(text.encode("utf-8"))
    if not text.strip():
        return
    grid = read_grid(path, delimiter=",")
    assert normalised(records(grid)) == normalised(as_csv_module(text, ","))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=csv_texts(), head_records=st.integers(1, 4), head_chars=st.integers(1, 40))
def test_records_are_those_of_the_csv_module_whatever_the_head(tmp_path_factory, text,
                                                                head_records, head_chars):
    """The start split by the csv module (records, characters) may end anywhere: inside a
    quoted line break, between \\r and \\n, before the header."""
    from ddci_cli.io import delimited, read

    path = tmp_path_factory.mktemp("csv") / "s.csv"
    path.write_bytes(text.encode("utf-8"))
    if not text.strip():
        return
    with patch.object(delimited, "HEAD_RECORDS", head_records), \
            patch.object(read, "HEAD_CHARS", head_chars):
        grid = read_grid(path, delimiter=",")
    assert normalised(records(grid)) == normalised(as_csv_module(text, ","))


def test_title_rows_blank_lines_quotes_and_ragged_rows(tmp_path):
    text = ("Khảo sát DDCI 2024\n\n"
            "Mã DN,Đơn vị,Khối,Trọng số,B1,B2,C1,C2\n"
            'DN01,Sở Tài chính,"Khối Sở, ban, ngành",1,1,2,1,0\n'
            '\n'
            'DN02,"Sở Xây\ndựng","Khối Sở, ban, ngành",1,=1+1,4,4\n'      # 7 fields
            'DN03;Quận Hải An;Khối quận, huyện;1;3;1;2;8\n'
            'DN04,Huyện An Lão,"Khối quận, huyện",1,4,3,5,12,extra\n')
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    grid = read_grid(path)
    assert grid.delimiter == ","
    assert records(grid) == as_csv_module(text, ",")
    assert grid.fields(5)[1] == "Sở Xây\ndựng" and grid.fields(5)[4] == "=1+1"
    from test_read_parquet import run_cli

    code, doc, err = run_cli("validate", path, "-m", METHOD, "--json")
    assert code == 1
    ragged = sorted(p["row"] for p in doc["problems"] if p["code"] == "ragged_row")
    assert ragged == [6, 7, 8]  # record numbers: the quoted line break is one record


@pytest.mark.parametrize("delimiter, sep", [(";", ";"), ("\t", "\t"), (",", ",")])
def test_delimiter_is_sniffed(tmp_path, delimiter, sep):
    text = (BAD / "good.csv").read_text(encoding="utf-8")
    rows = as_csv_module(text, ",")
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\n").writerows(rows)
    path = tmp_path / "s.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    grid = read_grid(path)
    assert grid.delimiter == delimiter
    assert records(grid) == rows


@pytest.mark.parametrize("encoding, bom, warned", [
    ("utf-8", b"", False), ("utf-8", b"\xef\xbb\xbf", False), ("utf-16", b"", False),
    ("cp1258", b"", True)])
def test_encodings(tmp_path, encoding, bom, warned):
    text = (BAD / "good.csv").read_text(encoding="utf-8")
    raw = text.encode(encoding, errors="replace") if encoding != "cp1258" else \
        text.encode("ascii", errors="ignore") + b"13,DN04,\xd0\xf5n v\xf2,x,1,1,1,1,1\n"
    path = tmp_path / "s.csv"
    path.write_bytes(bom + raw)
    expected = as_csv_module(raw.decode("cp1258" if encoding == "cp1258" else encoding), ",")
    report = ProblemReport()
    grid = read_grid(path, report=report)
    assert records(grid) == expected
    assert any(p.code == "encoding_guessed" for p in report.problems) == warned
    if encoding == "cp1258":
        assert grid.fields(len(expected) - 1)[2] == b"\xd0\xf5n v\xf2".decode("cp1258")
        forced = read_grid(path, encoding="cp1258", report=(quiet := ProblemReport()))
        assert records(forced) == expected and not quiet.problems


def test_scores_as_before(tmp_path):
    from test_read_parquet import run_cli

    code, doc, err = run_cli("score", BAD / "good.csv", "-m", METHOD, "--json")
    assert code == 0, err
    assert {u["unit"] for u in doc["units"]} == {"Sở Tài chính", "Sở Xây dựng",
                                                 "Quận Hải An", "Huyện An Lão"}


@pytest.mark.parametrize("header_end, expected", [(",", []), (",,x", [2, 3])])
def test_a_header_wider_than_its_rows(tmp_path, header_end, expected):
    """A trailing delimiter on the header only lines up with every row; a further named
    column does not (each row is short of it)."""
    from test_read_parquet import run_cli

    lines = (BAD / "good.csv").read_text(encoding="utf-8").splitlines()
    text = "\n".join([lines[0] + header_end, *lines[1:3]]) + "\n"
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    code, doc, err = run_cli("validate", path, "-m", METHOD, "--json")
    assert sorted(p["row"] for p in doc["problems"] if p["code"] == "ragged_row") == expected


PLAIN = st.text(alphabet=st.sampled_from(list("ab12 đạ=+-")), max_size=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quoted=st.lists(st.lists(FIELD, min_size=1, max_size=4), min_size=1, max_size=3),
       plain=st.lists(st.lists(PLAIN, min_size=1, max_size=4), max_size=8),
       head_records=st.integers(1, 6), terminator=st.sampled_from(["\n", "\r\n"]))
def test_quoted_first_records_then_plain_ones(tmp_path_factory, quoted, plain, head_records,
                                              terminator):
    """Quotes only in the first records (a quoted header): those are split by the csv
    module and pyarrow splits the rest without following quotes; the records are still
    those of the csv module, and the quote-free parse is taken whenever the quoted records
    are all among the first ones looked at."""
    from ddci_cli.io import delimited

    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator=terminator).writerows(quoted)
    first = len(out.getvalue())
    csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator=terminator).writerows(plain)
    text = out.getvalue()
    path = tmp_path_factory.mktemp("csv") / "s.csv"
    path.write_bytes(text.encode("utf-8"))
    calls = []
    real = delimited._arrow_read

    def spy(data, delimiter, width, quoted=True, plain=frozenset()):
        calls.append(quoted)
        return real(data, delimiter, width, quoted, plain)

    with patch.object(delimited, "HEAD_RECORDS", head_records), \
            patch.object(delimited, "_arrow_read", spy):
        grid = read_grid(path, delimiter=",")
    assert normalised(records(grid)) == normalised(as_csv_module(text, ","))
    if calls and '"' not in text[first:] and len(quoted) <= head_records:
        assert calls == [False]


def test_digest_of_the_bytes_read(tmp_path):
    """The survey's SHA-256 is taken from the bytes the reader parsed (no second read),
    and only while the file is unchanged; a changed file is hashed again."""
    import hashlib
    import os

    from ddci_cli.io import ahead
    from ddci_cli.pipeline import file_sha256

    for size in (10, ahead.HASH_THREAD_FROM + 10):  # hashed here, and on a thread
        path = tmp_path / f"s{size}.csv"
        body = "a,b\n" + "1,2\n" * (size // 4)
        path.write_text(body, encoding="utf-8")
        read_grid(path)
        expected = hashlib.sha256(body.encode()).hexdigest()
        assert ahead.digest(path) == expected
        assert ahead.digest(path) is None  # handed over once
        read_grid(path)
        changed = body.replace("1,2", "3,4", 1)
        stat = path.stat()
        path.write_text(changed, encoding="utf-8")
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        assert ahead.digest(path) is None
        assert file_sha256(path) == hashlib.sha256(changed.encode()).hexdigest()
