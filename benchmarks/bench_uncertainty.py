"""Timing of `ddci sensitivity` on COINr's ASEM example, against COINr and a run-by-run loop.

Setup as COINr's own sensitivity example: 51 countries, 49 indicators, 8 pillars; minmax
to [1, 100] and z-scores as 10 ± 2 (so geometric means are defined); uncertain inputs:
pillar weights ±25%, normalisation {minmax, zscore}, aggregation {arithmetic, geometric}.

Measured in one process: the best (and median) of --repeat calls after one warm-up call,
whose time is printed too; scipy.stats is imported first and its import time printed:
  1. uncertainty analysis, N = 1,000 runs (COINr: ≈ 2.3 s per 100 runs → ≈ 22 s), the
     runs' ranks alone and with the per-unit summaries;
  2. Sobol analysis, N = 1,024 → 5,120 evaluations (COINr: 12.7 s for N = 100);
  3. the single-run path `score` uses — score.block_pipeline on one run's (units ×
     indicators) inputs, then rounding_keys + competition_ranks — looped over the same
     1,000 runs in Python, and its ratio to (1). The loop's ranks are checked against (1).

Run: python benchmarks/bench_uncertainty.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
COINR_UNCERTAINTY_N1000 = 22.0  # s: N = 100 took 2.3 s (reference-data README), ×10
COINR_SOBOL_N100 = 12.7  # s: N = 100, 500 rebuilds (same README)


def load_asem():
    from ddci_cli.method import parse_method
    from ddci_cli.pipeline import score

    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from reference import asem_method_text, asem_survey  # the published files, ../shared/data

    text = asem_method_text()
    text = text.replace("range = [0, 100]", "range = [1, 100]\nzscore = [10, 2]")
    scores, _ = score(asem_survey(), parse_method(text))
    return scores


def settings(method, mode: str, runs: int):
    from ddci_cli.method.sensitivity import resolve_settings

    return resolve_settings(method, mode=mode, runs=runs, weights=0.25,
                            normalization="minmax,zscore", aggregation="arithmetic,geometric")


def timed(fn, repeat: int) -> tuple[float, list[float], object]:
    """(first call, later calls, last result)."""
    start = time.perf_counter()
    result = fn()
    first = time.perf_counter() - start
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return first, times, result


def single_run_loop(scores, s, draws) -> np.ndarray:
    """What rebuilding run by run costs: the `score` path once per run."""
    from ddci_cli.core.normalize import norm_params
    from ddci_cli.core.rank import competition_ranks, rounding_keys
    from ddci_cli.scores import block_pipeline

    method, (plan,) = scores.method, scores.plans
    x = scores.values.values[np.ix_(plan.units, plan.indicators)]
    indicators = [method.indicators[i] for i in plan.indicators]
    params = {n: norm_params(method, indicators, name=n) for n in s.normalization}
    ranks = np.zeros((len(draws.normalization), len(plan.units)), int)
    for r in range(len(ranks)):
        result = block_pipeline(x, plan, method,
                                params=params[s.normalization[draws.normalization[r]]],
                                composite_how=s.aggregation[draws.aggregation[r]],
                                sub_weights=draws.sub_weights[r, plan.subindices])
        ranks[r] = competition_ranks(rounding_keys(result.composite, method.decimals))
    return ranks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    from ddci_cli.uncertainty import sensitivity as sens

    start = time.perf_counter()
    import scipy.stats  # noqa: F401  (imported lazily by the Sobol design)
    import_time = time.perf_counter() - start
    scores = load_asem()
    unc = settings(scores.method, "uncertainty", 1000)
    sob = settings(scores.method, "sobol", 1024)

    first_u, times_u, result = timed(lambda: sens.analyse(scores, unc, 0), args.repeat)
    _, times_d, _ = timed(lambda: sens.unit_summaries(sens.analyse(scores, unc, 0)),
                          args.repeat)
    first_s, times_s, sobol_result = timed(lambda: sens.analyse(scores, sob, 0), args.repeat)
    _, times_l, loop_ranks = timed(lambda: single_run_loop(scores, unc, result.draws),
                                   max(1, args.repeat // 2))
    assert (loop_ranks == result.ranks[:, scores.plans[0].units]).all(), "loop ≠ batch"

    # best of the repeats: the machine is shared, and noise only ever adds time
    best_u, best_d, best_s, best_l = (min(t) for t in (times_u, times_d, times_s, times_l))
    med_u, med_s = statistics.median(times_u), statistics.median(times_s)
    print(f"ASEM: {len(scores.survey.units)} units × {len(scores.method.indicators)} "
          f"indicators, {len(scores.method.subindices)} sub-indices; inputs "
          f"{', '.join(unc.groups())}")
    print(f"import scipy.stats (once per process):          {import_time:8.3f} s")
    print(f"uncertainty N = 1,000      first call {first_u:7.3f} s, best {best_u:7.4f} s, "
          f"median {med_u:7.4f} s"
          f"   (COINr ≈ {COINR_UNCERTAINTY_N1000:.0f} s: {COINR_UNCERTAINTY_N1000 / best_u:,.0f}×)")
    print(f"  with the per-unit summaries (mean, median, 5%, 95%, tiers): {best_d:7.4f} s"
          f"   (COINr: {COINR_UNCERTAINTY_N1000 / best_d:,.0f}×)")
    print(f"sobol N = 1,024 ({sobol_result.evaluations:,} evaluations) first call "
          f"{first_s:7.3f} s, best {best_s:7.4f} s, median {med_s:7.4f} s   "
          f"(COINr N = 100: {COINR_SOBOL_N100} s)")
    print(f"single-run loop N = 1,000  best {best_l:7.4f} s "
          f"({best_l / 1000 * 1e3:.3f} ms per run); batched is {best_l / best_u:,.0f}× faster")
    indices = sobol_result.indices["asem"]
    print("Sobol indices (first order, total): " + "; ".join(
        f"{k} {v['first_order']:.3f}, {v['total']:.3f}" for k, v in indices.items()))


if __name__ == "__main__":
    main()
