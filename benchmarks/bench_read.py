"""Reading big surveys: ddci's read path against the bare readers (issue 9 item 3).

    python benchmarks/bench_read.py                    # CSV 1M × 50, Parquet 1M, xlsx 10k
    python benchmarks/bench_read.py --csv-rows 200k --repeats 3 --only csv

Each measurement runs in a fresh subprocess that imports what it needs, notes its peak
RSS, reads the file once and reports the wall time of the read and its peak RSS (native
buffers of pyarrow and python-calamine count). The baseline and ddci
alternate, repeat after repeat, and the medians are compared, so both sides meet the same
load on a shared machine. Peak RSS is ``VmHWM`` of the worker (Linux), not ``ru_maxrss``, which a process started by
fork and exec inherits from its parent. ddci's side is ``pipeline.read_survey``: locate the header, cut
the used columns, clean every cell, resolve units, weights — everything before scoring.

* CSV: N rows × 50 columns (unit, block, weight, respondent and 46 Likert answers, ~5 %
  blank) against ``pyarrow.csv.read_csv`` with every column read as text. ``--floor``
  adds the same read with every column dictionary-encoded, which is how ddci parses.
* Parquet: the same data (answers as numbers) against ``pyarrow.parquet.read_table``.
* xlsx: against ``CalamineWorkbook.from_path(p).get_sheet_by_name(s).to_python()``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
ANSWERS, UNITS = 46, 50
GENERATOR = "read-v1"

METHOD = """[index]
name = "Synthetic reading benchmark"
year = 2024
language = "en"

[input]
unit_column = "Đơn vị"
block_column = "Khối"
weight_column = "Trọng số"
respondent_column = "Mã DN"
missing_codes = ["KB", 99]
min_responses = 30
strict_units = false

[normalization]
method = "minmax"
range = [1, 10]

[aggregation]
subindex = "arithmetic"
composite = "arithmetic"
multiplier = 10

[[blocks]]
id = "department"
label = "Departments"

[[blocks]]
id = "district"
label = "Districts"
"""


def method_text() -> str:
    parts = [METHOD]
    for k in range(2):
        parts.append(f'[[subindices]]\nid = "s{k + 1}"\nlabel = "S{k + 1}"\nweight = 1\n')
        for i in range(k * ANSWERS // 2 + 1, (k + 1) * ANSWERS // 2 + 1):
            parts.append(f'[[subindices.indicators]]\nid = "q{i}"\ncolumn = "Q{i}"\n'
                         'valid = [1, 5]\n')
    return "\n".join(parts)


def columns(rows: int, seed: int = 2024) -> dict:
    """The survey as numpy columns: answers float (NaN blank), the rest text or float."""
    rng = np.random.default_rng(seed)
    units = rng.integers(0, UNITS, rows)
    names = np.array([f"Sở {i + 1:02d}" for i in range(UNITS // 2)] +
                     [f"Quận {i + 1:02d}" for i in range(UNITS - UNITS // 2)], dtype=object)
    out = {"Mã DN": np.char.add("DN", (np.arange(rows) // 2).astype(str)).astype(object),
           "Đơn vị": names[units],
           "Khối": np.where(units < UNITS // 2, "department", "district").astype(object),
           "Trọng số": np.round(rng.uniform(0.5, 1.5, rows), 3)}
    for i in range(ANSWERS):
        x = rng.integers(1, 6, rows).astype(float)
        x[rng.random(rows) < 0.05] = np.nan
        out[f"Q{i + 1}"] = x
    return out


def files(cache: Path, kind: str, rows: int) -> tuple[Path, Path]:
    folder = cache / GENERATOR
    folder.mkdir(parents=True, exist_ok=True)
    method = folder / "method.toml"
    if not method.exists():
        method.write_text(method_text(), encoding="utf-8")
    path = folder / f"survey_{rows}.{kind}"
    if path.exists():
        return path, method
    import pyarrow as pa

    data = columns(rows)
    table = pa.table({k: pa.array(v, from_pandas=True) for k, v in data.items()})
    tmp = path.with_name(path.name + ".part")
    if kind == "csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table.cast(pa.schema([(n, pa.string()) for n in table.column_names])),
                        tmp, pacsv.WriteOptions(quoting_style="none"))
        # answers as "3", not "3.0": what a survey export holds
        text = tmp.read_bytes().replace(b".0,", b",").replace(b".0\n", b"\n")
        tmp.write_bytes(text)
    elif kind == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, tmp)
    else:
        _write_xlsx(tmp, data)
    tmp.replace(path)
    return path, method


def _write_xlsx(path: Path, data: dict) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    names = list(data)
    sheet.append(names)
    n = len(data[names[0]])
    cols = [data[k] for k in names]
    for r in range(n):
        sheet.append([None if isinstance(c[r], float) and c[r] != c[r] else c[r]
                      for c in cols])
    book.save(path)


# ---------------------------------------------------------------- workers

def worker(kind: str, path: str, method: str) -> dict:
    import resource

    def peak() -> float:
        """Peak RSS in MB: VmHWM (a fresh count after exec; ``ru_maxrss`` keeps the
        high-water mark of the parent that forked us, which generated the files)."""
        try:
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    if kind.startswith("ddci"):
        from ddci_cli.method import load_method
        from ddci_cli.pipeline import read_survey

        m = load_method(method)
        step = lambda: read_survey(path, m)  # noqa: E731
    elif kind in ("arrow_csv", "arrow_csv_dict"):
        import pyarrow as pa
        import pyarrow.csv as pacsv

        import csv

        # the header as the csv module splits it: the generated header is quoted, and a
        # name that does not match is silently left to type inference (ints, doubles)
        with open(path, encoding="utf-8", newline="") as fh:
            names = next(csv.reader(fh))
        # arrow_csv_dict: each column dictionary-encoded while parsed, as ddci parses it
        # (a floor for its way of reading, not a target)
        text = pa.string() if kind == "arrow_csv" else pa.dictionary(pa.int32(), pa.string())
        opts = pacsv.ConvertOptions(column_types={n: text for n in names})
        def step():
            table = pacsv.read_csv(path, convert_options=opts)
            if any(t != text for t in table.schema.types):
                raise SystemExit("the baseline did not read every column as asked")
            return table
    elif kind == "arrow_parquet":
        import pyarrow.parquet as pq

        step = lambda: pq.read_table(path)  # noqa: E731
    elif kind == "calamine":
        from python_calamine import CalamineWorkbook

        def step():
            book = CalamineWorkbook.from_path(path)
            return book.get_sheet_by_name(book.sheet_names[0]).to_python()
    else:
        raise SystemExit(f"unknown worker {kind}")
    before = peak()
    t = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - t
    del result
    return {"seconds": seconds, "peak_mb": peak(), "base_mb": before}


def measure(pairs: list[tuple[str, str]], path: Path, method: Path, repeats: int) -> dict:
    """Alternate the workers ``repeats`` times; medians of time, peak and peak − base."""
    runs: dict[str, list[dict]] = {k: [] for k, _ in pairs}
    for _ in range(repeats):
        for kind, _ in pairs:
            done = subprocess.run([sys.executable, __file__, "--worker", kind, str(path),
                                   str(method)], capture_output=True, text=True, env=_env())
            if done.returncode:
                raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
            runs[kind].append(json.loads(done.stdout.strip().splitlines()[-1]))
    out = {}
    for kind, label in pairs:
        rs = runs[kind]
        out[label] = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        out[label]["added_mb"] = statistics.median(r["peak_mb"] - r["base_mb"] for r in rs)
    return out


def _env() -> dict:
    src = str(ROOT / "src")
    path = os.environ.get("PYTHONPATH")
    return dict(os.environ, PYTHONPATH=src + (os.pathsep + path if path else ""))


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def report(title: str, base: str, result: dict) -> None:
    b = result[base]
    print(f"{title}")
    for label, r in result.items():
        print(f"  {label:<10} {r['seconds']:8.2f} s  peak {r['peak_mb']:7.0f} MB "
              f"(+{r['added_mb']:.0f} MB for the read)")
        if label != base:
            print(f"  {'':<10} time {r['seconds'] / b['seconds']:.2f}×, peak "
                  f"{r['peak_mb'] / b['peak_mb']:.2f}×, added memory "
                  f"{r['added_mb'] / max(b['added_mb'], 1):.2f}× {base}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "PATH", "METHOD"))
    parser.add_argument("--csv-rows", default="1M")
    parser.add_argument("--parquet-rows", default="1M")
    parser.add_argument("--xlsx-rows", default="10k")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=["csv", "parquet", "xlsx"], action="append")
    parser.add_argument("--floor", action="store_true",
                        help="CSV: also pyarrow's read with every column dictionary-encoded, "
                             "ddci's way of parsing (a floor for it, not a target)")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "ddci-bench")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    only = set(args.only or ["csv", "parquet", "xlsx"])
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {args.repeats} "
          "alternating runs, each in a fresh process")
    for kind, base, size in (("csv", "arrow_csv", args.csv_rows),
                             ("parquet", "arrow_parquet", args.parquet_rows),
                             ("xlsx", "calamine", args.xlsx_rows)):
        if kind not in only:
            continue
        rows = parse_size(size)
        path, method = files(args.cache, kind, rows)
        floors = [("arrow_csv_dict", "arrow dict")] if kind == "csv" and args.floor else []
        result = measure([(base, base), *floors, (f"ddci_{kind}", "ddci")], path, method,
                         args.repeats)
        report(f"{kind}: {rows:,} rows × {ANSWERS + 4} columns "
               f"({path.stat().st_size / 1024**2:.0f} MB)", base, result)


if __name__ == "__main__":
    main()
