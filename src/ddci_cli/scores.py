"""From unit values to ranked composites, per block (SPEC §4).

:func:`block_pipeline` is the single computation — normalise, sub-indices, composite — on
arrays with optional leading batch axes; :func:`score_survey` runs it once per block on the
nominal data, and the uncertainty code runs it on batches of replicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ddci_cli.core.aggregate import UnitValues, unit_values
from ddci_cli.survey.clean import Survey
from ddci_cli.core.compose import membership, weighted_mean
from ddci_cli.errors import Problem, ProblemReport
from ddci_cli.method.model import Method
from ddci_cli.core.normalize import NormParams, norm_params, normalize
from ddci_cli.core.rank import competition_ranks, rounding_keys, tier_index

OK, INCOMPLETE, INSUFFICIENT = "ok", "incomplete", "insufficient_responses"


@dataclass
class BlockPlan:
    """Which units, indicators and sub-indices take part in one block, and their weights."""

    block: str
    units: np.ndarray           # indices into Survey.units
    indicators: np.ndarray      # indices into Method.indicators
    subindices: np.ndarray      # indices into Method.subindices
    ind_weights: np.ndarray     # (block indicators × block sub-indices)
    sub_weights: np.ndarray     # (block sub-indices × 1)
    params: NormParams


@dataclass
class BlockResult:
    scores: np.ndarray          # (..., units, indicators)
    subindices: np.ndarray      # (..., units, sub-indices)
    composite: np.ndarray       # (..., units)
    constant: np.ndarray        # (..., indicators)
    nonpositive: np.ndarray     # (..., units, indicators) geometric inputs <= 0


@dataclass
class Scores:
    """Nominal results for every unit (arrays over ``survey.units``; NaN = null)."""

    method: Method
    survey: Survey
    plans: list[BlockPlan]
    values: UnitValues
    scores: np.ndarray          # (units × indicators)
    subindices: np.ndarray      # (units × sub-indices)
    composite: np.ndarray
    keys: np.ndarray
    rank: np.ndarray            # 0 = not ranked
    tier: np.ndarray            # index into method.tiers_descending(), -1 = none
    status: list[str]
    problems: list[Problem] = field(default_factory=list)
    ci: dict | None = None
    bootstrap: dict | None = None  # replicates, resampling, level (bootstrap.py)


def plan_blocks(method: Method, unit_blocks: list[str]) -> list[BlockPlan]:
    plans = []
    blocks = np.array(unit_blocks, dtype=object)
    for block in method.block_ids:
        subs = [k for k, s in enumerate(method.subindices) if block in s.blocks]
        inds = [i for i, ind in enumerate(method.indicators)
                if block in ind.blocks and block in method.subindices[_sub_of(method, i)].blocks]
        sub_pos = {k: n for n, k in enumerate(subs)}
        iw = membership([sub_pos[_sub_of(method, i)] for i in inds],
                        [method.indicators[i].weight for i in inds], len(subs))
        sw = membership([0] * len(subs), [method.subindices[k].weight for k in subs], 1)
        plans.append(BlockPlan(block, np.flatnonzero(blocks == block), np.array(inds, int),
                               np.array(subs, int), iw, sw,
                               norm_params(method, [method.indicators[i] for i in inds])))
    return plans


def _sub_of(method: Method, i: int) -> int:
    sid = method.indicators[i].subindex
    return next(k for k, s in enumerate(method.subindices) if s.id == sid)


def block_pipeline(x: np.ndarray, plan: BlockPlan, method: Method, *,
                   params: NormParams | None = None, composite_how: str | None = None,
                   sub_weights: np.ndarray | None = None) -> BlockResult:
    """Scores, sub-indices and composite for one block. ``x``: (..., units, indicators),
    NaN where a unit has no value or is not eligible. ``sub_weights`` (..., sub-indices)
    replaces the method's sub-index weights (Monte Carlo)."""
    scores, constant = normalize(x, params or plan.params)
    subs, nonpos = weighted_mean(scores, plan.ind_weights, method.subindex_aggregation,
                                 method.min_coverage)
    weights = plan.sub_weights if sub_weights is None else sub_weights[..., :, None]
    comp, _ = weighted_mean(subs, weights, composite_how or method.composite_aggregation,
                            method.min_coverage)
    return BlockResult(scores, subs, method.multiplier * comp[..., 0], constant, nonpos)


def score_survey(survey: Survey, method: Method, report: ProblemReport) -> Scores:
    """Run the nominal pipeline; problems (warnings, geometric errors) go to ``report``."""
    n_units, n_ind = len(survey.units), len(method.indicators)
    plans = plan_blocks(method, survey.unit_blocks)
    block_of_unit = np.array([method.block_ids.index(b) for b in survey.unit_blocks], int)
    block_cols = np.zeros((len(plans), n_ind), bool)
    for b, plan in enumerate(plans):
        block_cols[b, plan.indicators] = True
    uv = unit_values(survey.X, survey.unit_of_row, survey.weights, n_units,
                     list(method.indicators), method.min_indicator_responses,
                     block_of_unit, block_cols)
    scores = np.full((n_units, n_ind), np.nan)
    subs = np.full((n_units, len(method.subindices)), np.nan)
    composite = np.full(n_units, np.nan)
    eligible = uv.responses >= method.min_responses
    for plan in plans:
        _score_block(plan, uv, eligible, method, survey, report, scores, subs, composite)
    status = [OK if eligible[u] and not np.isnan(composite[u]) else INCOMPLETE if eligible[u] else INSUFFICIENT for u in range(n_units)]
    ok = np.array([s == OK for s in status], bool)
    keys = np.where(ok, rounding_keys(composite, method.decimals), np.nan)
    rank = np.zeros(n_units, int)
    for plan in plans:
        rank[plan.units] = competition_ranks(keys[plan.units], ok[plan.units])
    mins = [t.min for t in method.tiers_descending()]
    tier = np.where(ok, tier_index(keys, mins), -1) if mins else np.full(n_units, -1)
    _check_eligibility(plans, eligible, survey, method, report)
    return Scores(method, survey, plans, uv, scores, subs, np.where(ok, composite, np.nan),
                  keys, rank, tier, status)


def _score_block(plan: BlockPlan, uv: UnitValues, eligible, method: Method, survey: Survey,
                 report: ProblemReport, scores, subs, composite) -> None:
    units = plan.units[eligible[plan.units]]
    if not len(units) or not len(plan.indicators):
        return
    x = uv.values[np.ix_(units, plan.indicators)]
    result = block_pipeline(x, plan, method)
    scores[np.ix_(units, plan.indicators)] = result.scores
    subs[np.ix_(units, plan.subindices)] = result.subindices
    composite[units] = result.composite
    for j in np.flatnonzero(result.constant):
        ind = method.indicators[plan.indicators[j]]
        report.warning("constant_indicator", f"indicator '{ind.id}' (column '{ind.column}') "
                       f"has the same value for every unit of block '{plan.block}'; it cannot "
                       "separate units and every unit gets the middle score", column=ind.column,
                       key=f"indicator {ind.id}", file=survey.path)
    for u, j in zip(*np.nonzero(result.nonpositive)):
        ind = method.indicators[plan.indicators[j]]
        report.error("nonpositive_geometric", f"unit '{survey.units[units[u]]}', indicator "
                     f"'{ind.id}': score {result.scores[u, j]:g} ≤ 0 cannot enter a geometric "
                     "mean; use a normalisation range with a lower bound above 0 (e.g. "
                     "[1, 100]) or arithmetic aggregation", column=ind.column,
                     value=float(result.scores[u, j]), file=survey.path)
    for j in np.flatnonzero(np.isnan(x).all(axis=0)):
        ind = method.indicators[plan.indicators[j]]
        report.warning("empty_indicator", f"indicator '{ind.id}' (column '{ind.column}') has "
                       f"no valid answers for any eligible unit of block '{plan.block}'",
                       column=ind.column, key=f"indicator {ind.id}", file=survey.path)


def _check_eligibility(plans, eligible, survey: Survey, method: Method,
                       report: ProblemReport) -> None:
    for plan in plans:
        n = int(eligible[plan.units].sum())
        if len(plan.units) and n == 0:
            report.warning("no_eligible_units", f"no unit of block '{plan.block}' has "
                           f"{method.min_responses} responses (input.min_responses); none is "
                           "ranked", file=survey.path, key="input.min_responses")
        elif len(plan.units) and n == 1:
            report.warning("single_eligible_unit", f"block '{plan.block}' has only one "
                           "eligible unit; its scores are not comparisons with anyone",
                           file=survey.path)
    if len(eligible) and not eligible.any():
        report.error("no_eligible_units", f"no unit has {method.min_responses} responses "
                     "(input.min_responses), so nothing can be ranked; lower min_responses or "
                     "check the unit column", file=survey.path, key="input.min_responses")
