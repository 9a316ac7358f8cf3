"""The library entry points: read a survey against a method, and score it.

A notebook user gets from :func:`score` exactly what ``ddci score`` prints and writes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ddci_cli.survey.clean import Survey, clean_table, wanted_columns
from ddci_cli.errors import InputError, ProblemReport, UsageError
from ddci_cli.io.ahead import digest as read_digest
from ddci_cli.survey.layouts import RESPONDENT_KEY, load_survey_table, respondent_codes
from ddci_cli.method.model import Method
from ddci_cli.method.load import load_method
from ddci_cli.scores import Scores, score_survey
from ddci_cli.method.weighting import weighting_columns
from ddci_cli.survey.frame import FRAME_NAME, frame_sha256, is_frame
from ddci_cli.survey.weighting import rake_survey
from ddci_cli.method.treatment import treatment_columns
from ddci_cli.survey.denominate import denominate


@dataclass(frozen=True)
class ReadOptions:
    """How to read the survey file (SPEC §5 common options)."""

    sheet: str | int | None = None
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None
    lenient: bool = False
    strict: bool = False
    extra_columns: tuple[str, ...] = field(default=())


def read_survey(path: str | Path, method: Method, options: ReadOptions = ReadOptions(),
                report: ProblemReport | None = None) -> Survey:
    """Read and check ``path`` (a file, or a pandas DataFrame with one row per evaluation);
    every problem goes to ``report`` (raise if it has errors)."""
    frame = path if is_frame(path) else None
    path = Path(FRAME_NAME if frame is not None else path)
    report = report if report is not None else ProblemReport()
    if options.lenient and options.strict:
        raise UsageError("--lenient and --strict cannot be used together")
    if options.header_row is not None and options.header_row < 1:
        raise UsageError("--header-row must be 1 or more")
    extra = options.extra_columns + weighting_columns(method)
    table = load_survey_table(  # input.layout: long, grid or repeat; a zip of CSVs too
        frame if frame is not None else path, method, wanted_columns(method, extra),
        sheet=options.sheet if options.sheet is not None else method.sheet,
        header_row=options.header_row, encoding=options.encoding,
        delimiter=options.delimiter, report=report)
    survey = clean_table(table, method, report, lenient=options.lenient)
    if survey.respondents is None and RESPONDENT_KEY in table.columns:  # grid, repeat
        survey.respondents = respondent_codes(table.columns[RESPONDENT_KEY])
    survey.X = denominate(survey.X, table, method, report)  # SPEC §10, before any statistic
    extra += tuple(treatment_columns(method))
    survey.extra = {name: table.columns[name] for name in extra if name in table.columns}
    rake_survey(survey, method, report)  # raked weights replace the design weights
    survey.sha256 = file_sha256(path) if frame is None else frame_sha256(frame)
    if table.total_rows == 0:
        report.error("no_data_rows", f"{path.name} has a header (row {table.header_row}) but "
                     "no data rows below it", file=str(path), sheet=table.sheet,
                     row=table.header_row)
    return survey


def score(survey_path: str | Path, method: Method | str | Path,
          options: ReadOptions = ReadOptions()) -> tuple[Scores, ProblemReport]:
    """Read, check and score a survey. Raises :class:`InputError` (with every problem) when
    the input has errors — or warnings, under ``options.strict``."""
    report = ProblemReport(list(method.problems) if isinstance(method, Method) else [])
    if not isinstance(method, Method):
        method = load_method(method)
        report.extend(method.problems)
    survey = read_survey(survey_path, method, options, report)
    _stop_on_errors(report, options)
    before = list(report.problems)
    scores = score_survey(survey, method, report)
    _stop_on_errors(report, options)
    scores.problems = list(report.problems)
    scores.input_problems = before
    return scores, report


def _stop_on_errors(report: ProblemReport, options: ReadOptions) -> None:
    effective = report.strict() if options.strict else report
    if effective.has_errors:
        raise InputError(effective)


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file: of the bytes read to parse it when the reader kept it and
    the file has not changed since, else read again."""
    known = read_digest(path)
    if known is not None:
        return known
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
