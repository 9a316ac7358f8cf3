"""Imputation of missing unit values (SPEC §10, "Imputation"), on arrays.

``x`` has shape (..., units, indicators) — one block's units, NaN where a unit has no
value — with optional leading batch axes (bootstrap replicates, Monte Carlo runs); the
arithmetic is the same for each batch row. ``groups`` (units,) gives each unit's
imputation group (0..G−1): all zeros for ``by = "block"``, else the unit's attribute.
Imputation never crosses blocks because every call holds one block.
"""

from __future__ import annotations

import warnings

import numpy as np

METHODS = ("none", "mean", "median")


def impute(x: np.ndarray, groups: np.ndarray, how: str,
           takes_part: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(values, imputed): ``x`` with each missing value replaced by the mean (median) of
    the values of the units in the same group, and a mask of the values replaced.

    ``takes_part`` (..., units), default every unit, marks the eligible units: only they are
    imputed (an ineligible unit's NaN row in a Monte Carlo run stays NaN; it holds no value,
    so it never enters a group's mean either). A group with no value for an indicator
    leaves it missing. Observed values are never changed.
    """
    if how == "none" or x.shape[-2] == 0 or x.shape[-1] == 0:
        return x, np.zeros(x.shape, bool)
    has = ~np.isnan(x)
    fill = _group_stat(x, has, np.asarray(groups, int), how)  # (..., units, indicators)
    part = np.ones(x.shape[:-1] + (1,), bool) if takes_part is None else \
        np.asarray(takes_part, bool)[..., None]
    imputed = ~has & part & ~np.isnan(fill)
    return np.where(imputed, fill, x), imputed


def _group_stat(x: np.ndarray, has: np.ndarray, groups: np.ndarray, how: str) -> np.ndarray:
    """Each unit's group mean (median) per indicator, broadcast back to (..., units, ind)."""
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    if how == "mean":
        onehot = np.zeros((len(groups), n_groups))
        onehot[np.arange(len(groups)), groups] = 1.0
        # (..., G, ind) sums and counts over each group's units: one product each
        sums = np.swapaxes(np.swapaxes(np.where(has, x, 0.0), -1, -2) @ onehot, -1, -2)
        counts = np.swapaxes(np.swapaxes(has.astype(float), -1, -2) @ onehot, -1, -2)
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = np.where(counts > 0, sums / counts, np.nan)
        return stat[..., groups, :]
    out = np.full(x.shape, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a group without values: NaN
        for g in range(n_groups):
            members = np.flatnonzero(groups == g)
            med = np.nanmedian(x[..., members, :], axis=-2)
            out[..., members, :] = med[..., None, :]
    return out
