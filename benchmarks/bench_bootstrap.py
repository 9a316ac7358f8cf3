"""Bootstrap speed: N replicates (default 1,000) on the 2024 sample, batched against the
same replicates computed one at a time in a Python loop.

    python benchmarks/bench_bootstrap.py [--replicates 1000] [--seed 0] [--repeat 3]

Prints, measured in the same run on the same draws:
- batched: ``bootstrap_replicates`` (draws, unit values as matrix products, one
  ``block_pipeline`` call per block on the whole batch, batched ranks) and
  ``with_intervals`` (the same plus the percentile intervals);
- loop: for each replicate, the single-run functions — ``aggregate.unit_values`` with the
  replicate's weights, ``score.block_pipeline`` per block, ``rank.competition_ranks`` —
  and separately the ``block_pipeline`` calls alone against one batched call;
- the largest difference between the two paths' composites (they must agree).
Timings are the best of ``--repeat`` runs (the machine may be shared). With a method that
has ``[weighting]`` only the batched time is printed (the loop has no re-raking step).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ddci_cli.core.aggregate import unit_values
from ddci_cli.uncertainty.bootstrap import with_intervals, bootstrap_replicates, resampler
from ddci_cli.pipeline import score
from ddci_cli.core.rank import competition_ranks, rounding_keys
from ddci_cli.scores import INSUFFICIENT, OK, block_pipeline

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "ddci_haiphong_2024"


def best_of(repeat: int, fn):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def loop_replicates(scores, n: int, seed: int) -> tuple[np.ndarray, float]:
    """The replicates one at a time with the single-run functions; returns (composites
    R × units, seconds spent in block_pipeline alone)."""
    survey, method = scores.survey, scores.method
    draw = resampler(survey)
    counts = draw.counts(np.random.SeedSequence(seed).spawn(n))
    kept = draw.group_of_row >= 0
    block_of_unit = np.array([method.block_ids.index(b) for b in survey.unit_blocks])
    block_cols = np.zeros((len(scores.plans), len(method.indicators)), bool)
    for b, plan in enumerate(scores.plans):
        block_cols[b, plan.indicators] = True
    ok = np.array([s == OK for s in scores.status])
    eligible = np.array([s != INSUFFICIENT for s in scores.status])
    out = np.full((n, len(survey.units)), np.nan)
    in_pipeline = 0.0
    for r in range(n):
        weights = np.where(kept, counts[r, draw.group_of_row] * survey.weights, 0.0)
        uv = unit_values(survey.X, survey.unit_of_row, weights, len(survey.units),
                         list(method.indicators), method.min_indicator_responses,
                         block_of_unit, block_cols)
        for plan in scores.plans:
            units = plan.units[eligible[plan.units]]
            x = uv.values[np.ix_(units, plan.indicators)]
            start = time.perf_counter()
            result = block_pipeline(x, plan, method)
            in_pipeline += time.perf_counter() - start
            comp = np.where(ok[units], result.composite, np.nan)
            competition_ranks(rounding_keys(comp, method.decimals), ~np.isnan(comp))
            out[r, units] = comp
    return out, in_pipeline


def batched_pipeline_only(scores, reps: int) -> float:
    """One block_pipeline call per block on (reps × units × indicators) nominal values."""
    eligible = np.array([s != INSUFFICIENT for s in scores.status])
    start = time.perf_counter()
    for plan in scores.plans:
        units = plan.units[eligible[plan.units]]
        x = scores.values.values[np.ix_(units, plan.indicators)]
        block_pipeline(np.broadcast_to(x, (reps,) + x.shape), plan, scores.method)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--survey", type=Path, default=SAMPLE.with_suffix(".xlsx"))
    parser.add_argument("--method", type=Path, default=SAMPLE.with_suffix(".toml"))
    args = parser.parse_args()
    n = args.replicates

    start = time.perf_counter()
    scores, _ = score(args.survey, args.method)
    read_time = time.perf_counter() - start
    s = scores.survey
    print(f"survey: {args.survey.name}: {s.rows} evaluations, "
          f"{len(np.unique(s.respondents)) if s.respondents is not None else s.rows} "
          f"respondents, {len(s.units)} units, {len(scores.method.indicators)} indicators; "
          f"read and scored once in {read_time:.2f} s")

    batched, reps = best_of(args.repeat, lambda: bootstrap_replicates(scores, n, args.seed))
    with_ci, _ = best_of(args.repeat, lambda: with_intervals(scores, n, args.seed))
    print(f"batched bootstrap, N = {n}: {batched:.3f} s replicates, {with_ci:.3f} s with "
          f"intervals (with_intervals)" + (", re-raked" if reps.raked else ""))
    if reps.raked:  # the single-run loop below has no raking step to compare with
        print("the method has [weighting]: no loop comparison (the loop does not re-rake)")
        return

    start = time.perf_counter()
    looped, in_pipeline = loop_replicates(scores, n, args.seed)
    loop_time = time.perf_counter() - start
    pipeline_batched, _ = best_of(args.repeat, lambda: batched_pipeline_only(scores, n))
    diff = np.nanmax(np.abs(looped - reps.composite))
    print(f"Python loop over replicates (unit_values + block_pipeline + ranks): "
          f"{loop_time:.3f} s  → batched is {loop_time / batched:.1f}× faster")
    print(f"block_pipeline alone: looped {in_pipeline:.3f} s, batched {pipeline_batched:.4f} s"
          f"  → {in_pipeline / pipeline_batched:.1f}×")
    print(f"largest |composite difference| loop vs batched: {diff:.2e}")


if __name__ == "__main__":
    main()
