"""Respondent weighting: raking design weights to population margins (the ``[weighting]``
table of the method file).

Raking (iterative proportional fitting) scales each respondent's design weight so that the
weighted shares of the respondents' categories — firm size, sector, … — match known
population shares, one margin at a time, until every margin is within ``tolerance``.
A respondent (a firm, identified by ``input.respondent_column``; else each row) has one
weight for all its evaluations. :func:`rake` works on a batch of weight vectors at once, so
the bootstrap re-rakes every replicate in one call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ddci_cli.errors import ProblemReport
from ddci_cli.method.model import Method
from ddci_cli.method.weighting import WeightingSpec, weighting_spec
from ddci_cli.text import match_key

DESIGN_WEIGHT = "\x00design_weight"  # Survey.extra key of the row weights before raking
LIST_LIMIT = 20             # rows named one by one per problem kind


@dataclass
class RakingFrame:
    """Respondents ready for raking. ``group_of_row[r]`` is row r's respondent (−1 for rows
    that count nowhere); ``design[k]`` its design weight; ``categories[j][k]`` its category
    index in margin j; ``targets[j]`` the target shares of margin j."""

    group_of_row: np.ndarray
    design: np.ndarray
    categories: list[np.ndarray]
    targets: list[np.ndarray]
    spec: WeightingSpec


@dataclass
class RakeResult:
    """Raked weights (..., respondents) and, per batch element, the iterations used, the
    largest margin error reached and whether it is within tolerance."""

    weights: np.ndarray
    iterations: np.ndarray
    max_error: np.ndarray
    converged: np.ndarray


# --------------------------------------------------------------------------- method file


# --------------------------------------------------------------------------- survey


def respondent_groups(survey, weights: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """(respondent index per row, number of respondents) over the rows that count: a unit
    and a weight > 0. Respondents come from ``respondent_column`` (a row without an id is a
    respondent of its own), else each row is one. Rows that count nowhere get −1."""
    weights = survey.weights if weights is None else weights
    kept = (survey.unit_of_row >= 0) & (weights > 0)
    n = len(kept)
    if survey.respondents is None:
        ids = np.arange(n)
    else:
        codes = np.asarray(survey.respondents)
        ids = np.where(codes >= 0, codes, codes.max(initial=0) + 1 + np.arange(n))
    group = np.full(n, -1)
    uniq, inverse = np.unique(ids[kept], return_inverse=True)
    group[kept] = inverse
    return group, len(uniq)


def prepare(survey, spec: WeightingSpec, report: ProblemReport) -> RakingFrame | None:
    """Respondents, their design weights and categories; data problems (blank, unknown,
    empty or conflicting categories) go to ``report`` and give None."""
    row_design = survey.extra.get(DESIGN_WEIGHT, survey.weights)
    group, k = respondent_groups(survey, row_design)
    rows = np.flatnonzero(group >= 0)
    place = dict(file=survey.path, sheet=survey.sheet)
    categories, targets, ok = [], [], True
    for column, shares in spec.margins.items():
        cells = survey.extra.get(column)
        if cells is None:  # reported as missing_column when the survey was read
            return None
        codes = _category_codes(cells[rows], column, shares, survey, rows, report, place)
        if codes is None:
            ok = False
            continue
        per_resp = _per_respondent(codes, group[rows], k, column, survey, rows, report, place)
        ok &= per_resp is not None
        categories.append(per_resp)
        targets.append(np.array(list(shares.values())))
    if not ok:
        return None
    design = np.bincount(group[rows], weights=row_design[rows], minlength=k) / \
        np.bincount(group[rows], minlength=k)
    return RakingFrame(group, design, categories, targets, spec)


def category_key(value: object) -> str:
    """A cell or margin category as compared: 2, 2.0 and "2" are one category; texts as
    column names (NFC, trimmed, case-folded). Blank gives ""."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return match_key(value)


def _category_codes(cells, column: str, shares: dict, survey, rows, report, place):
    names = list(shares)
    index = {category_key(c): j for j, c in enumerate(names)}
    keys = np.array([category_key(c) for c in cells], dtype=object)
    codes = np.array([index.get(key, -1) for key in keys], int)
    path = f'weighting.margins."{column}"'
    for pos in np.flatnonzero(keys == "")[:LIST_LIMIT]:
        report.error("weighting_missing_category", f"row {survey.row_numbers[rows[pos]]}: "
                     f"column '{column}' is blank; raking needs every respondent's category "
                     f"(fill it in, or give the row weight 0)", row=int(survey.row_numbers[
                         rows[pos]]), column=column, key=path, **place)
    for key in dict.fromkeys(keys[(codes < 0) & (keys != "")]):
        at = np.flatnonzero(keys == key)
        first = cells[at[0]]
        report.error("weighting_unknown_category", f"{path}: category {first!r} of column "
                     f"'{column}' ({len(at)} rows, first row {survey.row_numbers[rows[at[0]]]})"
                     f" has no population share; add it to {path} or correct the cells",
                     row=int(survey.row_numbers[rows[at[0]]]), column=column, key=path,
                     value=first, **place)
    present = np.bincount(codes[codes >= 0], minlength=len(names))
    for j in np.flatnonzero(present == 0):
        report.error("weighting_empty_category", f'{path}."{names[j]}": no counted row of '
                     f"the survey has this category, so its share cannot be reached; remove "
                     "it or merge it into another category", column=column,
                     key=f'{path}."{names[j]}"', value=names[j], **place)
    return None if (codes < 0).any() or (present == 0).any() else codes


def _per_respondent(codes, groups, k: int, column: str, survey, rows, report, place):
    per_resp = np.full(k, -1)
    per_resp[groups] = codes
    conflict = np.flatnonzero(per_resp[groups] != codes)
    for pos in conflict[:LIST_LIMIT]:
        other = rows[np.flatnonzero((groups == groups[pos]) & (codes != codes[pos]))[0]]
        row = int(survey.row_numbers[rows[pos]])
        report.error("weighting_inconsistent_category", f"row {row}: column '{column}' "
                     f"differs from row {survey.row_numbers[other]} of the same respondent; "
                     "a respondent has one category (correct one of the rows)", row=row,
                     column=column, key=f'weighting.margins."{column}"', **place)
    return None if len(conflict) else per_resp


# --------------------------------------------------------------------------- raking


def rake(design: np.ndarray, frame: RakingFrame) -> RakeResult:
    """Rake ``design`` (..., respondents; 0 = not in this batch element) to the frame's
    margins. Each batch element stops once its largest margin error is within tolerance,
    so its result does not depend on the other elements. With ``trim``, the raked ÷ design
    ratio is clipped to [low, high] after every cycle.

    Every factor of a cycle depends only on a respondent's *cell* (its categories in all
    margins), so the cycles run on cell totals — (..., cells), a few dozen columns — and
    each respondent's weight is its design weight × its cell's ratio."""
    spec = frame.spec
    design = np.asarray(design, float)
    cells, cell_of = np.unique(np.stack(frame.categories), axis=1, return_inverse=True)
    cell_of = cell_of.reshape(-1)
    base = _totals(design, [np.flatnonzero(cell_of == c) for c in range(cells.shape[1])])
    members = [[np.flatnonzero(row == j) for j in range(len(t))]
               for row, t in zip(cells, frame.targets)]
    total = base.sum(axis=-1, keepdims=True)
    ratio = np.ones(base.shape)
    iterations = np.zeros(design.shape[:-1], int)
    error = _margin_error(base, members, frame.targets)
    # an element missing a whole category can never reach its share: leave it as it is
    active = (error > spec.tolerance) & _all_categories(base, members)
    for it in range(1, spec.max_iterations + 1):
        if not active.any():
            break
        new = ratio
        for groups, row, target in zip(members, cells, frame.targets):
            current = _totals(new * base, groups)
            with np.errstate(invalid="ignore", divide="ignore"):
                factor = np.where(current > 0, target * total / current, 1.0)
            new = new * factor[..., row]
        if spec.trim is not None:
            new = np.clip(new, spec.trim[0], spec.trim[1])
        ratio = np.where(active[..., None], new, ratio)
        iterations = np.where(active, it, iterations)
        error = np.where(active, _margin_error(ratio * base, members, frame.targets), error)
        active &= error > spec.tolerance
    return RakeResult(design * ratio[..., cell_of], iterations, error,
                      error <= spec.tolerance)


def _totals(w: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    """(..., groups) sums of ``w`` over each group of its last axis. Summed row by row (not
    a matrix product), so an element's result does not depend on its batch's size."""
    return np.stack([np.ascontiguousarray(w[..., g]).sum(axis=-1) for g in groups], axis=-1)


def _margin_error(w: np.ndarray, members, targets) -> np.ndarray:
    total = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        errors = [np.abs(_totals(w, groups) / total[..., None] - t).max(axis=-1)
                  for groups, t in zip(members, targets)]
    return np.asarray(np.nan_to_num(np.max(errors, axis=0), nan=np.inf))


def _all_categories(w: np.ndarray, members) -> np.ndarray:
    return np.asarray(np.all([(_totals(w, g) > 0).all(axis=-1) for g in members], axis=0))


def kish_effective_n(weights: np.ndarray, unit_of_row: np.ndarray, n_units: int) -> np.ndarray:
    """Kish's effective sample size (Σw)² / Σw² per unit, over rows with weight > 0."""
    kept = (unit_of_row >= 0) & (weights > 0)
    units, w = unit_of_row[kept], weights[kept]
    s1 = np.bincount(units, weights=w, minlength=n_units)
    s2 = np.bincount(units, weights=w * w, minlength=n_units)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s2 > 0, s1 * s1 / s2, 0.0)


def rake_survey(survey, method: Method, report: ProblemReport) -> None:
    """Replace ``survey.weights`` by raked weights (row design weight × its respondent's
    raking factor) when the method has ``[weighting]``; keep the design weights in
    ``survey.extra[DESIGN_WEIGHT]`` and the convergence report in ``survey.weighting``.
    Data problems go to ``report``; nothing is raked while it holds errors."""
    spec = weighting_spec(method)
    if spec is None:
        return
    frame = prepare(survey, spec, report)
    if frame is None or report.has_errors:
        return
    result = rake(frame.design, frame)
    row_design = survey.extra.setdefault(DESIGN_WEIGHT, survey.weights.copy())
    survey.weights = raked_row_weights(result.weights, frame, row_design)
    survey.weighting = _summary(survey, frame, result)
    if not result.converged:
        report.warning("weighting_not_converged", f"raking stopped after "
                       f"{int(result.iterations)} iterations with a largest margin error of "
                       f"{float(result.max_error):.3g} (weighting.tolerance = "
                       f"{spec.tolerance:g}); raise weighting.max_iterations, widen "
                       "weighting.trim, or check that the margins fit the sample",
                       key="weighting.max_iterations", value=float(result.max_error),
                       file=survey.path)


def raked_row_weights(raked: np.ndarray, frame: RakingFrame,
                      row_design: np.ndarray) -> np.ndarray:
    """Row weights (..., rows): each counted row's design weight times its respondent's
    raked ÷ design ratio; rows that count nowhere keep weight 0."""
    group = frame.group_of_row
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = raked / frame.design
    kept = group >= 0
    out = np.zeros(raked.shape[:-1] + group.shape)
    out[..., kept] = factor[..., group[kept]] * row_design[kept]
    return out


def _summary(survey, frame: RakingFrame, result: RakeResult) -> dict:
    spec, w = frame.spec, result.weights
    ratio = w / frame.design
    margins = {}
    for (column, shares), cats, target in zip(spec.margins.items(), frame.categories,
                                              frame.targets):
        achieved = np.bincount(cats, weights=w, minlength=len(target)) / w.sum()
        margins[column] = {c: {"target": float(t), "achieved": float(a)}
                           for c, t, a in zip(shares, target, achieved)}
    trimmed = 0
    if spec.trim is not None:
        trimmed = int(((ratio <= spec.trim[0] * (1 + 1e-12)) |
                       (ratio >= spec.trim[1] * (1 - 1e-12))).sum())
    ess = kish_effective_n(survey.weights, survey.unit_of_row, len(survey.units))
    return {
        "respondents": int(len(w)),
        "converged": bool(result.converged),
        "iterations": int(result.iterations),
        "max_margin_error": float(result.max_error),
        "tolerance": spec.tolerance,
        "max_iterations": spec.max_iterations,
        "trim": list(spec.trim) if spec.trim else None,
        "trimmed_respondents": trimmed,
        "weight_ratio": [float(ratio.min()), float(ratio.max())],
        "margins": margins,
        "effective_n": {name: float(n) for name, n in zip(survey.units, ess)},
    }
