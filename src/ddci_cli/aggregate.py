"""Weighted unit values of indicators (SPEC §4, "Unit value of an indicator").

The core, :func:`unit_sums`, takes the (rows × indicators) float matrix with NaN for
missing answers, each row's unit code and weight, and returns per (unit × indicator) the
weighted sum of answers, the sum of weights and the count of valid answers. It streams the
rows in cache-sized chunks and does each chunk's grouping as one sparse matrix product, so
its cost is a few passes over the data whatever the number of units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .method import Indicator

CHUNK_ROWS = 8192


@dataclass
class UnitValues:
    """Per (unit × indicator): ``values`` (NaN when missing), valid answer ``counts``,
    and ``responses`` per unit (rows with weight > 0 and any valid answer in its block)."""

    values: np.ndarray
    counts: np.ndarray
    responses: np.ndarray


def share_transform(block: np.ndarray, indicators: list[Indicator]) -> np.ndarray:
    """Replace answers of ``share`` indicators by 100 (in the set) or 0; NaN stays NaN."""
    out = block
    for i, ind in enumerate(indicators):
        if ind.statistic != "share":
            continue
        if out is block:
            out = block.copy()
        col = block[:, i]
        if ind.share_of is not None:
            hit = np.isin(col, ind.share_of)
        else:
            lo, hi = ind.share_range
            with np.errstate(invalid="ignore"):
                hit = (col >= lo) & (col <= hi)
        out[:, i] = np.where(np.isnan(col), np.nan, 100.0 * hit)
    return out


def unit_sums(X: np.ndarray, unit_of_row: np.ndarray, weights: np.ndarray, n_units: int,
              indicators: list[Indicator] | None = None, row_groups: np.ndarray | None = None,
              group_columns: np.ndarray | None = None):
    """Return (Σ w·x, Σ w, count, responses) per unit; rows with unit < 0 or weight 0 skip.

    ``row_groups``/``group_columns`` (optional) say which indicator columns count for a
    row's ``responses`` (the indicators of the row's block): ``group_columns[g]`` is a
    boolean mask over indicators for group g, ``row_groups[r]`` the group of row r.
    """
    n_rows, n_ind = X.shape
    wx = np.zeros((n_units, n_ind))
    count_w = np.zeros((2 * n_units, n_ind))
    responses = np.zeros(n_units)
    keep = (unit_of_row >= 0) & (weights > 0)
    for start in range(0, n_rows, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, n_rows)
        rows = np.flatnonzero(keep[start:stop])
        if not len(rows):
            continue
        chunk = X[start:stop][rows] if len(rows) < stop - start else X[start:stop]
        if indicators is not None:
            chunk = share_transform(chunk, indicators)
        valid = ~np.isnan(chunk)
        units = unit_of_row[start:stop][rows]
        w = weights[start:stop][rows]
        g = sparse.csr_matrix((w, (units, np.arange(len(rows)))), shape=(n_units, len(rows)))
        wx += g @ np.where(valid, chunk, 0.0)
        ones = np.ones(len(rows))
        both = sparse.csr_matrix((np.concatenate([w, ones]),
                                  (np.concatenate([units, units + n_units]),
                                   np.tile(np.arange(len(rows)), 2))),
                                 shape=(2 * n_units, len(rows)))
        count_w += both @ valid.astype(np.float64)
        if row_groups is not None:
            groups = row_groups[start:stop][rows]
            answered = (valid & group_columns[groups]).any(axis=1)
        else:
            answered = valid.any(axis=1)
        responses += np.bincount(units, weights=answered, minlength=n_units)
    return wx, count_w[:n_units], count_w[n_units:].round().astype(np.int64), \
        responses.round().astype(np.int64)


def unit_values(X: np.ndarray, unit_of_row: np.ndarray, weights: np.ndarray, n_units: int,
                indicators: list[Indicator], min_indicator_responses: int = 1,
                unit_blocks: np.ndarray | None = None,
                block_columns: np.ndarray | None = None) -> UnitValues:
    """Weighted ``mean`` (Σwv/Σw) and ``share`` (100·Σ_{v∈S} w/Σw) per unit and indicator.

    ``unit_blocks[u]`` and ``block_columns[b]`` (indicator mask of block b) restrict
    ``responses`` to the answers to a unit's own block's indicators.
    """
    row_groups = None
    if unit_blocks is not None:
        row_groups = np.where(unit_of_row >= 0, unit_blocks[np.maximum(unit_of_row, 0)], 0)
    wx, wsum, counts, responses = unit_sums(X, unit_of_row, weights, n_units, indicators,
                                            row_groups, block_columns)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = wx / wsum
    values[(counts < min_indicator_responses) | (wsum <= 0)] = np.nan
    return UnitValues(values, counts, responses)
