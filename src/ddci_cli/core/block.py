"""One block's computation (SPEC §4): normalise → sub-indices → composite, on arrays.

:func:`block_pipeline` is the single computation, on (..., units, indicators) with optional
leading batch axes: the nominal score runs it once per block, bootstrap and Monte Carlo on
batches of replicates, pooled bounds with bounds fitted on other years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ddci_cli.core.compose import membership, weighted_mean
from ddci_cli.core.normalize import Fitted, NormParams, apply, fit, norm_params
from ddci_cli.method.model import Method


@dataclass(frozen=True)
class BlockPlan:
    """Which units, indicators and sub-indices take part in one block, and their weights."""

    block: str
    units: np.ndarray           # indices into the survey's units
    indicators: np.ndarray      # indices into Method.indicators
    subindices: np.ndarray      # indices into Method.subindices
    ind_weights: np.ndarray     # (block indicators × block sub-indices)
    sub_weights: np.ndarray     # (block sub-indices × 1)
    params: NormParams


@dataclass(frozen=True)
class BlockResult:
    scores: np.ndarray          # (..., units, indicators)
    subindices: np.ndarray      # (..., units, sub-indices)
    composite: np.ndarray       # (..., units)
    constant: np.ndarray        # (..., indicators)
    nonpositive: np.ndarray     # (..., units, indicators) geometric inputs <= 0
    nonpositive_sub: np.ndarray  # (..., units, sub-indices) geometric composite inputs <= 0


def plan_blocks(method: Method, unit_blocks: list[str]) -> list[BlockPlan]:
    """One plan per block of ``method``; ``unit_blocks[u]`` is unit u's block id."""
    plans = []
    blocks = np.array(unit_blocks, dtype=object)
    sub_of = {s.id: k for k, s in enumerate(method.subindices)}
    for block in method.block_ids:
        subs = [k for k, s in enumerate(method.subindices) if block in s.blocks]
        inds = [i for i, ind in enumerate(method.indicators)
                if block in ind.blocks and block in method.subindices[sub_of[ind.subindex]].blocks]
        sub_pos = {k: n for n, k in enumerate(subs)}
        iw = membership([sub_pos[sub_of[method.indicators[i].subindex]] for i in inds],
                        [method.indicators[i].weight for i in inds], len(subs))
        sw = membership([0] * len(subs), [method.subindices[k].weight for k in subs], 1)
        plans.append(BlockPlan(block, np.flatnonzero(blocks == block), np.array(inds, int),
                               np.array(subs, int), iw, sw,
                               norm_params(method, [method.indicators[i] for i in inds])))
    return plans


def block_pipeline(x: np.ndarray, plan: BlockPlan, method: Method, *,
                   params: NormParams | None = None, composite_how: str | None = None,
                   sub_weights: np.ndarray | None = None,
                   fitted: Fitted | None = None) -> BlockResult:
    """Scores, sub-indices and composite for one block.

    ``x``: (..., units, indicators) unit values, NaN where a unit has no value or is not
    eligible. ``params`` replaces the plan's normalisation (Monte Carlo), ``fitted`` the
    bounds learnt from ``x`` (pooled years), ``sub_weights`` (..., sub-indices) the method's
    sub-index weights, ``composite_how`` its composite aggregation."""
    params = params or plan.params
    scores, constant = apply(x, params, fitted if fitted is not None else fit(x, params))
    subs, nonpos = weighted_mean(scores, plan.ind_weights, method.subindex_aggregation,
                                 method.min_coverage)
    weights = plan.sub_weights if sub_weights is None else sub_weights[..., :, None]
    comp, nonpos_sub = weighted_mean(subs, weights, composite_how or method.composite_aggregation,
                                     method.min_coverage)
    return BlockResult(scores, subs, method.multiplier * comp[..., 0], constant, nonpos,
                       nonpos_sub)
