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

pyarrow takes the number of columns from the first record it sees, so it is given a
synthetic first record of ``width`` fields, ``width`` being the most common field count
among the first records. Records with another count (title rows above the header, a
ragged row) come back through ``invalid_row_handler`` with their record number; they
are split by the ``csv`` module, exactly as before, and put back in their place.
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


def parse(text_head: str, data: bytes, delimiter: str) -> Parsed:
    """Split UTF-8 ``data`` into records and fields. ``text_head``: the start of the same
    text, decoded (for the widths)."""
    head = _head_records(text_head, delimiter)
    counts = Counter(len(r) for r in head if r)
    common = counts.most_common(1)[0][0] if counts else 1
    span = max([common, *(len(r) for r in head)])
    table, odd = _arrow_read(data, delimiter, common)
    total = table.num_rows + len(odd)
    rows = np.full((total, span), "", dtype=object)
    regular = np.ones(total, bool)
    for i, fields in odd.items():
        regular[i] = False
        cut = fields[:span]
        rows[i, :len(cut)] = cut
    at = np.flatnonzero(regular)
    for j, column in enumerate(table.columns):
        rows[at, j] = _objects(column)
    return Parsed(rows, common, odd)


def _head_records(text: str, delimiter: str) -> list[list[str]]:
    """The first records of ``text`` (at most :data:`HEAD_RECORDS`), split by ``csv``;
    the last one is dropped when the text was cut in the middle of it."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out = []
    try:
        for record in reader:
            out.append(record)
            if len(out) >= HEAD_RECORDS:
                break
    except csv.Error:  # an unclosed quote in the cut: the full parse decides
        pass
    return out


def _arrow_read(data: bytes, delimiter: str, width: int):
    """(table of ``width`` string columns, {record index: fields} of the other records)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"f{j}" for j in range(width)]
    synthetic = delimiter.join(names).encode() + b"\n"
    for threads in (True, False):  # record numbers of odd rows are only known unthreaded
        odd: dict[int, list[str]] = {}
        unknown = []

        def handler(row, odd=odd, unknown=unknown):
            if row.number is None:
                unknown.append(row)
            else:  # record 1 is the synthetic header
                odd[row.number - 2] = _split(row.text, delimiter)
            return "skip"

        try:
            table = pacsv.read_csv(
                pa.py_buffer(synthetic + data),
                read_options=pacsv.ReadOptions(use_threads=threads, block_size=1 << 24),
                parse_options=pacsv.ParseOptions(
                    delimiter=delimiter, quote_char='"', double_quote=True,
                    escape_char=False, newlines_in_values=True, ignore_empty_lines=False,
                    invalid_row_handler=handler),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                    quoted_strings_can_be_null=False, null_values=[]))
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


def _objects(column) -> np.ndarray:
    """A string column as Python strings, one object per distinct value."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(column).combine_chunks()
    uniques = np.asarray(encoded.dictionary.to_pylist() + [""], dtype=object)
    return uniques[encoded.indices.to_numpy(zero_copy_only=False)]


def _line_of(message: str) -> int | None:
    import re

    found = re.search(r"row (\d+)", message)
    return int(found.group(1)) - 1 if found else None
