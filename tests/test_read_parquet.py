"""Parquet surveys through the command line (SPEC §2 "Files", §5 "Limits"; issue 10 items
11 and 12): the column-name rule, blank rows, nested and decimal columns, and a file that
declares more rows than memory can hold. Every file is built here, from the corpus's
good.csv, at test time."""

from __future__ import annotations

import decimal
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from test_bad_inputs import run_cli as run_in_process

BAD = Path(__file__).resolve().parent / "data" / "bad"
METHOD = BAD / "method.toml"


def run_cli(*args) -> tuple[int, dict | None, str]:
    """(exit code, the --json document or None, stderr) of ``ddci ARGS`` in this process."""
    code, out, err = run_in_process(*args)
    return code, (json.loads(out) if out.strip() else None), err


def good_table() -> pa.Table:
    """The corpus's good survey (12 rows) with every column as text, as a field team's
    export would hold it; the answer columns as integers."""
    table = pacsv.read_csv(BAD / "good.csv", convert_options=pacsv.ConvertOptions(
        column_types={"Mã DN": pa.string(), "Trọng số": pa.float64()}))
    return table


def write(tmp_path: Path, table: pa.Table, name: str = "survey.parquet") -> Path:
    path = tmp_path / name
    pq.write_table(table, path)
    return path


def codes(doc: dict) -> list[str]:
    return [p["code"] for p in doc["problems"] if p["severity"] == "error"]


def composites(doc: dict) -> dict[str, float]:
    return {u["unit"]: u["composite"] for u in doc["units"]}


@pytest.fixture(scope="module")
def reference() -> dict:
    code, doc, err = run_cli("score", BAD / "good.csv", "-m", METHOD, "--json")
    assert code == 0, err
    return doc


def test_good_parquet_scores_as_the_csv(tmp_path, reference):
    code, doc, err = run_cli("score", write(tmp_path, good_table()), "-m", METHOD, "--json")
    assert code == 0, err
    assert composites(doc) == composites(reference)


def test_two_columns_equal_under_the_name_rule_are_duplicate_column(tmp_path):
    table = good_table()
    table = table.append_column(" c1", pa.array([5] * table.num_rows))  # same as "C1"
    code, doc, err = run_cli("validate", write(tmp_path, table), "-m", METHOD, "--json")
    assert code == 1, err
    dup = [p for p in doc["problems"] if p["code"] == "duplicate_column"]
    assert len(dup) == 1 and dup[0]["column"] == "C1" and dup[0]["row"] == 1
    assert "' c1'" in dup[0]["message"] and "'C1'" in dup[0]["message"]


def test_an_exactly_repeated_column_name_is_duplicate_column(tmp_path):
    table = good_table()
    table = table.append_column("B1", pa.array([1] * table.num_rows))
    assert table.column_names.count("B1") == 2
    code, doc, err = run_cli("validate", write(tmp_path, table), "-m", METHOD, "--json")
    assert code == 1, err
    assert codes(doc) == ["duplicate_column"]


def test_an_unused_duplicate_is_no_problem(tmp_path, reference):
    table = good_table()
    table = table.append_column("STT ", table.column("STT"))  # the method does not use STT
    code, doc, err = run_cli("score", write(tmp_path, table), "-m", METHOD, "--json")
    assert code == 0, err
    assert composites(doc) == composites(reference)


def test_completely_blank_rows_are_skipped(tmp_path, reference):
    table = good_table()
    blank = pa.table({name: pa.nulls(2, table.schema.field(name).type)
                      for name in table.column_names})
    text_blank = pa.table({name: pa.array(["  "] * 1, pa.string()) if
                           pa.types.is_string(table.schema.field(name).type) else
                           pa.nulls(1, table.schema.field(name).type)
                           for name in table.column_names})
    mixed = pa.concat_tables([table.slice(0, 5), blank, table.slice(5), text_blank])
    code, doc, err = run_cli("score", write(tmp_path, mixed), "-m", METHOD, "--json")
    assert code == 0, err
    assert composites(doc) == composites(reference)
    assert doc["inputs"][0]["rows"] == 12


def test_row_numbers_of_problems_count_the_blank_rows(tmp_path):
    table = good_table()
    blank = pa.table({name: pa.nulls(3, table.schema.field(name).type)
                      for name in table.column_names})
    bad = table.slice(5, 1).set_column(table.column_names.index("C1"), "C1",
                                       pa.array([9], table.schema.field("C1").type))
    mixed = pa.concat_tables([table.slice(0, 5), blank, bad, table.slice(6)])
    code, doc, err = run_cli("validate", write(tmp_path, mixed), "-m", METHOD, "--json")
    assert code == 1, err
    [problem] = [p for p in doc["problems"] if p["code"] == "out_of_range"]
    assert problem["row"] == 1 + 5 + 3 + 1  # header, 5 rows, 3 blank rows, then this one


def test_a_nested_column_the_method_does_not_use_is_ignored(tmp_path, reference):
    table = good_table()
    n = table.num_rows
    table = table.append_column("meta", pa.array([{"x": i, "y": "a"} for i in range(n)]))
    table = table.append_column("tags", pa.array([[1, 2]] * n))
    table = table.append_column("map", pa.array([[("k", 1)]] * n, pa.map_(pa.string(),
                                                                            pa.int64())))
    code, doc, err = run_cli("score", write(tmp_path, table), "-m", METHOD, "--json")
    assert code == 0, err
    assert composites(doc) == composites(reference)


@pytest.mark.parametrize("kind", ["struct", "list", "map"])
def test_a_nested_column_the_method_uses_is_a_clear_problem(tmp_path, kind):
    table = good_table()
    n, j = table.num_rows, table.column_names.index("C2")
    values = {"struct": pa.array([{"x": 1}] * n), "list": pa.array([[1, 2]] * n),
              "map": pa.array([[("k", 1)]] * n, pa.map_(pa.string(), pa.int64()))}[kind]
    table = table.set_column(j, "C2", values)
    code, doc, err = run_cli("validate", write(tmp_path, table), "-m", METHOD, "--json")
    assert code == 1, err
    assert codes(doc) == ["unsupported_column"]
    [problem] = doc["problems"]
    assert problem["column"] == "C2" and problem["key"].startswith("subindices[1]")
    assert "Traceback" not in err


def test_decimal_columns_are_numbers(tmp_path, reference):
    table = good_table()
    for name in ("B1", "C1", "C2", "Trọng số"):
        j = table.column_names.index(name)
        values = [None if v is None else decimal.Decimal(str(v))
                  for v in table.column(name).to_pylist()]
        table = table.set_column(j, name, pa.array(values, pa.decimal128(9, 2)))
    code, doc, err = run_cli("score", write(tmp_path, table), "-m", METHOD, "--json")
    assert code == 0, err
    assert composites(doc) == composites(reference)


def _declare_rows(path: Path, real: int, declared: int) -> None:
    """Rewrite the footer of a Parquet file so that it declares ``declared`` rows where it
    holds ``real``: every copy of the count (file, row group, column chunks: Thrift
    varints) is replaced, and the footer length before the closing ``PAR1`` updated."""
    def varint(n: int) -> bytes:
        n, out = 2 * n, bytearray()  # zigzag of a non-negative i64
        while True:
            byte, n = n & 0x7F, n >> 7
            out.append(byte | (0x80 if n else 0))
            if not n:
                return bytes(out)
    data = path.read_bytes()
    size = int.from_bytes(data[-8:-4], "little")
    footer = data[-8 - size:-8]
    assert footer.count(varint(real)) >= 3
    footer = footer.replace(varint(real), varint(declared))
    path.write_bytes(data[:-8 - size] + footer + len(footer).to_bytes(4, "little") + b"PAR1")


def test_a_file_declaring_more_rows_than_memory_is_too_large(tmp_path):
    real, declared = 12_345, 40_000_000
    unit = pa.array(["Sở Tài chính", "Sở Xây dựng"] * (real // 2) + ["Sở Tài chính"])
    ones = pa.array([1] * real, pa.int8())
    table = pa.table({"Mã DN": unit, "Đơn vị": unit, "Khối": unit, "Trọng số": ones,
                      "B1": ones, "B2": ones, "C1": ones, "C2": ones})
    path = write(tmp_path, table)
    _declare_rows(path, real, declared)
    assert pq.ParquetFile(path).metadata.num_rows == declared
    # 40 M rows × 8 used columns need ~16 GB: more than ulimit -v lets this process take
    code, doc, err = _run_limited(["validate", path, "-m", METHOD, "--json"], 3 * 1024**3)
    assert code == 1, err
    assert codes(doc) == ["too_large"]
    assert "40,000,000 rows" in doc["problems"][0]["message"]


def _run_limited(args, address_space: int) -> tuple[int, dict | None, str]:
    """The real ``ddci`` under ``ulimit -v`` (address space in bytes)."""
    import os
    import resource
    import subprocess

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    exe = str(Path(sys.executable).parent / "ddci")
    proc = subprocess.run([exe, *map(str, args)], capture_output=True, text=True,
                          preexec_fn=limit, timeout=120,
                          env=dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8"))
    doc = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc.returncode, doc, proc.stderr


def test_a_null_text_cell_does_not_drop_its_row(tmp_path):
    """Only rows blank in every used column are skipped: a null unit or comment on a row
    with answers keeps the row (and the missing unit is reported), as a blank CSV cell
    does."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ddci_cli.io.parquet import read_parquet

    path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"unit": ["A", None, "B", None, " "],
                             "q": [1.0, 2.0, None, None, float("nan")],
                             "r": ["x", "y", None, None, None]}), path)
    found = read_parquet(path, None)
    assert found["row_numbers"].tolist() == [2, 3, 4]
    columns = {k: (v.cells() if hasattr(v, "cells") else v).tolist()
               for k, v in found["columns"].items()}
    assert columns["unit"] == ["A", None, "B"]
    assert columns["r"] == ["x", "y", None]
    assert columns["q"][:2] == [1.0, 2.0] and np.isnan(columns["q"][2])
