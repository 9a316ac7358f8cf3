"""Bootstrap intervals of changes across years (``compare --bootstrap N``).

Each year is resampled on its own (the surveys are independent samples), with the same
scheme as ``score --bootstrap`` (:mod:`ddci_cli.bootstrap`); replicate r of one year is paired
with replicate r of every other year, and a unit's change in replicate r is computed exactly
as the nominal change (through merges, with the same shares). The 95% percentile interval of
the replicate changes is the interval of the change; a change whose interval includes 0 is
not significant. Year y draws from ``SeedSequence([seed, y])``, so the years' draws are
independent and do not depend on which other years are compared.

With pooled bounds the replicates pool their bounds too: each replicate's unit values of all
years are normalised together, as the nominal scores are.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ddci_cli.years.compare import Change, Comparison, ancestors
from ddci_cli.core.rank import rank_units
from ddci_cli.scores import OK, Scores


def year_seed(seed: int, year: int) -> int:
    """The seed of year ``year``'s replicates (independent streams per year)."""
    return int(np.random.SeedSequence([seed, year]).generate_state(1)[0])


def attach_change_intervals(cmp: Comparison, n: int, seed: int = 0,
                            on_chunk=None) -> None:
    """Set ``ci`` on every defined change of ``cmp`` and ``cmp.bootstrap`` (settings);
    ``on_chunk(k)`` is called after each chunk of k replicates (of n × years)."""
    from ddci_cli.uncertainty.bootstrap import LEVEL

    composite, rank, kinds = replicate_composites(cmp, n, seed, on_chunk)
    for table, q_of in ((cmp.changes, lambda t: t - 1), (cmp.from_first, lambda t: 0)):
        for node, change in table.items():
            if change is not None:
                change.ci = _interval(cmp, node, q_of(node[0]), change, composite, rank)
    cmp.bootstrap = {"replicates": n, "seed": seed, "level": LEVEL, "interval": "percentile",
                     "resampling": sorted(set(kinds)), "pairing": "replicate r of every year",
                     "year_seeds": {str(y): year_seed(seed, y) for y in cmp.years}}


def replicate_composites(cmp: Comparison, n: int, seed: int, advance=None):
    """Per year: (n × units) replicate composites and ranks (NaN = none), and the
    resampling kinds."""
    from ddci_cli.uncertainty.bootstrap import bootstrap_replicates

    composite, rank, kinds = [], [], []
    pooled = cmp.scale == "pooled bounds"
    for year, s in zip(cmp.years, cmp.scores):
        source = _values_only(s) if pooled else s
        reps = bootstrap_replicates(source, n, year_seed(seed, year), keep_scores=pooled,
                                    on_chunk=advance)
        kinds.append(reps.kind)
        if pooled:
            composite.append(reps.scores)  # unit values; normalised together below
        else:
            composite.append(reps.composite)
            rank.append(reps.rank)
    if pooled:
        composite, rank = _pooled_replicates(cmp.scores, composite)
    return composite, rank, kinds


def _values_only(s: Scores) -> Scores:
    """The same Scores with normalisation ``none``: the bootstrap's indicator 'scores' are
    then the replicate unit values."""
    plans = [replace(p, params=replace(p.params, method="none")) for p in s.plans]
    return replace(s, plans=plans)


def _pooled_replicates(scored: list[Scores], values: list[np.ndarray]):
    from ddci_cli.years.pooled import pooled_arrays

    arrays = pooled_arrays(scored, values)
    composite, rank = [], []
    for s, a in zip(scored, arrays):
        ok = np.array([st == OK for st in s.status], bool)
        comp = np.where(ok, a["composite"], np.nan)
        r = np.full(comp.shape, np.nan)
        for plan in s.plans:
            if len(plan.units):
                ranks = rank_units(comp[:, plan.units], [np.arange(len(plan.units))],
                                   s.method.decimals).rank
                r[:, plan.units] = np.where(ranks > 0, ranks, np.nan)
        composite.append(comp)
        rank.append(r)
    return composite, rank


def _interval(cmp: Comparison, node, q: int, change: Change, composite, rank):
    from ddci_cli.uncertainty.bootstrap import percentile_interval

    anc = ancestors(cmp.lineage, node, q)
    t, u = node
    if not anc or any(cmp.block(a) != cmp.block(node) for a in anc):
        return None
    earlier = sum(share * composite[a0][:, a1] for (a0, a1), share in anc.items())
    ci = {"composite": tuple(float(v) for v in percentile_interval(composite[t][:, u] - earlier))}
    if change.rank is not None:
        (a0, a1), = anc
        diff = rank[a0][:, a1] - rank[t][:, u]
        bounds = percentile_interval(diff, discrete=True)
        ci["rank"] = tuple(int(v) if v == v else float(v) for v in bounds)  # whole places
    return ci
