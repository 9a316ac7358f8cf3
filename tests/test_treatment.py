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
