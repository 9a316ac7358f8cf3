"""The Python API: what ``ddci score`` computes, as frozen results with pandas DataFrames.

    import ddci_cli as ddci
    method = ddci.load_method("data/samples/ddci_haiphong_2024.toml")
    results = ddci.score("data/samples/ddci_haiphong_2024.xlsx", method)
    results.units                       # block, unit, status, responses, composite, rank, tier
    results.rescore(normalization="zscore").units
    results.bootstrap(200, seed=1).units  # with 95 % intervals

Input problems raise :class:`ddci_cli.errors.InputError`, whose ``problems`` lists every
problem found. A pandas DataFrame is accepted wherever a survey path is.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ddci_cli.errors import Problem, ProblemReport, UsageError
from ddci_cli.method.model import Method
from ddci_cli.method.load import load_method
from ddci_cli.pipeline import ReadOptions, score as score_scores
from ddci_cli.scores import Scores, plan_survey, score_values

if TYPE_CHECKING:
    import pandas as pd

# rescore(**changes): a setting name → the Method field it changes
_METHOD_FIELDS = {
    "normalization": "normalization", "range": "range", "zscore": "zscore",
    "subindex_aggregation": "subindex_aggregation",
    "composite_aggregation": "composite_aggregation", "aggregation": "composite_aggregation",
    "multiplier": "multiplier", "min_coverage": "min_coverage", "decimals": "decimals",
    "min_responses": "min_responses",
}


@dataclass(frozen=True)
class Results:
    """The scores of one survey under one method. Build with :func:`score`; derive others
    with :meth:`rescore` and :meth:`bootstrap` (a Results is never changed in place)."""

    scores: Scores = field(repr=False)
    seed: int = 0

    @property
    def method(self) -> Method:
        return self.scores.method

    @property
    def problems(self) -> list[Problem]:
        """Warnings (and infos) found while reading and scoring; errors raise instead."""
        return list(self.scores.problems)

    @cached_property
    def _document(self) -> dict[str, Any]:
        """The score document, built once: the frames below are views of it."""
        from ddci_cli.results import score_document

        return score_document(self.scores, self.seed)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the document ``ddci score --json`` prints (SPEC §6); a copy, so changing
        it changes nothing here."""
        return copy.deepcopy(self._document)

    @property
    def units(self) -> "pd.DataFrame":
        """One row per unit, in the order of the ranking per block: block, unit, status,
        responses, composite (on the method's scale), rank (nullable Int64), tier label;
        ``composite_low``/``composite_high``/``rank_low``/``rank_high`` after bootstrap."""
        import pandas as pd

        rows = []
        for record in self._document["units"]:
            row = {k: record[k] for k in ("block", "unit", "status", "responses", "composite",
                                          "rank", "tier")}
            ci = record.get("ci")
            if ci is not None or self.scores.ci is not None:
                for name in ("composite", "rank"):
                    low, high = (ci or {}).get(name) or (None, None)
                    row[f"{name}_low"], row[f"{name}_high"] = low, high
            rows.append(row)
        frame = pd.DataFrame(rows)
        frame["rank"] = frame["rank"].astype("Int64")
        frame["composite"] = frame["composite"].astype(float)
        return frame

    @property
    def subindices(self) -> "pd.DataFrame":
        """Units × sub-index ids (scores on the normalisation scale; NaN where missing or
        not in the unit's block), indexed by (block, unit)."""
        import pandas as pd

        records = self._document["units"]
        ids = [k.id for k in self.method.subindices]
        frame = pd.DataFrame([{k: r["subindices"].get(k) for k in ids} for r in records],
                             columns=ids, dtype=float)
        frame.index = pd.MultiIndex.from_tuples([(r["block"], r["unit"]) for r in records],
                                                names=["block", "unit"])
        return frame

    @property
    def indicators(self) -> "pd.DataFrame":
        """Long table: block, unit, subindex, indicator, value (the unit value: a mean on
        the answer scale or a share in %), score (normalised), n (valid answers)."""
        import pandas as pd

        sub_of = {i.id: i.subindex for i in self.method.indicators}
        rows = [{"block": r["block"], "unit": r["unit"], "subindex": sub_of[i],
                 "indicator": i, **item}
                for r in self._document["units"] for i, item in r["indicators"].items()]
        frame = pd.DataFrame(rows, columns=["block", "unit", "subindex", "indicator", "value",
                                            "score", "n"])
        return frame.astype({"value": float, "score": float})

    def rescore(self, **changes: Any) -> "Results":
        """The same unit values re-run with settings changed, COINr's "regen": e.g.
        ``normalization="zscore"``, ``range=(1, 10)``, ``decimals=4``,
        ``composite_aggregation="geometric"``, ``min_responses=10``,
        ``weights={"transparency": 2}`` (sub-index or indicator ids → new weights)."""
        method = _changed_method(self.method, changes)
        kept = self.scores.input_problems  # the method's and the reading's warnings
        report = ProblemReport(list(self.method.problems if kept is None else kept))
        plans = plan_survey(self.scores.survey, method, report)
        scores = score_values(self.scores.survey, method, self.scores.values, plans, report)
        report.raise_if_errors()
        scores.problems = list(report.problems)
        return Results(scores, self.seed)

    def bootstrap(self, n: int, seed: int = 0, level: float = 0.95) -> "Results":
        """These results with ``n`` bootstrap replicates' intervals (SPEC §6 ``ci``)."""
        from ddci_cli.uncertainty.bootstrap import with_intervals

        return Results(with_intervals(self.scores, n, seed, level=level), seed)

    def explain(self, unit: str) -> dict[str, Any]:
        """Why ``unit`` has its rank (SPEC §11, the ``ddci explain --json`` document): each
        sub-index's and indicator's contribution to the composite, the block mean, the
        unit just above, and up to three what-ifs re-scored by the full pipeline."""
        from ddci_cli.explain import explain

        return explain(self.scores, unit)

    def sensitivity(self, **settings: Any) -> "pd.DataFrame":
        """Monte Carlo ranks per unit (SPEC §8); ``settings`` as ``ddci sensitivity``'s
        options: runs, mode, weights, normalization, aggregation, …; seed defaults to the
        results' seed."""
        return sensitivity(self, **settings)


def score(survey: "str | Path | pd.DataFrame", method: "Method | str | Path", *,
          sheet: str | int | None = None, header_row: int | None = None,
          encoding: str | None = None, delimiter: str | None = None, lenient: bool = False,
          strict: bool = False, seed: int = 0) -> Results:
    """Read, check and score ``survey`` (a path or a pandas DataFrame with one row per
    evaluation) against ``method`` (a Method or a path to its TOML). Raises
    :class:`~ddci_cli.errors.InputError` carrying every problem when the input has errors."""
    options = ReadOptions(sheet=sheet, header_row=header_row, encoding=encoding,
                          delimiter=delimiter, lenient=lenient, strict=strict)
    scores, _ = score_scores(survey, method, options)
    return Results(scores, seed)


def sensitivity(results: Results, **settings: Any) -> "pd.DataFrame":
    """Per-unit rank statistics of a Monte Carlo (or Sobol) analysis of ``results``."""
    import pandas as pd

    from ddci_cli.method.sensitivity import resolve_settings
    from ddci_cli.uncertainty.sensitivity import analyse, unit_summaries

    seed = settings.pop("seed", results.seed)
    resolved = resolve_settings(results.method, **settings)
    analysis = analyse(results.scores, resolved, seed)
    return pd.DataFrame(unit_summaries(analysis))


def compare(surveys: "list[str | Path]", method: "Method | str | Path | list", *,
            crosswalk: "str | Path | None" = None, years: list[int] | None = None,
            pool_bounds: bool = False) -> "pd.DataFrame":
    """Score several years and match units through ``crosswalk`` (SPEC §9): one row per
    unit and year with composite, rank, tier, status and the change against its
    predecessor (composite: current − previous; rank: previous − current)."""
    import pandas as pd

    from ddci_cli.years.compare import compare as compare_years
    from ddci_cli.years.output import comparison_document

    methods = method if isinstance(method, list) else [method]
    cmp = compare_years([Path(s) for s in surveys], methods, years,
                        crosswalk=Path(crosswalk) if crosswalk else None,
                        pool_bounds=pool_bounds)
    rows = []
    for unit in comparison_document(cmp)["units"]:
        for year, cell in unit["years"].items():
            change = (unit.get("changes") or {}).get(year) or {}
            rows.append({"unit": unit["unit"], "block": unit["block"], "year": int(year),
                         **cell, "composite_change": change.get("composite"),
                         "rank_change": change.get("rank")})
    return pd.DataFrame(rows)


def _changed_method(method: Method, changes: dict[str, Any]) -> Method:
    updates: dict[str, Any] = {}
    weights = changes.pop("weights", None)
    for name, value in changes.items():
        if name not in _METHOD_FIELDS:
            raise UsageError(f"rescore: unknown setting '{name}'; use one of "
                             f"{', '.join(sorted(_METHOD_FIELDS))} or weights")
        if name in ("range", "zscore"):
            value = tuple(float(v) for v in value)
        updates[_METHOD_FIELDS[name]] = value
    subindices = method.subindices
    if weights:
        subindices = _reweighted(method, dict(weights))
    changed = replace(method, **updates, subindices=subindices)
    _check(changed)
    return changed


def _reweighted(method: Method, weights: dict[str, float]):
    known = {k.id for k in method.subindices} | {i.id for i in method.indicators}
    unknown = sorted(set(weights) - known)
    if unknown:
        raise UsageError(f"rescore: no sub-index or indicator named {', '.join(unknown)}")
    for key, value in weights.items():
        if not (isinstance(value, (int, float)) and not isinstance(value, bool)
                and np.isfinite(value) and value > 0):
            raise UsageError(f"rescore: the weight of '{key}' must be a finite number > 0")
    return tuple(replace(k, weight=float(weights.get(k.id, k.weight)),
                         indicators=tuple(replace(i, weight=float(weights.get(i.id, i.weight)))
                                          for i in k.indicators))
                 for k in method.subindices)


def _check(method: Method) -> None:
    from ddci_cli.method.model import AGGREGATIONS, NORMALIZATIONS

    if method.normalization not in NORMALIZATIONS:
        raise UsageError(f"rescore: normalization must be one of {', '.join(NORMALIZATIONS)}")
    for how in (method.subindex_aggregation, method.composite_aggregation):
        if how not in AGGREGATIONS:
            raise UsageError(f"rescore: aggregation must be one of {', '.join(AGGREGATIONS)}")
    if method.normalization == "none" and any(i.direction < 0 for i in method.indicators):
        raise UsageError("rescore: normalization 'none' cannot turn negative indicators round")
    if not (isinstance(method.decimals, int) and 0 <= method.decimals <= 15):
        raise UsageError("rescore: decimals must be a whole number from 0 to 15")


__all__ = ["Results", "compare", "load_method", "score", "sensitivity"]
