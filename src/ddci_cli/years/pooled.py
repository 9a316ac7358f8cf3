"""Pooled bounds: min-max normalisation with each indicator's min and max taken over every
compared year (per block), as Quảng Ninh's DDCI does from 2021.

Per-year min-max scores say where a unit stands in that year's field; with pooled bounds a
unit's score moves only when its own unit value moves (or a new extreme appears), so changes
across years are changes of the unit. Implementation: stack the years' (units × indicators)
value matrices of a block, fit the ordinary ``minmax`` bounds on the stack (so constant
indicators and directions behave exactly as in one year), and run each year's block
pipeline with those fitted bounds. With one year this is ``score``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ddci_cli.errors import ProblemReport, UsageError
from ddci_cli.core.block import block_pipeline
from ddci_cli.core.normalize import NormParams, fit, is_constant
from ddci_cli.scores import Scores, rank_scores


def pooled_scores(scored: list[Scores], report: ProblemReport) -> list[Scores]:
    """Re-score every year of ``scored`` (ascending years) with pooled min and max."""
    arrays = pooled_arrays(scored, [s.values.values for s in scored], report)
    return [_finish(s, a) for s, a in zip(scored, arrays)]


def pooled_arrays(scored: list[Scores], values: list[np.ndarray],
                  report: ProblemReport | None = None) -> list[dict[str, np.ndarray]]:
    """Pooled-bounds ``scores``, ``subs`` and ``composite`` per year from unit values
    ``values[t]`` of shape (..., units of year t, indicators of its method); leading axes are
    replicates. Only units eligible in ``scored`` take part (NaN elsewhere)."""
    _check_methods(scored)
    lead = values[0].shape[:-2]
    out = [dict(scores=np.full(lead + s.scores.shape, np.nan),
                subs=np.full(lead + s.subindices.shape, np.nan),
                composite=np.full(lead + s.composite.shape, np.nan)) for s in scored]
    for block in dict.fromkeys(p.block for s in scored for p in s.plans):
        _pool_block(block, scored, values, out, report)
    return out


def _check_methods(scored: list[Scores]) -> None:
    for s in scored:
        if s.method.normalization != "minmax":
            raise UsageError(f"--pool-bounds pools the bounds of minmax normalisation, but "
                             f"{s.method.source} uses '{s.method.normalization}'"
                             + (" (goalposts are already fixed across years; drop "
                                "--pool-bounds)" if s.method.normalization == "goalposts"
                                else ""))
    if len({s.method.range for s in scored}) > 1:
        raise UsageError("--pool-bounds needs the same normalization.range in every method "
                         "file; the compared methods differ")


def _eligible(s: Scores, plan) -> np.ndarray:
    return plan.units[s.values.responses[plan.units] >= s.method.min_responses]


def _pool_block(block: str, scored: list[Scores], values: list[np.ndarray], out: list[dict],
                report: ProblemReport | None) -> None:
    parts, ids, direction = [], [], {}
    for t, s in enumerate(scored):
        plan = next((p for p in s.plans if p.block == block), None)
        if plan is None or not len(plan.indicators):
            continue
        units = _eligible(s, plan)
        parts.append((t, plan, units))
        for i in plan.indicators:
            ind = s.method.indicators[i]
            if direction.setdefault(ind.id, ind.direction) != ind.direction:
                raise UsageError(f"--pool-bounds: indicator '{ind.id}' is positive in one "
                                 "year and negative in another; their values cannot share "
                                 "bounds")
            if ind.id not in ids:
                ids.append(ind.id)
    if not parts:
        return
    sizes = [len(units) for _, _, units in parts]
    lead = values[0].shape[:-2]
    stack = np.full(lead + (sum(sizes), len(ids)), np.nan)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    for (t, plan, units), start in zip(parts, starts):
        cols = [ids.index(scored[t].method.indicators[i].id) for i in plan.indicators]
        stack[..., start:start + len(units), cols] = \
            values[t][..., units[:, None], plan.indicators]
    a, b = scored[0].method.range
    params = NormParams("minmax", a, b, 0.0, 1.0, np.array([direction[i] for i in ids], float),
                        np.full(len(ids), np.nan), np.full(len(ids), np.nan))
    pooled = fit(stack, params)
    constant = is_constant(pooled)
    for j in np.flatnonzero(constant) if report is not None else ():
        report.warning("constant_indicator", f"indicator '{ids[j]}' has the same value for "
                       f"every unit of block '{block}' in every compared year; every unit "
                       "gets the middle score", key=f"indicator {ids[j]}")
    for (t, plan, units), start in zip(parts, starts):
        if not len(units):
            continue
        s = scored[t]
        cols = [ids.index(s.method.indicators[i].id) for i in plan.indicators]
        x = values[t][..., units[:, None], plan.indicators]
        result = block_pipeline(x, plan, s.method, fitted=pooled.columns(cols))
        o = out[t]
        o["scores"][..., units[:, None], plan.indicators] = result.scores
        o["subs"][..., units[:, None], plan.subindices] = result.subindices
        o["composite"][..., units] = result.composite


def _finish(s: Scores, o: dict) -> Scores:
    """Statuses, rounding keys, ranks and tiers from the pooled composites (SPEC §4)."""
    eligible = s.values.responses >= s.method.min_responses
    ranking = rank_scores(o["composite"], eligible, s.plans, s.method)
    problems = [p for p in s.problems if p.code != "constant_indicator"]
    return replace(s, scores=o["scores"], subindices=o["subs"],
                   composite=np.where(ranking.ok, o["composite"], np.nan), keys=ranking.keys,
                   rank=ranking.rank, tier=ranking.tier, status=ranking.statuses(eligible),
                   problems=problems)
