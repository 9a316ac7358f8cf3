"""Why a unit has its rank, and what would move it (SPEC §11, ``ddci explain``).

:func:`explain` decomposes a unit's composite into each sub-index's and indicator's
weighted contribution (they sum to the composite), sets them against the block mean and
the unit ranked just above, and searches single changes of one unit value — to a level
observed in the block — re-scored by the block pipeline of :mod:`ddci_cli.scores`
(normalisation bounds move where they would, ranks follow the rounding rule), keeping
the three that gain the most rank places.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np

from ddci_cli.core.rank import rank_units
from ddci_cli.errors import UsageError
from ddci_cli.results import SCHEMA_VERSION, tier_label
from ddci_cli.scores import OK, BlockPlan, Scores, block_pipeline

WHAT_IFS = 3
LOG_TOL = 1e-12           # |ln(C/multiplier)| below this: shares fall back to the weights


@dataclass
class Contributions:
    """Per block sub-index and indicator (positions as in the plan), in composite points;
    NaN where the unit has no score."""

    subindices: np.ndarray
    indicators: np.ndarray


def find_unit(scores: Scores, name: str) -> int:
    """Index of the unit called ``name`` (exact, else ignoring case and Unicode form);
    UsageError naming close candidates when there is none."""
    units = scores.survey.units
    if name in units:
        return units.index(name)
    fold = _fold(name)
    hits = [u for u, unit in enumerate(units) if _fold(unit) == fold]
    if len(hits) == 1:
        return hits[0]
    near = [unit for unit in units if fold in _fold(unit)][:5]
    hint = f"; did you mean: {', '.join(near)}?" if near else \
        "; `ddci units SURVEY -m METHOD` lists the units"
    raise UsageError(f"no unit named '{name}' in {scores.survey.path}{hint}")


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def plan_of(scores: Scores, u: int) -> BlockPlan:
    block = scores.survey.unit_blocks[u]
    return next(p for p in scores.plans if p.block == block)


def contributions(scores: Scores, plan: BlockPlan, u: int) -> Contributions:
    """The unit's composite split over the block's sub-indices and indicators.

    Arithmetic composite: sub-index k gives ``multiplier·W'_k·S_uk`` (W' the weights
    renormalised over the sub-indices the unit has). Geometric: the shares of
    ``ln(C_u/multiplier)`` scaled to ``C_u``. Each sub-index's part is split over its
    indicators the same way (``w'_i·s_ui/S_uk`` arithmetic, ``w'_i·ln s_ui/ln S_uk``
    geometric), so with arithmetic aggregation an indicator gives
    ``multiplier·W'_k·w'_i·s_ui``. Both sum to ``C_u`` up to rounding (1e-12 relative)."""
    method = scores.method
    subs = scores.subindices[u, plan.subindices]
    sub_c = _split(scores.composite[u], subs, plan.sub_weights[:, 0],
                   method.composite_aggregation, method.multiplier)
    ind_c = np.full(len(plan.indicators), np.nan)
    ind_scores = scores.scores[u, plan.indicators]
    both_arithmetic = method.subindex_aggregation == method.composite_aggregation \
        == "arithmetic"
    sub_w = _renormalised(subs, plan.sub_weights[:, 0])
    for n in range(len(plan.subindices)):
        members = np.flatnonzero(plan.ind_weights[:, n] > 0)
        if np.isnan(sub_c[n]) or not len(members):
            continue
        # arithmetic throughout: multiplier·W'_k·w'_i·s_ui, exactly as SPEC §11 writes it
        level = method.multiplier * sub_w[n] if both_arithmetic else None
        ind_c[members] = _split(sub_c[n], ind_scores[members], plan.ind_weights[members, n],
                                method.subindex_aggregation, level)
    return Contributions(sub_c, ind_c)


def _renormalised(parts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    present = ~np.isnan(parts)
    total = weights[present].sum()
    return np.where(present, weights / total if total else np.nan, np.nan)


def _split(total: float, parts: np.ndarray, weights: np.ndarray, how: str,
           multiplier: float | None) -> np.ndarray:
    """``total`` shared over ``parts`` (NaN = absent): arithmetic in proportion to
    ``w'·part``, geometric to ``w'·ln part``. ``multiplier`` given (the composite level):
    arithmetic parts are ``multiplier·w'·part`` exactly as SPEC §11 writes them."""
    out = np.full(len(parts), np.nan)
    if total is None or math.isnan(total):
        return out
    w = _renormalised(parts, weights)
    present = ~np.isnan(w)
    if how == "arithmetic":
        if multiplier is not None:
            out[present] = multiplier * w[present] * parts[present]
            return out
        terms = w[present] * parts[present]
    else:
        terms = w[present] * np.log(parts[present])
    whole = terms.sum()
    scale = total / whole if abs(whole) > LOG_TOL else None
    out[present] = terms * scale if scale is not None else total * w[present]
    return out


def rescore_block(scores: Scores, plan: BlockPlan, x: np.ndarray) -> tuple[np.ndarray, ...]:
    """Composite, rank (0 = not ranked) and tier index of the block's units for unit
    values ``x`` of shape (..., block units, block indicators), by the nominal pipeline:
    the same normalisation (bounds from ``x``), aggregation, rounding keys and ranks."""
    method = scores.method
    eligible = scores.values.responses[plan.units] >= method.min_responses
    x = np.where(eligible[:, None], x, np.nan)
    comp = block_pipeline(x, plan, method, eligible=eligible).composite
    ranking = rank_units(comp, [np.arange(len(plan.units))], method.decimals,
                         [t.min for t in method.tiers_descending()], eligible)
    return np.where(ranking.ok, comp, np.nan), ranking.rank, ranking.tier


def what_ifs(scores: Scores, plan: BlockPlan, u: int, limit: int = WHAT_IFS) -> list[dict]:
    """Up to ``limit`` single changes of one of the unit's values, each to a level another
    eligible unit of the block has, that gain it rank places: per indicator the change
    with the best rank (then the smallest change); best rank first, then the smallest
    change relative to the block's range of that indicator, then method order. Each item:
    indicator id, ``from`` and ``to`` (unit values), the ``rank``, ``composite`` and
    ``tier`` the pipeline gives after the change, and ``level_of``, a unit at ``to``."""
    if scores.status[u] != OK:
        return []
    pos = int(np.flatnonzero(plan.units == u)[0])
    x = scores.values.values[np.ix_(plan.units, plan.indicators)]
    eligible = scores.values.responses[plan.units] >= scores.method.min_responses
    cols, levels = [], []
    for j in range(len(plan.indicators)):
        seen = x[eligible, j]
        others = np.unique(seen[~np.isnan(seen)])
        others = others[others != x[pos, j]]
        if not np.isnan(x[pos, j]) and len(others):
            cols.extend([j] * len(others))
            levels.extend(others)
    if not cols:
        return []
    cols, levels = np.array(cols), np.array(levels)
    batch = np.repeat(x[None], len(cols), axis=0)  # one scenario per (indicator, level)
    batch[np.arange(len(cols)), pos, cols] = levels
    comp, ranks, tiers = rescore_block(scores, plan, batch)
    gained = np.where(ranks[:, pos] > 0, ranks[:, pos], np.iinfo(int).max)
    found = []
    for j in np.unique(cols):
        rows = np.flatnonzero(cols == j)
        best = rows[np.lexsort((np.abs(levels[rows] - x[pos, j]), gained[rows]))[0]]
        if gained[best] < scores.rank[u]:
            found.append(_what_if(scores, plan, int(j), x[pos, j], levels[best],
                                  comp[best, pos], int(gained[best]), int(tiers[best, pos]),
                                  x, eligible))
    found.sort(key=lambda w: (w["rank"], w["effort"], w["order"]))
    for item in found:
        del item["order"], item["effort"]
    return found[:limit]


def _what_if(scores, plan, j, start, level, comp, rank, tier, x, eligible) -> dict:
    units = [scores.survey.units[plan.units[v]] for v in range(len(plan.units))
             if eligible[v] and x[v, j] == level]
    tiers = scores.method.tiers_descending()
    i = plan.indicators[j]
    seen = x[eligible, j]
    spread = np.nanmax(seen) - np.nanmin(seen)
    return {"indicator": scores.method.indicators[i].id, "from": float(start),
            "to": float(level), "rank": rank, "composite": float(comp),
            "tier": tiers[tier].label if tier >= 0 else None,
            "level_of": units[0] if units else None, "order": j,
            "effort": abs(level - start) / spread if spread > 0 else 0.0}


def explain(scores: Scores, unit: str | int, limit: int = WHAT_IFS) -> dict[str, Any]:
    """The ``ddci explain --json`` document (SPEC §11) for ``unit`` (name or index).

    Composites in composite points (``multiplier`` × the normalised scale); ``block_mean``
    is the mean composite of the block's ranked units; ``above`` (added to the SPEC's
    keys) the unit ranked just above, with the per-sub-index gap to it."""
    u = find_unit(scores, unit) if isinstance(unit, str) else int(unit)
    method, plan = scores.method, plan_of(scores, u)
    ranked = [int(v) for v in plan.units if scores.status[v] == OK]
    own = contributions(scores, plan, u)
    others = [contributions(scores, plan, v) for v in ranked]
    mean_sub = _mean([c.subindices for c in others], len(plan.subindices))
    mean_ind = _mean([c.indicators for c in others], len(plan.indicators))
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION, "unit": scores.survey.units[u], "block": plan.block,
        "status": scores.status[u], "composite": _num(scores.composite[u]),
        "rank": int(scores.rank[u]) or None, "ranked_units": len(ranked),
        "tier": tier_label(scores, u),
        "block_mean": _num(np.mean(scores.composite[ranked])) if ranked else None,
        "subindices": [{"id": method.subindices[k].id,
                        "score": _num(scores.subindices[u, k]),
                        "weight": float(method.subindices[k].weight),
                        "contribution": _num(own.subindices[n]),
                        "block_mean_contribution": _num(mean_sub[n])}
                       for n, k in enumerate(plan.subindices)],
        "indicators": [{"id": method.indicators[i].id,
                        "subindex": method.indicators[i].subindex,
                        "value": _num(scores.values.values[u, i]),
                        "score": _num(scores.scores[u, i]),
                        "contribution": _num(own.indicators[j]),
                        "block_mean_contribution": _num(mean_ind[j])}
                       for j, i in enumerate(plan.indicators)],
        "above": _above(scores, plan, u, own, ranked),
        "what_if": what_ifs(scores, plan, u, limit),
    }
    return doc


def _mean(rows: list[np.ndarray], n: int) -> np.ndarray:
    """Mean over units of their contributions, an absent part counting 0 (so the means
    sum to the mean composite)."""
    if not rows:
        return np.full(n, np.nan)
    return np.nan_to_num(np.array(rows)).mean(axis=0)


def _above(scores: Scores, plan: BlockPlan, u: int, own: Contributions,
           ranked: list[int]) -> dict | None:
    rank = int(scores.rank[u])
    better = [v for v in ranked if 0 < scores.rank[v] < rank]
    if not rank or not better:
        return None
    top = max(scores.rank[v] for v in better)
    v = min((v for v in better if scores.rank[v] == top), key=lambda v: scores.survey.units[v])
    theirs = contributions(scores, plan, v)
    gaps = np.nan_to_num(theirs.subindices) - np.nan_to_num(own.subindices)
    return {"unit": scores.survey.units[v], "rank": int(scores.rank[v]),
            "composite": float(scores.composite[v]),
            "gap": float(scores.composite[v] - scores.composite[u]),
            "subindices": {scores.method.subindices[k].id: float(gaps[n])
                           for n, k in enumerate(plan.subindices)}}


def _num(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value
