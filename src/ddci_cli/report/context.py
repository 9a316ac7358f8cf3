"""What every sheet of the report needs: the scores, the language, the styles, the run's
provenance, and per-block views (units in ranking order, block means and bests)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ddci_cli.results import unit_order
from ddci_cli.scores import OK, BlockPlan, Scores
from ddci_cli.report.cells import safe_sheet_title
from ddci_cli.report.labels import Labels
from ddci_cli.report.style import StyleBook, tier_colours

SYNTHETIC_MARKERS = ("synthetic", "giả lập")


def column_mean(a: np.ndarray) -> np.ndarray:
    """Mean of each column over its non-NaN entries; NaN where a column has none."""
    present = ~np.isnan(a)
    count = present.sum(axis=0)
    total = np.where(present, a, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def column_max(a: np.ndarray) -> np.ndarray:
    present = ~np.isnan(a)
    best = np.where(present, a, -np.inf).max(axis=0, initial=-np.inf)
    return np.where(present.any(axis=0), best, np.nan)


@dataclass
class BlockView:
    """One block: its units in ranking order (ranked first), and over the units that have
    a value, the mean and best of each sub-index and of each indicator's score."""

    plan: BlockPlan
    label: str
    units: list[int]
    ranked: list[int]
    sub_mean: np.ndarray        # per plan.subindices
    sub_best: np.ndarray
    ind_mean: np.ndarray        # per plan.indicators
    ind_best: np.ndarray


@dataclass
class Report:
    scores: Scores
    labels: Labels
    book: StyleBook
    seed: int = 0
    now: dt.datetime | None = None
    command: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    @property
    def method(self):
        return self.scores.method

    @property
    def survey(self):
        return self.scores.survey

    @cached_property
    def synthetic(self) -> bool:
        return is_synthetic(self.method, self.survey)

    @cached_property
    def tier_colours(self) -> list[tuple[str, str]]:
        return tier_colours(self.method.tiers_descending())

    def sheet_name(self, title: str) -> str:
        return safe_sheet_title(title, self.used)

    def alert(self) -> str | None:
        return self.labels("note.synthetic") if self.synthetic else None

    def title(self) -> str:
        """The index name, with the year when the name does not already hold it."""
        year, name = self.method.year, self.method.name
        if year and str(year) not in name:
            name = f"{name} – {self.labels('title.year', year=year)}"
        return name

    @cached_property
    def blocks(self) -> list[BlockView]:
        order = unit_order(self.scores)
        views = []
        for plan in self.scores.plans:
            members = set(int(u) for u in plan.units)
            units = [u for u in order if u in members]
            ranked = [u for u in units if self.scores.status[u] == OK]
            subs = self.scores.subindices[np.ix_(plan.units, plan.subindices)]
            inds = self.scores.scores[np.ix_(plan.units, plan.indicators)]
            views.append(BlockView(plan, self.labels.of(self.method.block(plan.block)), units,
                                   ranked, column_mean(subs), column_max(subs),
                                   column_mean(inds), column_max(inds)))
        return views

    def block_label(self, u: int) -> str:
        return self.labels.of(self.method.block(self.survey.unit_blocks[u]))

    def status_note(self, u: int) -> str:
        status = self.scores.status[u]
        return self.labels(f"status.{status}", n=self.method.min_responses)

    def tier_style(self, u: int) -> str:
        t = int(self.scores.tier[u])
        return f"tier{t}" if t >= 0 else "text"

    def tier_text(self, u: int) -> str | None:
        t = int(self.scores.tier[u])
        return self.labels.of(self.method.tiers_descending()[t]) if t >= 0 else None


def is_synthetic(method, survey) -> bool:
    """True when the data come from ``ddci sample``: the method's index name, the comment
    lines at the top of the method file, or the survey's file or sheet name mention
    "synthetic" or "giả lập" (any case)."""
    head = []
    for line in method.text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        head.append(line)
    texts = [method.name, "\n".join(head), Path(survey.path or "").name, survey.sheet or ""]
    folded = unicodedata.normalize("NFC", " ".join(texts)).casefold()
    return any(marker in folded for marker in SYNTHETIC_MARKERS)
