"""``ddci score --chart ranking.png``: each block's ranking as a bar chart for slides.

Drawn with matplotlib's Agg canvas directly (no pyplot, no global backend state); written
atomically. PNG (or SVG / PDF by extension) without time stamps, so the same scores give
the same file.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ddci_cli.errors import UsageError
from ddci_cli.scores import Scores
from ddci_cli.io.write import check_target, write_with
from ddci_cli.report.context import is_synthetic
from ddci_cli.report.labels import Labels
from ddci_cli.report.style import ALERT, NAVY, tier_colours

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
METADATA = {"png": {"Software": None}, "svg": {"Date": None},
            "pdf": {"CreationDate": None, "ModDate": None}}
WIDTH_IN, HEIGHT_IN = 12.8, 7.2   # 16:9 slide; 1920 × 1080 pixels at DPI
DPI = 150
BAR_IN = 0.27                 # height of one bar's row


def check_chart_path(path: Path, inputs: list[Path]) -> None:
    """Refuse what would fail after scoring: unknown extension, missing folder, an input
    file as target, matplotlib not installed."""
    check_target(path, inputs, FORMATS, "--chart")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("--chart needs matplotlib; install it with "
                         "pip install 'ddci[chart]'") from None


def ranking_figure(scores: Scores, lang: str | None = None):
    """A matplotlib Figure: one panel per block, bars coloured by tier, best at the top."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from ddci_cli.report.context import Report
    from ddci_cli.report.summary import composite_scale

    method = scores.method
    labels = Labels(lang or method.language)
    rep = Report(scores, labels, book=None)          # the block views only, no styles
    views = [v for v in rep.blocks if v.ranked]
    ncols = max(1, min(len(views), 2))
    nrows = max(1, math.ceil(len(views) / ncols))
    most = max((len(v.ranked) for v in views), default=1)
    height = max(HEIGHT_IN, nrows * (most * BAR_IN + 1.0) + 1.4)
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    FigureCanvasAgg(fig)
    colours = tier_colours(method.tiers_descending())
    scale = composite_scale(method)
    for k, view in enumerate(views):
        ax = fig.add_subplot(nrows, ncols, k + 1)
        _panel(ax, scores, view, colours, scale, most, method.decimals)
        ax.set_xlabel(labels("col.composite"), fontsize=9, color="#404040")
    title = labels("chart.png_title", index=rep.title())
    fig.suptitle(title, fontsize=14, fontweight="bold", color=f"#{NAVY}", x=0.01, ha="left")
    if is_synthetic(method, scores.survey):
        fig.text(0.99, 0.985, labels("note.synthetic"), ha="right", va="top", fontsize=9,
                 color=f"#{ALERT}", fontweight="bold")
    tiers = method.tiers_descending()
    if tiers:
        handles = [Patch(color=f"#{colours[t][0]}", label=labels.of(tier))
                   for t, tier in enumerate(tiers)]
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False,
                   fontsize=9, title=labels("col.tier"), title_fontsize=9)
    fig.tight_layout(rect=(0, 0.06 if tiers else 0, 1, 0.95))
    return fig


def _panel(ax, scores: Scores, view, colours, scale, most: int, decimals: int) -> None:
    units = view.ranked
    values = np.array([scores.composite[u] for u in units])
    bar_colours = [f"#{colours[int(scores.tier[u])][0]}" if scores.tier[u] >= 0 else "#7F7F7F"
                   for u in units]
    names = [f"{int(scores.rank[u])}. {scores.survey.units[u]}" for u in units]
    pos = np.arange(len(units))
    ax.barh(pos, values, color=bar_colours, height=0.72)
    ax.set_yticks(pos, names, fontsize=8.5)
    ax.set_ylim(most - 0.5, -0.5)                 # same bar thickness in every panel
    low = 0.0 if scale and scale[0] >= 0 else None
    high = scale[1] if scale else float(np.nanmax(values)) * 1.08
    ax.set_xlim(low if low is not None else float(np.nanmin(values)) - 1, high)
    for y, v in zip(pos, values):
        ax.text(v, y, f" {v:.{decimals}f}", va="center", fontsize=8, color="#404040")
    ax.set_title(view.label, fontsize=11, fontweight="bold", color=f"#{NAVY}", loc="left")
    ax.grid(axis="x", color="#D9D9D9", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.tick_params(axis="x", labelsize=8, colors="#404040")


def write_chart(scores: Scores, target: Path, lang: str | None = None) -> None:
    """Write the ranking chart to ``target`` (format by extension), atomically."""
    target = Path(target)
    fmt = FORMATS.get(target.suffix.lower(), "png")
    fig = ranking_figure(scores, lang)
    write_with(target, lambda tmp: fig.savefig(tmp, format=fmt, dpi=DPI,
                                               metadata=METADATA[fmt]))
