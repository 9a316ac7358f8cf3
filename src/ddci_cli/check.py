"""Every check of ``ddci validate``, collected into one report (SPEC §5).

The method file is checked first. When it has errors, the survey is still read against the
method *as far as it could be built* (each wrong value replaced by its default), so a
misspelt key and a missing survey column are reported in one run instead of two. When both
are clean, the nominal computation runs too, without writing anything: some problems (no
eligible unit, a zero score under geometric aggregation, a constant indicator) only show
there, and ``validate`` exiting 0 must mean ``score`` will not stop on them.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

from ddci_cli.survey.clean import Survey
from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.method.model import Method
from ddci_cli.method.load import load_method
from ddci_cli.pipeline import ReadOptions, read_survey


def check(survey_path: str | Path, method_path: str | Path,
          options: ReadOptions = ReadOptions()) -> tuple[Method | None, Survey | None,
                                                         ProblemReport]:
    """(method or None, survey or None, every problem found). Raises only UsageError."""
    report = ProblemReport()
    method, method_ok = _method(Path(method_path), report)
    survey = None
    if method is not None:
        try:
            survey = read_survey(survey_path, method, options, report)
        except InputError as exc:  # a problem that stops reading (e.g. no header row)
            report.extend(p for p in exc.report.problems if p not in report.problems)
        except Exception:
            if method_ok:
                raise
            # a method with errors can hold values the reader never expects; its own
            # errors (already in the report) are what the user must fix first
    if method_ok and survey is not None and not report.has_errors:
        from ddci_cli.scores import score_survey

        score_survey(survey, method, report)
    return (method if method_ok else None), survey, report


def load_method_checked(method_path: str | Path, survey_path: str | Path,
                        options: ReadOptions = ReadOptions()) -> Method:
    """:func:`load_method`; when the method file has errors, the InputError also lists the
    survey problems found with the part of the method that is right."""
    try:
        return load_method(method_path)
    except InputError:
        _, _, report = check(survey_path, method_path, options)
        raise InputError(report) from None


def _method(path: Path, report: ProblemReport) -> tuple[Method | None, bool]:
    try:
        method = load_method(path)
    except InputError as exc:
        report.extend(exc.report.problems)
        return partial_method(path), False
    report.extend(method.problems)
    return method, True


def partial_method(path: Path) -> Method | None:
    """The method built despite its errors, for reading the survey's columns; None when
    the file cannot be parsed at all or names no unit column."""
    from ddci_cli.method.load import _nfc_tree
    from ddci_cli.method.build import build_method
    from ddci_cli.method.schema import TableReader

    try:
        doc = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
        method = build_method(_nfc_tree(doc), TableReader(ProblemReport(), str(path)))
    except Exception:  # unreadable or not TOML: load_method has already said why
        return None
    return replace(method, source=str(path)) if method.unit_column else None
