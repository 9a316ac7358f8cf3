"""Compare surveys across years (SPEC §9): score each year, link units through renames,
merges, splits and abolitions, and compute each unit's change against the previous compared
year and the first one.

A *track* is the history of one unit: the nodes (year index, unit index) it passed through,
following renames and splits (a split gives each successor the old history). A merge starts
a new track; the merged units' tracks end, and the new unit's change is taken against the
weighted mean of its predecessors (no rank change is defined then).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ddci_cli.years.crosswalk import Crosswalk, Lineage, Node, link_years, load_crosswalk
from ddci_cli.errors import InputError, Problem, ProblemReport, UsageError
from ddci_cli.method.model import Method
from ddci_cli.method.load import load_method
from ddci_cli.pipeline import ReadOptions, score
from ddci_cli.scores import Scores

YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
SCALES = {"minmax": "per-year minmax", "goalposts": "goalposts", "zscore": "per-year zscore",
          "rank": "per-year rank", "none": "none (unit values)"}


@dataclass
class Change:
    """One unit's change against an earlier year. ``composite``: current − earlier, on the
    composite's scale (NaN = not defined); ``rank``: earlier − current (positive = rose);
    ``tier``: tier steps up (positive = better); ``subindices``: id → current − earlier."""

    composite: float
    rank: int | None
    tier: int | None
    subindices: dict[str, float]
    ci: dict[str, tuple[float, float]] | None = None


@dataclass
class Track:
    nodes: list[Node]

    @property
    def last(self) -> Node:
        return self.nodes[-1]


@dataclass
class Comparison:
    """Scores of every compared year (ascending) and the changes along each track."""

    years: list[int]
    scores: list[Scores]
    lineage: Lineage
    tracks: list[Track]
    scale: str
    changes: dict[Node, Change | None]
    from_first: dict[Node, Change | None]
    crosswalk: Crosswalk | None = None
    problems: list[Problem] = field(default_factory=list)
    bootstrap: dict | None = None

    def name(self, node: Node) -> str:
        return self.scores[node[0]].survey.units[node[1]]

    def block(self, node: Node) -> str:
        return self.scores[node[0]].survey.unit_blocks[node[1]]

    def latest_changes(self) -> dict[int, Change | None]:
        """Change against the previous year for every unit of the last year, by its index in
        ``scores[-1]`` (for the report's Summary sheet)."""
        last = len(self.years) - 1
        return {u: self.changes.get((last, u)) for u in range(len(self.scores[-1].survey.units))}


def resolve_years(surveys: list[Path], methods: list[Method], years: list[int] | None
                  ) -> list[int]:
    """Each survey's year: ``--year`` values in file order, else the method's ``index.year``
    (when each file has its own method), else the one 19xx/20xx number in the file name."""
    if years:
        if len(years) != len(surveys):
            raise UsageError(f"--year was given {len(years)} times for {len(surveys)} surveys; "
                             "give it once per survey, in the order of the files")
        out = list(years)
    else:
        own_method = len(methods) == len(surveys)
        out = [_year_of(path, methods[i] if own_method else None)
               for i, path in enumerate(surveys)]
    seen: dict[int, Path] = {}
    for path, year in zip(surveys, out):
        if year in seen:
            raise UsageError(f"{seen[year].name} and {path.name} are both year {year}; give "
                             "each survey its year with --year (once per file, in order)")
        seen[year] = path
    return out


def _year_of(path: Path, method: Method | None) -> int:
    if method is not None and method.year is not None:
        return int(method.year)
    found = {int(m) for m in YEAR_IN_NAME.findall(path.stem)}
    if len(found) == 1:
        return found.pop()
    what = "no year" if not found else f"several years ({', '.join(map(str, sorted(found)))})"
    raise UsageError(f"cannot tell the year of {path.name}: its name has {what} and its method "
                     "file has no index.year for it alone; pass --year once per survey, in "
                     "the order of the files")


def load_methods(paths: list[Path], n_surveys: int) -> list[Method]:
    if len(paths) not in (1, n_surveys):
        raise UsageError(f"-m was given {len(paths)} times for {n_surveys} surveys; give one "
                         "method file for all, or one per survey in the order of the files")
    cache: dict[Path, Method] = {}
    for p in paths:
        key = Path(p).resolve()
        if key not in cache:
            cache[key] = load_method(p)
    return [cache[Path(p).resolve()] for p in paths]


def compare(surveys: list[Path], methods: list[Method | Path], years: list[int] | None = None,
            crosswalk: Path | Crosswalk | None = None, options: ReadOptions = ReadOptions(),
            pool_bounds: bool = False) -> Comparison:
    """Score every survey, link units across years and compute changes. ``methods``: one
    for all surveys or one per survey (Method objects or method-file paths). Raises
    InputError with the problems of every file at once."""
    if len(surveys) < 2:
        raise UsageError("compare needs at least two surveys")
    surveys = [Path(p) for p in surveys]
    if len(methods) not in (1, len(surveys)):
        raise UsageError(f"{len(methods)} method files for {len(surveys)} surveys; give one "
                         "method file for all, or one per survey in the order of the files")
    methods = [m if isinstance(m, Method) else load_method(m) for m in methods]
    per_file = methods if len(methods) == len(surveys) else methods * len(surveys)
    year_list = resolve_years(surveys, methods, years)
    order = sorted(range(len(surveys)), key=lambda i: year_list[i])
    report = ProblemReport()
    scored = _score_all([surveys[i] for i in order], [per_file[i] for i in order], options,
                        report)
    if pool_bounds:
        from ddci_cli.years.pooled import pooled_scores

        scored = pooled_scores(scored, report)
    xwalk = crosswalk
    if isinstance(crosswalk, (str, Path)):
        xwalk = load_crosswalk(crosswalk, report)
    sorted_years = [year_list[i] for i in order]
    lineage = link_years([s.survey.units for s in scored],
                         [s.values.responses for s in scored], sorted_years, xwalk, report)
    scale = scale_of(scored, pool_bounds, report)
    effective = report.strict() if options.strict else report
    if effective.has_errors:
        raise InputError(effective)
    cmp = Comparison(sorted_years, scored, lineage, [], scale, {}, {}, xwalk)
    cmp.tracks = build_tracks(cmp)
    for t, s in enumerate(scored):
        for u in range(len(s.survey.units)):
            cmp.changes[(t, u)] = node_change(cmp, (t, u), t - 1) if t else None
            cmp.from_first[(t, u)] = node_change(cmp, (t, u), 0) if t else None
    cmp.problems = [p for s in scored for p in s.problems] + report.problems
    return cmp


def _score_all(surveys: list[Path], methods: list[Method], options: ReadOptions,
               report: ProblemReport) -> list[Scores]:
    scored, failed = [], ProblemReport()
    for path, method in zip(surveys, methods):
        try:
            scores, _ = score(path, method, options)
        except InputError as exc:
            failed.extend(exc.report.problems)
            continue
        scored.append(scores)
    if failed.problems:
        raise InputError(ProblemReport(failed.problems + report.problems))
    return scored


def scale_of(scored: list[Scores], pooled: bool, report: ProblemReport) -> str:
    """What the composites of different years are measured against (docs/years.md)."""
    names = sorted({s.method.normalization for s in scored})
    if pooled:
        return "pooled bounds"
    if len(names) > 1:
        report.warning("mixed_scales", f"the years use different normalisations ({', '.join(names)}); "
                       "their composites are on different scales and changes mean little")
        return "mixed (" + ", ".join(SCALES[n] for n in names) + ")"
    return SCALES[names[0]]


def build_tracks(cmp: Comparison) -> list[Track]:
    """One track per unit history; a node continued 1:1 (rename, split) is not an end."""
    lineage = cmp.lineage

    def single(node: Node) -> Node | None:
        preds = lineage.preds.get(node, [])
        return preds[0][0] if len(preds) == 1 else None

    nodes = [(t, u) for t, s in enumerate(cmp.scores) for u in range(len(s.survey.units))]
    interior = {p for n in nodes if (p := single(n)) is not None}
    tracks = []
    for node in nodes:
        if node in interior:
            continue
        chain = [node]
        while (p := single(chain[0])) is not None:
            chain.insert(0, p)
        tracks.append(Track(chain))
    return sorted(tracks, key=lambda tr: _track_key(cmp, tr))


def _track_key(cmp: Comparison, track: Track):
    t, u = track.last
    blocks = [b for s in reversed(cmp.scores) for b in s.method.block_ids]
    rank = int(cmp.scores[t].rank[u]) or 10**9
    return (blocks.index(cmp.block(track.last)), -t, rank, cmp.name(track.last))


def ancestors(lineage: Lineage, node: Node, q: int) -> dict[Node, float]:
    """The nodes of year index ``q`` that ``node`` descends from, with their shares (summing
    to 1 over a merge: each predecessor's weight over the merge's total)."""
    if node[0] == q:
        return {node: 1.0}
    preds = lineage.preds.get(node, [])
    total = sum(w for _, w in preds)
    out: dict[Node, float] = {}
    for pred, weight in preds:
        if pred[0] < q:
            continue
        share = weight / total if total > 0 else math.nan
        for a, s in ancestors(lineage, pred, q).items():
            out[a] = out.get(a, 0.0) + share * s
    return out


def node_change(cmp: Comparison, node: Node, q: int) -> Change | None:
    """Change of ``node`` against year index ``q``; None when it has no ancestor there."""
    anc = ancestors(cmp.lineage, node, q)
    if not anc or abs(sum(anc.values()) - 1.0) > 1e-9:
        return None  # no predecessor, or only part of the unit existed in year q
    t, u = node
    now = cmp.scores[t]
    if any(cmp.block(a) != cmp.block(node) for a in anc):
        return Change(math.nan, None, None, {})  # changes are only defined within a block
    earlier = sum(share * cmp.scores[a[0]].composite[a[1]] for a, share in anc.items())
    rank = tier = None
    if len(anc) == 1:
        (a0, a1), = anc
        before = cmp.scores[a0]
        if before.rank[a1] > 0 and now.rank[u] > 0:
            rank = int(before.rank[a1]) - int(now.rank[u])
        if _same_tiers(before.method, now.method) and before.tier[a1] >= 0 and now.tier[u] >= 0:
            tier = int(before.tier[a1]) - int(now.tier[u])
    return Change(float(now.composite[u] - earlier), rank, tier,
                  _subindex_changes(cmp, node, anc))


def _same_tiers(a: Method, b: Method) -> bool:
    return [(t.label, t.min) for t in a.tiers_descending()] == \
        [(t.label, t.min) for t in b.tiers_descending()]


def _subindex_changes(cmp: Comparison, node: Node, anc: dict[Node, float]) -> dict[str, float]:
    t, u = node
    now = cmp.scores[t]
    out = {}
    for k in plan_of(now, u).subindices:
        sid = now.method.subindices[k].id
        earlier = 0.0
        for (a0, a1), share in anc.items():
            before = cmp.scores[a0]
            ids = [before.method.subindices[j].id for j in plan_of(before, a1).subindices]
            if sid not in ids:
                earlier = math.nan
                break
            k_before = plan_of(before, a1).subindices[ids.index(sid)]
            earlier += share * before.subindices[a1, k_before]
        out[sid] = float(now.subindices[u, k] - earlier)
    return out


def plan_of(scores: Scores, u: int):
    block = scores.survey.unit_blocks[u]
    return next(p for p in scores.plans if p.block == block)

