"""Sub-indices and the composite (SPEC §4, "Sub-index" and "Composite").

Both are the same operation: a weighted arithmetic or geometric mean over the parts that
have a score, renormalising the weights present, and missing when the weight present is
0 or below ``min_coverage`` of the total. Shapes: parts (..., units, parts) with a
(parts × groups) weight matrix → (..., units, groups).
"""

from __future__ import annotations

import numpy as np

COVERAGE_TOL = 1e-12


def weighted_mean(parts: np.ndarray, weights: np.ndarray, how: str,
                  min_coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """Return (means, nonpositive) where ``nonpositive`` flags geometric inputs ≤ 0.

    ``weights[p, g]`` is part p's weight in group g (0 when p is not in g); it may have
    leading batch axes matching ``parts`` (Monte Carlo weights).
    """
    has = ~np.isnan(parts)
    present = has.astype(float) @ weights
    total = weights.sum(axis=-2)[..., None, :]
    nonpositive = has & (parts <= 0) if how == "geometric" else np.zeros(parts.shape, bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        if how == "geometric":
            logs = np.log(np.where(has & ~nonpositive, parts, 1.0))
            out = np.exp((logs @ weights) / present)
        else:
            out = (np.where(has, parts, 0.0) @ weights) / present
    short = (present <= 0) | (present < min_coverage * total * (1 - COVERAGE_TOL))
    if how == "geometric":
        # checked after the coverage rule (SPEC §4): a part of a group that coverage drops
        # enters no mean, so it is no error
        dropped = (short.astype(float) @ np.swapaxes(weights, -1, -2)) > 0
        nonpositive = nonpositive & ~dropped  # not in place: weights may carry a batch axis
        short |= (nonpositive.astype(float) @ weights) > 0
    return np.where(short, np.nan, out), nonpositive


def membership(part_groups: list[int], part_weights: list[float], n_groups: int,
               active: np.ndarray | None = None) -> np.ndarray:
    """(parts × groups) weight matrix; ``active`` masks parts that exist in the block."""
    w = np.zeros((len(part_groups), n_groups))
    for p, (g, wt) in enumerate(zip(part_groups, part_weights)):
        if active is None or active[p]:
            w[p, g] = wt
    return w
