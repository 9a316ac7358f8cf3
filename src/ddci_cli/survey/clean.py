"""A located table to a :class:`Survey`: canonical units and blocks, weights, respondents,
and the (rows × indicators) float matrix with NaN for missing answers (SPEC §2)."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

import numpy as np

from ddci_cli.survey.cells import (AMBIGUOUS, OUT_OF_RANGE, NumberFormat, numeric_columns,
                                   numeric_values, number_codes, text_codes)
from ddci_cli.errors import ProblemReport
from ddci_cli.method.model import Method
from ddci_cli.text import (display_text, display_texts, factorize, factorize_codes,
                           keys_of, match_key)
from ddci_cli.survey.units import first_pairs, resolve_units
from ddci_cli.survey.answers import answer_map, answer_texts
from ddci_cli.io.ahead import Job
from ddci_cli.io.delimited import Coded
from ddci_cli.survey.locate import Columns, cell_of, column_of

LIST_LIMIT = 1_000_000  # cells reported one by one (the terminal groups them)


@dataclass
class Survey:
    """Evaluations ready for arithmetic. ``X[r, i]`` is row r's answer to
    ``indicators[i]`` (NaN when missing); ``unit_of_row[r]`` indexes ``units``."""

    path: str
    sheet: str | None
    header_row: int
    rows: int
    units: list[str]
    unit_blocks: list[str]
    unit_of_row: np.ndarray
    weights: np.ndarray
    X: np.ndarray
    row_numbers: np.ndarray
    respondents: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    sha256: str | None = None
    encoding: str | None = None
    weighting: dict | None = None  # raking report when [weighting] raked the weights


def wanted_columns(method: Method, extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Every column the method names → the key path that names it."""
    wanted = {method.unit_column: "input.unit_column"}
    for key in ("block_column", "respondent_column", "weight_column"):
        name = getattr(method, key)
        if name:
            wanted.setdefault(name, f"input.{key}")
    for n, k in enumerate(method.subindices):
        for j, ind in enumerate(k.indicators):
            wanted.setdefault(ind.column, f"subindices[{n}].indicators[{j}].column")
    for name in extra:
        wanted.setdefault(name, f'weighting.margins."{name}"')
    from ddci_cli.method.treatment import treatment_columns

    for name, key in treatment_columns(method).items():  # SPEC §10: by, denominators
        wanted.setdefault(name, key)
    return wanted


def clean_table(table, method: Method, report: ProblemReport, *,
                lenient: bool = False) -> Survey:
    """Convert every used column; every bad cell becomes a problem in ``report``."""
    place = dict(file=table.path, sheet=table.sheet)
    rows = table.row_numbers
    ahead = _converting(table, method)
    units, blocks, unit_of_row = resolve_units(table, method, report)
    weights = _weights(table, method, report, place)
    respondents = _respondents(table, method, unit_of_row, report, place)
    X = _answers(table, method, report, place, lenient, ahead)
    return Survey(table.path, table.sheet, table.header_row, table.total_rows, units, blocks,
                  unit_of_row, weights, X, rows, respondents, encoding=table.encoding)


AHEAD_FROM = 1 << 24  # cells of X from which the answers are converted on a second thread


def _converting(table, method: Method) -> Job | None:
    """The answers of a big survey read from codes (every indicator column there),
    converted on a second thread while the units, weights and respondents are read. X is
    1M rows × 46 answers = 368 MB: the kernel's page faults for its fresh memory (0.3-0.7
    s) and the ``take`` that fills it (0.3 s) run beside that Python work; numpy lets go
    of the GIL while it takes. The problems are reported afterwards, in the same order."""
    n, m = len(table.row_numbers), len(method.indicators)
    columns = table.columns
    if n * m < AHEAD_FROM or not isinstance(columns, Columns) or \
            not all(columns.coded(ind.column) is not None for ind in method.indicators):
        return None
    return Job(lambda opened: _convert(table, method), name="ddci-answers", daemon=True)


def _convert(table, method: Method) -> tuple[list, np.ndarray | None, list | None]:
    """(the indicators with a column: (index, indicator, cells), their values as rows ×
    those indicators, each one's bad cells): every indicator column converted at once
    (one pass over all the answers, see cells.numeric_columns)."""
    shared_text = text_codes(method.missing_codes)
    shared_numbers = number_codes(method.missing_codes)
    present = [(i, ind, column_of(table, ind.column)) for i, ind in enumerate(method.indicators)]
    present = [p for p in present if p[2] is not None]  # a delimited file's: codes
    if not present:
        return present, None, None
    values, issues = numeric_columns(
        [cells for _, _, cells in present],
        [shared_text | text_codes(ind.missing_codes) for _, ind, _ in present],
        [shared_numbers | number_codes(ind.missing_codes) for _, ind, _ in present],
        [ind.valid for _, ind, _ in present], number_format(method),
        [answer_map(method, ind) for _, ind, _ in present], method.leading_code)
    return present, values, issues


def _answers(table, method: Method, report: ProblemReport, place: dict,
             lenient: bool, ahead: Job | None = None) -> np.ndarray:
    """X (rows × indicators, NaN missing), converted here or by ``ahead``; bad cells go
    to ``report`` in indicator order."""
    rows = table.row_numbers
    present, values, issues = ahead.result() if ahead is not None else \
        _convert(table, method)
    if not present:
        return np.full((len(rows), len(method.indicators)), np.nan)
    if len(present) == len(method.indicators):
        X = values
    else:
        X = np.full((len(rows), len(method.indicators)), np.nan)
        X[:, [i for i, _, _ in present]] = values
    for (_, ind, _), found in zip(present, issues):
        texts = answer_texts(method, ind) or (["'4 - …'"] if method.leading_code else [])
        for issue in found:
            _report_cells(issue, ind, rows, report, place, lenient, texts)
    return X


def number_format(method: Method) -> NumberFormat:
    """How the method says numeric texts are written (input.thousands, input.decimal_mark)."""
    return NumberFormat(method.thousands, method.decimal_mark)


def _report_cells(issue, ind, rows, report: ProblemReport, place: dict, lenient: bool,
                  texts: list[str] = ()) -> None:
    if issue.kind == AMBIGUOUS:
        _report_ambiguous(issue, ind.column, rows, report, place)
        return
    if lenient:
        what, _ = _explain(issue.kind, issue.values[0], ind, texts)
        report.warning(issue.kind, f"{len(issue.positions)} cell(s) in column '{ind.column}' "
                       f"were not valid answers and were treated as missing (--lenient); the "
                       f"first, in row {rows[issue.positions[0]]}: {what}",
                       column=ind.column, row=int(rows[issue.positions[0]]),
                       value=issue.values[0], **place)
        return
    for pos, value in zip(issue.positions[:LIST_LIMIT], issue.values[:LIST_LIMIT]):
        what, fix = _explain(issue.kind, value, ind, texts)
        report.error(issue.kind, f"row {rows[pos]}, column '{ind.column}': {what}; {fix}",
                     row=int(rows[pos]), column=ind.column, value=value, **place)


def _report_ambiguous(issue, column: str, rows, report: ProblemReport, place: dict) -> None:
    """Warning ``ambiguous_separator``: every separated numeric text of the column has three
    digits after its one separator, so it may be grouped thousands read as a decimal."""
    example = str(issue.values[0]).strip()
    sep = "." if "." in example else ","
    as_read = float(example.replace(",", "."))
    grouped = float(example.replace(sep, ""))
    report.warning(
        "ambiguous_separator", f"column '{column}': {len(issue.positions)} numeric text(s) "
        f"such as '{example}' (row {rows[issue.positions[0]]}) have one '{sep}' followed by "
        f"exactly three digits; they were read with '{sep}' as the decimal mark ({example} = "
        f"{as_read:g}). If '{sep}' groups thousands here ({example} = {grouped:g}), set "
        f"thousands = \"{sep}\" under [input] in the method file; if it is a decimal mark, "
        f"set decimal_mark = \"{sep}\" to say so", row=int(rows[issue.positions[0]]),
        column=column, value=example, **place)


def _explain(kind: str, value, ind, texts: list[str] = ()) -> tuple[str, str]:
    """(what is wrong with the cell, what to do) in words a spreadsheet user knows;
    ``texts``: the answer texts the method maps for the indicator (SPEC §2)."""
    if kind == OUT_OF_RANGE:
        low, high = (display_text(v) for v in ind.valid)
        return (f"{display_text(value)} is outside the valid range {low}–{high}",
                "correct the answer or leave it blank")
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return (f"{value} is a date or time, not a number (the cell has a date format)",
                "format the column as Number and type the answer")
    if isinstance(value, (bool, np.bool_)):
        return (f"{'TRUE' if value else 'FALSE'} is a true/false value, not a number",
                "type the answer as a number")
    if isinstance(value, str) and value.strip().startswith("#"):
        return (f"{value.strip()!r} is an Excel error value, not a number",
                "fix the formula or type the answer")
    if isinstance(value, str) and value.strip().startswith("="):
        return (f"{value.strip()!r} is a formula typed as text, not a number",
                "type the answer itself")
    if isinstance(value, str) and texts:
        from ddci_cli.survey.locate import quoted_list

        return (f"{value!r} is not a number nor one of the mapped answer texts "
                f"({quoted_list([t.strip(chr(39)) for t in texts], 200)})",
                f"add \"{display_text(value)}\" = <code> under [answers] (or the "
                f"indicator's own answers), or to input.missing_codes if it means 'no answer'")
    if isinstance(value, str):
        return (f"{value!r} is not a number",
                "type the number (digits, with '.' or ',' as decimal mark), leave the cell "
                "blank, or add this text to input.missing_codes if it means 'no answer'")
    return f"{display_text(value)} is not a finite number", "type the answer as a number"


def _weights(table, method: Method, report: ProblemReport, place: dict) -> np.ndarray:
    n = len(table.row_numbers)
    cells = column_of(table, method.weight_column) if method.weight_column else None
    if cells is None:
        return np.ones(n)
    values, bad, ambiguous = numeric_values(cells, number_format(method))
    with np.errstate(invalid="ignore"):
        bad |= values < 0
    if ambiguous is not None:
        _report_ambiguous(ambiguous, method.weight_column, table.row_numbers, report, place)
    for pos in np.flatnonzero(bad):
        value = cell_of(cells, pos)
        shown = _weight_fault(value)
        report.error("bad_weight", f"row {table.row_numbers[pos]}, column "
                     f"'{method.weight_column}': the weight {shown}; a weight must be a finite "
                     "number ≥ 0 (use 0 to drop the row)", row=int(table.row_numbers[pos]),
                     column=method.weight_column, value=value, **place)
    values = np.where(bad, 0.0, values)
    if n and not bad.all() and values.sum() == 0:
        report.error("bad_weight", f"every weight in column '{method.weight_column}' is 0; "
                     "no row would count", column=method.weight_column, **place)
    return values


def _respondents(table, method: Method, unit_of_row, report: ProblemReport,
                 place: dict) -> np.ndarray | None:
    cells = column_of(table, method.respondent_column) if method.respondent_column else None
    if cells is None:
        return None
    if isinstance(cells, Coded):  # a key per distinct id, taken by the codes
        key_of = np.empty(len(cells.uniques), dtype=object)
        ids = cells.uniques.tolist()
        keys = display_texts(ids)
        key_of[:] = keys
        # the ids are all different: so are their keys, unless display_text changed one
        same = keys == ids  # (a list compares its items by identity first: 5 ms)
        codes, _ = factorize_codes(cells.codes, key_of, distinct=same)
        blank = (key_of == "")[cells.codes]
        key = lambda pos: key_of[cells.codes[pos]]  # noqa: E731
    else:
        keys = keys_of(cells, display_text)
        codes, _ = factorize(keys)
        blank = keys == ""
        key = keys.__getitem__
    codes[blank] = -1  # no id: a respondent of its own, not one big one
    dup = ~first_pairs(codes, unit_of_row) & (codes >= 0) & (unit_of_row >= 0)
    for pos in np.flatnonzero(dup)[:1000]:
        report.warning("duplicate_evaluation", f"row {table.row_numbers[pos]}, column "
                       f"'{method.respondent_column}': respondent {key(pos)!r} rates the same "
                       "unit a second time; check for a duplicated row",
                       row=int(table.row_numbers[pos]), column=method.respondent_column,
                       value=key(pos), **place)
    return codes


def _weight_fault(value) -> str:
    """What is wrong with a bad weight cell, as the message says it."""
    if _blank(value):
        return "is blank"
    if isinstance(value, (bool, np.bool_)):
        return f"is {'TRUE' if value else 'FALSE'}, a true/false value, not a number"
    return f"{_shown(value)} is not valid"


def _blank(value) -> bool:
    return value is None or isinstance(value, str) and not value.strip() or \
        isinstance(value, float) and value != value


def _shown(value) -> str:
    return repr(value) if isinstance(value, str) else display_text(value)


def nearest(name: str, candidates: list[str]) -> str | None:
    keys = {match_key(c): c for c in candidates}
    close = difflib.get_close_matches(match_key(name), list(keys), n=1, cutoff=0.5)
    return keys[close[0]] if close else None
