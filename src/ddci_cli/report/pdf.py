"""``ddci score … -o ranking.pdf``: the ranking on one A4 page for a meeting.

Per block, the Summary table (rank, unit, composite, tier, responses) with a bar chart of
the composites beside it, row for row; the index title, the scale and, for synthetic
data, the warning line. Drawn with matplotlib (no LibreOffice), fonts embedded as
TrueType (DejaVu Sans, shipped with matplotlib, has every Vietnamese letter) so text
extraction and search find the unit names with their diacritics. No time stamps, so the
same scores give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ddci_cli.io.write import write_with
from ddci_cli.scores import Scores
from ddci_cli.report.context import Report
from ddci_cli.report.labels import Labels
from ddci_cli.report.style import ALERT, BAND_FILL, GREY_TEXT, NAVY, tier_colours

A4_IN = (8.27, 11.69)             # portrait, inches
MARGIN_IN = 0.45
FONT = "DejaVu Sans"
RC = {"pdf.fonttype": 42, "font.family": FONT, "svg.fonttype": "none"}
# columns of the table part, as fractions of its width: rank, unit, composite, tier, n
COLUMNS = ((0.045, "right"), (0.065, "left"), (0.765, "right"), (0.785, "left"),
           (1.0, "right"))


def ranking_pdf(scores: Scores, lang: str | None = None):
    """The one-page A4 matplotlib Figure."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from ddci_cli.report.summary import composite_scale

    labels = Labels(lang or scores.method.language)
    rep = Report(scores, labels, book=None)
    views = [v for v in rep.blocks if v.units]
    rows = sum(len(v.units) + 2.2 for v in views)
    font = min(8.0, max(4.5, 560.0 / max(rows, 1)))   # points: the page holds every row
    with rc_context(RC):
        fig = Figure(figsize=A4_IN)
        FigureCanvasAgg(fig)
        top = _heading(fig, rep, font)
        grid = fig.add_gridspec(len(views), 2, width_ratios=(1.75, 1.0), wspace=0.03,
                                hspace=0.06, height_ratios=[len(v.units) + 2.2 for v in views],
                                left=MARGIN_IN / A4_IN[0], right=1 - MARGIN_IN / A4_IN[0],
                                top=top, bottom=0.045)
        colours = tier_colours(scores.method.tiers_descending())
        scale = composite_scale(scores.method)
        for k, view in enumerate(views):
            table = fig.add_subplot(grid[k, 0])
            bars = fig.add_subplot(grid[k, 1], sharey=table)
            _table(table, rep, view, colours, font)
            _bars(bars, rep, view, colours, scale, font)
        fig.text(0.5, 0.02, labels("note.scale", low=_low(scale), high=_high(scale, scores)),
                 ha="center", fontsize=font, color=f"#{GREY_TEXT}")
    return fig


def _heading(fig, rep: Report, font: float) -> float:
    """Title, subtitle and the synthetic-data line; the figure height left below them."""
    y = 1 - MARGIN_IN / A4_IN[1]
    x = MARGIN_IN / A4_IN[0]
    fig.text(x, y, rep.title(), fontsize=14, fontweight="bold", color=f"#{NAVY}", va="top")
    y -= 0.028
    fig.text(x, y, rep.labels("title.summary"), fontsize=10, style="italic",
             color=f"#{GREY_TEXT}", va="top")
    y -= 0.02
    if rep.synthetic:
        fig.text(x, y, rep.labels("note.synthetic"), fontsize=9, fontweight="bold",
                 color=f"#{ALERT}", va="top")
        y -= 0.02
    return y - 0.01


def _table(ax, rep: Report, view, colours, font: float) -> None:
    t, s = rep.labels, rep.scores
    n = len(view.units)
    ax.set_xlim(0, 1)
    ax.set_ylim(n + 0.5, -1.7)
    ax.axis("off")
    ax.text(0, -1.2, view.label, fontsize=font + 1.5, fontweight="bold", color=f"#{NAVY}",
            va="center")
    heads = [t("col.rank"), t("col.unit"), t("col.composite"), t("col.tier"),
             t("col.responses")]
    ax.axhspan(-0.5, 0.5, color=f"#{BAND_FILL}", lw=0)
    for (x, align), head in zip(COLUMNS, heads):
        ax.text(x, 0, head, ha=align, va="center", fontsize=font, fontweight="bold",
                color=f"#{NAVY}")
    digits = rep.method.decimals
    for y, u in enumerate(view.units, 1):      # rows 1…n below the header row 0
        ranked = s.rank[u] > 0
        cells = [str(int(s.rank[u])) if ranked else "–", s.survey.units[u],
                 f"{s.composite[u]:.{digits}f}" if ranked else "",
                 rep.tier_text(u) or ("" if ranked else rep.status_note(u)),
                 f"{int(s.values.responses[u]):,}"]
        for (x, align), text in zip(COLUMNS, cells):
            ax.text(x, y, text, ha=align, va="center", fontsize=font, clip_on=False,
                    color="#000000" if ranked else f"#{GREY_TEXT}")
        ax.axhline(y + 0.5, color="#D9D9D9", lw=0.4)


def _bars(ax, rep: Report, view, colours, scale, font: float) -> None:
    s = rep.scores
    rows = [(r, u) for r, u in enumerate(view.units, 1) if s.rank[u] > 0]
    values = [s.composite[u] for _, u in rows]
    colour = [f"#{colours[int(s.tier[u])][0]}" if s.tier[u] >= 0 else "#7F7F7F"
              for _, u in rows]
    ax.barh([r for r, _ in rows], values, color=colour, height=0.7)
    low = _low(scale)
    high = _high(scale, s)
    ax.set_xlim(low, high)
    for (r, _), v in zip(rows, values):
        ax.text(v, r, f" {v:.{rep.method.decimals}f}", va="center", fontsize=font * 0.9,
                color=f"#{GREY_TEXT}")
    ax.tick_params(axis="y", left=False, labelleft=False)
    ax.tick_params(axis="x", labelsize=font * 0.9, colors=f"#{GREY_TEXT}", length=2)
    ax.grid(axis="x", color="#D9D9D9", linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _low(scale) -> float:
    return 0.0 if not scale or scale[0] >= 0 else float(scale[0])


def _high(scale, scores: Scores) -> float:
    if scale:
        return float(scale[1])
    return float(np.nanmax(scores.composite)) * 1.08 if np.isfinite(
        scores.composite).any() else 1.0


def write_ranking_pdf(scores: Scores, target: Path, lang: str | None = None) -> None:
    """Write the one-page A4 ranking to ``target`` atomically, without time stamps."""
    from matplotlib import rc_context

    fig = ranking_pdf(scores, lang)

    def save(tmp: Path) -> None:
        with rc_context(RC):      # TrueType fonts: the PDF's text is extractable
            fig.savefig(tmp, format="pdf", metadata={"CreationDate": None, "ModDate": None})

    write_with(Path(target), save)
