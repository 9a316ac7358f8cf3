"""Bootstrap intervals for composites, sub-indices and ranks (``ddci score --bootstrap N``).

A replicate resamples the survey — whole respondents when ``input.respondent_column`` is
set (a firm that rated three units is one draw, so its answers stay together), else
evaluations within each unit — and recomputes everything after reading: unit values
(with weights re-raked when the method has ``[weighting]``), normalisation bounds,
sub-indices, composites and ranks, over the units that were eligible in the nominal run.

Replicates are a leading batch axis: a chunk of replicates becomes one
(replicates × rows) multiplier matrix, unit values come from one matrix product per unit,
and :func:`score.block_pipeline` and the ranking run once per block on the whole chunk.
Replicate r draws from ``SeedSequence(seed).spawn(N)[r]``, so results do not depend on
the chunk size.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from ddci_cli.core.aggregate import share_transform
from ddci_cli.errors import UsageError
from ddci_cli.core.rank import rank_units
from ddci_cli.results import unit_order
from ddci_cli.scores import INSUFFICIENT, OK, Scores, block_pipeline
from ddci_cli.survey.weighting import (DESIGN_WEIGHT, RakingFrame, prepare, rake, respondent_groups,
                        weighting_spec)

LEVEL = 0.95
CHUNK_CELLS = 1 << 20       # replicate × row cells per chunk (8 MB per float matrix; at
                            # least GROUP replicates: 64 MB per matrix at 1M rows)
MAX_CHUNK = 256             # replicates per chunk at most (progress bar granularity)
GROUP = 8                   # replicates per matrix product (see _products)


@dataclass
class Resampler:
    """Draws clusters of rows with replacement within strata. ``group_of_row[r]`` is row
    r's cluster (−1: the row counts nowhere); ``order`` lists clusters sorted by stratum;
    ``start``/``size`` give, for each position of ``order``, its stratum's first position
    and size. Each replicate draws as many clusters per stratum as the stratum has."""

    group_of_row: np.ndarray
    order: np.ndarray
    start: np.ndarray
    size: np.ndarray
    kind: str

    def counts(self, seeds: list[np.random.SeedSequence]) -> np.ndarray:
        """(replicates × clusters): how often each cluster is drawn, one generator per
        replicate."""
        k = len(self.order)
        out = np.empty((len(seeds), k))
        for r, seq in enumerate(seeds):
            u = np.random.default_rng(seq).random(k)
            offset = np.minimum((u * self.size).astype(np.int64), self.size - 1)
            out[r] = np.bincount(self.order[self.start + offset], minlength=k)
        return out


def resampler(survey) -> Resampler:
    """Respondents as clusters in one stratum, or (no respondent column) each row its own
    cluster, stratified by unit."""
    design = survey.extra.get(DESIGN_WEIGHT, survey.weights)
    group, k = respondent_groups(survey, design)
    if survey.respondents is not None:
        stratum, kind = np.zeros(k, int), "respondents"
    else:
        stratum = np.zeros(k, int)
        stratum[group[group >= 0]] = survey.unit_of_row[group >= 0]
        kind = "evaluations within units"
    order = np.argsort(stratum, kind="stable")
    sizes = np.bincount(stratum)
    firsts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    sorted_stratum = stratum[order]
    return Resampler(group, order, firsts[sorted_stratum], sizes[sorted_stratum], kind)


@dataclass
class _Unit:
    """One eligible unit's rows: cluster per row, row weight, and the (rows × 2I) matrix
    [answers with 0 for missing | valid flags]."""

    unit: int
    groups: np.ndarray
    weights: np.ndarray
    answers: np.ndarray


def _unit_rows(scores: Scores, group: np.ndarray, row_weights: np.ndarray) -> list[_Unit]:
    """Each unit's matrix is built from its own rows: no (rows × 2I) matrix of the whole
    survey, nor its temporaries, exists besides them (at 1M rows × 46 indicators that was
    2 GB more than the units' 0.7 GB)."""
    survey = scores.survey
    eligible = [u for u, s in enumerate(scores.status) if s != INSUFFICIENT]
    x = share_transform(survey.X, list(scores.method.indicators))
    n_ind = x.shape[1]
    units = []
    for u in eligible:
        rows = np.flatnonzero((survey.unit_of_row == u) & (group >= 0))
        part = x[rows]
        valid = ~np.isnan(part)
        both = np.empty((len(rows), 2 * n_ind))
        both[:, :n_ind] = np.where(valid, part, 0.0)
        both[:, n_ind:] = valid
        units.append(_Unit(u, group[rows], row_weights[rows], both))
    return units


@dataclass
class Replicates:
    """Per replicate (first axis): composite (R × units), sub-indices (R × units ×
    sub-indices), rank (R × units; NaN = not ranked) and, on request, indicator scores
    (R × units × indicators). NaN for units without a value in that replicate."""

    composite: np.ndarray
    subindices: np.ndarray
    rank: np.ndarray
    scores: np.ndarray | None
    kind: str
    not_converged: int = 0      # replicates whose re-raking stopped short of tolerance
    raked: bool = False


def bootstrap_replicates(scores: Scores, n: int, seed: int = 0, *, chunk: int | None = None,
                         keep_scores: bool = False,
                         on_chunk: Callable[[int], None] | None = None) -> Replicates:
    """Run ``n`` bootstrap replicates of the pipeline behind ``scores``; ``on_chunk(k)`` is
    called after each chunk of k replicates (progress)."""
    survey, method = scores.survey, scores.method
    spec = weighting_spec(method)
    frame = None
    if spec is not None and DESIGN_WEIGHT in survey.extra:
        from ddci_cli.errors import ProblemReport

        frame = prepare(survey, spec, ProblemReport())
    draw = resampler(survey)
    row_weights = survey.extra[DESIGN_WEIGHT] if frame is not None else survey.weights
    units = _unit_rows(scores, draw.group_of_row, row_weights)
    n_units, n_ind = len(survey.units), len(method.indicators)
    # at least GROUP replicates: _products computes GROUP rows whatever the chunk holds
    chunk = chunk or max(GROUP, min(MAX_CHUNK, CHUNK_CELLS // max(1, len(draw.order),
                                                                  len(survey.weights))))
    seeds = np.random.SeedSequence(seed).spawn(n)
    parts, not_converged = [], 0
    for start in range(0, n, chunk):
        counts = draw.counts(seeds[start:start + chunk])
        factor, missed = _factors(counts, frame)
        not_converged += missed
        values = _values(factor, counts, units, n_units, n_ind,
                         method.min_indicator_responses)
        parts.append(_score_replicates(values, scores, keep_scores))
        if on_chunk:
            on_chunk(len(counts))
    joined = [np.concatenate(p, axis=0) if p[0] is not None else None for p in zip(*parts)]
    return Replicates(*joined, kind=draw.kind, not_converged=not_converged,
                      raked=frame is not None)


def _factors(counts: np.ndarray, frame: RakingFrame | None) -> tuple[np.ndarray, int]:
    """Per replicate and cluster, the multiplier of the row weights: the draw count, or
    with raking the re-raked weight ÷ design weight of the drawn respondents."""
    if frame is None:
        return counts, 0
    result = rake(counts * frame.design, frame)
    return result.weights / frame.design, int((~result.converged).sum())


def _values(factor: np.ndarray, counts: np.ndarray, units: list[_Unit], n_units: int,
            n_ind: int, min_indicator: int) -> np.ndarray:
    """Unit values (R × units × indicators) of every replicate: Σ f·w·x / Σ f·w per unit
    and indicator as one (R × rows) @ (rows × 2I) product per unit."""
    values = np.full((len(factor), n_units, n_ind), np.nan)
    for item in units:
        sums = _products(factor[:, item.groups] * item.weights, item.answers)
        wx, wsum = sums[:, :n_ind], sums[:, n_ind:]
        bad = wsum <= 0
        if min_indicator > 1:
            bad |= _products(counts[:, item.groups], item.answers[:, n_ind:]) < \
                min_indicator - 0.5
        with np.errstate(invalid="ignore", divide="ignore"):
            values[:, item.unit] = np.where(bad, np.nan, wx / wsum)
    return values


def _products(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` computed as a stack of (GROUP × k) @ (k × m) products: each replicate's
    row then gets the same arithmetic whatever the chunk size, and the small products stay
    single-threaded, which avoids BLAS threads spinning on a busy machine."""
    pad = -len(a) % GROUP
    if pad:
        a = np.concatenate([a, np.zeros((pad, a.shape[1]))])
    out = a.reshape(-1, GROUP, a.shape[1]) @ b
    return out.reshape(-1, b.shape[1])[:len(a) - pad]


def _score_replicates(values: np.ndarray, scores: Scores, keep_scores: bool):
    """Composite, sub-indices, ranks (and scores) of a chunk, block by block."""
    method = scores.method
    reps, n_units = values.shape[:2]
    composite = np.full((reps, n_units), np.nan)
    subs = np.full((reps, n_units, len(method.subindices)), np.nan)
    rank = np.full((reps, n_units), np.nan)
    ind_scores = np.full(values.shape, np.nan) if keep_scores else None
    ok = np.array([s == OK for s in scores.status], bool)
    eligible = np.array([s != INSUFFICIENT for s in scores.status], bool)
    for plan in scores.plans:
        units = plan.units[eligible[plan.units]]
        if not len(units) or not len(plan.indicators):
            continue
        result = block_pipeline(values[:, units][:, :, plan.indicators], plan, method)
        ranking = rank_units(result.composite, [np.arange(len(units))], method.decimals,
                             eligible=ok[units])
        comp = np.where(ranking.ok, result.composite, np.nan)
        ranks = ranking.rank
        composite[:, units] = comp
        rank[:, units] = np.where(ranks > 0, ranks, np.nan)
        subs[:, units[:, None], plan.subindices] = result.subindices
        if keep_scores:
            ind_scores[:, units[:, None], plan.indicators] = result.scores
    return composite, subs, rank, ind_scores


def percentile_interval(samples: np.ndarray, level: float = LEVEL, *,
                        discrete: bool = False) -> np.ndarray:
    """(2, ...) lower and upper percentile bounds along axis 0, ignoring NaN (NaN when a
    slice has no value). ``discrete`` picks observed values (ranks stay integers)."""
    tail = (1 - level) / 2
    method = "inverted_cdf" if discrete else "linear"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices give NaN
        return np.nanquantile(samples, [tail, 1 - tail], axis=0, method=method)


def intervals(scores: Scores, reps: Replicates, level: float = LEVEL) -> dict[int, dict]:
    """The ``ci`` entry of every unit with status ok: composite, rank and sub-index
    intervals, the interval of its composite minus the next-ranked unit's in its block,
    and ``tied_with_next`` when that interval covers 0."""
    comp = percentile_interval(reps.composite, level)
    rank = percentile_interval(reps.rank, level, discrete=True)
    subs = percentile_interval(reps.subindices, level)
    method = scores.method
    ci: dict[int, dict] = {}
    ranked = [int(u) for u in unit_order(scores) if scores.status[u] == OK]
    for u in ranked:
        plan = next(p for p in scores.plans if scores.survey.unit_blocks[u] == p.block)
        ci[u] = {"composite": _pair(comp[:, u]), "rank": _pair(rank[:, u], int),
                 "subindices": {method.subindices[k].id: _pair(subs[:, u, k])
                                for k in plan.subindices},
                 "next_difference": None, "tied_with_next": None}
    for u, v in zip(ranked, ranked[1:]):
        if scores.survey.unit_blocks[u] != scores.survey.unit_blocks[v]:
            continue
        diff = percentile_interval(reps.composite[:, u] - reps.composite[:, v], level)
        ci[u]["next_difference"] = _pair(diff)
        if not np.isnan(diff).any():
            ci[u]["tied_with_next"] = bool(diff[0] <= 0 <= diff[1])
    return ci


def _pair(bounds: np.ndarray, kind=float) -> list | None:
    if np.isnan(bounds).any():
        return None
    return [kind(bounds[0]), kind(bounds[1])]


def with_intervals(scores: Scores, n: int, seed: int = 0, *, level: float = LEVEL,
                   chunk: int | None = None,
                   on_chunk: Callable[[int], None] | None = None) -> Scores:
    """A copy of ``scores`` with ``n`` bootstrap replicates' intervals: ``ci`` (SPEC §6)
    and ``bootstrap`` (the settings). ``on_chunk(k)`` is called after each chunk of k
    replicates (progress)."""
    if n < 0:
        raise UsageError("--bootstrap must be 0 or more replicates")
    if n == 0:
        return scores
    reps = bootstrap_replicates(scores, n, seed, chunk=chunk, on_chunk=on_chunk)
    settings = {"replicates": n, "seed": seed, "level": level, "resampling": reps.kind,
                "interval": "percentile",
                "weights": "re-raked per replicate" if reps.raked else "design weights"}
    if reps.not_converged:
        settings["raking_not_converged"] = reps.not_converged
    return replace(scores, ci=intervals(scores, reps, level), bootstrap=settings)
