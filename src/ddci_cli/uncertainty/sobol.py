"""Variance-based sensitivity indices: the Saltelli design and its estimators.

Independent of the index: a model is any function from points of the unit hypercube
(rows of an (n × dims) array) to one number per point. Inputs may be grouped (several
columns varied together, e.g. all sub-index weights), and the indices are then those of
the groups. Estimators (as in Saltelli et al. 2010, Table 2):

- first order  S_i  = mean(f(B) · (f(AB_i) − f(A))) / V      (Saltelli 2010)
- total        ST_i = mean((f(A) − f(AB_i))²) / 2 / V         (Jansen 1999)

with V the variance of f over the 2n points of A and B. Both are unbiased but noisy: a
small negative estimate means "no detectable effect", and is kept as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BOOTSTRAP_RESAMPLES = 1000
CONFIDENCE = 0.95


def is_power_of_two(n: int) -> bool:
    return n >= 1 and (n & (n - 1)) == 0


def base_samples(n: int, dims: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Matrices A and B (n × dims each) from one scrambled Sobol sequence of dimension
    2·dims (``scipy.stats.qmc.Sobol(scramble=True, seed=seed)``); n should be a power of
    two, which keeps the sequence balanced."""
    from scipy.stats import qmc

    points = qmc.Sobol(d=2 * dims, scramble=True, seed=seed).random(n)
    return points[:, :dims], points[:, dims:]


def saltelli_points(a: np.ndarray, b: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    """The (n·(k+2) × dims) design: A, B, then AB_1 … AB_k, where AB_i is A with the
    columns of group i taken from B. ``groups[i]`` lists the columns of group i."""
    blocks = [a, b]
    for cols in groups:
        ab = a.copy()
        ab[:, cols] = b[:, cols]
        blocks.append(ab)
    return np.concatenate(blocks, axis=0)


def split_outputs(y: np.ndarray, n: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f(A) (n), f(B) (n) and f(AB_i) (k × n) from outputs in :func:`saltelli_points` order."""
    y = np.asarray(y, dtype=float)
    return y[:n], y[n:2 * n], y[2 * n:].reshape(k, n)


def first_order(fa: np.ndarray, fb: np.ndarray, fab: np.ndarray,
                var: np.ndarray | None = None) -> np.ndarray:
    """Saltelli (2010) first-order estimates; leading axes of ``fa``/``fb`` (n on the last)
    broadcast against ``fab`` (..., k, n). ``var``: the output variance, if known."""
    var = _variance(fa, fb) if var is None else var
    return (fb[..., None, :] * (fab - fa[..., None, :])).mean(axis=-1) / var[..., None]


def total_order(fa: np.ndarray, fb: np.ndarray, fab: np.ndarray,
                var: np.ndarray | None = None) -> np.ndarray:
    """Jansen total-effect estimates, same shapes as :func:`first_order`."""
    var = _variance(fa, fb) if var is None else var
    return 0.5 * ((fa[..., None, :] - fab) ** 2).mean(axis=-1) / var[..., None]


def _variance(fa: np.ndarray, fb: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.concatenate([fa, fb], axis=-1).var(axis=-1)
    # a model whose output never moves has no variance to share out: indices are undefined
    return np.where(var > 0, var, np.nan)


@dataclass
class SobolIndices:
    """Estimates per input group (arrays of length k) and their bootstrap intervals
    (k × 2, percentile method); NaN when the output did not vary."""

    first_order: np.ndarray
    total: np.ndarray
    first_order_ci: np.ndarray
    total_ci: np.ndarray


def sobol_indices(fa: np.ndarray, fb: np.ndarray, fab: np.ndarray, seed: int = 0,
                  resamples: int = BOOTSTRAP_RESAMPLES,
                  confidence: float = CONFIDENCE) -> SobolIndices:
    """First-order and total indices with bootstrap intervals: the n base rows are
    resampled with replacement ``resamples`` times (the same rows for A, B and every AB_i,
    which keeps the estimator's pairing) and the interval is the central ``confidence``
    share of the resampled estimates."""
    n, k = len(fa), len(fab)
    rows = np.random.default_rng(np.random.SeedSequence(seed)).integers(0, n, (resamples, n))
    boot_a, boot_b = fa[rows], fb[rows]                     # (resamples × n)
    b1, bt = np.empty((resamples, k)), np.empty((resamples, k))
    with np.errstate(invalid="ignore", divide="ignore"):
        s1 = first_order(fa, fb, fab)
        st = total_order(fa, fb, fab)
        var = _variance(boot_a, boot_b)
        for i in range(k):  # one group at a time keeps memory at resamples × n
            boot_ab = fab[i][rows][:, None, :]
            b1[:, i] = first_order(boot_a, boot_b, boot_ab, var)[:, 0]
            bt[:, i] = total_order(boot_a, boot_b, boot_ab, var)[:, 0]
    tail = 100 * (1 - confidence) / 2
    return SobolIndices(s1, st, _interval(b1, tail), _interval(bt, tail))


def _interval(boot: np.ndarray, tail: float) -> np.ndarray:
    """(k × 2) percentile interval of the bootstrap estimates (resamples × k)."""
    out = np.full((boot.shape[1], 2), np.nan)
    for i in range(boot.shape[1]):
        finite = boot[:, i][np.isfinite(boot[:, i])]
        if len(finite):
            out[i] = np.percentile(finite, [tail, 100 - tail])
    return out
