"""A :class:`~ddci_cli.compare.Comparison` as plain data: the ``compare --json`` document
(SPEC §9), flat rows for .csv/.parquet, and the short per-block tables the terminal shows."""

from __future__ import annotations

import math
from typing import Any

from ddci_cli import __version__
from ddci_cli.years.compare import Change, Comparison, Track, plan_of
from ddci_cli.years.crosswalk import Node
from ddci_cli.results import tier_label
from ddci_cli.text import match_key

SCHEMA_VERSION = 1


def _num(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def year_record(cmp: Comparison, node: Node) -> dict[str, Any]:
    t, u = node
    s = cmp.scores[t]
    return {"unit": s.survey.units[u], "block": s.survey.unit_blocks[u], "status": s.status[u],
            "responses": int(s.values.responses[u]), "composite": _num(s.composite[u]),
            "rank": int(s.rank[u]) or None, "tier": tier_label(s, u),
            "subindices": {s.method.subindices[k].id: _num(s.subindices[u, k])
                           for k in plan_of(s, u).subindices}}


def change_record(change: Change | None) -> dict[str, Any] | None:
    if change is None:
        return None
    out: dict[str, Any] = {"composite": _num(change.composite), "rank": change.rank,
                           "tier": change.tier,
                           "subindices": {k: _num(v) for k, v in change.subindices.items()}}
    if change.ci is not None:
        out["ci"] = {k: [_bound(lo), _bound(hi)] for k, (lo, hi) in change.ci.items()}
        out["significant"] = {k: significant(lo, hi) for k, (lo, hi) in change.ci.items()}
    return out


def _bound(value) -> int | float | None:
    """Interval bounds: whole rank places stay integers."""
    return value if isinstance(value, int) else _num(value)


def significant(lo: float, hi: float) -> bool | None:
    """True when the interval excludes zero; None when it is not defined."""
    if math.isnan(lo) or math.isnan(hi):
        return None
    return bool(lo > 0 or hi < 0)


def events(cmp: Comparison, track: Track) -> list[dict[str, Any]]:
    """What happened to the unit: new, renamed, split, merged, merged_into, abolished,
    absent (not surveyed in a compared year), back (surveyed again after a gap)."""
    lin, out = cmp.lineage, []
    first = track.nodes[0]
    preds = [p for p, _ in lin.preds.get(first, [])]
    if len(preds) > 1:
        out.append(_event(cmp, first[0], "merged", preds, [first]))
    elif not preds and first[0] > 0:
        out.append(_event(cmp, first[0], "new", [], [first]))
    for before, node in zip(track.nodes, track.nodes[1:]):
        siblings = lin.succs.get(before, [])
        if len(siblings) > 1:
            out.append(_event(cmp, node[0], "split", [before], siblings))
        elif match_key(cmp.name(before)) != match_key(cmp.name(node)):
            out.append(_event(cmp, node[0], "renamed", [before], [node]))
        if node[0] > before[0] + 1:
            out.append(_event(cmp, before[0] + 1, "absent", [before], []))
            out.append(_event(cmp, node[0], "back", [before], [node]))
    last = track.last
    if last[0] < len(cmp.years) - 1:
        after = lin.succs.get(last, [])
        kind = "merged_into" if after else "abolished" if last in lin.abolished else "absent"
        year = after[0][0] if after else last[0] + 1
        out.append(_event(cmp, year, kind, [last], after))
    return out


def _event(cmp: Comparison, t: int, kind: str, src: list[Node], dst: list[Node]) -> dict:
    return {"year": cmp.years[t], "event": kind, "from": [cmp.name(n) for n in src],
            "to": [cmp.name(n) for n in dst]}


def track_record(cmp: Comparison, track: Track) -> dict[str, Any]:
    lin = cmp.lineage
    record: dict[str, Any] = {
        "unit": cmp.name(track.last), "block": cmp.block(track.last),
        "years": {str(cmp.years[n[0]]): year_record(cmp, n) for n in track.nodes},
        "changes": {str(cmp.years[n[0]]): change_record(cmp.changes.get(n))
                    for n in track.nodes},
        "changes_from_first": {str(cmp.years[n[0]]): change_record(cmp.from_first.get(n))
                               for n in track.nodes},
        "predecessors": {str(cmp.years[n[0]]): [cmp.name(p) for p, _ in lin.preds[n]]
                         for n in track.nodes if n in lin.preds},
        "events": events(cmp, track),
    }
    after = lin.succs.get(track.last, [])
    if after:
        record["successors"] = {str(cmp.years[after[0][0]]): [cmp.name(n) for n in after]}
    return record


def comparison_document(cmp: Comparison, seed: int = 0) -> dict[str, Any]:
    """The JSON document of ``ddci compare --json`` (SPEC §9, plus ``changes_from_first``,
    ``scale``, ``inputs``, ``events``)."""
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION, "ok": True, "generated_by": f"ddci {__version__}",
        "seed": seed, "scale": cmp.scale, "years": list(cmp.years),
        "inputs": [{"year": y, "path": s.survey.path, "sha256": s.survey.sha256,
                    "sheet": s.survey.sheet, "header_row": s.survey.header_row,
                    "rows": s.survey.rows, "index": s.method.name,
                    "method": {"path": s.method.source, "sha256": s.method.sha256}}
                   for y, s in zip(cmp.years, cmp.scores)],
        "crosswalk": None if cmp.crosswalk is None else {
            "path": cmp.crosswalk.path, "sha256": cmp.crosswalk.sha256,
            "rows": len(cmp.crosswalk.rows), "applied": cmp.lineage.applied},
    }
    if cmp.bootstrap is not None:
        doc["bootstrap"] = cmp.bootstrap
    doc["units"] = [track_record(cmp, tr) for tr in cmp.tracks]
    doc["problems"] = [p.to_dict() for p in cmp.problems]
    return doc


def flat_rows(cmp: Comparison) -> list[dict[str, Any]]:
    """One row per unit and year it was surveyed in: identity, scores, both changes."""
    sub_ids = list(dict.fromkeys(k.id for s in cmp.scores for k in s.method.subindices))
    rows = []
    for track in cmp.tracks:
        for node in track.nodes:
            rec = year_record(cmp, node)
            row = {"block": cmp.block(track.last), "unit": cmp.name(track.last),
                   "year": cmp.years[node[0]], "name_that_year": rec["unit"]}
            row.update({k: rec[k] for k in ("status", "responses", "composite", "rank",
                                            "tier")})
            row["predecessors"] = "; ".join(cmp.name(p) for p, _ in
                                            cmp.lineage.preds.get(node, []))
            for prefix, change in (("change", cmp.changes.get(node)),
                                   ("change_from_first", cmp.from_first.get(node))):
                c = change_record(change) or {}
                for key in ("composite", "rank", "tier"):
                    row[f"{prefix}_{key}"] = c.get(key)
                for key, (lo, hi) in (c.get("ci") or {}).items():
                    row[f"{prefix}_{key}_ci_low"], row[f"{prefix}_{key}_ci_high"] = lo, hi
            for sid in sub_ids:
                row[sid] = rec["subindices"].get(sid)
                row[f"{sid}_change"] = ((change_record(cmp.changes.get(node)) or {})
                                        .get("subindices", {}).get(sid))
            rows.append(row)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    return [{c: r.get(c) for c in columns} for r in rows]
