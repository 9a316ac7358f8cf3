"""Weighted unit values of indicators (SPEC §4, "Unit value of an indicator").

The core, :func:`unit_sums`, takes the (rows × indicators) float matrix with NaN for
missing answers, each row's unit code and weight, and returns per (unit × indicator) the
weighted sum of answers, the sum of weights and the count of valid answers.

How it stays near memory speed (docs/performance.md has the measurements): the rows are
read once, in their own order, in chunks of :data:`CHUNK_ROWS` that stay in cache. Each
chunk becomes two float buffers — the answers with missing set to 0 and a 1/0 "valid"
mask — and the grouping by unit is a product with a sparse (units × rows) matrix that has
one entry per row (scipy's compressed-column kernel: a scatter-add of whole rows, so the
cost does not grow with the number of units and nothing is sorted or gathered). Surveys
smaller than :data:`SPARSE_FROM_CELLS` answers sort each chunk's rows by unit and use
``numpy.add.reduceat`` instead: slower per answer, but it spares ``ddci score`` the
import of scipy.sparse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ddci_cli.method.model import Indicator

# Rows per pass: at most CHUNK_ROWS, and at most CHUNK_CELLS answers, so the two float
# buffers (about 2 MB each) stay in the shared cache and every BLAS call stays below the
# size at which OpenBLAS starts threads (on a shared 2-core machine those threads wait
# for a busy core and a 10 ms call takes 700 ms).
CHUNK_ROWS = 4096
CHUNK_CELLS = 2**18
# Below this many answers (rows × indicators) sorting and numpy.add.reduceat (a few ns per
# answer) beat importing scipy.sparse (about 0.15 s); both give the same sums up to rounding.
SPARSE_FROM_CELLS = 3_000_000


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

    ``X`` (rows × indicators, NaN = missing), ``unit_of_row`` (int per row, -1 = none,
    else < ``n_units``), ``weights`` (per row). With ``indicators``, answers to ``share``
    indicators count as 100 (in the set) or 0, as :func:`share_transform`.
    ``row_groups``/``group_columns`` (optional) say which indicator columns count for a
    row's ``responses`` (the indicators of the row's block): ``group_columns[g]`` is a
    boolean mask over indicators for group g, ``row_groups[r]`` the group of row r.
    The first two results are float (units × indicators), counts int64, responses int64.
    """
    X = np.asarray(X, dtype=np.float64)
    n_rows, n_ind = X.shape
    rows = _KeptRows(np.asarray(unit_of_row), np.asarray(weights, dtype=np.float64), n_units,
                     sparse=n_rows * n_ind >= SPARSE_FROM_CELLS)
    wx = np.zeros((n_units, n_ind))
    # valid-mask sums: per unit Σw (unless all weights are 1) and Σ1, columns = indicators
    # + one for "answered anything in its block"
    valid_sums = np.zeros((rows.kinds * n_units, n_ind + 1))
    if rows.count and n_ind:
        shares = _share_tests(indicators or [])
        answered = _AnsweredRule(n_ind, row_groups, group_columns)
        size = min(CHUNK_ROWS, max(64, CHUNK_CELLS // (n_ind + 1)), n_rows)
        x_buf, v_buf = np.empty((size, n_ind)), np.empty((size, n_ind + 1))
        for start in range(0, n_rows, size):
            stop = min(start + size, n_rows)
            chunk, x, v = X[start:stop], x_buf[:stop - start], v_buf[:stop - start]
            _split_chunk(chunk, x, v[:, :n_ind], shares)
            answered.fill(v, row_groups, start, stop)
            rows.add_chunk(start, stop, x, v, wx, valid_sums)
    ones = valid_sums[(rows.kinds - 1) * n_units:]
    wsum = valid_sums[:n_units, :n_ind] if rows.kinds == 2 else ones[:, :n_ind].copy()
    return wx, wsum, ones[:, :n_ind].round().astype(np.int64), \
        ones[:, n_ind].round().astype(np.int64)


def _split_chunk(chunk: np.ndarray, x: np.ndarray, valid: np.ndarray, shares) -> None:
    """Fill ``x`` with the answers (0 where missing, shares as 100/0) and ``valid`` with 1/0.

    ``fmax(v, 0)`` turns NaN into 0 without branches (a masked copy mispredicts on
    scattered blanks and costs three times as much); chunks with a negative answer add
    ``fmin(v, 0)`` back, which restores every value exactly.
    """
    np.fmax(chunk, 0.0, out=x)
    lowest = np.fmin.reduce(chunk, axis=None)
    if not lowest >= 0:  # also true for an all-missing chunk (NaN)
        x += np.fmin(chunk, 0.0)
    np.equal(chunk, chunk, out=valid)
    for columns, test in shares:
        with np.errstate(invalid="ignore"):
            hit = test(chunk[:, columns])
        if isinstance(columns, slice):  # a view: write in place
            np.multiply(hit, 100.0, out=x[:, columns])
        else:
            x[:, columns] = 100.0 * hit


def _share_tests(indicators: list[Indicator]) -> list:
    """(columns, test) pairs, one per distinct ``share_of`` set and one for all ranges."""
    by_set: dict[tuple, list[int]] = {}
    ranged, lows, highs = [], [], []
    for i, ind in enumerate(indicators):
        if ind.statistic != "share":
            continue
        if ind.share_of is not None:
            by_set.setdefault(tuple(ind.share_of), []).append(i)
        else:
            ranged.append(i)
            lows.append(ind.share_range[0])
            highs.append(ind.share_range[1])
    tests = [(_columns(cols), lambda sub, s=s: _equals_any(sub, s))
             for s, cols in by_set.items()]
    if ranged:
        lo, hi = np.array(lows), np.array(highs)
        tests.append((_columns(ranged), lambda sub: (sub >= lo) & (sub <= hi)))
    return tests


def _equals_any(sub: np.ndarray, values: tuple) -> np.ndarray:
    """``numpy.isin(sub, values)`` (numeric equality; NaN matches nothing) for a short
    set, without isin's copy of a strided ``sub``."""
    hit = np.zeros(sub.shape, bool)
    for value in values:
        hit |= sub == value
    return hit


def _columns(cols: list[int]):
    """A slice when the columns are evenly spaced (a view, no copy), else the index list."""
    step = cols[1] - cols[0] if len(cols) > 1 else 1
    if step > 0 and cols == list(range(cols[0], cols[-1] + 1, step)):
        return slice(cols[0], cols[-1] + 1, step)
    return np.array(cols)


class _KeptRows:
    """The rows that count (unit ≥ 0, weight > 0), their units and weights, and how a
    chunk of them is added to the per-unit sums (:meth:`add_chunk`)."""

    def __init__(self, unit_of_row: np.ndarray, weights: np.ndarray, n_units: int,
                 sparse: bool):
        keep = (unit_of_row >= 0) & (weights > 0)
        n = len(keep)
        self.sparse, self.keep = sparse, keep
        idx = np.int32 if 2 * (n + n_units) < 2**31 else np.int64
        self.offset = np.empty(n + 1, idx)
        self.offset[0] = 0
        np.cumsum(keep, out=self.offset[1:])
        self.count, self.n_units = int(self.offset[-1]), n_units
        self._steps, self._matrices = np.arange(min(n, CHUNK_ROWS) + 1, dtype=idx), {}
        units, w = (unit_of_row, weights) if self.count == n else (unit_of_row[keep],
                                                                    weights[keep])
        if self.count and units.max() >= n_units:
            raise ValueError(f"unit code {units.max()} is not below n_units={n_units}")
        self.units, self.weights = units.astype(idx), w
        self.kinds = 1 if np.all(w == 1.0) else 2
        self._kind_steps = self._steps * self.kinds
        if not sparse or self.kinds == 1:
            self.kind_data, self.kind_units = np.ones(len(w)), self.units
            return
        # per row: its weight in its unit's row, 1 in the unit's row of the lower half
        self.kind_data = np.ones(2 * len(w))
        self.kind_data[0::2] = w
        self.kind_units = np.empty(2 * len(w), idx)
        self.kind_units[0::2] = self.units
        np.add(self.units, n_units, out=self.kind_units[1::2])

    def add_chunk(self, start: int, stop: int, x: np.ndarray, v: np.ndarray,
                  wx: np.ndarray, valid_sums: np.ndarray) -> None:
        """Add rows start:stop (``x`` answers, ``v`` valid mask + answered column) to
        ``wx`` (Σw·x) and ``valid_sums`` (Σw·v over Σv when weights vary, else Σv).
        Rows are in the chunk's own order; each unit's rows are added in that order."""
        if self.sparse:
            by_weight, by_kind = self.matrices(start, stop)
            wx += by_weight @ x
            valid_sums += by_kind @ v
            return
        a, b = self.offset[start], self.offset[stop]
        if a == b:
            return
        order = np.argsort(self.units[a:b], kind="stable")  # rows of a unit together
        units, w = self.units[a:b][order], self.weights[a:b][order, None]
        rows = np.flatnonzero(self.keep[start:stop])[order] if b - a < stop - start else order
        x, v = x[rows], v[rows]
        starts = np.flatnonzero(np.concatenate([[True], units[1:] != units[:-1]]))
        present = units[starts]
        wx[present] += np.add.reduceat(w * x, starts)
        if self.kinds == 2:
            valid_sums[present] += np.add.reduceat(w * v, starts)
            present = present + self.n_units
        valid_sums[present] += np.add.reduceat(v, starts)

    def matrices(self, start: int, stop: int):
        """Sparse (units × rows start:stop) matrices: ``by_weight`` holds each row's weight
        in its unit's row; ``by_kind`` stacks the weights (left out when every weight is 1)
        over ones. Their arrays are views, not copies."""
        a, b = self.offset[start], self.offset[stop]
        n, k = stop - start, self.kinds
        if self.count == len(self.offset) - 1 and n < len(self._steps):
            ptr, kind_ptr = self._steps[:n + 1], self._kind_steps[:n + 1]  # all rows count
        else:
            ptr = self.offset[start:stop + 1] - a
            kind_ptr = k * ptr
        return (self._matrix(0, n, self.weights[a:b], self.units[a:b], ptr),
                self._matrix(1, n, self.kind_data[k * a:k * b], self.kind_units[k * a:k * b],
                             kind_ptr))

    def _matrix(self, which: int, n: int, data, indices, indptr):
        """A csc_array over the given arrays. Chunks of one size reuse one matrix object
        and rebind its arrays, which skips scipy's constructor checks (10–25 µs a matrix,
        against about 70 µs for a 4096-row product)."""
        from scipy.sparse import csc_array

        matrix = self._matrices.get((which, n))
        if matrix is None:
            rows = self.n_units * (1 if which == 0 else self.kinds)
            matrix = self._matrices[which, n] = csc_array((data, indices, indptr),
                                                          shape=(rows, n))
        matrix.data, matrix.indices, matrix.indptr = data, indices, indptr
        return matrix


class _AnsweredRule:
    """Writes 1/0 "answered at least one indicator of its group" into the last column.

    Columns are cut into runs of equal group membership; a row's valid answers per run
    are one matrix-vector product (per-row reductions in numpy cost 8× more), and the
    runs that belong to the row's group decide."""

    def __init__(self, n_ind: int, row_groups, group_columns):
        self.n_ind, self.bounds, self.includes = n_ind, [0, n_ind], None
        self.ones = np.ones(n_ind)
        if row_groups is None:
            return
        member = np.asarray(group_columns, bool)
        change = np.flatnonzero(np.any(member[:, 1:] != member[:, :-1], axis=0)) + 1
        self.bounds = [0, *change.tolist(), n_ind]
        includes = member[:, self.bounds[:-1]]  # (groups × runs)
        if not (len(self.bounds) == 2 and includes.all()):
            self.includes = includes.astype(np.float64)

    def fill(self, v: np.ndarray, row_groups, start: int, stop: int) -> None:
        valid, out = v[:, :self.n_ind], v[:, self.n_ind]
        if self.includes is None:
            np.minimum(valid @ self.ones, 1.0, out=out)
            return
        chosen = self.includes[row_groups[start:stop]]  # (rows × runs)
        total = np.zeros(len(out))
        for r, (a, b) in enumerate(zip(self.bounds[:-1], self.bounds[1:])):
            total += (valid[:, a:b] @ self.ones[a:b]) * chosen[:, r]
        np.minimum(total, 1.0, out=out)


def unit_values(X: np.ndarray, unit_of_row: np.ndarray, weights: np.ndarray, n_units: int,
                indicators: list[Indicator], min_indicator_responses: int = 1,
                unit_blocks: np.ndarray | None = None,
                block_columns: np.ndarray | None = None) -> UnitValues:
    """Weighted ``mean`` (Σwv/Σw) and ``share`` (100·Σ_{v∈S} w/Σw) per unit and indicator.

    ``unit_blocks[u]`` and ``block_columns[b]`` (indicator mask of block b) restrict
    ``responses`` to the answers to a unit's own block's indicators.
    """
    row_groups = None
    if unit_blocks is not None and not np.all(block_columns):  # else every row: any column
        row_groups = np.where(unit_of_row >= 0, unit_blocks[np.maximum(unit_of_row, 0)], 0)
    wx, wsum, counts, responses = unit_sums(X, unit_of_row, weights, n_units, indicators,
                                            row_groups, block_columns)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = wx / wsum
    values[(counts < min_indicator_responses) | (wsum <= 0)] = np.nan
    return UnitValues(values, counts, responses)
