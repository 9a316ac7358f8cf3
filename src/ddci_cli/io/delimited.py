"""Delimited text (CSV/TSV) to a grid of cells, parsed by ``pyarrow.csv`` (SPEC §2).

Python's ``csv`` module makes one Python string per field: 1M rows × 50 fields took
15.7 s and 3.5 GB. Here pyarrow parses the text in C++ as columns of strings, and each
column becomes Python objects once per *distinct* value (a Likert column: six strings,
referenced from a million cells). The result is the same grid the ``csv`` module gives:

* ``rows``: an object array (records × columns), every cell a ``str`` ("" past the end
  of a short record);
* the field count of every record, so a record with more or fewer fields than the
  header is still ``ragged_row`` (SPEC §2) with its row number;
* blank lines are records of blank cells, quoted fields keep their delimiters and line
  breaks, and nothing is converted (``=1+1`` or ``0123`` stay text).

pyarrow is told the number of columns: the most common field count among the first
records, which the ``csv`` module splits. Those up to the last one with another count
(title rows above the header) are kept as the csv module split them, and pyarrow starts
after them. Further records with another count (a ragged row) come back through
``invalid_row_handler`` with their record number; they are split by the ``csv`` module,
exactly as before, and put back in their place.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

import numpy as np

HEAD_RECORDS = 1000  # records split by the csv module to learn the widths (header and titles)


@dataclass
class Parsed:
    """``rows`` (records × columns, object); ``common``: the field count of every record not
    in ``odd``; ``odd``: record index → its fields, for records with another count."""

    rows: np.ndarray
    common: int
    odd: dict[int, list[str]]


class ParseError(ValueError):
    """The text is not valid CSV (an unclosed quote); ``line``: where, if known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def parse(text_head: str, data: bytes, delimiter: str, complete: bool = False) -> Parsed:
    """Split UTF-8 ``data`` into records and fields. ``text_head``: the start of the same
    text, decoded (``complete``: the whole text). Its records, split by the csv module,
    give the common width, and those up to the last one of another width (title rows
    above the header) are taken as they are, so pyarrow starts at the header."""
    head, ends = _head_records(text_head, delimiter, complete)
    counts = Counter(len(r) for r in head if r)
    common = counts.most_common(1)[0][0] if counts else 1
    skip = max((k + 1 for k, r in enumerate(head) if r and len(r) != common), default=0)
    offset = len(text_head[:ends[skip - 1]].encode("utf-8")) if skip else 0
    rest = memoryview(data)[offset:]
    table, later = _arrow_read(rest, delimiter, common) if len(rest) else (None, {})
    columns = table.columns if table is not None else []
    odd = {k: r for k, r in enumerate(head[:skip]) if len(r) != common}
    odd.update({skip + k: fields for k, fields in later.items()})
    total = skip + (table.num_rows if table is not None else 0) + len(later)
    span = max([common, *(len(r) for r in head[:skip]), *(len(f) for f in later.values())])
    rows = np.empty((total, span), dtype=object, order="F")  # columns are what is read
    if span > common:
        rows[:, common:] = ""
    explicit = dict(enumerate(head[:skip]))
    explicit.update(odd)
    for i, fields in explicit.items():
        rows[i, :] = (fields + [""] * span)[:span]
    at = np.ones(total, bool)
    at[list(explicit)] = False
    where = None if not later else np.flatnonzero(at)
    for j, column in enumerate(columns):
        if where is None:  # straight into the grid's (contiguous) column
            _objects(column, rows[skip:, j])
        else:
            rows[where, j] = _objects(column, np.empty(len(where), dtype=object))
    return Parsed(rows, common, odd)


def _head_records(text: str, delimiter: str,
                  complete: bool) -> tuple[list[list[str]], list[int]]:
    """The first records of ``text`` (at most :data:`HEAD_RECORDS`), split by ``csv``, and
    the character offset where each ends. When ``text`` is only the start of the file
    (not ``complete``), a record that runs to its end may go on: it is left out."""
    stream = io.StringIO(text, newline="")
    lines = stream.readlines()
    reader = csv.reader(iter(lines), delimiter=delimiter)
    out, ends, pos, used = [], [], 0, 0
    try:
        for record in reader:
            while used < reader.line_num:  # the physical lines this record took
                pos += len(lines[used])
                used += 1
            out.append(record)
            ends.append(pos)
            if len(out) >= HEAD_RECORDS:
                break
    except csv.Error:  # an unclosed quote in the cut: the full parse decides
        pass
    if out and pos >= len(text) and not complete:
        out.pop()  # it ran to the end of the cut: the record (or its \r\n) may go on
        ends.pop()
    return out, ends


def _arrow_read(data, delimiter: str, width: int):
    """(table of ``width`` text columns, dictionary-encoded; {record index: fields} of the
    records with another field count). Two threads first; pyarrow knows the record
    numbers of such records only when parsing with one, so a file that has any is
    parsed again that way."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"f{j}" for j in range(width)]
    text = pa.string()
    # threads only pay for more than one 16 MB block; a small file is read on this thread
    # (pyarrow's pool calling the Python row handler has aborted a process at exit)
    for threads in ((True, False) if len(data) > 1 << 24 else (False,)):
        odd: dict[int, list[str]] = {}
        unknown = []

        def handler(row, odd=odd, unknown=unknown):
            if row.number is None:
                unknown.append(row)
            else:
                odd[row.number - 1] = _split(row.text, delimiter)
            return "skip"

        try:
            table = pacsv.read_csv(
                pa.py_buffer(data),
                read_options=pacsv.ReadOptions(use_threads=threads, column_names=names,
                                               block_size=1 << 24),
                parse_options=pacsv.ParseOptions(
                    delimiter=delimiter, quote_char='"', double_quote=True,
                    escape_char=False, newlines_in_values=True, ignore_empty_lines=False,
                    invalid_row_handler=handler),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.dictionary(pa.int32(), text) for n in names},
                    strings_can_be_null=False, quoted_strings_can_be_null=False,
                    null_values=[]))
        except pa.ArrowInvalid as exc:
            raise ParseError(str(exc).splitlines()[0], _line_of(str(exc))) from None
        if not unknown:
            return table, odd
    raise ParseError("record numbers of irregular rows could not be found")


def _split(text: str, delimiter: str) -> list[str]:
    """The fields of one record's text, as the csv module splits them."""
    if text == "":
        return []
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return records[0] if len(records) == 1 else [f for r in records for f in r]


def _objects(column, out: np.ndarray) -> np.ndarray:
    """A dictionary-encoded text column as Python strings in ``out``: one object per
    distinct value of each chunk, referenced from every cell that holds it."""
    start = 0
    for chunk in column.chunks:
        uniques = np.empty(len(chunk.dictionary), dtype=object)
        uniques[:] = chunk.dictionary.to_pylist()
        codes = chunk.indices.to_numpy(zero_copy_only=False)
        # "clip": the codes are valid; the default "raise" copies through a buffer first
        np.take(uniques, codes, out=out[start:start + len(codes)], mode="clip")
        start += len(codes)
    return out


def _line_of(message: str) -> int | None:
    import re

    found = re.search(r"row (\d+)", message)
    return int(found.group(1)) - 1 if found else None
