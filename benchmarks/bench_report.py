"""Time to write the full Excel report (every sheet, one scorecard per unit) of the 2024
sample, and the ranking chart.

    python benchmarks/bench_report.py [--survey S.xlsx --method M.toml] [--repeat 3]

Scores the survey once (not timed), then writes the workbook ``--repeat`` times into a
temporary folder and prints the best and median times, split into building the workbook
(openpyxl objects, including Cronbach's alpha for the Diagnostics sheet) and saving it.
Without --survey it uses data/samples/ddci_haiphong_2024.* or, when that is missing,
generates the sample into the temporary folder first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from ddci_cli.pipeline import score
from ddci_cli.report.workbook import build_workbook, save_workbook

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def sample_paths(tmp: Path) -> tuple[Path, Path]:
    survey, method = SAMPLES / "ddci_haiphong_2024.xlsx", SAMPLES / "ddci_haiphong_2024.toml"
    if survey.exists() and method.exists():
        return survey, method
    from ddci_cli.sample.writer import write_sample

    write_sample(tmp, year=2024)
    return tmp / "ddci_haiphong_2024.xlsx", tmp / "ddci_haiphong_2024.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survey", type=Path)
    parser.add_argument("--method", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lang", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        survey, method = (args.survey, args.method) if args.survey else sample_paths(tmp)
        scores, _ = score(survey, method)
        now = dt.datetime(2024, 1, 1)
        build, save, total = [], [], []
        for k in range(args.repeat):
            t0 = time.perf_counter()
            wb = build_workbook(scores, lang=args.lang, scorecards=True, now=now)
            t1 = time.perf_counter()
            save_workbook(wb, tmp / f"report{k}.xlsx")
            t2 = time.perf_counter()
            build.append(t1 - t0)
            save.append(t2 - t1)
            total.append(t2 - t0)
        sheets = len(wb.worksheets)
        size = (tmp / "report0.xlsx").stat().st_size
        print(f"units {len(scores.survey.units)}, sheets {sheets}, file {size / 1024:.0f} KiB")
        print(f"workbook with scorecards: best {min(total):.2f} s, median "
              f"{statistics.median(total):.2f} s (build {min(build):.2f} s + save "
              f"{min(save):.2f} s)")
        try:
            from ddci_cli.report.chart import write_chart
        except ImportError:
            return
        t0 = time.perf_counter()
        write_chart(scores, tmp / "ranking.png")
        print(f"ranking chart (PNG): {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
