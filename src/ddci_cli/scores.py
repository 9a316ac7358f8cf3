"""From unit values to ranked composites, per block (SPEC §4).

:func:`block_pipeline` is the single computation — normalise, sub-indices, composite — on
arrays with optional leading batch axes; :func:`score_survey` runs it once per block on the
nominal data, and the uncertainty code runs it on batches of replicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ddci_cli.core.aggregate import UnitValues, unit_values
from ddci_cli.core.block import BlockPlan, BlockResult, block_pipeline, plan_blocks
from ddci_cli.core.rank import INCOMPLETE, INSUFFICIENT, OK, Ranking, rank_units
from ddci_cli.errors import Problem, ProblemReport
from ddci_cli.method.model import Method
from ddci_cli.survey.clean import Survey
from ddci_cli.survey.denominate import unit_groups

__all__ = ["OK", "INCOMPLETE", "INSUFFICIENT", "BlockPlan", "BlockResult", "Scores",
           "block_pipeline", "plan_blocks", "plan_survey", "rank_scores", "score_survey", "score_values",
           "survey_unit_values"]

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
    prepared: "PreparedValues | None" = None  # imputation and treatment (SPEC §10)
    # the method's and the reading's problems (before scoring): what a re-run keeps
    input_problems: list[Problem] | None = None


@dataclass
class PreparedValues:
    """What imputation and treatment did to the eligible units' values (units ×
    indicators; NaN/False elsewhere): the values after imputation and the imputed mask,
    the treated values and the winsorised mask, and one record per block and treated
    indicator (G1 and G2 before and after, the units winsorised, whether the log was used)."""

    values: np.ndarray
    imputed: np.ndarray
    treated: np.ndarray
    winsorised: np.ndarray
    records: list[dict] = field(default_factory=list)

    @classmethod
    def empty(cls, n_units: int, n_ind: int) -> "PreparedValues":
        nan = np.full((n_units, n_ind), np.nan)
        return cls(nan, np.zeros(nan.shape, bool), nan.copy(), np.zeros(nan.shape, bool))


def score_survey(survey: Survey, method: Method, report: ProblemReport) -> Scores:
    """Run the nominal pipeline; problems (warnings, geometric errors) go to ``report``."""
    plans = plan_survey(survey, method, report)
    return score_values(survey, method, survey_unit_values(survey, method, plans), plans, report)


def plan_survey(survey: Survey, method: Method, report: ProblemReport) -> list[BlockPlan]:
    """The block plans of ``survey`` under ``method``, with each unit's imputation group."""
    return plan_blocks(method, survey.unit_blocks, unit_groups(survey, method, report))


def survey_unit_values(survey: Survey, method: Method, plans: list[BlockPlan]) -> UnitValues:
    """The (units × indicators) unit values of SPEC §4 from the survey's rows."""
    n_units, n_ind = len(survey.units), len(method.indicators)
    block_of_unit = np.array([method.block_ids.index(b) for b in survey.unit_blocks], int)
    block_cols = np.zeros((len(plans), n_ind), bool)
    for b, plan in enumerate(plans):
        block_cols[b, plan.indicators] = True
    return unit_values(survey.X, survey.unit_of_row, survey.weights, n_units,
                       list(method.indicators), method.min_indicator_responses,
                       block_of_unit, block_cols)


def score_values(survey: Survey, method: Method, uv: UnitValues, plans: list[BlockPlan],
                 report: ProblemReport) -> Scores:
    """Everything after the unit values: eligibility, the block pipelines, the ranking rule.
    A re-run with another setting (``rescore``) starts here with the same unit values."""
    n_units, n_ind = len(survey.units), len(method.indicators)
    scores = np.full((n_units, n_ind), np.nan)
    subs = np.full((n_units, len(method.subindices)), np.nan)
    composite = np.full(n_units, np.nan)
    eligible = uv.responses >= method.min_responses
    prepared = None if method.imputation.method == method.treatment.method == "none" \
        else PreparedValues.empty(n_units, n_ind)
    for plan in plans:
        _score_block(plan, uv, eligible, method, survey, report, scores, subs, composite,
                     prepared)
    ranking = rank_scores(composite, eligible, plans, method)
    _check_eligibility(plans, eligible, survey, method, report)
    return Scores(method, survey, plans, uv, scores, subs,
                  np.where(ranking.ok, composite, np.nan), ranking.keys, ranking.rank,
                  ranking.tier, ranking.statuses(eligible), prepared=prepared)


def rank_scores(composite: np.ndarray, eligible: np.ndarray, plans: list[BlockPlan],
                method: Method) -> Ranking:
    """The ranking rule of ``method`` applied per block to (..., units) composites."""
    return rank_units(composite, [p.units for p in plans], method.decimals,
                      [t.min for t in method.tiers_descending()], eligible)


def _score_block(plan: BlockPlan, uv: UnitValues, eligible, method: Method, survey: Survey,
                 report: ProblemReport, scores, subs, composite, prepared=None) -> None:
    units = plan.units[eligible[plan.units]]
    if not len(units) or not len(plan.indicators):
        return
    x = uv.values[np.ix_(units, plan.indicators)]
    result = block_pipeline(x, plan, method, units=units)
    if prepared is not None and result.prepared is not None:
        _keep_prepared(prepared, result.prepared, plan, units, method, survey)
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
    for u, k in zip(*np.nonzero(result.nonpositive_sub)):
        sub = method.subindices[plan.subindices[k]]
        report.error("nonpositive_geometric", f"unit '{survey.units[units[u]]}', sub-index "
                     f"'{sub.id}': score {result.subindices[u, k]:g} ≤ 0 cannot enter a "
                     "geometric composite; use a normalisation range with a lower bound above "
                     "0 (e.g. [1, 100]) or arithmetic aggregation",
                     key=f"subindex {sub.id}", value=float(result.subindices[u, k]),
                     file=survey.path)
    for j in np.flatnonzero(np.isnan(x).all(axis=0)):
        ind = method.indicators[plan.indicators[j]]
        report.warning("empty_indicator", f"indicator '{ind.id}' (column '{ind.column}') has "
                       f"no valid answers for any eligible unit of block '{plan.block}'",
                       column=ind.column, key=f"indicator {ind.id}", file=survey.path)


def _keep_prepared(out: PreparedValues, p, plan: BlockPlan, units, method: Method,
                   survey: Survey) -> None:
    cells = np.ix_(units, plan.indicators)
    out.values[cells], out.imputed[cells] = p.imputed_values, p.imputed
    t = p.treated
    if t is None:
        return
    out.treated[cells], out.winsorised[cells] = t.values, t.winsorised
    rule = method.treatment
    for j, i in enumerate(plan.indicators):
        def num(v):
            return None if np.isnan(v) else float(v)

        def passes(g1, g2):
            return None if np.isnan(g1) else bool(abs(g1) < rule.skew or g2 < rule.kurtosis)

        out.records.append({
            "block": plan.block, "indicator": method.indicators[i].id,
            "n": int((~np.isnan(t.values[:, j])).sum()),
            "skew_before": num(t.skew_before[j]), "kurtosis_before": num(t.kurtosis_before[j]),
            "passed_before": passes(t.skew_before[j], t.kurtosis_before[j]),
            "winsorised": int(t.count[j]),
            "units_winsorised": [survey.units[u] for u in units[t.winsorised[:, j]]],
            "log": bool(t.log[j]),
            "skew_after": num(t.skew_after[j]), "kurtosis_after": num(t.kurtosis_after[j]),
            "passed_after": passes(t.skew_after[j], t.kurtosis_after[j])})


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
