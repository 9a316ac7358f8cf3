"""Statuses, rounding keys, ranks and tiers (SPEC §4, "Eligibility", "Rounding key", "Rank",
"Tier"): the one ranking rule that score, pooled bounds, bootstrap, sensitivity and compare
all call, on one composite vector or on a batch of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

OK, INCOMPLETE, INSUFFICIENT = "ok", "incomplete", "insufficient_responses"

# A scaled value |c|·10^d is computed with a relative error below 1e-15 (one rounding of the
# product, and repr(c) differs from c by half an ulp), so a fraction farther than this from
# .5 rounds the same way as the exact decimal; nearer ones are rounded exactly with Decimal.
_NEAR_ABS, _NEAR_REL = 1e-6, 1e-13


@dataclass(frozen=True)
class Ranking:
    """The outcome of the ranking rule for units along the last axis (``...`` = batch)."""

    ok: np.ndarray      # (..., units) bool: eligible and with a composite
    keys: np.ndarray    # (..., units) rounded composites; NaN where not ok
    rank: np.ndarray    # (..., units) int, 1 = best within its group; 0 = not ranked
    tier: np.ndarray    # (..., units) int index into the tiers by descending min; -1 = none

    def statuses(self, eligible: np.ndarray) -> list[str]:
        """Per-unit status of a single (unbatched) ranking."""
        return [OK if o else INCOMPLETE if e else INSUFFICIENT
                for o, e in zip(self.ok.tolist(), np.asarray(eligible).tolist())]


def rank_units(composite: np.ndarray, groups: list[np.ndarray], decimals: int,
               tier_mins: list[float] | tuple[float, ...] = (),
               eligible: np.ndarray | None = None) -> Ranking:
    """Rank ``composite`` (..., units) within each group of unit indices (a block).

    A unit is ranked when it is ``eligible`` (default: all) and its composite is not NaN;
    its key is the composite rounded to ``decimals`` places; rank is 1 + the number of
    units of its group with a larger key; tier is the first of ``tier_mins`` (descending)
    with min ≤ key."""
    composite = np.asarray(composite, dtype=float)
    ok = ~np.isnan(composite)
    if eligible is not None:
        ok &= np.asarray(eligible, bool)
    keys = np.where(ok, rounding_keys(composite, decimals), np.nan)
    rank = np.zeros(composite.shape, int)
    for units in groups:
        if len(units):
            rank[..., units] = competition_ranks(keys[..., units], ok[..., units])
    tier = np.where(ok, tier_index(keys, list(tier_mins)), -1) if len(tier_mins) else \
        np.full(composite.shape, -1)
    return Ranking(ok, keys, rank, tier)


def rounding_keys(composite: np.ndarray, decimals: int) -> np.ndarray:
    """Composites rounded half away from zero on their shortest decimal repr (what Excel
    shows): ``Decimal(repr(c)).quantize(10**-decimals, ROUND_HALF_UP)`` for every
    ``decimals`` from 0 to 15. Vectorised; a value whose scaled fraction is near .5, within
    the float error of the scaling, is rounded through ``Decimal``."""
    c = np.asarray(composite, dtype=float)
    scale = 10.0 ** decimals
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.abs(c) * scale
        whole = np.floor(scaled + 0.5)
        frac = scaled - np.floor(scaled)
        near = np.isfinite(c) & (np.abs(frac - 0.5) < _NEAR_ABS + _NEAR_REL * scaled)
    out = np.sign(c) * whole / scale  # n / 10^d correctly rounded: the nearest double
    if near.any():
        quantum = Decimal(1).scaleb(-decimals)
        flat_out, flat_c = out.reshape(-1), c.reshape(-1)
        for k in np.flatnonzero(near.reshape(-1)):
            flat_out[k] = float(Decimal(repr(float(flat_c[k]))).quantize(quantum, ROUND_HALF_UP))
        out = flat_out.reshape(c.shape)
    return out


def significant_keys(x: np.ndarray, digits: int = 10) -> np.ndarray:
    """``x`` rounded half away from zero to ``digits`` significant digits of its shortest
    repr (SPEC §4 "rank": values equal to 10 significant digits are ties). Equal rounded
    decimals give equal floats, which is all a tie test needs."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mag = np.floor(np.log10(np.abs(x)))
        mag = np.where(np.isfinite(mag), mag, 0.0)
        places = digits - 1 - mag
        scale = 10.0 ** places
        scaled = np.abs(x) * scale
        whole = np.floor(scaled + 0.5)
        frac = scaled - np.floor(scaled)
        # log10 may be off by one next to a power of ten, and 10^places is exact only for
        # 0 ≤ places ≤ 22: such values go through Decimal too
        near = np.isfinite(x) & (x != 0) & (
            (np.abs(frac - 0.5) < _NEAR_ABS + _NEAR_REL * scaled)
            | (scaled < 10.0 ** (digits - 1)) | (scaled >= 10.0 ** digits)
            | (places < 0) | (places > 22))
        out = np.where(x == 0, 0.0, np.sign(x) * whole / scale)
    if near.any():
        flat_out, flat_x = out.reshape(-1), x.reshape(-1)
        for k in np.flatnonzero(near.reshape(-1)):
            d = Decimal(repr(float(flat_x[k])))
            quantum = Decimal(1).scaleb(d.adjusted() - digits + 1)
            flat_out[k] = float(d.quantize(quantum, ROUND_HALF_UP))
        out = flat_out.reshape(x.shape)
    return out


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
