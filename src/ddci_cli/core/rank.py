"""Ranks and tiers on rounded composites (SPEC §4, "Rounding key", "Rank", "Tier")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np

_AMBIGUOUS = 1e-6  # scaled values this close to .5 are rounded exactly via Decimal


def rounding_keys(composite: np.ndarray, decimals: int) -> np.ndarray:
    """Composites rounded half away from zero on their shortest decimal repr (what Excel
    shows). Vectorised; values whose scaled fraction is near .5 go through ``Decimal``."""
    c = np.asarray(composite, dtype=float)
    scale = 10.0 ** decimals
    scaled = np.abs(c) * scale
    keys = np.sign(c) * np.floor(scaled + 0.5) / scale
    frac = scaled - np.floor(scaled)
    near = np.isfinite(c) & (np.abs(frac - 0.5) < _AMBIGUOUS)
    if near.any():
        quantum = Decimal(1).scaleb(-decimals)
        flat_keys, flat_c = keys.reshape(-1), c.reshape(-1)
        for k in np.flatnonzero(near.reshape(-1)):
            flat_keys[k] = float(Decimal(repr(float(flat_c[k]))).quantize(
                quantum, rounding=ROUND_HALF_UP))
        keys = flat_keys.reshape(c.shape)
    return keys


def competition_ranks(keys: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """1 + the number of units with a larger key, along the last axis (ties share the
    lowest rank: 1, 2, 2, 4). NaN keys, or units outside ``mask``, get rank 0."""
    keys = np.asarray(keys, dtype=float)
    ok = ~np.isnan(keys) if mask is None else mask & ~np.isnan(keys)
    k = np.where(ok, keys, -np.inf)
    # sort, not all pairs: O(U log U) time and O(U) memory per row of a Monte Carlo batch
    order = np.argsort(-k, axis=-1)  # ties need no stable order: they share a rank
    ordered = np.take_along_axis(k, order, axis=-1)
    starts = np.ones(k.shape, bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    position = np.broadcast_to(np.arange(k.shape[-1]), k.shape)
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)  # tie group's
    ranks = np.empty(k.shape, int)
    np.put_along_axis(ranks, order, first + 1, axis=-1)
    return np.where(ok, ranks, 0)


def tier_index(keys: np.ndarray, mins: list[float]) -> np.ndarray:
    """Index into ``mins`` (sorted descending) of the first tier with min ≤ key; -1 when
    below every tier or the key is NaN."""
    keys = np.asarray(keys, dtype=float)
    out = np.full(keys.shape, -1)
    for t in range(len(mins) - 1, -1, -1):
        out = np.where(keys >= mins[t], t, out)
    return np.where(np.isnan(keys), -1, out)
