"""What each command does once its options are parsed: call the library, write outputs,
render. Kept apart from ``cli.py`` so the option declarations stay readable."""

from __future__ import annotations

from pathlib import Path

from ddci_cli.cli import render
from ddci_cli.check import check, load_method_checked
from ddci_cli.errors import InputError
from ddci_cli.pipeline import ReadOptions, score
from ddci_cli.results import flat_rows, score_document
from ddci_cli.io.write import check_outputs, write_formats


def run_score(survey: Path, method_path: Path, outputs: list[Path], json_out: bool,
              options: ReadOptions, lang: str | None, seed: int, bootstrap: int,
              quiet: bool, no_progress: bool, *, scorecards: bool = False,
              chart: Path | None = None) -> int:
    check_outputs(outputs, [survey, method_path])
    if chart is not None:
        from ddci_cli.report.chart import check_chart_path

        check_chart_path(chart, [survey, method_path])
    method = load_method_checked(method_path, survey, options)
    scores, report = score(survey, method, options)
    if bootstrap:
        from ddci_cli.uncertainty.bootstrap import with_intervals

        with render.progress(bootstrap, "bootstrap",
                             enabled=not (quiet or no_progress)) as advance:
            scores = with_intervals(scores, bootstrap, seed, on_chunk=advance)
    document = score_document(scores, seed)
    write_outputs(scores, document, outputs, seed, lang, scorecards=scorecards)
    if chart is not None:
        from ddci_cli.report.chart import write_chart

        write_chart(scores, chart, lang)
        outputs = [*outputs, chart]
    english = (lang or method.language) == "en"
    if json_out:
        from ddci_cli.cli.runtime import emit_json

        emit_json(document)
    elif not quiet:
        render.ranking(scores, english)
    if not quiet and report.problems:
        render.problems(report.problems)
    if not quiet:
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


def run_validate(survey: Path, method_path: Path, json_out: bool, options: ReadOptions,
                 quiet: bool) -> int:
    """Read and check; exit 0 when clean or only warnings, 1 on errors."""
    _, _, report = check(survey, method_path, options)
    effective = report.strict() if options.strict else report
    if effective.has_errors:
        raise InputError(effective)
    if json_out:
        from ddci_cli.cli.runtime import emit_json

        emit_json({"schema_version": 1, "ok": True,
                   "problems": [p.to_dict() for p in report.problems]})
    if not quiet:
        render.problems(report.problems)
        render.message(f"{survey}: {render.summary_line(0, len(report.warnings))}")
    return 0
