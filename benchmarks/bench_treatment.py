"""Timing of `ddci sensitivity` with imputation and treatment varied, on COINr's ASEM build.

The method is COINr's full example build (tests/test_reference_coinr_build.py): ASEM's
denominators, imputation by the mean of EurAsia_group, winsorisation (winmax 5, skew 2,
kurtosis 3.5); minmax to [1, 100] and z-scores 10 ± 2 so geometric means are defined.
Both runs vary pillar weights ±25%, normalisation {minmax, zscore} and aggregation
{arithmetic, geometric}, N = 1,000 uncertainty runs:
  1. without them: the same method with no [imputation] and no [treatment];
  2. with them varied: treatment {none, winsorise}, imputation {none, mean, median},
     winmax {3, 5} — every run re-imputes and re-treats under its own choices.
Printed: the best (and median) of --repeat rounds after one warm-up (each round times
both, one after the other), the ratio (2)/(1) (target ≤ 2×), and the time per run of (2)
against COINr's 22.5 ms per rebuild (target ≥ 100× faster).

Run: python benchmarks/bench_treatment.py [--repeat 5] [--runs 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COINR_REBUILD_S = 0.0225  # s per rebuild of the ASEM index (reference-data README)


def load(treated: bool):
    from ddci_cli.method import parse_method
    from ddci_cli.pipeline import score

    sys.path.insert(0, str(ROOT / "tests"))
    from reference import asem_survey
    from test_reference_coinr_build import build_method_text

    text = build_method_text().replace("range = [0, 100]", "range = [1, 100]\nzscore = [10, 2]")
    if not treated:
        text = text.replace('[imputation]\nmethod = "mean"', '[imputation]\nmethod = "none"')
        text = text.replace('method = "winsorise"', 'method = "none"')
    scores, _ = score(asem_survey(), parse_method(text))
    return scores


def best_of(fns: list, repeat: int) -> list[tuple[float, float]]:
    """(best, median) seconds of each function over ``repeat`` rounds after one warm-up;
    each round times every function in turn, so a load change on a shared machine hits
    them alike."""
    for fn in fns:
        fn()  # warm-up
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, out in zip(fns, times):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return [(min(t), statistics.median(t)) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    from ddci_cli.method.sensitivity import resolve_settings
    from ddci_cli.uncertainty.sensitivity import analyse, unit_summaries

    common = dict(mode="uncertainty", runs=args.runs, weights=0.25,
                  normalization="minmax,zscore", aggregation="arithmetic,geometric")
    plain, treated = load(False), load(True)
    s_plain = resolve_settings(plain.method, **common)
    s_varied = resolve_settings(treated.method, **common, treatment="none,winsorise",
                                imputation="none,mean,median", winmax="3,5")
    assert s_varied.groups()[-3:] == ["treatment", "imputation", "winmax"]

    def run(scores, s):
        return lambda: unit_summaries(analyse(scores, s, seed=0))

    (base, base_med), (varied, varied_med) = best_of(
        [run(plain, s_plain), run(treated, s_varied)], args.repeat)
    per_run = varied / args.runs
    print(f"N = {args.runs} uncertainty runs on ASEM (51 units, 49 indicators), "
          f"best of {args.repeat} (median)")
    print(f"  without imputation/treatment : {base:.3f} s ({base_med:.3f} s)")
    print(f"  treatment, imputation, winmax varied : {varied:.3f} s ({varied_med:.3f} s)")
    print(f"  ratio: {varied / base:.2f}x (target <= 2x)")
    print(f"  per run: {per_run * 1e3:.3f} ms vs COINr {COINR_REBUILD_S * 1e3:.1f} ms per "
          f"rebuild: {COINR_REBUILD_S / per_run:.0f}x faster (target >= 100x)")


if __name__ == "__main__":
    main()
