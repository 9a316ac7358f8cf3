"""Invariants of the arithmetic (hypothesis): order, weight scale, monotonicity, ranges."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ddci_cli.survey.clean import Survey
from ddci_cli.errors import ProblemReport
from ddci_cli.method import parse_method
from ddci_cli.scores import OK, score_survey

METHOD_TEMPLATE = """
[index]
name = "prop"
[input]
unit_column = "u"
min_responses = 1
[normalization]
method = "{norm}"
range = [1, 10]
[aggregation]
multiplier = 10
min_coverage = 0.3
[ranking]
decimals = 6
[[subindices]]
id = "s1"
weight = 2
  [[subindices.indicators]]
  id = "a"
  column = "A"
  valid = [1, 5]
  [[subindices.indicators]]
  id = "b"
  column = "B"
  direction = "negative"
  valid = [1, 5]
[[subindices]]
id = "s2"
  [[subindices.indicators]]
  id = "c"
  column = "C"
  statistic = "share"
  share_of = [4, 5]
  valid = [1, 5]
"""
NORMS = ["minmax", "goalposts", "zscore", "rank"]


@st.composite
def surveys(draw, norm=None):
    n_units = draw(st.integers(2, 6))
    n_rows = draw(st.integers(n_units, 40))
    units = np.array(draw(st.lists(st.integers(0, n_units - 1), min_size=n_rows,
                                   max_size=n_rows)))
    units[:n_units] = np.arange(n_units)  # every unit has a row
    answers = draw(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=3 * n_rows,
                            max_size=3 * n_rows))
    X = np.array([np.nan if a is None else float(a) for a in answers]).reshape(n_rows, 3)
    weights = np.array(draw(st.lists(st.floats(0.1, 5.0), min_size=n_rows, max_size=n_rows)))
    method = parse_method(METHOD_TEMPLATE.format(norm=norm or draw(st.sampled_from(NORMS))))
    return method, units, X, weights


def run(method, units, X, weights):
    n_units = int(units.max()) + 1
    names = [f"unit {k}" for k in range(n_units)]
    survey = Survey("mem", None, 1, len(units), names, ["all"] * n_units, units, weights, X,
                    np.arange(2, len(units) + 2))
    return score_survey(survey, method, ProblemReport())


def by_name(scores):
    return {name: (scores.composite[u], scores.rank[u], tuple(scores.scores[u]))
            for u, name in enumerate(scores.survey.units)}


def same(a, b):
    assert a.keys() == b.keys()
    for name in a:
        ca, ra, sa = a[name]
        cb, rb, sb = b[name]
        np.testing.assert_allclose(ca, cb, rtol=1e-9, atol=1e-9, equal_nan=True)
        np.testing.assert_allclose(sa, sb, rtol=1e-9, atol=1e-9, equal_nan=True)
        assert ra == rb


@settings(max_examples=60, deadline=None)
@given(surveys(), st.randoms())
def test_row_order_and_unit_order_change_nothing(case, rnd):
    method, units, X, weights = case
    base = by_name(run(method, units, X, weights))
    order = list(range(len(units)))
    rnd.shuffle(order)
    relabel = list(range(int(units.max()) + 1))  # unit k becomes unit relabel[k]
    rnd.shuffle(relabel)
    moved = by_name(run(method, np.array(relabel)[units][order], X[order], weights[order]))
    same(base, {f"unit {k}": moved[f"unit {relabel[k]}"] for k in range(len(relabel))})


@settings(max_examples=60, deadline=None)
@given(surveys(), st.floats(0.01, 1000.0))
def test_common_weight_factor_changes_nothing(case, factor):
    method, units, X, weights = case
    same(by_name(run(method, units, X, weights)), by_name(run(method, units, X, weights * factor)))


@settings(max_examples=80, deadline=None)
@given(surveys(norm="minmax"), st.data())
def test_better_answer_never_lowers_the_units_score(case, data):
    method, units, X, weights = case
    row = data.draw(st.integers(0, len(units) - 1))
    if np.isnan(X[row, 0]) or X[row, 0] >= 5:
        X[row, 0] = 1.0
    before = run(method, units, X, weights)
    better = X.copy()
    better[row, 0] = data.draw(st.integers(int(X[row, 0]) + 1, 5))
    after = run(method, units, better, weights)
    u = units[row]
    assert after.scores[u, 0] >= before.scores[u, 0] - 1e-9
    if before.status[u] == OK and after.status[u] == OK:
        assert after.composite[u] >= before.composite[u] - 1e-9


@settings(max_examples=80, deadline=None)
@given(surveys())
def test_scores_in_range_and_ranks_follow_composites(case):
    method, units, X, weights = case
    scores = run(method, units, X, weights)
    if method.normalization != "zscore":
        s = scores.scores[~np.isnan(scores.scores)]
        assert np.all((s >= 1 - 1e-9) & (s <= 10 + 1e-9))
        c = scores.composite[~np.isnan(scores.composite)]
        assert np.all((c >= 10 - 1e-7) & (c <= 100 + 1e-7))
    ok = [u for u, st_ in enumerate(scores.status) if st_ == OK]
    for u in ok:
        for v in ok:
            if scores.keys[u] > scores.keys[v]:
                assert scores.rank[u] < scores.rank[v]
            elif scores.keys[u] == scores.keys[v]:
                assert scores.rank[u] == scores.rank[v]
    # NaN never becomes a number: a unit with no answers to an indicator has no score
    no_value = np.isnan(scores.values.values)
    assert np.all(np.isnan(scores.scores[no_value]))
