"""Benchmark the container limits: a workbook with 100,000 ``<mergeCell>`` entries, and the
memory estimate behind the inflate and cell budgets (issue #10 item 16, issue #9).

    python benchmarks/bench_limits.py                 # 100,000 merges, 3 repeats
    python benchmarks/bench_limits.py --merges 20000 --repeats 1

The workbook is the bad-input corpus's good.xlsx (15 rows) with ``--merges`` merged ranges
added: half as wide as the sheet (``A20:XFD20``, a title row merged across every column),
half overlapping tall ranges in the unit column (``C4:C9``, ``C5:C10``, …: only a hostile
file overlaps merges). Each run is a fresh ``ddci validate FILE -m METHOD --json`` process;
the baseline, measured in the same run, is a fresh process that reads the same sheet and
its merged ranges with python-calamine alone. The script prints both medians and their
ratio; the target is under 5 s for ddci.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "bad"
BARE = ("import sys, python_calamine as pc\n"
        "s = pc.CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0)\n"
        "rows = s.to_python(skip_empty_area=False)\n"
        "print(len(rows), len(s.merged_cell_ranges or []))\n")


def build(target: Path, merges: int) -> Path:
    """good.xlsx with ``merges`` merged ranges (see the module docstring)."""
    wide = [f"A{20 + i}:XFD{20 + i}" for i in range(merges // 2)]
    tall = [f"C{4 + i % 12}:C{9 + i % 12}" for i in range(merges - len(wide))]
    refs = "".join(f'<mergeCell ref="{r}"/>' for r in wide + tall)
    block = f'<mergeCells count="{merges}">{refs}</mergeCells>'.encode()
    with zipfile.ZipFile(CORPUS / "good.xlsx") as src, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"</sheetData>" + block, 1)
            out.writestr(info, data)
    return target


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merges", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ddci = str(Path(sys.executable).parent / "ddci")
    with tempfile.TemporaryDirectory() as tmp:
        path = build(Path(tmp) / "merges.xlsx", args.merges)
        print(f"{args.merges:,} merged ranges, {path.stat().st_size / 1024:,.0f} kB")
        bare, cli = [], []
        for _ in range(args.repeats):
            seconds, proc = timed([sys.executable, "-c", BARE, str(path)])
            assert proc.returncode == 0, proc.stderr[-2000:]
            bare.append(seconds)
            seconds, proc = timed([ddci, "validate", str(path), "-m",
                                   str(CORPUS / "method.toml"), "--json"])
            assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, \
                proc.stderr[-2000:]
            cli.append(seconds)
    base, ours = statistics.median(bare), statistics.median(cli)
    print(f"bare python-calamine read : {base:6.2f} s (median of {args.repeats})")
    print(f"ddci validate             : {ours:6.2f} s")
    print(f"ratio                     : {ours / base:6.2f}x   target: ddci under 5 s "
          f"({'met' if ours < 5 else 'NOT met'})")
    from ddci_cli.io import memory

    print(f"memory left for a workbook: {memory.describe(memory.available_bytes())} "
          f"(inflate budget {memory.describe(memory.inflate_budget())}, "
          f"{memory.max_cells():,} cells at {memory.BYTES_PER_CELL} B a cell)")


if __name__ == "__main__":
    main()
