"""Everything the terminal shows: ranking tables, problem lists, messages.

The only module that imports ``rich``. stdout carries data (tables, JSON); problems and
messages go to stderr. Colour only on a TTY, and never when ``NO_COLOR`` is set.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from typing import Iterable

from .errors import Problem
from .results import tier_label, unit_order
from .score import OK, Scores

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
        print(f"{'rank':>4}  {'composite':>9}  {'tier':<14} {'n':>5}  unit")
        for u in unit_order(scores):
            if scores.survey.unit_blocks[u] != plan.block:
                continue
            rank = str(scores.rank[u]) if scores.rank[u] else "–"
            comp = fmt.format(scores.composite[u]) if scores.status[u] == OK else \
                scores.status[u]
            tier = tier_label(scores, u, english) or ""
            print(f"{rank:>4}  {comp:>9}  {tier:<14} {scores.values.responses[u]:>5}  "
                  f"{scores.survey.units[u]}")
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
        for u in unit_order(scores):
            if scores.survey.unit_blocks[u] != plan.block:
                continue
            ok = scores.status[u] == OK
            table.add_row(str(scores.rank[u]) if ok else "–", scores.survey.units[u],
                          fmt.format(scores.composite[u]) if ok else f"[dim]{scores.status[u]}",
                          tier_label(scores, u, english) or "",
                          str(scores.values.responses[u]), style=None if ok else "dim")
        console.print(table)


def problems(items: Iterable[Problem], cap: int = TERMINAL_CAP) -> None:
    """Problems on stderr, grouped by (code, column) and capped per group."""
    groups: dict[tuple, list[Problem]] = defaultdict(list)
    for p in items:
        groups[(p.severity, p.code, p.column)].append(p)
    for (severity, code, column), group in sorted(groups.items(),
                                                  key=lambda kv: kv[0][0] != "error"):
        for p in group[:cap]:
            where = p.place()
            print(f"{severity}: [{code}] {p.message}" + (f"  ({where})" if where and
                                                         not p.row else ""), file=sys.stderr)
        if len(group) > cap:
            more = len(group) - cap
            where = f" in column {column}" if column else ""
            print(f"{severity}: …and {more} more like this{where} ({code}); --json lists all",
                  file=sys.stderr)


def summary_line(n_errors: int, n_warnings: int) -> str:
    return f"{n_errors} error{'s' * (n_errors != 1)}, {n_warnings} warning" \
           f"{'s' * (n_warnings != 1)}"
