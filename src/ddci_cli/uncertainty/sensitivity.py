"""How much the ranks depend on the method's choices (SPEC §8): Monte Carlo uncertainty
analysis and Sobol sensitivity indices, COINr style.

Uncertain inputs: sub-index weights (each × U(1−p, 1+p), or Dirichlet around the nominal
shares), the normalisation method, the composite aggregation, ``min_responses``, the
exclusion of one sub-index, and the treatment, imputation and ``winmax`` of SPEC §10. Every run is a point u of the unit hypercube mapped to those
inputs (:func:`map_draws`), so the Monte Carlo and the Saltelli design share one model.

Unit values never change between runs, and scores and sub-indices depend only on the
(normalisation, min_responses) pair, so :func:`evaluate` calls ``score.block_pipeline`` once
per block and (normalisation × aggregation × min_responses) group, with the unit values as
one batch row broadcast against the group's (runs × sub-indices) weights. Nothing is
rebuilt run by run.
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
    steps = _step_choices(settings, draws, n_runs)
    sizes = (len(settings.normalization), len(settings.aggregation),
             len(settings.min_responses), *(len(c) for c, _ in steps))
    code = np.ravel_multi_index((draws.normalization, draws.aggregation,
                                 draws.min_responses, *(d for _, d in steps)), sizes)
    present, inverse = np.unique(code, return_inverse=True)
    groups = np.column_stack(np.unravel_index(present, sizes))
    inverse = inverse.reshape(-1)
    for plan in scores.plans:
        if not len(plan.units) or not len(plan.indicators):
            continue
        x = uv.values[np.ix_(plan.units, plan.indicators)]
        responses = uv.responses[plan.units]
        indicators = [method.indicators[i] for i in plan.indicators]
        params = {name: norm_params(method, indicators, name=name)
                  for name in settings.normalization}
        weights = draws.sub_weights[:, plan.subindices]
        prepared: dict = {}  # imputation and treatment do not depend on weights, etc.
        for g, (ni, ai, mi, ti, ii, wi) in enumerate(groups):
            runs = np.flatnonzero(inverse == g)
            if (mi, ti, ii, wi) not in prepared:
                eligible = responses >= settings.min_responses[mi]
                batch = np.where(eligible[:, None], x, np.nan)[None]  # broadcast over runs
                prepared[mi, ti, ii, wi] = prepare(
                    batch, plan, method, eligible=eligible,
                    imputation=replace(method.imputation, method=settings.imputation[ii]),
                    treatment=replace(method.treatment, method=settings.treatment[ti],
                                      winmax=settings.winmax[wi]))[0]
            result = block_pipeline(prepared[mi, ti, ii, wi], plan, method,
                                    params=params[settings.normalization[ni]],
                                    composite_how=settings.aggregation[ai],
                                    sub_weights=weights[runs], imputation=NO_IMPUTATION,
                                    treatment=NO_TREATMENT)
            composite[np.ix_(runs, plan.units)] = result.composite
    ranking = rank_units(composite, [p.units for p in scores.plans], method.decimals)
    return ranking.keys, ranking.rank


def _step_choices(settings: Settings, draws: Draws, n_runs: int) -> list:
    """(choices, per-run index) of treatment, imputation and winmax (SPEC §10): imputation
    and treatment re-run in every group of runs that uses them, as COINr's sensitivity
    rebuilds them."""
    return [(getattr(settings, name), np.zeros(n_runs, int) if getattr(draws, name) is None
             else getattr(draws, name)) for name in (TREATMENT, IMPUTATION, WINMAX)]


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
