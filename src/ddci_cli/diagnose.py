"""Reliability and structure of a survey under a method (``ddci diagnose``).

Per block: how many evaluations and responses each unit has, how often each question was
left unanswered, whether the questions of a sub-index measure one thing (Cronbach's alpha
on respondent-level answers, alpha if an item is dropped, item-rest correlations, the
share of variance of the first principal component of the unit values), and which
indicators are near duplicates (r > 0.9) or pull against their own sub-index (r < 0), and
per indicator the skewness G1 and excess kurtosis G2 over the eligible units' values with
the units that winsorising (SPEC §10, the method's or the default settings) would treat.

Answers and unit values are oriented so that higher is better (negative indicators enter
as −x). At the respondent level a ``share`` indicator is the item "answer in the set"
(1 or 0); its unit value is the percentage, as scored. Items on different scales (1–5
answers next to 0/1 items) weigh unequally in the raw alpha, so the alpha of the
standardised items is given beside it.
:func:`diagnose` returns plain data; the report writer and the terminal use the same dict.
"""

from __future__ import annotations


import numpy as np

from ddci_cli.core.aggregate import share_transform
from ddci_cli.survey.clean import Survey
from ddci_cli.core.treat import failing, treat
from ddci_cli.method.model import Method, Treatment
from ddci_cli.scores import INSUFFICIENT, Scores

HIGH_CORRELATION = 0.9
MIN_PAIRS = 3  # units needed for a correlation


def _num(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def cronbach_alpha(items: np.ndarray) -> float:
    """(k/(k−1))·(1 − Σσ²_i/σ²_total) for a (respondents × k items) array without NaN,
    sample variances (n−1); NaN when k < 2, fewer than 2 rows or the total is constant."""
    n, k = items.shape
    if k < 2 or n < 2:
        return float("nan")
    total = items.sum(axis=1).var(ddof=1)
    if not total > 0:
        return float("nan")
    return k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / total)


def standardized_alpha(items: np.ndarray) -> float:
    """k·r̄/(1 + (k−1)·r̄), r̄ the mean correlation between distinct items: the alpha of
    the items scaled to unit variance; NaN when undefined (k < 2, a constant item)."""
    n, k = items.shape
    if k < 2 or n < 2 or not (items.std(axis=0) > 0).all():
        return float("nan")
    r = np.corrcoef(items, rowvar=False)
    mean_r = (r.sum() - k) / (k * (k - 1))
    den = 1 + (k - 1) * mean_r
    return k * mean_r / den if den > 0 else float("nan")  # den = 0: perfectly opposed


def item_statistics(items: np.ndarray) -> dict:
    """Alpha (raw and standardised), alpha if each item is dropped (needs k ≥ 3) and each
    item's correlation with the sum of the other items, for a complete (respondents × k)
    array."""
    n, k = items.shape
    dropped = [cronbach_alpha(np.delete(items, j, axis=1)) if k >= 3 else np.nan
               for j in range(k)]
    rest = items.sum(axis=1, keepdims=True) - items
    item_rest = [_corr(items[:, j], rest[:, j]) if k >= 2 else np.nan for j in range(k)]
    return {"alpha": cronbach_alpha(items), "alpha_standardized": standardized_alpha(items),
            "alpha_if_dropped": dropped, "item_rest": item_rest}


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2:
        return float("nan")
    a, b = a - a.mean(), b - b.mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 0 else float("nan")


def pairwise_correlations(values: np.ndarray, min_pairs: int = MIN_PAIRS) -> np.ndarray:
    """Pearson correlations between the columns of (units × indicators), each pair over
    the units that have both values; NaN with fewer than ``min_pairs`` units or no spread."""
    has = ~np.isnan(values)
    centred = values - np.nanmean(np.where(has.any(axis=0), values, 0.0), axis=0)
    x = np.where(has, centred, 0.0)
    m = has.astype(float)
    n = m.T @ m
    sx = x.T @ m                       # sx[i, j]: Σ x_i over units that also have j
    sxx = (x * x).T @ m
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = x.T @ x - sx * sx.T / n
        var_i = sxx - sx * sx / n
        var_j = var_i.T
        r = cov / np.sqrt(var_i * var_j)
    # a column constant over the pair's units: its variance is rounding noise
    tiny = 1e-12 * np.maximum(sxx, 1e-300)
    spread = (var_i > tiny) & (var_j > tiny.T)
    return np.where((n >= min_pairs) & spread, np.clip(r, -1, 1), np.nan)


def first_component_share(values: np.ndarray) -> float:
    """Largest eigenvalue / k of the correlation matrix of (units × k) values over the units
    with every value; NaN when k < 2, fewer than 3 units or a constant column."""
    complete = values[~np.isnan(values).any(axis=1)]
    k = values.shape[1]
    if k < 2 or len(complete) < MIN_PAIRS or (complete.std(axis=0) == 0).any():
        return float("nan")
    return float(np.linalg.eigvalsh(np.corrcoef(complete, rowvar=False))[-1] / k)


def diagnose(survey: Survey, method: Method, scores: Scores) -> dict:
    """Counts, missing rates, reliability and correlations (plain data, JSON-ready)."""
    keep = (survey.unit_of_row >= 0) & (survey.weights > 0)
    evaluations = np.bincount(survey.unit_of_row[keep], minlength=len(survey.units))
    counts = scores.values.counts
    out = {"blocks": [], "units": [], "indicators": [], "subindices": [], "correlations": {}}
    rule = outlier_rule(method)
    outliers: list[dict] = []
    ind_rows = np.zeros(len(method.indicators))
    for plan in scores.plans:
        units = plan.units
        ind_rows[plan.indicators] += evaluations[units].sum()
        out["blocks"].append({
            "block": plan.block, "units": len(units),
            "eligible_units": sum(scores.status[u] != INSUFFICIENT for u in units),
            "evaluations": int(evaluations[units].sum()),
            "responses": int(scores.values.responses[units].sum())})
        for u in units:
            out["units"].append(_unit_record(scores, u, plan, evaluations[u]))
        out["subindices"] += _reliability(survey, method, scores, plan, keep)
        out["correlations"][plan.block] = _correlations(method, scores, plan)
        outliers += _outliers(scores, plan, rule)
    answered = counts.sum(axis=0)
    for i, ind in enumerate(method.indicators):
        rate = 1 - answered[i] / ind_rows[i] if ind_rows[i] else np.nan
        out["indicators"].append({"indicator": ind.id, "subindex": ind.subindex,
                                  "column": ind.column, "answers": int(answered[i]),
                                  "missing_rate": _num(rate)})
    out["outliers"] = {"settings": {"winmax": rule.winmax, "skew": rule.skew,
                                    "kurtosis": rule.kurtosis, "fallback": rule.fallback,
                                    "from": "method" if method.treatment.method != "none"
                                    else "default",
                                    "imputation": method.imputation.method},
                       "indicators": outliers}
    return out


def outlier_rule(method: Method) -> Treatment:
    """The winsorising settings ``diagnose`` applies: the method's ``[treatment]`` when it
    winsorises, else the defaults (winmax 5, skew 2, kurtosis 3.5, log fallback)."""
    if method.treatment.method != "none":
        return method.treatment
    return Treatment(method="winsorise")


def _outliers(scores: Scores, plan, rule: Treatment) -> list[dict]:
    """Per indicator of the block: G1 and G2 over the eligible units' values (after the
    method's imputation, as treatment sees them; null below 4 values or without spread),
    whether they pass, and the units winsorising with ``rule`` would move (SPEC §10)."""
    method = scores.method
    eligible = np.array([u for u in plan.units if scores.status[u] != INSUFFICIENT], int)
    source = scores.values.values
    if scores.prepared is not None and method.imputation.method != "none":
        source = scores.prepared.values
    x = source[np.ix_(eligible, plan.indicators)]
    t = treat(x, rule.winmax, rule.skew, rule.kurtosis, rule.fallback)
    fails = failing(t.skew_before, t.kurtosis_before, rule.skew, rule.kurtosis)
    units = scores.survey.units
    return [{"block": plan.block, "indicator": method.indicators[i].id,
             "n": int((~np.isnan(x[:, j])).sum()), "skewness": _num(t.skew_before[j]),
             "kurtosis": _num(t.kurtosis_before[j]),
             "passes": None if np.isnan(t.skew_before[j]) else not bool(fails[j]),
             "points": int(t.count[j]),
             "would_winsorise": [units[u] for u in eligible[t.winsorised[:, j]]],
             "log": bool(t.log[j])} for j, i in enumerate(plan.indicators)]


def _unit_record(scores: Scores, u: int, plan, evaluations: int) -> dict:
    method = scores.method
    n = scores.values.counts[u, plan.indicators]
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = 1 - n / evaluations
        overall = 1 - n.sum() / (evaluations * len(n)) if len(n) else np.nan
    return {"unit": scores.survey.units[u], "block": plan.block,
            "evaluations": int(evaluations), "responses": int(scores.values.responses[u]),
            "status": scores.status[u], "missing_rate": _num(overall),
            "missing": {method.indicators[i].id: _num(r)
                        for i, r in zip(plan.indicators, rates)}}


def _oriented_answers(survey: Survey, method: Method, cols: np.ndarray,
                      rows: np.ndarray) -> np.ndarray:
    inds = [method.indicators[i] for i in cols]
    answers = share_transform(survey.X[np.ix_(rows, cols)], inds)  # share items: 100 or 0
    scale = np.array([ind.direction / (100.0 if ind.statistic == "share" else 1.0)
                      for ind in inds])
    return answers * scale


def _reliability(survey: Survey, method: Method, scores: Scores, plan, keep) -> list[dict]:
    in_block = keep & np.isin(survey.unit_of_row, plan.units)
    eligible = [u for u in plan.units if scores.status[u] != INSUFFICIENT]
    records = []
    for k in plan.subindices:
        sub = method.subindices[k]
        cols = np.array([i for i in plan.indicators
                         if method.indicators[i].subindex == sub.id], dtype=int)
        ids = [method.indicators[i].id for i in cols]
        answers = _oriented_answers(survey, method, cols, np.flatnonzero(in_block))
        complete = answers[~np.isnan(answers).any(axis=1)]
        stats = item_statistics(complete)
        values = scores.values.values[np.ix_(eligible, cols)] * \
            np.array([method.indicators[i].direction for i in cols], float)
        records.append({"block": plan.block, "subindex": sub.id, "items": ids,
                        "rows": len(complete), "alpha": _num(stats["alpha"]),
                        "alpha_standardized": _num(stats["alpha_standardized"]),
                        "alpha_if_dropped": dict(zip(ids, map(_num, stats["alpha_if_dropped"]))),
                        "item_rest": dict(zip(ids, map(_num, stats["item_rest"]))),
                        "first_pc_share": _num(first_component_share(values)),
                        "units": len(eligible)})
    return records


def _correlations(method: Method, scores: Scores, plan) -> dict:
    eligible = [u for u in plan.units if scores.status[u] != INSUFFICIENT]
    inds = [method.indicators[i] for i in plan.indicators]
    values = scores.values.values[np.ix_(eligible, plan.indicators)] * \
        np.array([i.direction for i in inds], float)
    r = pairwise_correlations(values)
    high, negative = [], []
    for a, b in zip(*np.triu_indices(len(inds), 1)):
        same = inds[a].subindex == inds[b].subindex
        pair = {"a": inds[a].id, "b": inds[b].id, "r": float(r[a, b])}
        if r[a, b] > HIGH_CORRELATION:
            high.append({**pair, "same_subindex": same})
        if same and r[a, b] < 0:
            negative.append({**pair, "subindex": inds[a].subindex})
    return {"indicators": [i.id for i in inds], "units": len(eligible),
            "matrix": [[_num(v) for v in row] for row in r], "high": high,
            "negative_within": negative}


def subindex_alpha(scores: Scores) -> list[dict]:
    """Cronbach's alpha per block and sub-index for the report's Diagnostics sheet:
    ``[{"block", "subindex", "alpha", "items" (count), "n" (respondent rows)}]``."""
    survey = scores.survey
    keep = (survey.unit_of_row >= 0) & (survey.weights > 0)
    return [{"block": s["block"], "subindex": s["subindex"], "alpha": s["alpha"],
             "items": len(s["items"]), "n": s["rows"]}
            for plan in scores.plans
            for s in _reliability(survey, scores.method, scores, plan, keep)]


def document(scores: Scores) -> dict:
    """The ``ddci diagnose --json`` document."""
    from ddci_cli import __version__

    survey, method = scores.survey, scores.method
    return {"schema_version": 1, "ok": True, "index": method.name,
            "generated_by": f"ddci {__version__}",
            "inputs": [{"path": survey.path, "sha256": survey.sha256, "sheet": survey.sheet,
                        "header_row": survey.header_row, "rows": survey.rows}],
            "method": {"path": method.source, "sha256": method.sha256},
            **diagnose(survey, method, scores),
            "problems": [p.to_dict() for p in scores.problems]}
