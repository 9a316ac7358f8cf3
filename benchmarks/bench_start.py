"""Start-up: ``ddci --help``, ``ddci --version`` and ``ddci score`` on the 2024 sample,
each against its floor, measured in the same run (issue 9 item 3).

    python benchmarks/bench_start.py              # 15 runs of each
    python benchmarks/bench_start.py --runs 25

Every command runs as a fresh process (what a user or cron starts), the commands in turn,
run after run, so a burst of load from other jobs hits all of them; the median wall time
of each is printed with its ratio to its floor:

* ``ddci --help`` and ``ddci --version`` against ``python -c pass`` (the interpreter's
  own start); the target is 0.15 s.
* ``ddci score SAMPLE -m METHOD`` (rankings printed to a pipe) against a bare
  python-calamine read of the same workbook in a fresh process (``python -c "import
  python_calamine; …to_python()"``); the target is 2×. For comparison (no target), the
  same command the long way: ``DDCI_SEED=0`` set, so typer parses it (cli/plain.py), and
  the survey after the options, so it is not read ahead (cli/ahead.py).

The commands run with Python's bytecode cache on (``PYTHONDONTWRITEBYTECODE`` removed
from their environment), as an installed ddci runs: pip compiles the bytecode when it
installs a package, and without the cache every run compiles ddci's modules afresh.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "ddci_haiphong_2024"
CALAMINE = ("import sys, python_calamine as pc\n"
            "book = pc.CalamineWorkbook.from_path(sys.argv[1])\n"
            "book.get_sheet_by_name(book.sheet_names[0]).to_python()\n")


def ddci() -> list[str]:
    beside = Path(sys.executable).parent / "ddci"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "ddci_cli.cli"]


def commands() -> dict[str, list[str]]:
    xlsx, toml = SAMPLE.with_suffix(".xlsx"), SAMPLE.with_suffix(".toml")
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "ddci --version": ddci() + ["--version"],
        "ddci --help": ddci() + ["--help"],
        "calamine read of the sample": [sys.executable, "-c", CALAMINE, str(xlsx)],
        "ddci score on the sample": ddci() + ["score", str(xlsx), "-m", str(toml)],
        "the same, the long way": ["env", "DDCI_SEED=0"] + ddci()
        + ["score", "-m", str(toml), str(xlsx)],
    }


def run(cmds: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in cmds}
    env = dict(os.environ, NO_COLOR="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for _ in range(runs):
        for name, cmd in cmds.items():
            t = time.perf_counter()
            done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            times[name].append(time.perf_counter() - t)
            if done.returncode:
                raise SystemExit(f"{name} failed ({done.returncode}):\n"
                                 f"{done.stderr.decode()[-2000:]}")
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    cmds = commands()
    run(cmds, 1)  # warm the file cache and the bytecode
    times = run(cmds, args.runs)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"median wall time of {args.runs} runs, each command in turn; load average "
          f"{load:.1f}")
    floors = {"ddci --version": "python -c pass", "ddci --help": "python -c pass",
              "ddci score on the sample": "calamine read of the sample",
              "the same, the long way": "calamine read of the sample"}
    for name, value in med.items():
        line = f"  {name:<30} {value * 1000:7.0f} ms  (min {min(times[name]) * 1000:.0f})"
        if name in floors:
            line += f"  {value / med[floors[name]]:.2f}× {floors[name]}"
        print(line)


if __name__ == "__main__":
    main()
