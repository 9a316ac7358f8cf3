"""Outlier treatment of unit values (SPEC §10, "Treatment"), COINr's rule, on arrays.

``x`` has shape (..., units, indicators): one block's units after imputation, NaN where a
unit has no value; leading axes are batches. Every indicator column of every batch row is
treated on its own, all of them at once: one pass of the loop winsorises one more level
in every column that still fails, so the loop runs at most ``winmax`` times.

Skewness ``G1 = √(n(n−1))/(n−2) · m3/m2^{3/2}`` and excess kurtosis
``G2 = ((n+1)(m4/m2² − 3) + 6)(n−1)/((n−2)(n−3))`` (central moments with divisor n) over
the units with a value; fewer than 4 values: untreated. An indicator passes when
``|G1| < skew`` or ``G2 < kurtosis``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METHODS = ("none", "winsorise")
FALLBACKS = ("log", "none")
MIN_VALUES = 4


@dataclass(frozen=True)
class Treated:
    """The treated values and, per (..., indicators), what happened.

    ``winsorised`` (..., units, indicators) marks the values replaced by winsorising (none
    where the log replaced the column); ``count`` is COINr's count of points winsorised
    (the last high set plus the last low set; 0 when the column passed untouched);
    ``log`` marks columns replaced by ln(x − min + 0.01(max − min)) of the untreated
    values. ``skew_*``/``kurtosis_*`` are G1/G2 before and after (NaN below 4 values)."""

    values: np.ndarray
    winsorised: np.ndarray
    count: np.ndarray
    log: np.ndarray
    skew_before: np.ndarray
    kurtosis_before: np.ndarray
    skew_after: np.ndarray
    kurtosis_after: np.ndarray


def skew_kurtosis(x: np.ndarray, has: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """G1 and G2 of each column over the units axis (NaN values left out); NaN where a
    column has fewer than 4 values or no spread."""
    has = ~np.isnan(x) if has is None else has
    n = has.sum(axis=-2).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(has, x, 0.0).sum(axis=-2) / n
        d = np.where(has, x - mean[..., None, :], 0.0)
        d2 = d * d
        m2 = d2.sum(axis=-2) / n
        m3 = (d2 * d).sum(axis=-2) / n
        m4 = (d2 * d2).sum(axis=-2) / n
        g1 = np.sqrt(n * (n - 1)) / (n - 2) * m3 / m2 ** 1.5
        g2 = ((n + 1) * (m4 / m2 ** 2 - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    few = (n < MIN_VALUES) | ~(m2 > 0)
    return np.where(few, np.nan, g1), np.where(few, np.nan, g2)


def failing(g1: np.ndarray, g2: np.ndarray, skew: float, kurtosis: float) -> np.ndarray:
    """True where an indicator does not pass (|G1| ≥ skew and G2 ≥ kurtosis); NaN (too
    few values, no spread) passes."""
    return (np.abs(g1) >= skew) & (g2 >= kurtosis)


def treat(x: np.ndarray, winmax: int, skew: float, kurtosis: float,
          fallback: str = "log") -> Treated:
    """Winsorise each failing column up to ``winmax`` points (COINr's rule, SPEC §10), then,
    where it still fails and ``fallback`` is "log", replace the column by the log of its
    untreated values. Returns the treated values and the record of what was done."""
    has = ~np.isnan(x)
    g1_0, g2_0 = skew_kurtosis(x, has)
    w = x.copy()
    high = np.zeros(x.shape, bool)   # the last set winsorised at the top
    low = np.zeros(x.shape, bool)    # ... and at the bottom
    g1, g2 = g1_0, g2_0
    active = failing(g1, g2, skew, kurtosis) & (winmax > 0)
    for _ in range(max(int(winmax), 0)):
        if not active.any():
            break
        up = active & (g1 >= 0)
        stuck_up = _step(w, has, up, high, top=True)
        stuck_down = _step(w, has, active & ~up, low, top=False)
        g1, g2 = skew_kurtosis(w, has)
        count = high.sum(axis=-2) + low.sum(axis=-2)
        active &= failing(g1, g2, skew, kurtosis) & (count < winmax) & ~stuck_up & ~stuck_down
    count = high.sum(axis=-2) + low.sum(axis=-2)
    log = failing(g1, g2, skew, kurtosis) if fallback == "log" else np.zeros(g1.shape, bool)
    if log.any():
        w = np.where(log[..., None, :], _log_ct(x, has), w)
        g1, g2 = skew_kurtosis(w, has)
    winsorised = (high | low) & ~log[..., None, :]
    return Treated(w, winsorised, count, log, g1_0, g2_0, g1, g2)


def _step(w: np.ndarray, has: np.ndarray, cols: np.ndarray, last: np.ndarray, *,
          top: bool) -> np.ndarray:
    """In the columns ``cols``, give every unit holding the maximum (``top``) or minimum the
    largest (smallest) other value, in place in ``w``; ``last`` becomes that set. Returns the
    columns that could not move (every value equal)."""
    if not cols.any():
        return np.zeros(cols.shape, bool)
    sign = 1.0 if top else -1.0
    signed = np.where(has, sign * w, -np.inf)
    extreme = signed.max(axis=-2)
    at = has & (signed == extreme[..., None, :])
    other = np.where(at, -np.inf, signed).max(axis=-2)
    moves = cols & np.isfinite(other)
    change = at & moves[..., None, :]
    w[...] = np.where(change, (sign * other)[..., None, :], w)
    last[...] = np.where(moves[..., None, :], at, last)
    return cols & ~moves


def _log_ct(x: np.ndarray, has: np.ndarray) -> np.ndarray:
    """ln(x − min + 0.01(max − min)) per column over the units with a value (COINr's
    ``log_CT``): defined for any sign of x, and order-preserving."""
    lo = np.where(has, x, np.inf).min(axis=-2)[..., None, :]
    hi = np.where(has, x, -np.inf).max(axis=-2)[..., None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(has, np.log(x - lo + 0.01 * (hi - lo)), np.nan)
