"""Peak memory of ``--bootstrap N`` on a big survey against scoring it alone (issue 9 item 3).

    python benchmarks/bench_bootstrap_memory.py                      # 1M rows, 1,000 replicates
    python benchmarks/bench_bootstrap_memory.py --rows 200k --replicates 100 --repeats 3

The survey is bench_read.py's synthetic one (N rows × 50 columns: unit, block, weight,
respondent and 46 Likert answers), every answer given so that all N rows are scored, built
as a pandas DataFrame in the worker. Each measurement runs in a fresh process:
``ddci_cli.score(frame, method)`` alone, then ``ddci_cli.score(frame, method).bootstrap(N)``,
alternating, repeat after repeat, with the
peak RSS of each (``VmHWM``: native buffers of numpy, BLAS and pyarrow count) and its wall
time. Prints the medians and the ratio peak(bootstrap) / peak(score) measured in this run,
and the ``OPENBLAS_NUM_THREADS`` the workers ran with: 1, as the ``ddci`` command sets it
(cli/__init__.py), unless the environment sets it.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_read import _env, columns, files, parse_size  # noqa: E402


def worker(mode: str, rows: str, method: str, replicates: int) -> dict:
    def peak() -> float:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    import numpy as np
    import pandas as pd

    import ddci_cli

    data = columns(int(rows))
    for name, column in data.items():
        if column.dtype == float and name.startswith("Q"):
            column[np.isnan(column)] = 3.0  # every answer given: every row is scored
    frame = pd.DataFrame(data)
    del data
    t = time.perf_counter()
    results = ddci_cli.score(frame, method)
    if mode == "bootstrap":
        results = results.bootstrap(replicates)
    return {"seconds": time.perf_counter() - t, "peak_mb": peak()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1M")
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "ddci-bench")
    parser.add_argument("--worker", nargs=4, metavar=("MODE", "ROWS", "METHOD", "N"))
    args = parser.parse_args(argv)
    if args.worker:
        mode, path, method, n = args.worker
        print(json.dumps(worker(mode, path, method, int(n))))
        return
    _, method = files(args.cache, "parquet", parse_size("10k"))  # the method file
    env = _env()
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the ddci command sets it
    runs: dict[str, list[dict]] = {"score": [], "bootstrap": []}
    for _ in range(args.repeats):
        for mode in runs:
            done = subprocess.run([sys.executable, __file__, "--worker", mode, str(parse_size(args.rows)),
                                   str(method), str(args.replicates)],
                                  capture_output=True, text=True, env=env)
            if done.returncode:
                raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
            runs[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
    med = {mode: {k: statistics.median(r[k] for r in rs) for k in rs[0]}
           for mode, rs in runs.items()}
    load = os.getloadavg()[0]
    threads = env["OPENBLAS_NUM_THREADS"]
    print(f"{parse_size(args.rows):,} rows, {args.replicates} replicates; medians of "
          f"{args.repeats} alternating runs; load average {load:.1f}; "
          f"OPENBLAS_NUM_THREADS={threads}")
    for mode, m in med.items():
        print(f"  {mode:<10} {m['seconds']:8.1f} s  peak {m['peak_mb']:8,.0f} MB")
    print(f"  peak(bootstrap) / peak(score) = "
          f"{med['bootstrap']['peak_mb'] / med['score']['peak_mb']:.2f}")


if __name__ == "__main__":
    main()
