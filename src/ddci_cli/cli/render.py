"""Everything the terminal shows: ranking tables, problem lists, messages.

The only module that imports ``rich``. stdout carries data (tables, JSON); problems and
messages go to stderr. Colour only on a TTY, and never when ``NO_COLOR`` is set.

Every text that may come from a file (unit names, labels, values, messages quoting them)
passes through :func:`escape` before it is printed, and reaches rich only as a ``Text``
(never as markup): a file can neither style the terminal nor move, hide or reorder what it
shows.
"""

from __future__ import annotations

import os
import re
import sys
from collections import defaultdict
from contextlib import contextmanager
from typing import Iterable

from ddci_cli.errors import Problem
from ddci_cli.results import tier_label, unit_order
from ddci_cli.scores import OK, Scores

TERMINAL_CAP = 5  # problems shown per (code, column) group on the terminal

# C0 controls (ESC starts ANSI and OSC-8 sequences, BEL rings), DEL, C1 controls (CSI and
# OSC in one byte), and the bidi marks, embeddings, overrides and isolates
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}]")
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI}]")  # json.dumps escapes C0 itself


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: object, newlines: bool = False) -> str:
    """``text`` as it may be shown on a terminal: each control character, DEL and bidi
    control becomes a visible escape (ESC → ``\\x1b``, U+202E → ``\\u202e``); with
    ``newlines`` a line break is kept. Other characters (Vietnamese included) are unchanged."""
    return (_UNSAFE_BUT_NEWLINE if newlines else _UNSAFE).sub(_escaped, str(text))


def json_safe(text: str) -> str:
    """A JSON text with DEL, C1 controls and bidi controls written as ``\\uXXXX``: the same
    JSON value, inert on a terminal."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


WORDS = {  # key: (Vietnamese, English); one language per run, TTY or pipe alike
    "rank": ("Hạng", "Rank"), "unit": ("Đơn vị", "Unit"), "composite": ("Điểm", "Composite"),
    "tier": ("Xếp loại", "Tier"), "n": ("Phiếu", "n"), "next": ("≈ sau", "≈ next"),
    "status.insufficient_responses": ("thiếu phiếu", "too few"),
    "status.incomplete": ("thiếu điểm", "incomplete"), "status.ok": ("", ""),
    "evaluations": ("Lượt đánh giá", "evaluations"), "responses": ("Phiếu", "responses"),
    "missing": ("Thiếu", "missing"), "status": ("Trạng thái", "status"),
    "indicator": ("Chỉ tiêu", "indicator"), "column": ("Cột", "column"),
    "answers": ("Trả lời", "answers"), "block": ("Khối", "block"),
    "subindex": ("Chỉ số thành phần", "sub-index"), "items": ("Số mục", "items"),
    "rows": ("Số dòng", "rows"), "std_alpha": ("alpha chuẩn hóa", "std alpha"),
    "weakest": ("r item-rest thấp nhất", "weakest item-rest r"),
}


def word(key: str, english: bool) -> str:
    """A fixed terminal word in the run's language."""
    vi, en = WORDS[key]
    return en if english else vi


def status_word(status: str, english: bool) -> str:
    """A unit's status as a short word (the table keeps its alignment)."""
    key = f"status.{status}"
    return word(key, english) if key in WORDS else status


def _text(value: object, style: str | None = None):
    """A rich ``Text``: shown literally, never parsed as markup."""
    from rich.text import Text

    return Text(escape(value), style=style or "")


def _console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(file=stream, highlight=False, soft_wrap=not tty,
                   no_color=bool(os.environ.get("NO_COLOR")) or not tty,
                   force_terminal=tty if tty else False, width=None if tty else 200)


def message(text: str) -> None:
    """A message on stderr (status, warnings summary), escaped (line breaks kept)."""
    print(escape(text, newlines=True), file=sys.stderr)


def ranking(scores: Scores, english: bool = False) -> None:
    """A ranking table per block: rich on a TTY, aligned plain text otherwise."""
    method = scores.method
    fmt = f"{{:.{method.decimals}f}}"
    if sys.stdout.isatty():
        _rich_ranking(scores, english, fmt)
        return
    for plan in scores.plans:
        block = method.block(plan.block)
        print(escape(f"{method.name} — {block.label_en if english else block.label}"))
        w = {k: word(k, english) for k in ("rank", "composite", "tier", "n", "next", "unit")}
        print(f"{w['rank']:>4}  {w['composite']:>11}  {w['tier']:<14} {w['n']:>5}  "
              + (f"{w['next']:<6}  " if scores.ci else "") + w["unit"])
        for u in unit_order(scores):
            if scores.survey.unit_blocks[u] != plan.block:
                continue
            rank = str(scores.rank[u]) if scores.rank[u] else "–"
            comp = fmt.format(scores.composite[u]) if scores.status[u] == OK else \
                status_word(scores.status[u], english)
            tier = escape(tier_label(scores, u, english) or "")
            print(f"{rank:>4}  {comp:>11}  {tier:<14} {scores.values.responses[u]:>5}  "
                  + (f"{_tied(scores, u):<6}  " if scores.ci else "")
                  + escape(scores.survey.units[u]))
        print()


def _rich_ranking(scores: Scores, english: bool, fmt: str) -> None:
    from rich.table import Table

    console = _console()
    method = scores.method
    for plan in scores.plans:
        block = method.block(plan.block)
        table = Table(title=_text(f"{method.name} — "
                                  f"{block.label_en if english else block.label}"),
                      title_style="bold")
        for key, just in (("rank", "right"), ("unit", "left"), ("composite", "right"),
                          ("tier", "left"), ("n", "right")):
            table.add_column(word(key, english), justify=just)
        if scores.ci:
            table.add_column(word("next", english), justify="center")
        for u in unit_order(scores):
            if scores.survey.unit_blocks[u] != plan.block:
                continue
            ok = scores.status[u] == OK
            table.add_row(str(scores.rank[u]) if ok else "–", _text(scores.survey.units[u]),
                          fmt.format(scores.composite[u]) if ok else
                          _text(status_word(scores.status[u], english), "dim"),
                          _text(tier_label(scores, u, english) or ""),
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
            # lines after the first (a [units] snippet to paste) indented below it, the
            # place on the first line so the snippet stays valid TOML
            first, _, rest = p.message.partition("\n")
            text = f"{severity}: [{code}] {first}" + (f"  ({where})" if where else "")
            print(escape(text + ("\n" + rest if rest else ""), newlines=True)
                  .replace("\n", "\n    "), file=sys.stderr)
        if len(group) > cap:
            more = len(group) - cap
            where = f" in column {column}" if column else ""
            print(escape(f"{severity}: …and {more} more like this{where} ({code}); --json "
                         "lists all"), file=sys.stderr)


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
            table = Table(title=_text(sec["title"]), title_style="bold")
            for name, just in sec["columns"]:
                table.add_column(_text(name), justify=just)
            for row in sec["rows"]:
                table.add_row(*[_text(c, "green" if "▲" in c else "red" if "▼" in c else None)
                                for c in row])
            console.print(table)
            for note in sec["notes"]:
                console.print(_text(note))
        return
    for sec in sections:
        print(escape(sec["title"]))
        rows = [[escape(c) for c in row] for row in
                [[name for name, _ in sec["columns"]], *sec["rows"]]]
        widths = [max(len(r[j]) for r in rows) for j in range(len(sec["columns"]))]
        for row in rows:
            cells = [c.rjust(w) if just == "right" else c.ljust(w)
                     for c, w, (_, just) in zip(row, widths, sec["columns"])]
            print("  ".join(cells).rstrip())
        for note in sec["notes"]:
            print(escape(note))
        print()


def table(title: str, headers: list[str], rows: list[list[str]],
          right: Iterable[int] = ()) -> None:
    """A titled table of texts on stdout: rich on a TTY, aligned plain text otherwise;
    columns whose index is in ``right`` are right-aligned."""
    right = set(right)
    if sys.stdout.isatty():
        from rich.table import Table

        out = Table(title=_text(title), title_style="bold")
        for c, head in enumerate(headers):
            out.add_column(_text(head), justify="right" if c in right else "left")
        for row in rows:
            out.add_row(*(_text(cell) for cell in row))  # Text: no markup in unit names
        _console().print(out)
        return
    headers = [escape(h) for h in headers]
    rows = [[escape(cell) for cell in row] for row in rows]
    widths = [max([len(head)] + [len(r[c]) for r in rows]) for c, head in enumerate(headers)]
    print(escape(title))
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


FEW_UNITS = 10   # a correlation across fewer units than this is unreliable


def diagnostics(doc: dict, block_labels: dict[str, str], english: bool = False) -> None:
    """Responses per unit, the least answered questions, reliability, flagged pairs and
    the skewness and kurtosis of each indicator with the units winsorising would treat,
    every word in the run's language."""
    w = lambda key: word(key, english)  # noqa: E731
    for block, label in block_labels.items():
        rows = [[u["unit"], str(u["evaluations"]), str(u["responses"]),
                 _fmt(u["missing_rate"], ".0%"), status_word(u["status"], english)]
                for u in doc["units"] if u["block"] == block]
        if rows:
            table(f"{doc['index']} — {label}", [w("unit"), w("evaluations"), w("responses"),
                                                w("missing"), w("status")], rows, (1, 2, 3))
    worst = sorted((i for i in doc["indicators"] if i["missing_rate"] is not None),
                   key=lambda i: -i["missing_rate"])[:10]
    table("Most often unanswered" if english else "Câu hỏi bị bỏ trống nhiều nhất",
          [w("indicator"), w("column"), w("answers"), w("missing")],
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
          [w("block"), w("subindex"), w("items"), w("rows"), "alpha", w("std_alpha"), "PC1",
           w("weakest")], rows, (2, 3, 4, 5, 6))
    for block, c in doc["correlations"].items():
        for line in correlation_lines(c, block_labels.get(block, block), english):
            print(escape(line))
    outliers = doc.get("outliers")
    if outliers and outliers["indicators"]:
        rule = outliers["settings"]
        title = ("Skewness G1 and kurtosis G2; winsorising up to {w} points while |G1| ≥ {s:g} "
                 "and G2 ≥ {k:g} would treat" if english else "Độ lệch G1 và độ nhọn G2; "
                 "winsorise tối đa {w} điểm khi |G1| ≥ {s:g} và G2 ≥ {k:g} sẽ xử lý")
        rows = [[block_labels.get(o["block"], o["block"]), o["indicator"], str(o["n"]),
                 _fmt(o["skewness"], ".2f"), _fmt(o["kurtosis"], ".2f"),
                 "log" if o["log"] else (", ".join(o["would_winsorise"]) or "–")]
                for o in outliers["indicators"]]
        table(title.format(w=rule["winmax"], s=rule["skew"], k=rule["kurtosis"]),
              [w("block"), w("indicator"), "n", "G1", "G2",
               "would treat" if english else "sẽ xử lý"], rows, (2, 3, 4))


def correlation_lines(c: dict, label: str, english: bool) -> list[str]:
    """Indicator pairs correlated above 0.9 across units, or negatively within a
    sub-index; over fewer than FEW_UNITS units each line says the figure is unreliable."""
    n = c.get("units") or 0
    few = ""
    if n < FEW_UNITS:
        few = (f" — only {n} units: unreliable, one unit can make or break it" if english
               else f" — chỉ {n} đơn vị: không đáng tin cậy, một đơn vị có thể tạo ra hay "
                    "xóa mất nó")
    lines = []
    for p in c["high"]:
        lines.append(f"{label}: {p['a']} and {p['b']} correlate at r = {p['r']:.3f} across "
                     f"units (> 0.9: nearly the same information){few}" if english else
                     f"{label}: {p['a']} và {p['b']} tương quan r = {p['r']:.3f} giữa các "
                     f"đơn vị (> 0,9: gần như cùng một thông tin){few}")
    for p in c["negative_within"]:
        lines.append(f"{label}: {p['a']} and {p['b']} in sub-index {p['subindex']} correlate "
                     f"negatively (r = {p['r']:.3f}){few}" if english else
                     f"{label}: {p['a']} và {p['b']} trong chỉ số thành phần {p['subindex']} "
                     f"tương quan âm (r = {p['r']:.3f}){few}")
    return lines
