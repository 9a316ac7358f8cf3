"""cells.numeric_columns converts every indicator column as one block: hand-worked cases
for the rules that differ between indicators (text and numeric missing codes, valid
ranges), booleans, and agreement with the column-by-column conversion on random cells."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

from ddci_cli.survey.cells import NON_NUMERIC, OUT_OF_RANGE, numeric_column, numeric_columns


def _obj(values) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _found(issues) -> list:
    return [(i.kind, i.positions.tolist(), [str(v) for v in i.values]) for i in issues]


def test_rules_that_differ_between_indicators():
    a = _obj(["DK", "3", 2, "x", " 4,5 "])   # "DK" is a missing code of A only
    b = _obj(["dk", 4, "KB", 99, 7])         # 99 a numeric code of B, valid 1–5
    c = np.array([1.0, np.inf, 3.0, np.nan, 6.0])  # a numeric column (Parquet), valid 1–5
    X, issues = numeric_columns([a, b, c], [{"kb", "dk"}, {"kb"}, {"kb"}],
                                [set(), {99.0}, set()], [None, (1, 5), (1, 5)])
    nan = np.nan
    expected = np.array([[nan, nan, 1.0], [3.0, 4.0, nan], [2.0, nan, 3.0],
                         [nan, nan, nan], [4.5, nan, nan]])
    np.testing.assert_array_equal(X, expected)
    assert _found(issues[0]) == [(NON_NUMERIC, [3], ["x"])]
    assert _found(issues[1]) == [(NON_NUMERIC, [0], ["dk"]), (OUT_OF_RANGE, [4], ["7"])]
    assert _found(issues[2]) == [(NON_NUMERIC, [1], ["inf"]), (OUT_OF_RANGE, [4], ["6.0"])]


@pytest.mark.parametrize("cells, values, bad", [
    ([True, 1, 2, 1.0], [np.nan, 1, 2, 1], [0]),      # TRUE before the number 1
    ([1, True, 2, 0, False], [1, np.nan, 2, 0, np.nan], [1, 4]),
    ([False, 0, 0.0, "0"], [np.nan, 0, 0, 0], [0]),
])
def test_booleans_are_not_numbers_whatever_comes_first(cells, values, bad):
    """pandas.factorize files TRUE with 1 and FALSE with 0; only the boolean cells are
    non-numeric, in a column alone or in a block."""
    column = _obj(cells)
    other = _obj([5] * len(cells))
    for X, issues in (numeric_column(column, set(), set(), None),
                      numeric_columns([other, column], [set(), set()], [set(), set()],
                                      [None, None])):
        got = X if X.ndim == 1 else X[:, 1]
        found = issues if X.ndim == 1 else issues[1]
        np.testing.assert_array_equal(got, np.array(values, dtype=float))
        assert [(i.kind, i.positions.tolist()) for i in found] == [(NON_NUMERIC, bad)]


POOL = [1, 2, 5, 1.0, 0, 0.0, 2.5, 7, -1, 99, 99.0, "3", "3,5", " 4 ", "KB", "kb", "dk", "x",
        "", " ", None, np.nan, "NA", "#N/A", "#DIV/0!", "99", dt.date(2020, 1, 1), np.inf,
        True, False]


@pytest.mark.parametrize("columns_at_once, rows_at_once", [(None, None), (2, 1), (3, 2)])
def test_block_equals_column_by_column(monkeypatch, columns_at_once, rows_at_once):
    """Also with numeric columns written into X a few columns and rows at a time."""
    from ddci_cli.survey import cells

    if columns_at_once:
        monkeypatch.setattr(cells, "COLUMNS_AT_ONCE", columns_at_once)
        monkeypatch.setattr(cells, "ROWS_AT_ONCE", rows_at_once)
    rng = random.Random(3)
    for _ in range(400):
        n, m = rng.randint(0, 25), rng.randint(1, 5)
        columns = [np.array([rng.choice([1.0, 7.0, np.nan, np.inf, 99.0]) for _ in range(n)])
                   if rng.random() < (0.6 if columns_at_once else 0.2) else _obj([rng.choice(POOL) for _ in range(n)])
                   for _ in range(m)]
        texts = [{"kb"} | ({"dk"} if rng.random() < 0.5 else set()) for _ in range(m)]
        numbers = [rng.choice([{99.0}, {99.0}, {99.0, 7.0}, {0.0, 1.0, 2.0, 5.0, 99.0}, set()])
                   for _ in range(m)]
        valid = [rng.choice([None, (1, 5)]) for _ in range(m)]
        X, issues = numeric_columns(columns, texts, numbers, valid)
        assert X.shape == (n, m)
        for j in range(m):
            values, alone = numeric_column(columns[j], texts[j], numbers[j], valid[j])
            np.testing.assert_array_equal(X[:, j], values)
            assert _found(issues[j]) == _found(alone)
