"""Imputation and outlier treatment (SPEC §10): hand cases, properties, method keys, and
the steps in place in the block pipeline (per block, over eligible units)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ddci_cli.core.impute import impute
from ddci_cli.core.treat import skew_kurtosis, treat


def col(values) -> np.ndarray:
    """One indicator column (units × 1)."""
    return np.array(values, float)[:, None]


# --------------------------------------------------------------------------- treatment

def test_ties_at_the_maximum_are_winsorised_together():
    x = col(list(range(1, 21)) + [100, 100])
    t = treat(x, winmax=5, skew=2, kurtosis=3.5)
    assert t.count[0] == 2
    assert t.values[-1, 0] == t.values[-2, 0] == 20.0
    assert t.values[:20, 0].tolist() == list(range(1, 21))
    assert t.winsorised[:, 0].tolist() == [False] * 20 + [True, True]
    assert not t.log[0]


def test_negative_skew_winsorises_the_low_end():
    x = col([-100] + list(range(1, 21)))
    before, _ = skew_kurtosis(x)
    assert before[0] < -2
    t = treat(x, winmax=5, skew=2, kurtosis=3.5)
    assert t.values[0, 0] == 1.0 and t.count[0] == 1
    assert t.values[1:, 0].tolist() == list(range(1, 21))
    assert abs(t.skew_after[0]) < 2 or t.kurtosis_after[0] < 3.5


def test_the_count_is_the_last_high_set():
    """Each step moves the whole top set down one level, so the set grows (COINr)."""
    x = col(list(range(1, 31)) + [500, 1000, 2000])
    t = treat(x, winmax=5, skew=2, kurtosis=3.5)
    assert t.count[0] == 3
    assert t.values[-3:, 0].tolist() == [30.0, 30.0, 30.0]


def test_log_fallback_on_the_untreated_values_when_winmax_is_not_enough():
    raw = list(range(1, 21)) + [1000, 2000, 5000]
    x = col(raw)
    t = treat(x, winmax=1, skew=2, kurtosis=3.5)
    assert t.log[0] and t.count[0] == 1
    lo, hi = 1.0, 5000.0
    want = np.log(np.array(raw, float) - lo + 0.01 * (hi - lo))
    np.testing.assert_allclose(t.values[:, 0], want, rtol=0, atol=1e-12)
    assert not t.winsorised.any()  # the log replaced the winsorised values
    # with the fallback off, the winsorised values stay
    kept = treat(x, winmax=1, skew=2, kurtosis=3.5, fallback="none")
    assert not kept.log[0] and kept.values[-1, 0] == 2000.0


def test_fewer_than_four_values_are_untouched():
    x = col([1, 2, 1000, np.nan, np.nan])
    t = treat(x, winmax=5, skew=0.1, kurtosis=-10)
    np.testing.assert_array_equal(t.values, x)
    assert math.isnan(t.skew_before[0]) and t.count[0] == 0 and not t.log[0]


def test_passing_columns_are_untouched_and_batches_are_independent():
    good = list(range(1, 11))
    bad = list(range(1, 21)) + [100]
    x = np.full((2, 21, 2), np.nan)
    x[0, :10, 0], x[0, :, 1] = good, bad
    x[1, :, 0], x[1, :10, 1] = bad, good
    t = treat(x, winmax=5, skew=2, kurtosis=3.5)
    single = treat(col(bad), 5, 2, 3.5).values[:, 0]
    np.testing.assert_array_equal(t.values[0, :, 1], single)
    np.testing.assert_array_equal(t.values[1, :, 0], single)
    np.testing.assert_array_equal(t.values[0, :, 0], x[0, :, 0])
    assert t.count.tolist() == [[0, 1], [1, 0]]


# --------------------------------------------------------------------------- imputation

def test_mean_and_median_by_group():
    x = np.array([[1.0, 10], [3, np.nan], [np.nan, 30], [5, 7], [np.nan, np.nan]])
    groups = np.array([0, 0, 0, 1, 1])
    values, imputed = impute(x, groups, "mean")
    assert values[2, 0] == 2.0 and values[1, 1] == 20.0 and values[4].tolist() == [5, 7]
    assert imputed.tolist() == [[False, False], [False, True], [True, False],
                                [False, False], [True, True]]
    # a unit that takes no part (not eligible) is left alone and feeds no mean
    part = np.array([True, True, True, True, False])
    values, imputed = impute(x, groups, "mean", part)
    assert np.isnan(values[4]).all() and not imputed[4].any() and values[2, 0] == 2.0
    x2 = np.array([[1.0], [2], [10], [np.nan]])
    assert impute(x2, np.zeros(4, int), "median")[0][3, 0] == 2.0


def test_a_group_with_no_value_stays_missing():
    x = np.array([[1.0, 2], [3, 4], [np.nan, 5], [np.nan, 6]])
    values, imputed = impute(x, np.array([0, 0, 1, 1]), "mean")
    assert np.isnan(values[2:, 0]).all() and not imputed.any()


def test_imputation_none_changes_nothing():
    x = np.array([[1.0, np.nan], [3, 4]])
    values, imputed = impute(x, np.zeros(2, int), "none")
    assert values is x and not imputed.any()


# --------------------------------------------------------------------------- properties

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
maybe_missing = st.one_of(finite, st.just(np.nan))


@settings(max_examples=150, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 12), st.integers(1, 3)), elements=maybe_missing),
       st.integers(0, 6), st.sampled_from(["log", "none"]))
def test_treatment_keeps_the_order_of_units(x, winmax, fallback):
    t = treat(x, winmax=winmax, skew=1.0, kurtosis=1.0, fallback=fallback)
    assert np.array_equal(np.isnan(t.values), np.isnan(x))
    for j in range(x.shape[1]):
        a, b = x[:, j], t.values[:, j]
        ok = ~np.isnan(a)
        a, b = a[ok], b[ok]
        smaller = a[:, None] < a[None, :]
        assert (b[:, None] <= b[None, :])[smaller].all()


@settings(max_examples=150, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 10), st.integers(1, 3)), elements=maybe_missing),
       st.lists(st.integers(0, 2), min_size=10, max_size=10),
       st.sampled_from(["mean", "median"]))
def test_imputation_leaves_observed_values_unchanged(x, groups, how):
    values, imputed = impute(x, np.array(groups[:len(x)]), how)
    seen = ~np.isnan(x)
    np.testing.assert_array_equal(values[seen], x[seen])
    assert not (imputed & seen).any()
    assert np.array_equal(imputed, np.isnan(x) & ~np.isnan(values))


# --------------------------------------------------------------------------- method keys

from ddci_cli.errors import InputError  # noqa: E402
from ddci_cli.method.load import parse_method  # noqa: E402
from ddci_cli.pipeline import score  # noqa: E402

BASE = """
[input]
unit_column = "unit"
block_column = "block"

[[blocks]]
id = "X"
[[blocks]]
id = "Y"

[[subindices]]
id = "s"
  [[subindices.indicators]]
  id = "a"
  column = "a"
  [[subindices.indicators]]
  id = "b"
  column = "b"
  {denominator}
"""


def method_text(tables: str = "", denominator: str = "") -> str:
    return BASE.replace("{denominator}", denominator) + tables


def test_keys_are_read():
    m = parse_method(method_text('[imputation]\nmethod = "median"\nby = "grp"\n'
                                 '[treatment]\nmethod = "winsorise"\nwinmax = 2\nskew = 1.5\n'
                                 'kurtosis = 2\nfallback = "none"\n', 'denominator = "pop"'))
    assert (m.imputation.method, m.imputation.by) == ("median", "grp")
    t = m.treatment
    assert (t.method, t.winmax, t.skew, t.kurtosis, t.fallback) == ("winsorise", 2, 1.5, 2, "none")
    assert m.indicators[1].denominator == "pop" and m.indicators[0].denominator is None
    plain = parse_method(method_text())
    assert plain.imputation.method == plain.treatment.method == "none"


@pytest.mark.parametrize("tables, key", [
    ('[treatment]\nwinmx = 3\n', "treatment.winmx"),
    ('[treatment]\nmethod = "winsorize"\n', "treatment.method"),
    ('[treatment]\nwinmax = -1\n', "treatment.winmax"),
    ('[treatment]\nskew = 0\n', "treatment.skew"),
    ('[treatment]\nfallback = "sqrt"\n', "treatment.fallback"),
    ('[imputation]\nmethod = "knn"\n', "imputation.method"),
    ('[imputation]\nby = 3\n', "imputation.by"),
    ('[sensitivity]\ntreatment = ["none", "trim"]\n', "sensitivity.treatment"),
    ('[sensitivity]\nwinmax = [3, 2.5]\n', "sensitivity.winmax"),
])
def test_bad_keys_name_their_path(tables, key):
    with pytest.raises(InputError) as err:
        parse_method(method_text(tables))
    assert key in [p.key for p in err.value.report.problems], [p.key for p in err.value.report.problems]


# --------------------------------------------------------------------------- through score

ROWS = [  # unit, block, grp, pop, a, b
    ("x1", "X", "g", 10, 1, 10), ("x2", "X", "g", 10, 2, 20), ("x3", "X", "h", 10, 3, ""),
    ("y1", "Y", "g", 5, 100, 50), ("y2", "Y", "g", 5, 200, 60), ("y3", "Y", "h", 5, "", 70),
    ("y4", "Y", "h", 5, 400, ""),
]


def write_survey(folder, rows=ROWS):
    lines = ["unit,block,grp,pop,a,b"] + [",".join(map(str, r)) for r in rows]
    path = folder / "survey.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(tmp_path, tables="", denominator="", rows=ROWS):
    method = parse_method(method_text(tables, denominator))
    scores, report = score(write_survey(tmp_path, rows), method)
    from ddci_cli.results import score_document

    doc = score_document(scores)
    return {u["unit"]: u for u in doc["units"]}, doc


def test_imputation_never_crosses_blocks(tmp_path):
    units, _ = run(tmp_path, '[imputation]\nmethod = "mean"\n')
    assert units["y3"]["indicators"]["a"] == {"value": pytest.approx(700 / 3), "score": units[
        "y3"]["indicators"]["a"]["score"], "n": 0, "imputed": True}
    assert units["x3"]["indicators"]["b"]["value"] == pytest.approx(15.0)
    assert units["x3"]["indicators"]["b"]["imputed"] is True
    assert "imputed" not in units["x1"]["indicators"]["a"]
    assert "treated" not in units["x1"]["indicators"]["a"]  # no treatment: no field


def test_imputation_by_attribute_within_the_block(tmp_path):
    units, _ = run(tmp_path, '[imputation]\nmethod = "mean"\nby = "grp"\n')
    assert units["y3"]["indicators"]["a"]["value"] == 400.0   # Y × h: y4 only
    assert units["y4"]["indicators"]["b"]["value"] == 70.0    # Y × h: y3 only
    assert "imputed" not in units["x3"]["indicators"]["b"]    # X × h has no b: stays missing
    assert units["x3"]["indicators"]["b"]["value"] is None


def test_inconsistent_group_is_an_error(tmp_path):
    rows = ROWS + [("x1", "X", "h", 10, 1, 10)]
    with pytest.raises(InputError) as err:
        run(tmp_path, '[imputation]\nmethod = "mean"\nby = "grp"\n', rows=rows)
    assert [p.code for p in err.value.report.problems if p.severity == "error"] == \
        ["inconsistent_group"]


def test_denominator_divides_each_row(tmp_path):
    units, doc = run(tmp_path, denominator='denominator = "pop"')
    assert units["x1"]["indicators"]["b"]["value"] == 1.0
    assert units["y3"]["indicators"]["b"]["value"] == 14.0
    assert units["y1"]["indicators"]["a"]["value"] == 100.0  # a has no denominator


def test_missing_denominator_warns_once_and_bad_one_is_an_error(tmp_path):
    rows = [r if r[0] not in ("x1", "x2") else (*r[:3], "", *r[4:]) for r in ROWS]
    units, doc = run(tmp_path, denominator='denominator = "pop"', rows=rows)
    warned = [p for p in doc["problems"] if p["code"] == "missing_denominator"]
    assert len(warned) == 1 and warned[0]["column"] == "pop" and warned[0]["row"] == 2
    assert units["x1"]["indicators"]["b"]["value"] is None
    for bad in (0, "many"):
        rows = [r if r[0] != "y2" else (*r[:3], bad, *r[4:]) for r in ROWS]
        with pytest.raises(InputError) as err:
            run(tmp_path, denominator='denominator = "pop"', rows=rows)
        found = [p for p in err.value.report.problems if p.code == "bad_denominator"]
        assert len(found) == 1 and found[0].row == 6 and found[0].column == "pop"


def test_treatment_record_and_marks_in_the_json(tmp_path):
    rows = [(f"u{k}", "X", "g", 1, k, k) for k in range(1, 21)] + \
        [("big", "X", "g", 1, 1000, 5)]
    units, doc = run(tmp_path, '[treatment]\nmethod = "winsorise"\n', rows=rows)
    rec = {(r["block"], r["indicator"]): r for r in doc["treatment"]}
    a = rec[("X", "a")]
    assert a["winsorised"] == 1 and a["units_winsorised"] == ["big"] and not a["log"]
    assert a["passed_before"] is False and a["passed_after"] is True
    assert a["skew_before"] > 2 and a["n"] == 21
    assert rec[("X", "b")]["winsorised"] == 0 and rec[("X", "b")]["passed_before"] is True
    big = units["big"]["indicators"]["a"]
    assert big["value"] == 1000 and big["treated"] == 20 and big["winsorised"] is True
    assert big["score"] == 100.0 and units["u20"]["indicators"]["a"]["score"] == 100.0


# --------------------------------------------------------------------------- sensitivity

def test_sensitivity_varies_treatment_imputation_and_winmax(tmp_path):
    """Each run re-runs imputation and treatment: a run's ranks are the nominal ranks of
    the method with that run's choices."""
    from dataclasses import replace

    from ddci_cli.method.sensitivity import resolve_settings
    from ddci_cli.scores import score_survey
    from ddci_cli.errors import ProblemReport
    from ddci_cli.uncertainty.sensitivity import analyse

    rows = [(f"u{k}", "X" if k % 3 else "Y", "g" if k % 2 else "h", 1,
             k ** 3 if k % 7 else "", (k * 37) % 23) for k in range(1, 40)]
    tables = ('[imputation]\nmethod = "mean"\nby = "grp"\n[treatment]\nmethod = "winsorise"\n'
              '[sensitivity]\ntreatment = ["none", "winsorise"]\n'
              'imputation = ["none", "mean", "median"]\nwinmax = [1, 5]\nruns = 60\n')
    method = parse_method(method_text(tables))
    scores, _ = score(write_survey(tmp_path, rows), method)
    s = resolve_settings(method)
    assert s.groups() == ["treatment", "imputation", "winmax"]
    assert s.to_dict()["winmax"] == [1, 5]
    result = analyse(scores, s, seed=3)
    seen = set()
    for r in range(s.runs):
        t = s.treatment[result.draws.treatment[r]]
        i = s.imputation[result.draws.imputation[r]]
        w = s.winmax[result.draws.winmax[r]]
        seen.add((t, i, w))
        m = replace(method, treatment=replace(method.treatment, method=t, winmax=w),
                    imputation=replace(method.imputation, method=i))
        nominal = score_survey(scores.survey, m, ProblemReport())
        np.testing.assert_array_equal(result.ranks[r], nominal.rank, err_msg=str((t, i, w)))
    assert len(seen) == 12
