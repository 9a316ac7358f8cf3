"""A plain reference scorer for SPEC §4 ("The arithmetic"), used by test_oracle.py.

Written from the contract alone and sharing no code with ``ddci_cli``: standard library
only, loops instead of arrays, exact ``Fraction`` arithmetic wherever the result is
rational (unit values, minmax, goalposts, rank, arithmetic means, coverage), and 60-digit
``Decimal`` arithmetic for the square root of the z-score and the powers of geometric
means. Numbers from the method file and the survey are read as the decimals they are
written as (``0.9`` is 9/10), so a comparison such as the coverage rule is decided the
way the analyst reads it.

Floats enter only where SPEC defines a rule on a float's shortest representation: the
rounding key of a composite and the 10-significant-digit ties of rank normalisation. There
the exact value is first converted to the nearest float, then ``repr`` is taken.

Input:
    rows    a list of dicts, one per survey row: ``"unit"``, ``"block"`` (a block id or
            None), optionally ``"weight"``, and one entry per indicator column (its name as
            in the method file) holding a number or None (missing).
    method  the method file as parsed by ``tomllib``.

Output of :func:`score`: a list of unit results in order of first appearance, each a dict
shaped like one entry of ``units`` in ``ddci score --json`` (SPEC §6), with floats for the
numbers, plus ``"key"`` (the rounding key, a Decimal, for ranked units), the exact values
under ``"exact"``, under ``"noise"`` a bound on the error a double-precision program may
make on each score, sub-index and composite (first-order propagation of a small relative
error in the unit values), and under ``"fragile"`` the places in the unit's block where
that noise could flip a decision (the constant-indicator test).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

PRECISION = 60  # digits for sqrt, ln and exp

# Relative error a double-precision program may carry in a unit value (a weighted mean of
# a few rows): a generous few thousand ulps. Scores amplify it where normalisation divides
# by a small spread; see :func:`normalise`.
VALUE_NOISE = 1e-12


class NoEligibleUnits(Exception):
    """SPEC §4: when no unit of any block is eligible, error ``no_eligible_units``."""


class NonPositiveScore(Exception):
    """SPEC §4: a score or sub-index ≤ 0 entering a geometric mean is an error."""


# --------------------------------------------------------------------------- numbers

def exact(value) -> Fraction | None:
    """A number as the exact decimal it is written as; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return Fraction(value)
    if isinstance(value, str):
        return Fraction(Decimal(value.strip()))
    raise TypeError(f"not a number: {value!r}")


def to_decimal(value: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return Decimal(value.numerator) / Decimal(value.denominator)


def exact_sqrt(value: Fraction) -> Fraction:
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return Fraction(to_decimal(value).sqrt())


def weighted_geometric_mean(pairs: list[tuple[Fraction, Fraction]]) -> Fraction:
    """Π s^w' for (s, w') pairs whose w' sum to 1, all s > 0: exp(Σ w' ln s)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        total = Decimal(0)
        for s, w in pairs:
            total += to_decimal(w) * to_decimal(s).ln()
        return Fraction(total.exp())


def as_float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


# ------------------------------------------------------------------ keys and ranks

def rounding_key(composite: float, decimals: int) -> Decimal:
    """SPEC §4 "Rounding key": the float's shortest repr rounded half away from zero."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return Decimal(repr(float(composite))).quantize(Decimal(1).scaleb(-decimals),
                                                        rounding=ROUND_HALF_UP)


def significant_key(value: float, digits: int = 10) -> Decimal:
    """The float's shortest repr rounded half away from zero to ``digits`` significant
    digits: the tie rule of rank normalisation."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        d = Decimal(repr(float(value)))
        if d == 0:
            return Decimal(0)
        return d.quantize(Decimal(1).scaleb(d.adjusted() - (digits - 1)),
                          rounding=ROUND_HALF_UP)


def average_ranks(keys: dict) -> dict:
    """1-based ascending ranks, ties sharing the average of their positions."""
    ordered = sorted(keys, key=lambda u: keys[u])
    ranks = {}
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and keys[ordered[j + 1]] == keys[ordered[i]]:
            j += 1
        # positions i..j (0-based) are tied: ranks i+1..j+1, average (i+j+2)/2
        for k in range(i, j + 1):
            ranks[ordered[k]] = Fraction(i + j + 2, 2)
        i = j + 1
    return ranks


def rank_scores(values: dict, a: Fraction, b: Fraction, direction: int) -> dict:
    """SPEC §4 ``rank`` normalisation of {unit: value} (values as floats or Fractions)."""
    n = len(values)
    if n == 1:
        return {u: (a + b) / 2 for u in values}
    keys = {u: significant_key(direction * float(v)) for u, v in values.items()}
    ranks = average_ranks(keys)
    return {u: a + (b - a) * (ranks[u] - 1) / (n - 1) for u in values}


def competition_ranks(keys: dict) -> dict:
    """SPEC §4 "Rank": 1 + the number of units with a larger key."""
    return {u: 1 + sum(1 for other in keys.values() if other > k) for u, k in keys.items()}


def tier_of(key: Decimal, tiers: list[dict]) -> str | None:
    """SPEC §4 "Tier": the first tier, by descending min, with min <= key."""
    for tier in sorted(tiers, key=lambda t: exact(t["min"]), reverse=True):
        if exact(tier["min"]) <= Fraction(key):
            return tier["label"]
    return None


def rank_and_tier(composites: dict, decimals: int, tiers: list[dict]) -> dict:
    """{unit: (rank, tier)} for the ranked units of one block, from their composites."""
    keys = {u: rounding_key(c, decimals) for u, c in composites.items()}
    ranks = competition_ranks(keys)
    return {u: (ranks[u], tier_of(keys[u], tiers)) for u in composites}


def key_is_fragile(composite: Fraction, decimals: int, noise: float = 0.0,
                   ulps: int = 8) -> bool:
    """True when floating-point noise on the composite (a few ulps, plus ``noise``) could
    change its rounding key (it sits on, or next to, a rounding half)."""
    c = float(composite)
    step = math.ulp(c) * ulps + noise
    return len({rounding_key(c - step, decimals), rounding_key(c, decimals),
                rounding_key(c + step, decimals)}) > 1


def significant_key_is_fragile(value: Fraction, ulps: int = 8) -> bool:
    """True when a few ulps of noise on a unit value could change its 10-significant-
    digit key (zero is exact: nothing to round)."""
    v = float(value)
    if v == 0:
        return False
    step = math.ulp(v) * ulps
    return len({significant_key(v - step), significant_key(v), significant_key(v + step)}) > 1


# ------------------------------------------------------------------------ the method

def _pair(table: dict, key: str, default):
    value = table.get(key)
    if value is None:
        return default
    return exact(value[0]), exact(value[1])


def block_ids(method: dict) -> list[str]:
    return [b["id"] for b in method.get("blocks", [])] or ["all"]


def structure(method: dict) -> dict:
    """{block: [(subindex table, [indicator tables present in the block])]}, only the
    sub-indices that exist in the block."""
    blocks = block_ids(method)
    out = {b: [] for b in blocks}
    for sub in method["subindices"]:
        sub_blocks = sub.get("blocks", blocks)
        for b in blocks:
            if b not in sub_blocks:
                continue
            inds = [ind for ind in sub["indicators"] if b in ind.get("blocks", sub_blocks)]
            out[b].append((sub, inds))
    return out


def indicator_column(ind: dict) -> str:
    return ind.get("column", ind["id"])


def unit_value(rows: list[dict], ind: dict, missing_codes: list, has_weight: bool,
               min_indicator_responses: int):
    """(x, n) of one indicator over one unit's rows (SPEC §4 "Unit value")."""
    codes = [exact(c) for c in missing_codes if not isinstance(c, str)]
    codes += [exact(c) for c in ind.get("missing_codes", []) if not isinstance(c, str)]
    valid = _pair(ind, "valid", None)
    statistic = ind.get("statistic", "mean")
    total_w = Fraction(0)
    total_wv = Fraction(0)
    total_in_set = Fraction(0)
    n = 0
    for row in rows:
        w = exact(row["weight"]) if has_weight else Fraction(1)
        if not w > 0:
            continue
        v = exact(row.get(indicator_column(ind)))
        if v is None or v in codes:
            continue
        if valid is not None and not valid[0] <= v <= valid[1]:
            raise ValueError(f"out_of_range: {v} for {ind['id']}")
        n += 1
        total_w += w
        total_wv += w * v
        if statistic == "share":
            if "share_of" in ind:
                inside = any(v == exact(s) for s in ind["share_of"])
            else:
                lo, hi = _pair(ind, "share_range", None)
                inside = lo <= v <= hi
            if inside:
                total_in_set += w
    if n < min_indicator_responses or n == 0:
        return None, n
    if statistic == "share":
        return 100 * total_in_set / total_w, n
    return total_wv / total_w, n


def responses(rows: list[dict], inds: list[dict], missing_codes: list, has_weight: bool) -> int:
    """n_u: rows with weight > 0 and a valid value for at least one indicator."""
    count = 0
    for row in rows:
        w = exact(row["weight"]) if has_weight else Fraction(1)
        if not w > 0:
            continue
        for ind in inds:
            codes = [exact(c) for c in list(missing_codes) + list(ind.get("missing_codes", []))
                     if not isinstance(c, str)]
            v = exact(row.get(indicator_column(ind)))
            if v is not None and v not in codes:
                count += 1
                break
    return count


def normalise(values: dict, ind: dict, method: dict, tie_floats: dict | None = None):
    """({unit: s}, noise, fragile) for {unit: x} over the eligible units of one block
    that have a value.

    ``noise`` bounds the absolute error of a score computed in double precision from unit
    values that carry a relative error VALUE_NOISE: the error amplified by the division
    (large when minmax or zscore divide by a spread of 1e-9). ``fragile`` is True when
    that noise could flip the constant-indicator test.
    ``tie_floats`` ({unit: float}), when given, are the floats whose shortest repr decides
    the 10-significant-digit ties of ``rank``; by default the floats nearest the exact x."""
    norm = method.get("normalization", {})
    how = norm.get("method", "minmax")
    a, b = _pair(norm, "range", (Fraction(0), Fraction(100)))
    d = -1 if ind.get("direction", "positive") == "negative" else 1
    if not values:
        return {}, 0.0, False
    biggest = float(max(abs(x) for x in values.values()))
    if how == "none":
        return dict(values), VALUE_NOISE * biggest, False
    if how == "rank":
        floats = {u: float(x) for u, x in values.items()}
        for u, f in (tie_floats or {}).items():
            if u in floats and f is not None:
                floats[u] = f
        return rank_scores(floats, a, b, d), 0.0, False
    m = min(values.values())
    big_m = max(values.values())
    threshold = Fraction(1, 10 ** 9) * max(Fraction(1), abs(big_m))
    constant = big_m - m <= threshold
    fragile = abs(float(big_m - m - threshold)) <= 4 * VALUE_NOISE * max(1.0, biggest)
    if how == "minmax":
        if constant:
            return {u: (a + b) / 2 for u in values}, 0.0, fragile
        noise = float(abs(b - a)) * 4 * VALUE_NOISE * biggest / float(big_m - m)
        if d > 0:
            scores = {u: a + (b - a) * (x - m) / (big_m - m) for u, x in values.items()}
        else:
            scores = {u: a + (b - a) * (big_m - x) / (big_m - m) for u, x in values.items()}
        return scores, noise, fragile
    if how == "goalposts":
        if "goalposts" in ind:
            low, high = _pair(ind, "goalposts", None)
        elif ind.get("statistic", "mean") == "mean":
            low, high = _pair(ind, "valid", None)
        else:
            low, high = Fraction(0), Fraction(100)
        out = {}
        for u, x in values.items():
            xc = min(max(x, low), high)
            if d > 0:
                out[u] = a + (b - a) * (xc - low) / (high - low)
            else:
                out[u] = a + (b - a) * (high - xc) / (high - low)
        noise = float(abs(b - a)) * 4 * VALUE_NOISE * max(biggest, float(abs(low)),
                                                          float(abs(high))) / float(high - low)
        return out, noise, False
    if how == "zscore":
        mu, sigma = _pair(norm, "zscore", (Fraction(0), Fraction(1)))
        n = len(values)
        if constant or n == 1:
            return {u: mu for u in values}, 0.0, fragile
        mean = sum(values.values(), Fraction(0)) / n
        sd = exact_sqrt(sum(((x - mean) ** 2 for x in values.values()), Fraction(0)) / (n - 1))
        noise = float(abs(sigma)) * 4 * n * VALUE_NOISE * biggest / float(sd)
        return {u: mu + sigma * d * (x - mean) / sd for u, x in values.items()}, noise, fragile
    raise ValueError(f"unknown normalisation {how!r}")


def aggregate(parts: list[tuple[Fraction | None, Fraction, float]], how: str,
              min_coverage: Fraction, what: str) -> tuple[Fraction | None, float]:
    """Weighted mean of (score or None, weight, noise) triples with the coverage rule, and
    the first-order propagation of the parts' noise."""
    total = sum((w for _, w, _ in parts), Fraction(0))
    present = [(s, w, e) for s, w, e in parts if s is not None]
    weight_present = sum((w for _, w, _ in present), Fraction(0))
    if weight_present == 0 or weight_present < min_coverage * total:
        return None, 0.0
    if how == "arithmetic":
        value = sum((w / weight_present * s for s, w, _ in present), Fraction(0))
        noise = sum(float(w / weight_present) * e for _, w, e in present)
        return value, noise
    if how == "geometric":
        for s, _, _ in present:
            if not s > 0:
                raise NonPositiveScore(f"{what}: score {s} <= 0 in a geometric mean")
        value = weighted_geometric_mean([(s, w / weight_present) for s, w, _ in present])
        noise = float(value) * sum(float(w / weight_present) * e / float(s)
                                   for s, w, e in present)
        return value, noise
    raise ValueError(f"unknown aggregation {how!r}")


# ------------------------------------------------------------------------ the scorer

def score(rows: list[dict], method: dict, tie_floats: dict | None = None) -> list[dict]:
    """Every unit's result (see the module docstring). ``tie_floats``, optional, is
    {unit: {indicator: float}}: the unit values whose shortest repr decides rank ties, for
    a caller that must follow another program's floats where they sit on a half."""
    inp = method.get("input", {})
    agg = method.get("aggregation", {})
    decimals = int(method.get("ranking", {}).get("decimals", 2))
    tiers = method.get("tiers", [])
    min_responses = int(inp.get("min_responses", 1))
    min_ind = int(inp.get("min_indicator_responses", 1))
    missing_codes = list(inp.get("missing_codes", []))
    has_weight = "weight_column" in inp
    sub_how = agg.get("subindex", "arithmetic")
    comp_how = agg.get("composite", "arithmetic")
    multiplier = exact(agg.get("multiplier", 1))
    min_coverage = exact(agg.get("min_coverage", 0.5))
    blocks = block_ids(method)
    layout = structure(method)

    # units, their block and rows, in order of first appearance
    unit_rows: dict[str, list[dict]] = {}
    unit_block: dict[str, str] = {}
    for row in rows:
        u = row["unit"]
        if u not in unit_rows:
            unit_rows[u] = []
            unit_block[u] = blocks[0] if len(blocks) == 1 else row["block"]
            if unit_block[u] not in blocks:
                raise ValueError(f"unknown_block for unit {u}")
        unit_rows[u].append(row)

    results = {}
    for u, urows in unit_rows.items():
        b = unit_block[u]
        inds = [ind for _, group in layout[b] for ind in group]
        n_u = responses(urows, inds, missing_codes, has_weight)
        indicators = {}
        for ind in inds:
            x, n = unit_value(urows, ind, missing_codes, has_weight, min_ind)
            indicators[ind["id"]] = {"value": x, "score": None, "n": n, "noise": 0.0}
        results[u] = {"unit": u, "block": b, "responses": n_u,
                      "status": "ok" if n_u >= min_responses else "insufficient_responses",
                      "indicators": indicators, "subindices": {}, "composite": None,
                      "rank": None, "tier": None, "key": None, "noise": {}}

    if not any(r["status"] == "ok" for r in results.values()):
        raise NoEligibleUnits("no unit of any block is eligible")

    block_fragile: dict[str, list[str]] = {b: [] for b in blocks}
    for b in blocks:
        eligible = [u for u, r in results.items() if r["block"] == b and r["status"] == "ok"]
        # normalisation, per indicator over the block's eligible units with a value
        for _, group in layout[b]:
            for ind in group:
                values = {u: results[u]["indicators"][ind["id"]]["value"] for u in eligible}
                values = {u: x for u, x in values.items() if x is not None}
                floats = None
                if tie_floats is not None:
                    floats = {u: tie_floats.get(u, {}).get(ind["id"]) for u in values}
                scores, noise, fragile = normalise(values, ind, method, floats)
                if fragile:
                    block_fragile[b].append(f"constant test of {ind['id']}")
                for u, s in scores.items():
                    results[u]["indicators"][ind["id"]]["score"] = s
                    results[u]["indicators"][ind["id"]]["noise"] = noise
        # sub-indices and composite
        for u in eligible:
            r = results[u]
            sub_parts = []
            for sub, group in layout[b]:
                parts = [(r["indicators"][ind["id"]]["score"], exact(ind.get("weight", 1)),
                          r["indicators"][ind["id"]]["noise"]) for ind in group]
                s_uk, noise = aggregate(parts, sub_how, min_coverage, f"{u}/{sub['id']}")
                r["subindices"][sub["id"]] = s_uk
                r["noise"][sub["id"]] = noise
                sub_parts.append((s_uk, exact(sub.get("weight", 1)), noise))
            c, noise = aggregate(sub_parts, comp_how, min_coverage, f"{u}/composite")
            if c is None:
                r["status"] = "incomplete"
            else:
                r["composite"] = multiplier * c
                r["noise"]["composite"] = float(multiplier) * noise
        ranked = {u: float(results[u]["composite"]) for u in eligible
                  if results[u]["status"] == "ok"}
        for u, (rank, tier) in rank_and_tier(ranked, decimals, tiers).items():
            results[u]["rank"], results[u]["tier"] = rank, tier
            results[u]["key"] = rounding_key(ranked[u], decimals)

    # insufficient units: sub-indices of the block exist but are null
    for r in results.values():
        if r["status"] == "insufficient_responses":
            r["subindices"] = {sub["id"]: None for sub, _ in layout[r["block"]]}

    out = []
    for r in results.values():
        exact_values = {"composite": r["composite"], "subindices": dict(r["subindices"]),
                        "indicators": {i: dict(v) for i, v in r["indicators"].items()}}
        out.append({
            "unit": r["unit"], "block": r["block"], "responses": r["responses"],
            "status": r["status"], "composite": as_float(r["composite"]),
            "rank": r["rank"], "tier": r["tier"], "key": r["key"],
            "subindices": {k: as_float(v) for k, v in r["subindices"].items()},
            "indicators": {i: {"value": as_float(v["value"]), "score": as_float(v["score"]),
                               "n": v["n"]} for i, v in r["indicators"].items()},
            "exact": exact_values,
            "noise": {"indicators": {i: v["noise"] for i, v in r["indicators"].items()},
                      "subindices": {k: v for k, v in r["noise"].items() if k != "composite"},
                      "composite": r["noise"].get("composite", 0.0)},
            "fragile": list(block_fragile[r["block"]]),
        })
    return out
