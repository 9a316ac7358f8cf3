"""One block's computation (SPEC §4): impute → treat → normalise → sub-indices →
composite, on arrays.

:func:`block_pipeline` is the single computation, on (..., units, indicators) with optional
leading batch axes: the nominal score runs it once per block, bootstrap and Monte Carlo on
batches of replicates, pooled bounds with bounds fitted on other years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ddci_cli.core.compose import membership, weighted_mean
from ddci_cli.core.impute import impute
from ddci_cli.core.normalize import Fitted, NormParams, apply, fit, norm_params
from ddci_cli.core.treat import Treated, treat
from ddci_cli.method.model import Imputation, Method, Treatment


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
    groups: np.ndarray | None = None  # (survey units,) imputation group, −1 outside the block


@dataclass(frozen=True)
class Prepared:
    """The unit values after imputation and treatment (SPEC §10), before normalisation:
    ``imputed_values`` and its mask ``imputed`` (..., units, indicators); ``treated`` the
    treatment and its record (None when the method does not treat)."""

    imputed_values: np.ndarray
    imputed: np.ndarray
    treated: Treated | None


@dataclass(frozen=True)
class BlockResult:
    scores: np.ndarray          # (..., units, indicators)
    subindices: np.ndarray      # (..., units, sub-indices)
    composite: np.ndarray       # (..., units)
    constant: np.ndarray        # (..., indicators)
    nonpositive: np.ndarray     # (..., units, indicators) geometric inputs <= 0
    nonpositive_sub: np.ndarray  # (..., units, sub-indices) geometric composite inputs <= 0
    prepared: Prepared | None = None  # imputation and treatment, when the method has them


def plan_blocks(method: Method, unit_blocks: list[str],
                unit_groups: list[str] | None = None) -> list[BlockPlan]:
    """One plan per block of ``method``; ``unit_blocks[u]`` is unit u's block id and
    ``unit_groups[u]`` its imputation attribute (``imputation.by``; None: one group)."""
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
        units = np.flatnonzero(blocks == block)
        plans.append(BlockPlan(block, units, np.array(inds, int), np.array(subs, int), iw, sw,
                               norm_params(method, [method.indicators[i] for i in inds]),
                               _group_codes(units, unit_groups, len(blocks))))
    return plans


def _group_codes(units: np.ndarray, unit_groups: list[str] | None, n: int) -> np.ndarray:
    """(survey units,) codes 0..G−1 of the block's groups (block × attribute), −1 for units
    of other blocks: groups never cross blocks."""
    codes = np.full(n, -1)
    labels = [None] * len(units) if unit_groups is None else [unit_groups[u] for u in units]
    index: dict = {}
    for u, label in zip(units, labels):
        codes[u] = index.setdefault(label, len(index))
    return codes


def prepare(x: np.ndarray, plan: BlockPlan, method: Method, *,
            units: np.ndarray | None = None, eligible: np.ndarray | None = None,
            imputation: Imputation | None = None,
            treatment: Treatment | None = None) -> tuple[np.ndarray, Prepared | None]:
    """Imputation then treatment of ``x`` (..., units, indicators) (SPEC §4 order of steps);
    returns the values to normalise and what was done (None when neither step runs).
    ``units`` are the survey indices of x's rows (default ``plan.units``); ``eligible``
    (..., units) the units that take part (default all)."""
    imputation = imputation or method.imputation
    treatment = treatment or method.treatment
    if imputation.method == "none" and treatment.method == "none":
        return x, None
    groups = np.zeros(x.shape[-2], int)
    if imputation.method != "none" and imputation.by != "block" and plan.groups is not None:
        groups = plan.groups[plan.units if units is None else units]
    values, imputed = impute(x, groups, imputation.method, eligible)
    treated = None
    if treatment.method == "winsorise":
        treated = treat(values, treatment.winmax, treatment.skew, treatment.kurtosis,
                        treatment.fallback)
    return (values if treated is None else treated.values), Prepared(values, imputed, treated)


def block_pipeline(x: np.ndarray, plan: BlockPlan, method: Method, *,
                   params: NormParams | None = None, composite_how: str | None = None,
                   sub_weights: np.ndarray | None = None,
                   fitted: Fitted | None = None, units: np.ndarray | None = None,
                   eligible: np.ndarray | None = None, imputation: Imputation | None = None,
                   treatment: Treatment | None = None) -> BlockResult:
    """Scores, sub-indices and composite for one block.

    ``x``: (..., units, indicators) unit values, NaN where a unit has no value or is not
    eligible. ``params`` replaces the plan's normalisation (Monte Carlo), ``fitted`` the
    bounds learnt from ``x`` (pooled years), ``sub_weights`` (..., sub-indices) the method's
    sub-index weights, ``composite_how`` its composite aggregation; ``imputation`` and
    ``treatment`` replace the method's (Monte Carlo). ``units`` (survey indices of x's rows,
    default ``plan.units``) and ``eligible`` (..., units; default all) say which units x
    holds and which take part in imputation (see :func:`prepare`)."""
    params = params or plan.params
    x, prepared = prepare(x, plan, method, units=units, eligible=eligible,
                          imputation=imputation, treatment=treatment)
    scores, constant = apply(x, params, fitted if fitted is not None else fit(x, params))
    subs, nonpos = weighted_mean(scores, plan.ind_weights, method.subindex_aggregation,
                                 method.min_coverage)
    weights = plan.sub_weights if sub_weights is None else sub_weights[..., :, None]
    comp, nonpos_sub = weighted_mean(subs, weights, composite_how or method.composite_aggregation,
                                     method.min_coverage)
    return BlockResult(scores, subs, method.multiplier * comp[..., 0], constant, nonpos,
                       nonpos_sub, prepared)
