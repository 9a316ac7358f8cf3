"""How much the ranks depend on the method's choices (SPEC §8): Monte Carlo uncertainty
analysis and Sobol sensitivity indices, COINr style.

Uncertain inputs: sub-index weights (each × U(1−p, 1+p), or Dirichlet around the nominal
shares), the normalisation method, the composite aggregation, ``min_responses``, the
exclusion of one sub-index, and the treatment, imputation and ``winmax`` of SPEC §10.
Every run is a point u of the unit hypercube mapped to those inputs (:func:`map_draws`), so the Monte Carlo and the Saltelli design share one model.

Unit values never change between runs, and the values entering normalisation depend only
on the run's (min_responses, treatment, imputation, winmax) variant, so :func:`evaluate`
imputes and treats each variant once (stacked along the batch axis), then calls
``block_pipeline`` once per block and (normalisation × aggregation) pair: the variants'
values as batch rows, each broadcast against the (runs × sub-indices) weights of its runs.
Nothing is rebuilt run by run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ddci_cli.errors import UsageError
from ddci_cli.method.model import Method
from ddci_cli.core.block import prepare
from ddci_cli.core.normalize import norm_params
from ddci_cli.method.model import Imputation, Treatment
from ddci_cli.core.rank import rank_units, tier_index
from ddci_cli.scores import Scores, block_pipeline
from ddci_cli.method.sensitivity import (AGGREGATION, EXCLUDE, IMPUTATION, MIN_RESPONSES,
                                   NORMALIZATION, TREATMENT, WINMAX,
                                   WEIGHTS, Settings)
from ddci_cli.uncertainty.sobol import base_samples, saltelli_points, sobol_indices, split_outputs


NO_IMPUTATION, NO_TREATMENT = Imputation("none"), Treatment("none")  # done once per group

# --------------------------------------------------------------------------- the model

@dataclass
class Draws:
    """One row per run: sub-index weights (runs × method sub-indices; 0 = excluded) and
    the index of each discrete choice in its settings tuple."""

    sub_weights: np.ndarray
    normalization: np.ndarray
    aggregation: np.ndarray
    min_responses: np.ndarray
    excluded: np.ndarray        # sub-index index, -1 = none
    treatment: np.ndarray | None = None   # SPEC §10 choices (None: the nominal one)
    imputation: np.ndarray | None = None
    winmax: np.ndarray | None = None


def design_columns(settings: Settings, method: Method) -> dict[str, np.ndarray]:
    """Columns of the unit hypercube that drive each uncertain input."""
    cols, start = {}, 0
    for name in settings.groups():
        width = len(method.subindices) if name == WEIGHTS else 1
        cols[name] = np.arange(start, start + width)
        start += width
    return cols


def map_draws(u: np.ndarray, settings: Settings, method: Method) -> Draws:
    """Inputs for each row of ``u`` (runs × design columns, values in [0, 1))."""
    from scipy.special import gammaincinv

    cols = design_columns(settings, method)
    nominal = np.array([k.weight for k in method.subindices])
    n = len(u)
    weights = np.tile(nominal, (n, 1))
    if WEIGHTS in cols:
        uw = u[:, cols[WEIGHTS]]
        if settings.dirichlet:
            # Gamma(α·K·share) draws are a Dirichlet once renormalised, and every weighted
            # mean renormalises; inverse CDF keeps the map deterministic in u (Sobol design)
            shape = settings.dirichlet * len(nominal) * nominal / nominal.sum()
            weights = gammaincinv(shape, uw)
        else:
            weights = nominal * (1 - settings.weights + 2 * settings.weights * uw)

    def pick(name: str, count: int) -> np.ndarray:
        if name not in cols:
            return np.zeros(n, int)
        return np.minimum((u[:, cols[name][0]] * count).astype(int), count - 1)

    excluded = pick(EXCLUDE, len(nominal) + 1) - 1
    rows = np.flatnonzero(excluded >= 0)
    weights[rows, excluded[rows]] = 0.0
    return Draws(weights, pick(NORMALIZATION, len(settings.normalization)),
                 pick(AGGREGATION, len(settings.aggregation)),
                 pick(MIN_RESPONSES, len(settings.min_responses)), excluded,
                 pick(TREATMENT, len(settings.treatment)),
                 pick(IMPUTATION, len(settings.imputation)), pick(WINMAX, len(settings.winmax)))


def evaluate(scores: Scores, settings: Settings, draws: Draws) -> tuple[np.ndarray, np.ndarray]:
    """Rounding keys (NaN = not ranked) and ranks (0 = not ranked), both runs × units."""
    method, uv = scores.method, scores.values
    n_runs = len(draws.normalization)
    composite = np.full((n_runs, len(scores.survey.units)), np.nan)
    choices, variant = _variants(settings, draws, n_runs)
    pair = draws.normalization * len(settings.aggregation) + draws.aggregation
    pairs = [(code, np.flatnonzero(pair == code)) for code in np.unique(pair)]
    for plan in scores.plans:
        if not len(plan.units) or not len(plan.indicators):
            continue
        x = _prepared_values(uv.values[np.ix_(plan.units, plan.indicators)],
                             uv.responses[plan.units], plan, method, settings, choices)
        indicators = [method.indicators[i] for i in plan.indicators]
        weights = draws.sub_weights[:, plan.subindices]
        for code, runs in pairs:
            ni, ai = divmod(int(code), len(settings.aggregation))
            xs, stacked, take = _stack_runs(x, variant[runs], weights[runs])
            result = block_pipeline(xs, plan, method,
                                    params=norm_params(method, indicators,
                                                       name=settings.normalization[ni]),
                                    composite_how=settings.aggregation[ai],
                                    sub_weights=stacked, imputation=NO_IMPUTATION,
                                    treatment=NO_TREATMENT)
            composite[np.ix_(runs, plan.units)] = result.composite[take]
    ranking = rank_units(composite, [p.units for p in scores.plans], method.decimals)
    return ranking.keys, ranking.rank


def _variants(settings: Settings, draws: Draws, n_runs: int) -> tuple[np.ndarray, np.ndarray]:
    """The (min_responses, treatment, imputation, winmax) choices the runs use — what the
    values entering normalisation depend on — as (variants × 4) indices into the settings,
    and each run's variant (runs,)."""
    steps = [np.zeros(n_runs, int) if getattr(draws, name) is None else getattr(draws, name)
             for name in (TREATMENT, IMPUTATION, WINMAX)]
    sizes = (len(settings.min_responses), len(settings.treatment), len(settings.imputation),
             len(settings.winmax))
    code = np.ravel_multi_index((draws.min_responses, *steps), sizes)
    present, inverse = np.unique(code, return_inverse=True)
    return np.column_stack(np.unravel_index(present, sizes)), inverse.reshape(-1)


def _prepared_values(x: np.ndarray, responses: np.ndarray, plan, method: Method,
                     settings: Settings, choices: np.ndarray) -> np.ndarray:
    """(variants, units, indicators): the block's values after each variant's imputation
    and treatment (SPEC §10), as COINr's sensitivity rebuilds them. Each imputation runs
    once per min_responses, and each winmax treats the stacked imputations in one call
    (every batch row is treated on its own, so stacking changes no value)."""
    out = np.empty((len(choices),) + x.shape)
    for mi in np.unique(choices[:, 0]):
        eligible = responses >= settings.min_responses[mi]
        base = np.where(eligible[:, None], x, np.nan)
        mine = choices[:, 0] == mi
        imps = np.unique(choices[mine, 2])
        imputed = np.stack([prepare(base, plan, method, eligible=eligible, imputation=replace(
            method.imputation, method=settings.imputation[ii]), treatment=NO_TREATMENT)[0]
            for ii in imps])
        position = np.searchsorted(imps, choices[:, 2])
        for ti, wi in {(int(c[1]), int(c[3])) for c in choices[mine]}:
            rows = np.flatnonzero(mine & (choices[:, 1] == ti) & (choices[:, 3] == wi))
            values = imputed[position[rows]]
            if settings.treatment[ti] != "none":
                values = prepare(values, plan, method, imputation=NO_IMPUTATION,
                                 treatment=replace(method.treatment,
                                                   method=settings.treatment[ti],
                                                   winmax=settings.winmax[wi]))[0]
            out[rows] = values
    return out


def _stack_runs(x: np.ndarray, variant: np.ndarray, weights: np.ndarray) -> tuple:
    """The inputs of one ``block_pipeline`` call for a set of runs: their values, their
    sub-index weights, and the index that picks each run's composites (runs, units) from
    the result. One variant: x (1, units, ind) against (runs × sub-indices) weights. More:
    the runs grouped by variant along a leading axis — x (used, 1, units, ind) against
    (used × most runs × sub-indices) weights; empty slots repeat the first run's weights
    and their composites are not read."""
    used, row = np.unique(variant, return_inverse=True)
    if len(used) == 1:
        return x[used], weights, (np.arange(len(weights)),)
    row = row.reshape(-1)
    counts = np.bincount(row)
    order = np.argsort(row, kind="stable")
    slot = np.empty(len(row), int)
    slot[order] = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)
    stacked = np.broadcast_to(weights[0], (len(used), counts.max(), weights.shape[1])).copy()
    stacked[row, slot] = weights
    return x[used][:, None], stacked, (row, slot)


# --------------------------------------------------------------------------- analyses

@dataclass
class Sensitivity:
    """Everything ``ddci sensitivity`` reports. ``ranks``/``keys``: runs × units over the
    runs summarised (the Monte Carlo runs, or the A and B rows of the Sobol design)."""

    scores: Scores
    settings: Settings
    seed: int
    draws: Draws
    keys: np.ndarray
    ranks: np.ndarray
    evaluations: int
    indices: dict | None = None


def analyse(scores: Scores, settings: Settings, seed: int = 0) -> Sensitivity:
    """Run the analysis the settings ask for."""
    if settings.mode == "sobol":
        return sobol_analysis(scores, settings, seed)
    return uncertainty_analysis(scores, settings, seed)


def uncertainty_analysis(scores: Scores, settings: Settings, seed: int = 0) -> Sensitivity:
    """N Monte Carlo runs. Run r uses row r of one (N × columns) uniform draw from
    ``default_rng(SeedSequence(seed))``, so its inputs do not depend on N."""
    width = sum(len(c) for c in design_columns(settings, scores.method).values())
    u = np.random.default_rng(np.random.SeedSequence(seed)).random((settings.runs, width))
    draws = map_draws(u, settings, scores.method)
    keys, ranks = evaluate(scores, settings, draws)
    return Sensitivity(scores, settings, seed, draws, keys, ranks, settings.runs)


def sobol_analysis(scores: Scores, settings: Settings, seed: int = 0) -> Sensitivity:
    """Saltelli design on a scrambled Sobol sequence, N base rows, k input groups →
    N·(k+2) evaluations; output per block: mean |rank − nominal rank| over the units ranked
    both nominally and in the run."""
    method = scores.method
    cols = design_columns(settings, method)
    width = sum(len(c) for c in cols.values())
    n, names = settings.runs, list(cols)
    a, b = base_samples(n, width, seed)
    draws = map_draws(saltelli_points(a, b, list(cols.values())), settings, method)
    keys, ranks = evaluate(scores, settings, draws)
    indices = {}
    for plan in scores.plans:
        y = rank_shift(ranks[:, plan.units], scores.rank[plan.units])
        fa, fb, fab = split_outputs(y, n, len(names))
        est = sobol_indices(fa, fb, fab, seed=seed)
        indices[plan.block] = {name: {
            "first_order": _num(est.first_order[i]), "total": _num(est.total[i]),
            "first_order_ci": [_num(v) for v in est.first_order_ci[i]],
            "total_ci": [_num(v) for v in est.total_ci[i]]} for i, name in enumerate(names)}
    base = _take(draws, slice(0, 2 * n))
    return Sensitivity(scores, settings, seed, base, keys[:2 * n], ranks[:2 * n],
                       len(draws.normalization), indices)


def rank_shift(ranks: np.ndarray, nominal: np.ndarray) -> np.ndarray:
    """Mean |rank − nominal rank| per run (runs × units → runs) over the units ranked in
    both (rank > 0); NaN when there are none."""
    both = (ranks > 0) & (nominal > 0)
    total = np.where(both, np.abs(ranks - nominal), 0).sum(axis=-1)
    count = both.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def _take(draws: Draws, rows: slice) -> Draws:
    return Draws(*(None if getattr(draws, f) is None else getattr(draws, f)[rows]
                   for f in ("sub_weights", "normalization", "aggregation", "min_responses",
                             "excluded", "treatment", "imputation", "winmax")))


def _num(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


# --------------------------------------------------------------------------- summaries

def unit_summaries(result: Sensitivity) -> list[dict]:
    """Per unit (``score``'s order): nominal rank, mean, median, 5th and 95th percentile
    rank over the runs where it is ranked, and the tier probabilities over the runs that
    use the nominal normalisation (the tier thresholds live on its scale) and rank it."""
    from ddci_cli.results import tier_label, unit_order

    scores, method = result.scores, result.scores.method
    ranked = np.where(result.ranks > 0, result.ranks, np.nan)
    runs_ranked = (result.ranks > 0).sum(axis=0)
    stats = np.full((4, ranked.shape[1]), np.nan)
    always = runs_ranked == len(ranked)
    some = (runs_ranked > 0) & ~always
    if always.any():  # the common case, and much faster than the NaN-aware functions
        r = ranked[:, always]
        stats[:, always] = [r.mean(axis=0), *np.percentile(r, [50, 5, 95], axis=0)]
    if some.any():
        r = ranked[:, some]
        stats[:, some] = [np.nanmean(r, axis=0), *np.nanpercentile(r, [50, 5, 95], axis=0)]
    tiers = method.tiers_descending()
    nominal_runs = np.array(result.settings.normalization)[result.draws.normalization] \
        == method.normalization
    tier = tier_index(result.keys[nominal_runs], [t.min for t in tiers])
    # conditional on being ranked: a run that drops the unit (min_responses) says nothing
    # about its tier; a ranked unit below every tier makes the probabilities sum below 1
    counted = (result.ranks[nominal_runs] > 0).sum(axis=0)
    units = []
    for u in unit_order(scores):
        probability = {t.label: float((tier[:, u] == k).sum() / counted[u])
                       for k, t in enumerate(tiers)} if counted[u] else {}
        units.append({"unit": scores.survey.units[u], "block": scores.survey.unit_blocks[u],
                      "nominal_rank": int(scores.rank[u]) or None,
                      "nominal_tier": tier_label(scores, u),
                      "mean_rank": _num(stats[0, u]), "median_rank": _num(stats[1, u]),
                      "q05_rank": _num(stats[2, u]), "q95_rank": _num(stats[3, u]),
                      "tier_probability": probability, "runs_ranked": int(runs_ranked[u])})
    return units


def document(result: Sensitivity) -> dict:
    """The ``--json`` document of SPEC §8 (plus provenance keys)."""
    from ddci_cli import __version__

    scores = result.scores
    survey = scores.survey
    doc = {"schema_version": 1, "ok": True, "index": scores.method.name,
           "generated_by": f"ddci {__version__}", "mode": result.settings.mode,
           "runs": result.settings.runs, "evaluations": result.evaluations,
           "seed": result.seed, "settings": result.settings.to_dict(),
           "inputs": [{"path": survey.path, "sha256": survey.sha256, "sheet": survey.sheet,
                       "header_row": survey.header_row, "rows": survey.rows}],
           "method": {"path": scores.method.source, "sha256": scores.method.sha256},
           "units": unit_summaries(result)}
    if result.indices is not None:
        doc["indices"] = result.indices
    doc["problems"] = [p.to_dict() for p in scores.problems]
    return doc
