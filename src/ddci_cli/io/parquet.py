"""Parquet surveys (SPEC §2 "Files", §5 "Limits").

Only the columns the method uses are read and converted. Before anything is read, the
row count in the file's metadata is checked against the memory left (a 1.5 MB file may
declare 40 million rows): ``too_large``, never an out-of-memory kill. The column-name
rule is the one of every format: two columns equal after NFC, trimming, collapsing
spaces and case-folding are ``duplicate_column`` when the method uses them. Nested
columns (struct, list, map) are ``unsupported_column`` when used and ignored otherwise;
decimal columns are read as numbers; rows blank in every used column are skipped.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from ddci_cli.errors import InputError, ProblemReport

CELL_BYTES = 48  # peak bytes per used cell while a column becomes answers: the Arrow
# buffer (≤ 8 B), the numpy column (8 B), the cleaning block and its codes (8 + 8 B), the
# float result and X (8 + 8 B)
ROW_BYTES = 3 * 8  # per row beside the columns: row numbers, unit codes, weights


def read_parquet(path: Path, wanted: dict[str, str] | None) -> dict[str, Any]:
    """The used columns of a Parquet survey: ``{"columns", "header", "row_numbers",
    "problems"}``. ``wanted`` maps column names to the method key naming them (None:
    every column that is not nested). A column the method uses that cannot be read has
    the value None in ``columns`` (its problem is in ``problems``)."""
    import pyarrow.parquet as pq

    if not path.stat().st_size:
        raise InputError(f"{path.name} is empty (0 bytes)", code="empty_file", file=str(path))
    try:
        handle = pq.ParquetFile(path)
        schema, rows = handle.schema_arrow, handle.metadata.num_rows
    except Exception as exc:
        raise _damaged(path, exc) from None
    header = [str(f.name) for f in schema]
    problems = ProblemReport()
    chosen = _choose(path, schema, wanted, problems)
    readable = {i: header[i] for i in chosen.values() if i is not None}
    check_rows(path, rows, len(readable))
    # text comes as Parquet stores it, a dictionary and codes, rather than a string per
    # cell encoded again afterwards (500,000 ids: 0.25 s)
    text = sorted({header[i] for i in readable if _is_text(schema[i].type)})
    try:
        if text:
            handle.close()
            handle = pq.ParquetFile(path, read_dictionary=text)
        # threads: 0.5 s against 1.1 s for 1M rows × 50 columns
        table = handle.read(columns=sorted(set(readable.values())), use_threads=True)
    except Exception as exc:
        raise _damaged(path, exc) from None
    # a name the file repeats exactly comes back once per copy, in file order; the first
    # copy is the one chosen (the others are reported as duplicate_column)
    first = {}
    for j, f in enumerate(table.schema):
        first.setdefault(f.name, j)
    fields = {i: table.column(first[name]) for i, name in readable.items()}
    count, big = table.num_rows, table.nbytes > 1 << 24
    del table  # each column's Arrow buffers go once it is converted
    keep = _nonblank_rows(list(fields.values()), count)
    columns: dict[str, Any] = {}
    uses = Counter(i for i in chosen.values() if i is not None)  # a column may serve twice
    for k, (name, i) in enumerate(chosen.items()):
        columns[header[i] if i is not None else name] = \
            None if i is None else to_numpy(fields[i], keep)
        if i is not None:
            uses[i] -= 1
            if not uses[i]:
                del fields[i]
        if big and k % 8 == 7:  # pyarrow's allocator would keep that memory for reuse
            _release()          # that will not come: the numpy columns grow meanwhile
    if big:
        _release()
    numbers = np.arange(2, count + 2) if keep is None else np.flatnonzero(keep) + 2
    return dict(columns=columns, header=header, row_numbers=numbers,
                problems=problems.problems)


def _release() -> None:
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _choose(path: Path, schema, wanted: dict[str, str] | None,
            problems: ProblemReport) -> dict[str, int | None]:
    """Name asked for → index of the file column that answers it (None: it cannot be
    read; its problem is reported). Names the file lacks are left out (the caller says
    ``missing_column`` with a did-you-mean)."""
    from ddci_cli.text import match_key

    positions: dict[str, list[int]] = {}
    for i, f in enumerate(schema):
        positions.setdefault(match_key(str(f.name)), []).append(i)
    if wanted is None:
        return {str(f.name): i for i, f in enumerate(schema)
                if not _nested(f.type) and positions[match_key(str(f.name))][0] == i}
    chosen: dict[str, int | None] = {}
    place = dict(file=str(path), row=1)
    for name, keypath in wanted.items():
        found = positions.get(match_key(name), []) or _prefixed(match_key(name), positions)
        if not found:
            continue
        if len(found) > 1:
            shown = ", ".join(f"'{schema[i].name}' (column {i + 1})" for i in found)
            problems.error("duplicate_column", f"column '{name}' (named by {keypath}) appears "
                           f"{len(found)} times in {path.name}: {shown}; rename or delete the "
                           "extra ones", column=name, key=keypath, **place)
        kind = schema[found[0]].type
        if _nested(kind):
            problems.error("unsupported_column", f"column '{schema[found[0]].name}' of "
                           f"{path.name} (named by {keypath}) holds nested values ({kind}), "
                           "not one value per row; export it as a plain column of numbers "
                           "or text", column=name, key=keypath, value=str(kind), **place)
            chosen[name] = None
        else:
            chosen[name] = found[0]
    return chosen


def _prefixed(key: str, positions: dict[str, list[int]]) -> list[int]:
    """The one column whose name starts with ``key`` and a space or punctuation (``C1``
    for ``C1. Thông tin …``, SPEC §2), so it is read; none when several or none do."""
    import unicodedata

    hits = [found[0] for other, found in positions.items() if other.startswith(key) and
            len(other) > len(key) and (other[len(key)].isspace() or
                                       unicodedata.category(other[len(key)]).startswith("P"))]
    return hits if len(hits) == 1 else []


def _nested(kind) -> bool:
    import pyarrow.types as pt

    return pt.is_nested(kind) or (pt.is_dictionary(kind) and pt.is_nested(kind.value_type))


def check_rows(path: Path, rows: int, columns: int) -> None:
    """Refuse (``too_large``) a file whose declared rows would not fit in the memory left
    once its used columns are converted, before a byte of it is read."""
    from ddci_cli.io.memory import available_bytes, describe

    need = rows * (max(columns, 1) * CELL_BYTES + ROW_BYTES)
    room = available_bytes()
    if need > room:
        raise InputError(f"{path.name} declares {rows:,} rows; reading its {columns} used "
                         f"column(s) would take about {describe(need)} of memory and "
                         f"{describe(room)} is available. Split the survey (by year or "
                         "block) or run ddci on a machine with more memory",
                         code="too_large", file=str(path), value=rows)


def _nonblank_rows(columns: list, n: int) -> np.ndarray | None:
    """True for rows where any used column holds something (not null, NaN or blank
    text); None when every row does (nothing to drop). A null cell is blank. The masks
    are numpy's, from Arrow's buffers: pyarrow's comparison with a Python number
    imported pandas (0.3 s)."""
    if not columns:
        return None
    keep = np.zeros(n, bool)
    for col in columns:
        start = 0
        for chunk in col.chunks:
            keep[start:start + len(chunk)] |= _holds(chunk)
            start += len(chunk)
        if keep.all():  # every row holds something: the other columns can't change
            return None  # that (a few ms a column)
    return keep


def _holds(chunk) -> np.ndarray:
    """Whether each cell of one Arrow array holds something."""
    import pyarrow as pa

    if pa.types.is_dictionary(chunk.type):  # each distinct value looked at once
        entries = _holds(chunk.dictionary)
        if not entries.size:  # no entry: every cell is null
            return np.zeros(len(chunk), bool)
        # (a null's slot may hold any code: clipped, then masked)
        return _holds_value(chunk) & entries.take(_values(chunk.indices), mode="clip")
    kind = chunk.type
    valid = _holds_value(chunk)
    if _is_text(kind):  # blank as the other formats say it (str.strip, not Arrow's trim,
        # whose module takes 0.1 s to import); a dictionary's entries are few
        return valid & np.fromiter((bool(t and t.strip()) for t in chunk.to_pylist()),
                                   bool, len(chunk))
    if pa.types.is_floating(kind):
        with np.errstate(invalid="ignore"):
            return valid & ~np.isnan(_values(chunk))
    return valid


def _numbers(col) -> np.ndarray:
    """An integer or floating column as numpy, what ``to_numpy`` gives (floats keep their
    width; integers with a null become float64; nulls NaN), from Arrow's buffers: its
    ``to_numpy`` of a chunked column imports pandas (0.3 s). The copy is numpy's (its
    fresh memory is faulted in 2 MB pages where the system allows: Arrow's fill_null
    took 18 ms a column of a million)."""
    source = _numpy_type(col.type)
    target = source if source.kind == "f" or not col.null_count else np.dtype(np.float64)
    out = np.empty(len(col), target)
    start = 0
    for chunk in col.chunks:
        part = out[start:start + len(chunk)]
        part[:] = _values(chunk)
        if chunk.null_count:
            part[np.flatnonzero(~_holds_value(chunk))] = np.nan
        start += len(chunk)
    return out


def _holds_value(chunk) -> np.ndarray:
    """Arrow's validity of each cell (not null) as numpy."""
    if not chunk.null_count:
        return np.ones(len(chunk), bool)
    bits = np.frombuffer(chunk.buffers()[0], np.uint8)
    return np.unpackbits(bits, count=chunk.offset + len(chunk), bitorder="little")[
        chunk.offset:].astype(bool)


def _values(array) -> np.ndarray:
    """The value buffer of an integer or floating Arrow array as numpy (null slots hold
    anything)."""
    dtype = _numpy_type(array.type)
    return np.frombuffer(array.buffers()[1], dtype, len(array), array.offset * dtype.itemsize)


def _numpy_type(kind) -> np.dtype:
    """numpy's type for an Arrow integer or floating type."""
    import pyarrow as pa

    letter = "f" if pa.types.is_floating(kind) else \
        "i" if pa.types.is_signed_integer(kind) else "u"
    return np.dtype(f"{letter}{kind.bit_width // 8}")


def _is_text(kind) -> bool:
    import pyarrow as pa

    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def to_numpy(col, keep: np.ndarray | None = None):
    """One Arrow column as the array the cleaning step expects: numbers as float or int
    (nulls NaN), decimals as float, text as Python strings (nulls None) shared between
    equal cells, anything else as Python objects. Text with no null cell comes as its
    codes (:class:`~ddci_cli.io.delimited.Coded`, as a CSV column does: the cleaning
    reads each distinct value once; 500,000 respondent ids took 0.67 s as objects).
    ``keep``: the rows to return."""
    import pyarrow as pa

    if keep is not None:
        col = col.filter(pa.array(keep))
    if pa.types.is_dictionary(col.type):
        value = col.type.value_type
        if _is_text(value) and col.num_chunks:  # one dictionary for the column
            return _text(col.unify_dictionaries().combine_chunks())
        col = col.cast(value)
    kind = col.type
    if pa.types.is_decimal(kind):
        col = col.cast(pa.float64())  # SPEC §2: a decimal column holds numbers
    elif _is_text(kind):
        import pyarrow.compute as pc

        return _text(pc.dictionary_encode(col).combine_chunks())
    kind = col.type
    if pa.types.is_floating(kind) or pa.types.is_integer(kind):
        return _numbers(col)
    try:
        return col.to_numpy(zero_copy_only=False)
    except Exception:  # a type numpy has no equivalent for: plain Python values
        return np.array(col.to_pylist() + [None], dtype=object)[:-1]


def _text(array):
    """A text dictionary array as codes, or as objects when a cell is null."""
    return _decode(array) if array.null_count or array.dictionary.null_count else \
        _coded(array)


def _decode(array) -> np.ndarray:
    """A dictionary array as an object array: one Python object per distinct value,
    referenced from every cell that holds it (1M cells of 50 names: 50 strings, where
    converting cell by cell would make a million)."""
    uniques, codes = _parts(array)
    if array.null_count:  # the last entry, None, stands for null cells
        uniques = np.append(uniques, None)
        codes = np.where(_holds_value(array.indices), codes, len(uniques) - 1)
    return uniques[codes]


def _coded(array):
    """A dictionary array without nulls as :class:`~ddci_cli.io.delimited.Coded`."""
    from ddci_cli.io.delimited import Coded, narrow_codes

    uniques, codes = _parts(array)
    return Coded(codes.astype(narrow_codes(len(uniques))), uniques)


def _parts(array) -> tuple[np.ndarray, np.ndarray]:
    """(the dictionary's entries as an object array, all different, and each cell's
    entry as numpy: a null's slot holds anything) of a dictionary array, without pandas
    (pyarrow's ``to_numpy`` of text imports it: 0.3 s). A file's own dictionary might
    repeat an entry: each text must be one code, else one unit or respondent would
    count as two."""
    words = array.dictionary.to_pylist()
    codes = _values(array.indices).astype(np.intp)
    if len(set(words)) < len(words):
        first: dict = {}
        number = [first.setdefault(word, len(first)) for word in words]
        codes = np.array(number, np.intp).take(codes, mode="clip")
        words = list(first)
    uniques = np.empty(len(words), dtype=object)
    uniques[:] = words
    return uniques, codes


def _damaged(path: Path, exc: BaseException) -> InputError:
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    return InputError(f"cannot read {path.name} as Parquet ({text}); the file is damaged or "
                      "not Parquet: export it again", code="not_a_workbook", file=str(path))
