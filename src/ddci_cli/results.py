"""Scores as plain data: the ``--json`` document of SPEC §6 and the flat one-row-per-unit
table used for .csv and .parquet outputs."""

from __future__ import annotations

import math
from typing import Any

from ddci_cli import __version__
from ddci_cli.scores import OK, Scores

SCHEMA_VERSION = 1


def _num(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def unit_order(scores: Scores) -> list[int]:
    """Units per block (method order), ranked units first by rank, then the rest by name."""
    order = []
    for plan in scores.plans:
        units = list(plan.units)
        units.sort(key=lambda u: (scores.status[u] != OK, scores.rank[u] or 0,
                                  scores.survey.units[u]))
        order.extend(units)
    return order


def tier_label(scores: Scores, u: int, english: bool = False) -> str | None:
    t = int(scores.tier[u])
    if t < 0:
        return None
    tier = scores.method.tiers_descending()[t]
    return tier.label_en if english else tier.label


def unit_record(scores: Scores, u: int) -> dict[str, Any]:
    method, survey = scores.method, scores.survey
    plan = next(p for p in scores.plans if survey.unit_blocks[u] == p.block)
    record: dict[str, Any] = {
        "unit": survey.units[u],
        "block": plan.block,
        "responses": int(scores.values.responses[u]),
        "status": scores.status[u],
        "composite": _num(scores.composite[u]),
        "rank": int(scores.rank[u]) or None,
        "tier": tier_label(scores, u),
        "subindices": {method.subindices[k].id: _num(scores.subindices[u, k])
                       for k in plan.subindices},
        "indicators": {method.indicators[i].id: {
            "value": _num(scores.values.values[u, i]),
            "score": _num(scores.scores[u, i]),
            "n": int(scores.values.counts[u, i])} for i in plan.indicators},
    }
    if scores.prepared is not None:
        _mark_prepared(record["indicators"], scores, u, plan)
    if scores.ci is not None and u in scores.ci:
        record["ci"] = scores.ci[u]
    return record


def _mark_prepared(entries: dict, scores: Scores, u: int, plan) -> None:
    """SPEC §10: an imputed value is the value, marked ``"imputed": true``; with treatment,
    ``"treated"`` is the value normalised (null for units not scored) and
    ``"winsorised": true`` marks a winsorised one."""
    p, method = scores.prepared, scores.method
    for i in plan.indicators:
        entry = entries[method.indicators[i].id]
        if p.imputed[u, i]:
            entry["value"], entry["imputed"] = _num(p.values[u, i]), True
        if method.treatment.method != "none":
            entry["treated"] = _num(p.treated[u, i])
            if p.winsorised[u, i]:
                entry["winsorised"] = True


def score_document(scores: Scores, seed: int = 0) -> dict[str, Any]:
    """The JSON document of ``ddci score --json`` (SPEC §6)."""
    survey = scores.survey
    document = {
        "schema_version": SCHEMA_VERSION,
        "ok": True,
        "index": scores.method.name,
        "generated_by": f"ddci {__version__}",
        "seed": seed,
        "inputs": [{"path": survey.path, "sha256": survey.sha256, "sheet": survey.sheet,
                    "header_row": survey.header_row, "rows": survey.rows}],
        "method": {"path": scores.method.source, "sha256": scores.method.sha256},
        "units": [unit_record(scores, u) for u in unit_order(scores)],
        "problems": [p.to_dict() for p in scores.problems],
    }
    if scores.prepared is not None and scores.method.treatment.method != "none":
        document["treatment"] = scores.prepared.records
    for key, value in (("weighting", survey.weighting), ("bootstrap", scores.bootstrap)):
        if value is not None:
            document[key] = value
    return document


def error_document(problems) -> dict[str, Any]:
    """The document printed with ``--json`` when the input has problems (exit 1)."""
    return {"schema_version": SCHEMA_VERSION, "ok": False,
            "problems": [p.to_dict() for p in problems]}


def flat_rows(scores: Scores) -> list[dict[str, Any]]:
    """One row per unit: identity, composite, rank, tier, then sub-indices, then for each
    indicator its value, score and n (columns ``<id>_value``, ``<id>_score``, ``<id>_n``)."""
    rows = []
    method = scores.method
    for u in unit_order(scores):
        rec = unit_record(scores, u)
        row = {k: rec[k] for k in ("block", "rank", "unit", "composite", "tier", "status",
                                   "responses")}
        for k in method.subindices:
            row[k.id] = rec["subindices"].get(k.id)
        for ind in method.indicators:
            item = rec["indicators"].get(ind.id, {})
            for stat in ("value", "score", "n"):
                row[f"{ind.id}_{stat}"] = item.get(stat)
        if scores.ci is not None:  # the same columns on every row, null without an interval
            ci = rec.get("ci") or {}
            for name in ("composite", "rank"):
                row[f"{name}_ci_low"], row[f"{name}_ci_high"] = ci.get(name) or (None, None)
            row["tied_with_next"] = ci.get("tied_with_next")
        rows.append(row)
    return rows

