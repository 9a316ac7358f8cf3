"""What each command does once its options are parsed: call the library, write outputs,
render. Kept apart from ``cli.py`` so the option declarations stay readable.

Each command body (``run_score`` here, ``run_compare`` in cli/compare.py, …) takes one
frozen settings object, built by keyword; :class:`CommandSettings` and
:class:`SurveySettings` hold what the commands share."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ddci_cli.cli import render
from ddci_cli.check import check, load_method_checked
from ddci_cli.errors import InputError
from ddci_cli.pipeline import ReadOptions, score
from ddci_cli.results import flat_rows, score_document
from ddci_cli.io.write import check_outputs, write_formats


@dataclass(frozen=True, kw_only=True)
class CommandSettings:
    """What every command that reads surveys is told alike: how to read them (``read``),
    and whether to print one JSON document (``json_out``) or nothing but errors
    (``quiet``). Each command's settings add their own; all are given by keyword."""

    json_out: bool = False
    read: ReadOptions = field(default_factory=ReadOptions)
    quiet: bool = False


@dataclass(frozen=True, kw_only=True)
class SurveySettings(CommandSettings):
    """The settings of a command on one survey and its method file."""

    survey: Path
    method: Path


@dataclass(frozen=True, kw_only=True)
class ScoreSettings(SurveySettings):
    """What ``ddci score`` (or a batch job's score) is asked to do."""

    outputs: list[Path] = field(default_factory=list)
    lang: str | None = None
    seed: int = 0
    bootstrap: int = 0
    no_progress: bool = False
    scorecards: bool = False
    chart: Path | None = None


def run_score(s: ScoreSettings) -> int:
    check_outputs(s.outputs, [s.survey, s.method])
    if s.chart is not None:
        from ddci_cli.report.chart import check_chart_path

        check_chart_path(s.chart, [s.survey, s.method])
    method = load_method_checked(s.method, s.survey, s.read)
    scores, report = score(s.survey, method, s.read)
    if s.bootstrap:
        from ddci_cli.uncertainty.bootstrap import with_intervals

        with render.progress(s.bootstrap, "bootstrap",
                             enabled=not (s.quiet or s.no_progress)) as advance:
            scores = with_intervals(scores, s.bootstrap, s.seed, on_chunk=advance)
    document = score_document(scores, s.seed)
    write_outputs(scores, document, s.outputs, s.seed, s.lang, scorecards=s.scorecards)
    outputs = s.outputs
    if s.chart is not None:
        from ddci_cli.report.chart import write_chart

        write_chart(scores, s.chart, s.lang)
        outputs = [*outputs, s.chart]
    english = (s.lang or method.language) == "en"
    if s.json_out:
        from ddci_cli.cli.runtime import emit_json

        emit_json(document)
    elif not s.quiet:
        render.ranking(scores, english)
    if not s.quiet and report.problems:
        render.problems(report.problems)
    if not s.quiet:
        for out in outputs:
            render.message(f"wrote {out}")
    return 0


def write_outputs(scores, document: dict, outputs: list[Path], seed: int,
                  lang: str | None, *, scorecards: bool = False) -> None:
    """Write every requested output atomically, each in the format of its extension."""
    def workbook(out: Path) -> None:
        from ddci_cli.report import write_workbook

        write_workbook(scores, out, seed=seed, lang=lang, scorecards=scorecards)

    def pdf(out: Path) -> None:
        from ddci_cli.report.pdf import write_ranking_pdf

        write_ranking_pdf(scores, out, lang)

    write_formats(outputs, document, lambda: flat_rows(scores), workbook, pdf)


@dataclass(frozen=True, kw_only=True)
class ValidateSettings(SurveySettings):
    """What ``ddci validate`` (or a batch job's validate) is asked to do."""


def run_validate(s: ValidateSettings) -> int:
    """Read and check; exit 0 when clean or only warnings, 1 on errors."""
    _, _, report = check(s.survey, s.method, s.read)
    effective = report.strict() if s.read.strict else report
    if effective.has_errors:
        raise InputError(effective)
    if s.json_out:
        from ddci_cli.cli.runtime import emit_json

        emit_json({"schema_version": 1, "ok": True,
                   "problems": [p.to_dict() for p in report.problems]})
    if not s.quiet:
        render.problems(report.problems)
        render.message(f"{s.survey}: {render.summary_line(0, len(report.warnings))}")
    return 0
