"""The unit-aggregation core against straightforward references (SPEC §4, "Unit value").

The references loop over units and indicators with plain numpy/pandas — slow, obvious and
independent of the chunked sparse kernel in aggregate.py — on random data with NaN,
weights, zero weights, rows without a unit, share indicators and block-restricted
responses. Chunk boundaries are exercised by shrinking CHUNK_ROWS.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ddci_cli.core import aggregate
from ddci_cli.core.aggregate import share_transform, unit_sums, unit_values
from ddci_cli.method import Indicator

RTOL = 1e-12


def indicator(i: int, statistic: str = "mean", share_of=None, share_range=None) -> Indicator:
    return Indicator(id=f"q{i}", column=f"Q{i}", label=f"Q{i}", label_en=f"Q{i}",
                     subindex="s", direction=1, statistic=statistic, weight=1.0,
                     blocks=("a",), share_of=share_of, share_range=share_range)


def survey(seed: int, n: int = 3000, n_ind: int = 9, n_units: int = 7, negative=False,
           unit_weights=False):
    rng = np.random.default_rng(seed)
    X = rng.integers(-2 if negative else 1, 6, size=(n, n_ind)).astype(float)
    X += rng.choice([0.0, 0.25, 0.5], size=X.shape)  # not only integers
    X[rng.random(X.shape) < 0.07] = np.nan
    X[rng.random(n) < 0.02] = np.nan  # rows with no answer at all
    units = rng.integers(0, n_units, n)
    units[rng.random(n) < 0.03] = -1
    weights = np.ones(n) if unit_weights else rng.uniform(0.2, 3.0, n)
    if not unit_weights:
        weights[rng.random(n) < 0.05] = 0.0
    return X, units, weights


def reference_sums(X, units, weights, n_units, indicators=None, row_groups=None,
                   group_columns=None):
    """Per unit and indicator, with math.fsum over the rows that count."""
    n_ind = X.shape[1]
    answers = X.copy()
    for i, ind in enumerate(indicators or []):
        if ind.statistic == "share":
            col = X[:, i]
            if ind.share_of is not None:
                hit = np.array([v in ind.share_of for v in col])
            else:
                hit = (col >= ind.share_range[0]) & (col <= ind.share_range[1])
            answers[:, i] = np.where(np.isnan(col), np.nan, 100.0 * hit)
    wx, ws = np.zeros((n_units, n_ind)), np.zeros((n_units, n_ind))
    counts, responses = np.zeros((n_units, n_ind), int), np.zeros(n_units, int)
    for u in range(n_units):
        rows = np.flatnonzero((units == u) & (weights > 0))
        for i in range(n_ind):
            ok = rows[~np.isnan(answers[rows, i])]
            wx[u, i] = math.fsum(weights[ok] * answers[ok, i])
            ws[u, i] = math.fsum(weights[ok])
            counts[u, i] = len(ok)
        for r in rows:
            cols = group_columns[row_groups[r]] if row_groups is not None else slice(None)
            responses[u] += bool((~np.isnan(X[r, cols])).any())
    return wx, ws, counts, responses


def assert_same(got, want):
    for g, w in zip(got[:2], want[:2]):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=1e-300)
    np.testing.assert_array_equal(got[2], want[2])
    np.testing.assert_array_equal(got[3], want[3])
    assert got[2].dtype == np.int64 and got[3].dtype == np.int64


@pytest.fixture(params=[(4096, 0), (97, 0), (97, 10**12), (4096, 10**12)],
                ids=["sparse", "sparse-small-chunks", "add.at-small-chunks", "add.at"])
def chunk(request, monkeypatch):
    """Both ways of adding a chunk (scipy.sparse product, numpy.add.at) and chunk edges."""
    rows, sparse_from = request.param
    monkeypatch.setattr(aggregate, "CHUNK_ROWS", rows)
    monkeypatch.setattr(aggregate, "SPARSE_FROM_CELLS", sparse_from)
    return rows


@pytest.mark.parametrize("seed", [0, 1])
def test_sums_match_reference(seed, chunk):
    X, units, weights = survey(seed)
    assert_same(unit_sums(X, units, weights, 7), reference_sums(X, units, weights, 7))


def test_negative_answers_are_kept(chunk):
    X, units, weights = survey(2, negative=True)
    assert (X < 0).any()
    assert_same(unit_sums(X, units, weights, 7), reference_sums(X, units, weights, 7))


def test_unit_weights_give_counts_as_weight_sums(chunk):
    X, units, weights = survey(3, unit_weights=True)
    got = unit_sums(X, units, weights, 7)
    assert_same(got, reference_sums(X, units, weights, 7))
    np.testing.assert_array_equal(got[1], got[2])


def test_share_indicators(chunk):
    X, units, weights = survey(4, n_ind=9)
    inds = [indicator(0), indicator(1, "share", share_of=(4.0, 5.0)),
            indicator(2, "share", share_range=(1.0, 2.5)), indicator(3, "share", share_of=(4, 5)),
            indicator(4, "share", share_of=(1.25,)), indicator(5, "share", share_range=(3, 9)),
            indicator(6, "share", share_of=(4, 5)), indicator(7, "share", share_of=()),
            indicator(8)]
    assert_same(unit_sums(X, units, weights, 7, inds),
                reference_sums(X, units, weights, 7, inds))


def test_responses_restricted_to_block_columns(chunk):
    X, units, weights = survey(5, n_ind=8)
    X[units % 2 == 1, :5] = np.nan  # some rows only answer the other block's columns
    group_columns = np.array([[1, 1, 1, 0, 0, 1, 0, 0],
                              [0, 0, 1, 1, 1, 0, 0, 0],
                              [0, 0, 0, 0, 0, 0, 0, 0]], bool)
    row_groups = np.where(units >= 0, units % 3, 0)
    got = unit_sums(X, units, weights, 7, None, row_groups, group_columns)
    assert_same(got, reference_sums(X, units, weights, 7, None, row_groups, group_columns))
    # group 2 has no columns; unit 1 (group 1) answered none of columns 2-4
    assert got[3][[1, 2, 5]].sum() == 0 and got[3][[0, 3, 4, 6]].all()


def test_group_without_columns_has_no_responses(chunk):
    X, units, weights = survey(6)
    group_columns = np.zeros((1, X.shape[1]), bool)
    got = unit_sums(X, units, weights, 7, None, np.zeros(len(units), int), group_columns)
    assert not got[3].any()
    assert got[2].any()


def test_unit_values_against_pandas(chunk):
    """values = Σwv/Σw per unit, NaN below min_indicator_responses — via pandas groupby."""
    X, units, weights = survey(7)
    keep = (units >= 0) & (weights > 0)
    frame = pd.DataFrame(X[keep]).assign(u=units[keep], w=weights[keep])
    cols = list(range(X.shape[1]))
    valid = frame[cols].notna()
    wsum = valid.mul(frame.w, axis=0).groupby(frame.u).sum()
    wx = frame[cols].mul(frame.w, axis=0).groupby(frame.u).sum()
    counts = valid.groupby(frame.u).sum()
    want = (wx / wsum).where(counts >= 60).reindex(range(8))
    got = unit_values(X, units, weights, 8, [indicator(i) for i in cols],
                      min_indicator_responses=60)
    np.testing.assert_allclose(got.values, want.to_numpy(), rtol=RTOL)
    assert np.isnan(got.values[7]).all() and not got.counts[7].any()  # a unit with no rows
    assert np.isnan(got.values).any()  # the threshold bites somewhere


def test_unit_values_block_responses(chunk):
    X, units, weights = survey(8, n_ind=4, n_units=4)
    X[units == 1, :2] = np.nan
    unit_blocks = np.array([0, 1, 0, 1])
    block_columns = np.array([[1, 1, 0, 0], [1, 1, 0, 0]], bool)
    got = unit_values(X, units, weights, 4, [indicator(i) for i in range(4)], 1, unit_blocks,
                      block_columns)
    assert got.responses[1] == 0  # unit 1 answered only columns outside its block
    rows0 = (units == 0) & (weights > 0)
    assert got.responses[0] == int((~np.isnan(X[rows0, :2])).any(axis=1).sum())


def test_hand_computed_case(chunk):
    """Unit 0: answers 4 (w 1), 2 (w 3), blank (w 2) → (4 + 6)/4 = 2.5, count 2."""
    X = np.array([[4.0, 1.0], [2.0, np.nan], [np.nan, np.nan], [5.0, 5.0], [3.0, 3.0]])
    units = np.array([0, 0, 0, 1, -1])
    weights = np.array([1.0, 3.0, 2.0, 0.0, 1.0])
    got = unit_values(X, units, weights, 2, [indicator(0), indicator(1, "share",
                                                                     share_of=(1.0,))])
    np.testing.assert_allclose(got.values[0], [2.5, 100.0])
    assert np.isnan(got.values[1]).all()  # its only row has weight 0
    np.testing.assert_array_equal(got.counts, [[2, 1], [0, 0]])
    np.testing.assert_array_equal(got.responses, [2, 0])


def test_all_missing_and_empty_inputs(chunk):
    X = np.full((10, 3), np.nan)
    got = unit_sums(X, np.zeros(10, int), np.ones(10), 2)
    assert not got[0].any() and not got[2].any() and not got[3].any()
    empty = unit_sums(np.empty((0, 3)), np.empty(0, int), np.empty(0), 2)
    assert empty[0].shape == (2, 3) and not empty[3].any()
    no_ind = unit_sums(np.empty((4, 0)), np.zeros(4, int), np.ones(4), 1)
    assert no_ind[0].shape == (1, 0) and no_ind[3].tolist() == [0]


def test_unit_code_out_of_range_is_refused(chunk):
    with pytest.raises(ValueError):
        unit_sums(np.ones((3, 2)), np.array([0, 1, 5]), np.ones(3), 2)


def test_share_transform_unchanged():
    X = np.array([[1.0, 4.0], [np.nan, 5.0], [2.0, np.nan]])
    out = share_transform(X, [indicator(0), indicator(1, "share", share_of=(5.0,))])
    np.testing.assert_array_equal(out, [[1.0, 0.0], [np.nan, 100.0], [2.0, np.nan]])
    assert np.isnan(X[2, 1]) and X[1, 1] == 5.0  # the input is not modified


def test_rows_order_does_not_matter(chunk):
    X, units, weights = survey(9)
    order = np.random.default_rng(1).permutation(len(units))
    a = unit_sums(X, units, weights, 7)
    b = unit_sums(X[order], units[order], weights[order], 7)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=RTOL)
