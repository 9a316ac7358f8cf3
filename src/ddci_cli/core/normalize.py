"""Normalisation of unit values to scores (SPEC §4, "Normalisation").

Every function takes ``x`` of shape (..., units, indicators) — NaN where a unit has no
value or takes no part — and returns scores of the same shape. Leading axes are batches
(bootstrap replicates, Monte Carlo runs): the arithmetic is the same for each.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ddci_cli.core.rank import significant_keys
from ddci_cli.method.model import Indicator, Method

CONSTANT_TOL = 1e-9


@dataclass(frozen=True)
class NormParams:
    """Per-indicator parameters: direction ``d`` (±1), goalposts ``low``/``high``."""

    method: str
    a: float
    b: float
    mu: float
    sigma: float
    d: np.ndarray
    low: np.ndarray
    high: np.ndarray


def norm_params(method: Method, indicators: list[Indicator], name: str | None = None,
                range_: tuple[float, float] | None = None) -> NormParams:
    """Parameters for ``indicators`` under ``method`` (or the method ``name`` given)."""
    low, high = [], []
    for ind in indicators:
        bounds = ind.goalposts or (ind.valid if ind.statistic == "mean" else (0.0, 100.0))
        bounds = bounds or (np.nan, np.nan)
        low.append(bounds[0])
        high.append(bounds[1])
    a, b = range_ or method.range
    return NormParams(name or method.normalization, a, b, method.zscore[0], method.zscore[1],
                      np.array([i.direction for i in indicators], float), np.array(low, float),
                      np.array(high, float))


@dataclass(frozen=True)
class Fitted:
    """What normalisation learns from a set of units, per indicator (shape (..., indicators)):
    min and max (minmax), mean and sample sd (zscore), the count of units with a value
    (:func:`is_constant` tells the constant indicators). Fitted on one set of units (a
    year, pooled years, a replicate) and applied to another with :func:`apply`."""

    lo: np.ndarray
    hi: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    n: np.ndarray

    def columns(self, cols) -> "Fitted":
        """The same bounds for the indicators ``cols`` only (last axis)."""
        return Fitted(*(getattr(self, f.name)[..., cols] for f in fields(self)))


def fit(x: np.ndarray, p: NormParams) -> Fitted:
    """Bounds and moments of ``x`` (..., units, indicators) over the units axis (NaN = no
    value). ``goalposts``, ``rank`` and ``none`` need nothing from the data but the count."""
    has = ~np.isnan(x)
    n = has.sum(axis=-2)
    lo = np.where(has, x, np.inf).min(axis=-2)
    hi = np.where(has, x, -np.inf).max(axis=-2)
    if p.method != "zscore":  # the moments cost two passes that only zscore uses
        return Fitted(lo, hi, np.full(lo.shape, np.nan), np.full(lo.shape, np.nan), n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(has, x, 0.0).sum(axis=-2) / n
        dev = np.where(has, x - mean[..., None, :], 0.0)
        sd = np.sqrt((dev ** 2).sum(axis=-2) / (n - 1))
    return Fitted(lo, hi, mean, sd, n)


def apply(x: np.ndarray, p: NormParams, fitted: Fitted) -> tuple[np.ndarray, np.ndarray]:
    """Scores of ``x`` under ``p`` with bounds ``fitted`` (from :func:`fit`, on these units
    or others), and a (..., indicators) mask of constant indicators (minmax/zscore)."""
    return _METHODS[p.method](x, p, fitted)


def normalize(x: np.ndarray, p: NormParams) -> tuple[np.ndarray, np.ndarray]:
    """Fit on ``x`` and apply to ``x``: the per-block normalisation of SPEC §4."""
    return apply(x, p, fit(x, p))


def is_constant(f: Fitted) -> np.ndarray:
    """(..., indicators): the units with a value all have (about) the same value."""
    return _constant(f.lo, f.hi) & np.isfinite(f.lo)


def _constant(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return (hi - lo) <= CONSTANT_TOL * np.maximum(1.0, np.abs(hi))


def minmax(x: np.ndarray, p: NormParams, f: Fitted):
    lo, hi = f.lo, f.hi
    const = is_constant(f)
    span = np.where(const, 1.0, hi - lo)
    lo_e, hi_e, span_e = lo[..., None, :], hi[..., None, :], span[..., None, :]
    frac = np.where(p.d > 0, (x - lo_e) / span_e, (hi_e - x) / span_e)
    s = p.a + (p.b - p.a) * frac
    s = np.where(const[..., None, :] & ~np.isnan(x), (p.a + p.b) / 2, s)
    return s, const


def goalposts(x: np.ndarray, p: NormParams, f: Fitted):
    xc = np.clip(x, p.low, p.high)
    span = p.high - p.low
    frac = np.where(p.d > 0, (xc - p.low) / span, (p.high - xc) / span)
    return p.a + (p.b - p.a) * frac, np.zeros(x.shape[:-2] + x.shape[-1:], bool)


def zscore(x: np.ndarray, p: NormParams, f: Fitted):
    has = ~np.isnan(x)
    n = f.n
    const = (_constant(f.lo, f.hi) | (n < 2)) & (n > 0)
    sd_e = np.where(const, 1.0, f.sd)[..., None, :]
    s = p.mu + p.sigma * p.d * (x - f.mean[..., None, :]) / sd_e
    s = np.where(const[..., None, :] & has, p.mu, s)
    return s, const & (n >= 2)


def rank(x: np.ndarray, p: NormParams, f: Fitted):
    """Average-ties ranks of the units of ``x`` itself (ranks have no bounds to carry)."""
    from scipy.stats import rankdata

    keyed = significant_keys(p.d * x, 10)
    has = ~np.isnan(x)
    # NaN sorts last and takes the highest ranks, so the valid ranks are 1..N as wanted
    r = rankdata(np.where(has, keyed, np.inf), method="average", axis=-2)
    n = has.sum(axis=-2)[..., None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(n > 1, p.a + (p.b - p.a) * (r - 1) / (n - 1), (p.a + p.b) / 2)
    return np.where(has, s, np.nan), np.zeros(x.shape[:-2] + x.shape[-1:], bool)


def none(x: np.ndarray, p: NormParams, f: Fitted):
    return x.copy(), np.zeros(x.shape[:-2] + x.shape[-1:], bool)


_METHODS = {"minmax": minmax, "goalposts": goalposts, "zscore": zscore, "rank": rank,
            "none": none}
