"""Reading a grid export against the long layout of the same data (docs/performance.md).

A Google Forms-style grid CSV: RESPONDENTS rows, one column per question × unit (35 units ×
45 questions), answers as labels (``4 - Đồng ý``, read with ``input.leading_code``); and
the same evaluations as a long CSV (one row per respondent × unit answered). Each is read
with ``read_survey`` (parse, reshape, cells to numbers), best of ``--repeat`` runs, and the
ratio grid ÷ long is printed (target ≤ 2×).

    python benchmarks/bench_exports.py [--respondents 20000] [--rated 35] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

import numpy as np

from ddci_cli.method.load import parse_method
from ddci_cli.pipeline import read_survey

UNITS = [f"Đơn vị {k:02d}" for k in range(35)]
QUESTIONS = [f"Q{k:02d}" for k in range(45)]
LABELS = ["1 - Rất kém", "2 - Kém", "3 - Bình thường", "4 - Đồng ý", "5 - Rất tốt"]


def method(layout: str):
    indicators = "".join(f'\n  [[subindices.indicators]]\n  id = "{q}"\n  column = "{q}"\n'
                         f"  valid = [1, 5]\n" for q in QUESTIONS)
    keys = 'layout = "grid"' if layout == "grid" else 'unit_column = "Đơn vị"'
    return parse_method(f'[input]\n{keys}\nrespondent_column = "Mã DN"\nleading_code = true\n'
                        f'[[subindices]]\nid = "s"\n{indicators}')


def write_files(folder: Path, respondents: int, rated: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    grid, long = folder / "grid.csv", folder / "long.csv"
    with grid.open("w", newline="", encoding="utf-8") as g, \
            long.open("w", newline="", encoding="utf-8") as f:
        gw, lw = csv.writer(g), csv.writer(f)
        gw.writerow(["Dấu thời gian", "Địa chỉ email", "Mã DN",
                     *(f"{q}. Câu hỏi {q} [{u}]" for q in QUESTIONS for u in UNITS)])
        lw.writerow(["Mã DN", "Đơn vị", *QUESTIONS])
        for r in range(respondents):
            units = np.sort(rng.choice(len(UNITS), rated, replace=False))
            answers = rng.integers(0, 5, (rated, len(QUESTIONS)))
            blank = rng.random(answers.shape) < 0.05
            cells = np.full((len(QUESTIONS), len(UNITS)), "", dtype=object)
            for k, u in enumerate(units):
                row = ["" if b else LABELS[a] for a, b in zip(answers[k], blank[k])]
                cells[:, u] = row
                lw.writerow([f"DN{r}", UNITS[u], *row])
            gw.writerow(["2024/03/01 9:00:00", f"dn{r}@example.vn", f"DN{r}",
                         *cells.reshape(-1)])
    return grid, long


def best(path: Path, m, repeat: int) -> tuple[float, object]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        survey = read_survey(path, m)
        times.append(time.perf_counter() - start)
    return min(times), survey


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, default=20_000)
    parser.add_argument("--rated", type=int, default=35, help="units each respondent rates")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        grid, long = write_files(Path(folder), args.respondents, args.rated)
        t_grid, s_grid = best(grid, method("grid"), args.repeat)
        t_long, s_long = best(long, method("long"), args.repeat)
        same = np.array_equal(s_grid.X, s_long.X, equal_nan=True)
        print(f"{args.respondents:,} respondents × {args.rated} units × {len(QUESTIONS)} "
              f"questions: {s_long.rows:,} evaluations; grid CSV "
              f"{grid.stat().st_size / 1e6:.0f} MB, long CSV {long.stat().st_size / 1e6:.0f} MB")
        print(f"grid {t_grid:.2f} s, long {t_long:.2f} s, ratio {t_grid / t_long:.2f}× "
              f"(target ≤ 2×); same answers: {same}")


if __name__ == "__main__":
    main()
