"""Columns of one-byte cells (Likert answers) are parsed as plain text and coded from
pyarrow's offsets (``delimited._short_codes``): the codes must give back every cell,
number each distinct value once, in order of first appearance, as pyarrow's
dictionaries do."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from ddci_cli.io import delimited
from ddci_cli.io.read import read_grid

CELLS = st.one_of(
    st.sampled_from(["", "1", "2", "3", "4", "5", " ", "x", "\x00"]),
    st.sampled_from(["99", "Không biết", "KB", "10", "đ", "ệ", " 3", "3.0"]),
    st.text(max_size=4))


def chunked(cells: list[str], cuts: list[int], slice_from: int):
    """``cells`` as a chunked array cut at ``cuts``, its first chunk a slice of a longer
    array (Arrow's offset is then not 0)."""
    bounds = sorted({0, len(cells), *(c % (len(cells) + 1) for c in cuts)})
    chunks = []
    for a, b in zip(bounds, bounds[1:]):
        part = cells[a:b]
        if a == 0 and slice_from:
            part = ["pad"] * slice_from + part
            chunks.append(pa.array(part, pa.string()).slice(slice_from))
        else:
            chunks.append(pa.array(part, pa.string()))
    return pa.chunked_array(chunks, pa.string())


def check(cells: list[str], column) -> None:
    codes, words = delimited._short_codes(column)
    assert [words[c] for c in codes.tolist()] == cells
    assert len(set(words)) == len(words)
    assert words == list(dict.fromkeys(cells))  # in order of first appearance
    assert codes.dtype == delimited.narrow_codes(len(words))


@settings(max_examples=150, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=60), st.lists(st.integers(0, 60), max_size=4),
       st.integers(0, 3))
def test_codes_give_back_every_cell(cells, cuts, slice_from):
    check(cells, chunked(cells, cuts, slice_from))


def test_many_longer_values_widen_the_codes():
    """More distinct longer values than a byte can number after the one-byte ones."""
    cells = [str(v) for v in range(100, 400)] + ["3", "", "3", "150"]
    column = chunked(cells, [50, 280], 1)
    check(cells, column)
    assert delimited._short_codes(column)[0].dtype == np.uint16


def test_short_columns_are_those_of_mostly_one_byte_cells():
    records = [["DN1", "Sở 01", "department", "3", "", "1", "Không biết"],
               ["DN2", "Sở 02", "district", "4", "5", "2", "2"]] * 8 + \
              [["DN3", "Sở 03", "district", "", "KB", "99", "2"]]
    short = delimited._short_columns(records, 7)
    # the last column has 8 longer cells in 17: more than one in SHORT_SHARE
    assert short == {3, 4, 5}
    # all longer; one in ten longer, but 40 different values (more than SHORT_WORDS)
    many = [[str(k % 5), f"v{k}", f"w{k}" if k % 10 == 0 else "1"] for k in range(400)]
    assert delimited._short_columns(many, 3) == {0}


def test_a_file_of_answers_is_read_as_the_csv_module_reads_it(tmp_path, monkeypatch):
    """Many pyarrow blocks on two threads, blank cells, answers written as words and
    more than 127 distinct longer values in one answer column: the records are the csv
    module's, and the answer columns took the plain-text way."""
    rng = np.random.default_rng(5)
    rows = [["Mã DN", "Đơn vị", "Q1", "Q2", "Q3"]]
    for r in range(3000):
        rows.append([f"DN{r}", f"Sở {r % 7}", str(rng.integers(1, 6)),
                     "" if r % 11 == 0 else "Không biết" if r % 13 == 0 else str(r % 5 + 1),
                     str(r) if r > 2000 else "4"])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "s.csv"
    path.write_bytes(out.getvalue().encode("utf-8"))
    taken = []
    real = delimited._short_codes

    def spy(column):
        taken.append(column.to_pylist()[0])
        return real(column)

    monkeypatch.setattr(delimited, "THREADS_FROM", 0)
    monkeypatch.setattr(delimited, "THREAD_BLOCK", 4096)
    monkeypatch.setattr(delimited, "_short_codes", spy)
    grid = read_grid(path, delimiter=",")
    assert [list(r) for r in grid.rows] == rows
    assert all(len(set(c.uniques.tolist())) == len(c.uniques) for c in grid.coded)
    assert sorted(taken) == ["Q1", "Q2", "Q3"]


def test_reading_longer_cells_does_not_import_pyarrow_compute(tmp_path):
    """Arrow's ``take`` imports ``pyarrow.compute`` (0.25 s of a small file's whole run):
    the longer cells of a short column are gathered without it."""
    path = tmp_path / "s.csv"
    path.write_text("Đơn vị,Q1\nA,3\nA,Không biết\nB,5\n", encoding="utf-8")
    code = ("import sys; from pathlib import Path; from ddci_cli.io.read import read_grid; "
            f"g = read_grid(Path({str(path)!r})); "
            "assert [list(r) for r in g.rows][2] == ['A', 'Không biết'], g.rows; "
            "print(sorted(m for m in sys.modules if m.startswith('pyarrow.compute')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
