"""Everything the terminal shows: ranking tables, problem lists, messages.

The only module that imports ``rich``. stdout carries data (tables, JSON); problems and
messages go to stderr. Colour only on a TTY, and never when ``NO_COLOR`` is set.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from contextlib import contextmanager
from typing import Iterable

from ddci_cli.errors import Problem
from ddci_cli.results import tier_label, unit_order
from ddci_cli.scores import OK, Scores

TERMINAL_CAP = 5  # problems shown per (code, column) group on the terminal


def _console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(file=stream, highlight=False, soft_wrap=not tty,
                   no_color=bool(os.environ.get("NO_COLOR")) or not tty,
                   force_terminal=tty if tty else False, width=None if tty else 200)


def message(text: str) -> None:
    """One line on stderr (status, warnings summary)."""
    print(text, file=sys.stderr)


def ranking(scores: Scores, english: bool = False) -> None:
    """A ranking table per block: rich on a TTY, aligned plain text otherwise."""
    method = scores.method
    fmt = f"{{:.{method.decimals}f}}"
    if sys.stdout.isatty():
        _rich_ranking(scores, english, fmt)
        return
    for plan in scores.plans:
        block = method.block(plan.block)
        print(f"{method.name} — {block.label_en if english else block.label}")
        print(f"{'rank':>4}  {'composite':>9}  {'tier':<14} {'n':>5}  "
              + ("≈ next  " if scores.ci else "") + "unit")
        for u in unit_order(scores):
            if scores.survey.unit_blocks[u] != plan.block:
                continue
            rank = str(scores.rank[u]) if scores.rank[u] else "–"
            comp = fmt.format(scores.composite[u]) if scores.status[u] == OK else \
                scores.status[u]
            tier = tier_label(scores, u, english) or ""
            print(f"{rank:>4}  {comp:>9}  {tier:<14} {scores.values.responses[u]:>5}  "
                  + (f"{_tied(scores, u):<6}  " if scores.ci else "") + scores.survey.units[u])
        print()


def _rich_ranking(scores: Scores, english: bool, fmt: str) -> None:
    from rich.table import Table

    console = _console()
    method = scores.method
    for plan in scores.plans:
        block = method.block(plan.block)
        table = Table(title=f"{method.name} — {block.label_en if english else block.label}",
                      title_style="bold")
        for name, just in (("Rank" if english else "Hạng", "right"),
                           ("Unit" if english else "Đơn vị", "left"),
                           ("Composite" if english else "Điểm", "right"),
                           ("Tier" if english else "Xếp loại", "left"),
                           ("n", "right")):
            table.add_column(name, justify=just)
        if scores.ci:
            table.add_column("≈ next", justify="center")
        for u in unit_order(scores):
            if scores.survey.unit_blocks[u] != plan.block:
                continue
            ok = scores.status[u] == OK
            table.add_row(str(scores.rank[u]) if ok else "–", scores.survey.units[u],
                          fmt.format(scores.composite[u]) if ok else f"[dim]{scores.status[u]}",
                          tier_label(scores, u, english) or "",
                          str(scores.values.responses[u]),
                          *([_tied(scores, u)] if scores.ci else []), style=None if ok else "dim")
        console.print(table)


def _tied(scores: Scores, u: int) -> str:
    """The "≈" marker: the bootstrap cannot tell unit u from the next-ranked unit."""
    return "≈" if (scores.ci or {}).get(u, {}).get("tied_with_next") else ""


@contextmanager
def progress(total: int, label: str, enabled: bool = True):
    """A progress bar on stderr (a terminal only); yields ``advance(k)``."""
    if not (enabled and sys.stderr.isatty()):
        yield lambda k: None
        return
    from rich.progress import Progress

    with Progress(console=_console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda k: bar.advance(task, k)


def problems(items: Iterable[Problem], cap: int = TERMINAL_CAP) -> None:
    """Problems on stderr, grouped by (code, column) and capped per group."""
    groups: dict[tuple, list[Problem]] = defaultdict(list)
    for p in items:
        groups[(p.severity, p.code, p.column)].append(p)
    for (severity, code, column), group in sorted(groups.items(),
                                                  key=lambda kv: kv[0][0] != "error"):
        for p in group[:cap]:
            where = _where(p)
            print(f"{severity}: [{code}] {p.message}" + (f"  ({where})" if where else ""),
                  file=sys.stderr)
        if len(group) > cap:
            more = len(group) - cap
            where = f" in column {column}" if column else ""
            print(f"{severity}: …and {more} more like this{where} ({code}); --json lists all",
                  file=sys.stderr)


def _where(p: Problem) -> str:
    """The place not already in the message: a cell problem's message names its row and
    column, so only the file and sheet are added (several files: compare, batch)."""
    if not p.row:
        return p.place()
    return ", ".join(part for part in (os.path.basename(p.file) if p.file else None,
                                       f"sheet {p.sheet}" if p.sheet else None) if part)


def summary_line(n_errors: int, n_warnings: int) -> str:
    return f"{n_errors} error{'s' * (n_errors != 1)}, {n_warnings} warning" \
           f"{'s' * (n_warnings != 1)}"


def change_tables(sections: list[dict]) -> None:
    """Tables of changes across years (``compare``): each section has a ``title``,
    ``columns`` [(name, "left"|"right")], ``rows`` of texts and ``notes`` lines. Texts with
    ▲ are shown green and ▼ red on a colour terminal."""
    if sys.stdout.isatty():
        from rich.table import Table

        console = _console()
        for sec in sections:
            table = Table(title=sec["title"], title_style="bold")
            for name, just in sec["columns"]:
                table.add_column(name, justify=just)
            for row in sec["rows"]:
                table.add_row(*[f"[green]{c}" if "▲" in c else f"[red]{c}" if "▼" in c
                                else c for c in row])
            console.print(table)
            for note in sec["notes"]:
                console.print(note, markup=False)
        return
    for sec in sections:
        print(sec["title"])
        widths = [max([len(name)] + [len(r[j]) for r in sec["rows"]])
                  for j, (name, _) in enumerate(sec["columns"])]
        for row in [[name for name, _ in sec["columns"]], *sec["rows"]]:
            cells = [c.rjust(w) if just == "right" else c.ljust(w)
                     for c, w, (_, just) in zip(row, widths, sec["columns"])]
            print("  ".join(cells).rstrip())
        for note in sec["notes"]:
            print(note)
        print()


def table(title: str, headers: list[str], rows: list[list[str]],
          right: Iterable[int] = ()) -> None:
    """A titled table of texts on stdout: rich on a TTY, aligned plain text otherwise;
    columns whose index is in ``right`` are right-aligned."""
    right = set(right)
    if sys.stdout.isatty():
        from rich.table import Table
        from rich.text import Text

        out = Table(title=title, title_style="bold")
        for c, head in enumerate(headers):
            out.add_column(head, justify="right" if c in right else "left")
        for row in rows:
            out.add_row(*(Text(cell) for cell in row))  # Text: no markup in unit names
        _console().print(out)
        return
    widths = [max([len(head)] + [len(r[c]) for r in rows]) for c, head in enumerate(headers)]
    print(title)
    for line in [headers, *rows]:
        print("  ".join(cell.rjust(w) if c in right else cell.ljust(w)
                        for c, (cell, w) in enumerate(zip(line, widths))).rstrip())
    print()


def _fmt(value, spec: str = ".1f", none: str = "–") -> str:
    return none if value is None else format(value, spec)


def _estimate(value) -> str:
    """A Sobol estimate; a negative one is sampling noise around 0 (the JSON keeps it)."""
    if value is None:
        return "–"
    return "≈ 0 (noise)" if value < 0 else f"{value:.3f}"


def sensitivity(doc: dict, block_labels: dict[str, str], english: bool = False) -> None:
    """Rank distributions per block and, in the Sobol mode, the sensitivity indices."""
    head = (["Rank", "Unit", "Mean", "Median", "5%–95%", "P(tier)"] if english else
            ["Hạng", "Đơn vị", "TB", "Trung vị", "5%–95%", "P(xếp loại)"])
    what = f"{doc['mode']}, N = {doc['runs']}" + (
        f", {doc['evaluations']} " + ("evaluations" if english else "lần tính")
        if doc["evaluations"] != doc["runs"] else "")
    for block, label in block_labels.items():
        rows = []
        for u in (u for u in doc["units"] if u["block"] == block):
            p = u["tier_probability"].get(u["nominal_tier"]) if u["nominal_tier"] else None
            rows.append([_fmt(u["nominal_rank"], "d"), u["unit"], _fmt(u["mean_rank"]),
                         _fmt(u["median_rank"]),
                         f"{_fmt(u['q05_rank'])}–{_fmt(u['q95_rank'])}", _fmt(p, ".0%")])
        if rows:
            table(f"{doc['index']} — {label} ({what})", head, rows, (0, 2, 3, 4, 5))
        indices = (doc.get("indices") or {}).get(block)
        if indices:
            rows = [[name, _estimate(v["first_order"]),
                     "[" + ", ".join(_fmt(x, ".3f") for x in v["first_order_ci"]) + "]",
                     _estimate(v["total"]),
                     "[" + ", ".join(_fmt(x, ".3f") for x in v["total_ci"]) + "]"]
                    for name, v in indices.items()]
            table(f"Sobol — {label}: " + ("mean |rank shift|" if english else
                                          "dịch chuyển hạng trung bình"),
                  ["input", "first order", "95% CI", "total", "95% CI"], rows, (1, 2, 3, 4))


def diagnostics(doc: dict, block_labels: dict[str, str], english: bool = False) -> None:
    """Responses per unit, the least answered questions, reliability and flagged pairs."""
    for block, label in block_labels.items():
        rows = [[u["unit"], str(u["evaluations"]), str(u["responses"]),
                 _fmt(u["missing_rate"], ".0%"), u["status"]]
                for u in doc["units"] if u["block"] == block]
        if rows:
            table(f"{doc['index']} — {label}", ["unit", "evaluations", "responses",
                                                "missing", "status"], rows, (1, 2, 3))
    worst = sorted((i for i in doc["indicators"] if i["missing_rate"] is not None),
                   key=lambda i: -i["missing_rate"])[:10]
    table("Most often unanswered" if english else "Câu hỏi bị bỏ trống nhiều nhất",
          ["indicator", "column", "answers", "missing"],
          [[i["indicator"], i["column"], str(i["answers"]), _fmt(i["missing_rate"], ".1%")]
           for i in worst], (2, 3))
    rows = []
    for s in doc["subindices"]:
        rest = {k: v for k, v in s["item_rest"].items() if v is not None}
        weakest = min(rest, key=rest.get) if rest else None
        rows.append([block_labels.get(s["block"], s["block"]), s["subindex"],
                     str(len(s["items"])), str(s["rows"]), _fmt(s["alpha"], ".3f"),
                     _fmt(s["alpha_standardized"], ".3f"), _fmt(s["first_pc_share"], ".0%"),
                     f"{weakest} ({rest[weakest]:.2f})" if weakest else "–"])
    table("Reliability (Cronbach's alpha on answers)" if english else
          "Độ tin cậy (Cronbach's alpha trên câu trả lời)",
          ["block", "sub-index", "items", "rows", "alpha", "std alpha", "PC1",
           "weakest item-rest r"], rows, (2, 3, 4, 5, 6))
    for block, c in doc["correlations"].items():
        for p in c["high"]:
            print(f"{block_labels.get(block, block)}: {p['a']} and {p['b']} correlate at "
                  f"r = {p['r']:.3f} across units (> 0.9: nearly the same information)")
        for p in c["negative_within"]:
            print(f"{block_labels.get(block, block)}: {p['a']} and {p['b']} in sub-index "
                  f"{p['subindex']} correlate negatively (r = {p['r']:.3f})")
