"""The grid layout's column-by-column blank test and gather (survey/gridcells.py) against
the plain definitions: a cell is blank when it is None or whitespace text; fancy indexing."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ddci_cli.survey import gridcells
from ddci_cli.survey.gridcells import answered_units, gather, nonblank_column, unit_groups


def _nonblank(cells: np.ndarray) -> np.ndarray:
    flat = [not (v is None or isinstance(v, str) and not v.strip()) for v in cells.ravel()]
    return np.array(flat, bool).reshape(cells.shape)

CELLS = st.sampled_from(["", " ", "\u00a0", "\t\n", "4 - Đồng ý", "Có", "0", None,
                         float("nan"), 3, 2.5, True])


def objects(values) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(CELLS, max_size=60), st.booleans())
def test_nonblank_column_is_nonblank(values, copies):
    # copies: equal texts as distinct objects (a workbook), not shared ones (a CSV chunk)
    column = objects([v[:] + "" if copies and isinstance(v, str) and v else v
                      for v in values])
    assert np.array_equal(nonblank_column(column), _nonblank(column))


def test_nonblank_column_many_distinct_objects_and_strided():
    rng = np.random.default_rng(1)
    texts = ["", "  ", "x", None] + [f"t{k}" for k in range(gridcells.DISTINCT_LIMIT + 50)]
    column = objects([texts[k] for k in rng.integers(0, len(texts), 5000)])
    assert np.array_equal(nonblank_column(column), _nonblank(column))  # factorized
    grid = np.empty((300, 4), dtype=object)  # C order: a column is strided
    grid[:] = [["", "a", " ", None]] * 300
    grid[::7, 2] = "b"
    assert np.array_equal(nonblank_column(grid[:, 2]), _nonblank(grid[:, 2]))


def test_blank_whitespace_objects_in_a_column_of_few_values():
    # slot collisions: more distinct objects than fit one round of the table
    column = objects(["", " ", "x", None] * 10 + [f"{k:>3}" for k in range(100)]
                     + ["   "] * 5)
    assert np.array_equal(nonblank_column(column), _nonblank(column))
    assert not nonblank_column(column)[-1]


def test_answered_units_and_gather_match_fancy_indexing():
    rng = np.random.default_rng(0)
    data = np.asfortranarray(objects(rng.choice(["", "1", "2 - Kém", " "], 40 * 12))
                             .reshape(40, 12))
    where = np.array([[0, 1, 2], [3, 4, -1], [6, 7, 8], [9, 10, 11]])
    has = answered_units(data, where)
    plain = _nonblank(data)
    for u in range(4):
        cols = [j for j in where[u] if j >= 0]
        assert np.array_equal(has[:, u], plain[:, cols].any(axis=1))
    rows, units = np.nonzero(has)
    groups = unit_groups(units, 4)
    for k in range(3):
        picked = where[units, k]
        expected = np.full(len(rows), None, dtype=object)
        ok = picked >= 0
        expected[ok] = data[rows[ok], picked[ok]]
        assert list(gather(data, rows, groups, where[:, k])) == list(expected)
