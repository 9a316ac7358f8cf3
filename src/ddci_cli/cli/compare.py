"""``ddci compare`` once its options are parsed: compare, write outputs, render a short
per-block table (units by rank with composite, change and ▲/▼)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ddci_cli.cli import render
from ddci_cli.cli.commands import CommandSettings
from ddci_cli.years.compare import Comparison, compare, load_methods
from ddci_cli.years.output import comparison_document, events, flat_rows, significant
from ddci_cli.errors import UsageError
from ddci_cli.io.write import check_outputs, write_formats

UP, DOWN = "▲", "▼"


@dataclass(frozen=True, kw_only=True)
class CompareSettings(CommandSettings):
    """What ``ddci compare`` (or a batch job's compare) is asked to do."""

    surveys: list[Path]
    methods: list[Path]
    years: list[int] | None = None
    crosswalk: Path | None = None
    outputs: list[Path] = field(default_factory=list)
    lang: str | None = None
    seed: int = 0
    bootstrap: int = 0
    pool_bounds: bool = False
    no_progress: bool = False


def run_compare(s: CompareSettings) -> int:
    if s.bootstrap < 0:
        raise UsageError("--bootstrap must be 0 or more")
    if not s.methods:
        raise UsageError("give the method file with -m (once, or once per survey)")
    inputs = [*s.surveys, *s.methods, *([s.crosswalk] if s.crosswalk else [])]
    check_outputs(s.outputs, inputs)
    cmp = compare(s.surveys, load_methods(s.methods, len(s.surveys)), s.years, s.crosswalk,
                  s.read, s.pool_bounds)
    if s.bootstrap:
        from ddci_cli.years.bootstrap import attach_change_intervals

        with render.progress(s.bootstrap * len(cmp.years), "bootstrap",
                             enabled=not (s.quiet or s.no_progress)) as advance:
            attach_change_intervals(cmp, s.bootstrap, s.seed, on_chunk=advance)
    document = comparison_document(cmp, s.seed)
    write_comparison_outputs(cmp, document, s.outputs, s.seed, s.lang)
    english = (s.lang or cmp.scores[-1].method.language) == "en"
    if s.json_out:
        from ddci_cli.cli.runtime import emit_json

        emit_json(document)
    elif not s.quiet:
        render.change_tables(terminal_sections(cmp, english))
    if not s.quiet:
        warnings = [p for p in cmp.problems if p.severity == "warning"]
        if warnings:
            render.problems(warnings)
        for out in s.outputs:
            render.message(f"wrote {out}")
    return 0


def write_comparison_outputs(cmp: Comparison, document: dict, outputs: list[Path], seed: int,
                             lang: str | None) -> None:
    def workbook(out: Path) -> None:
        from ddci_cli.report.compare_book import write_comparison_workbook

        write_comparison_workbook(cmp, out, seed=seed, lang=lang)

    write_formats(outputs, document, lambda: flat_rows(cmp), workbook)


def terminal_sections(cmp: Comparison, english: bool) -> list[dict]:
    """Per block of the last year: units by rank, composite, change and ▲/▼; then the
    units not in the last year."""
    last = len(cmp.years) - 1
    method = cmp.scores[-1].method
    fmt = f"{{:+.{method.decimals}f}}"
    first, prev = cmp.years[0], cmp.years[-2]
    heads = [("Rank" if english else "Hạng", "right"), ("Composite" if english else "Điểm",
             "right"), (f"Δ {prev}", "right"), ("Rank Δ" if english else "Hạng ±", "left")]
    if len(cmp.years) > 2:
        heads.append((f"Δ {first}", "right"))
    heads += [("Unit" if english else "Đơn vị", "left"), ("", "left")]
    sections = []
    for block_id in method.block_ids:
        tracks = [tr for tr in cmp.tracks if tr.last[0] == last and cmp.block(tr.last) == block_id]
        if not tracks:
            continue
        rows, moves = [], [0, 0, 0]
        for tr in tracks:
            row, move = _row(cmp, tr, fmt, english)
            rows.append(row)
            if move is not None:
                moves[0 if move > 0 else 1 if move < 0 else 2] += 1
        block = method.block(block_id)
        label = block.label_en if english else block.label
        notes = [("rose {}, fell {}, unchanged {}" if english else
                  "tăng hạng: {}, giảm hạng: {}, giữ nguyên: {}").format(*moves)]
        notes += _gone(cmp, block_id, english)
        sections.append({"title": f"{method.name} — {label}: {prev} → {cmp.years[-1]} "
                         f"({cmp.scale})", "columns": heads, "rows": rows, "notes": notes})
    return sections


def _row(cmp: Comparison, track, fmt: str, english: bool):
    t, u = track.last
    s = cmp.scores[t]
    ok = s.status[u] == "ok"
    comp = f"{s.composite[u]:.{s.method.decimals}f}" if ok else s.status[u]
    change = cmp.changes.get(track.last)
    delta = rank_text = ""
    move = None
    if change is not None:
        if not math.isnan(change.composite):
            delta = fmt.format(change.composite)
            if change.ci and significant(*change.ci["composite"]) is False:
                delta += " n.s."
        if change.rank is not None:
            move = change.rank
            rank_text = (f"{UP} {move}" if move > 0 else f"{DOWN} {-move}" if move < 0
                         else "= 0")
            if change.ci and "rank" in change.ci and significant(*change.ci["rank"]) is False:
                rank_text += " n.s."
    row = [str(s.rank[u]) if ok else "–", comp, delta, rank_text]
    if len(cmp.years) > 2:
        since = cmp.from_first.get(track.last)
        row.append(fmt.format(since.composite) if since is not None
                   and not math.isnan(since.composite) else "")
    row += [s.survey.units[u], _note(cmp, track, english)]
    return row, move


def _note(cmp: Comparison, track, english: bool) -> str:
    words = {"new": ("new", "mới"), "renamed": ("was", "trước là"),
             "merged": ("merged from", "hợp nhất từ"), "split": ("split from", "tách từ"),
             "back": ("surveyed again", "khảo sát lại")}
    notes = []
    for e in events(cmp, track):
        if e["year"] != cmp.years[-1] or e["event"] not in words:
            continue
        word = words[e["event"]][0 if english else 1]
        notes.append(word + (" " + " + ".join(e["from"]) if e["event"] in
                             ("renamed", "merged", "split") else ""))
    return "; ".join(notes)


def _gone(cmp: Comparison, block_id: str, english: bool) -> list[str]:
    last = len(cmp.years) - 1
    gone = []
    for tr in cmp.tracks:
        if tr.last[0] == last or cmp.block(tr.last) != block_id:
            continue
        e = events(cmp, tr)[-1]
        what = {"merged_into": f"→ {', '.join(e['to'])}", "abolished":
                "abolished" if english else "giải thể", "absent":
                "not surveyed" if english else "không khảo sát"}[e["event"]]
        when = "in" if english else "năm"
        gone.append(f"{cmp.name(tr.last)} ({cmp.years[tr.last[0]]}; {what} {when} {e['year']})")
    if not gone:
        return []
    head = "not in" if english else "không có năm"
    return [f"{head} {cmp.years[-1]}: " + ", ".join(gone)]
