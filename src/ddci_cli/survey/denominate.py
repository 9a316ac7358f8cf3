"""Denominators and unit attributes for SPEC §10.

:func:`denominate` divides each row's indicator value by the same row's denominator column
before any statistic (with one row per unit, COINr's ``Denominate``); :func:`unit_groups`
reads the ``imputation.by`` column as one attribute per unit.
"""

from __future__ import annotations

import numpy as np

from ddci_cli.errors import ProblemReport
from ddci_cli.method.model import Method
from ddci_cli.survey.cells import MISSING, parse_number, text_codes
from ddci_cli.text import display_text, factorize, match_key

LIST_LIMIT = 1000  # bad denominators reported one by one


def denominate(X: np.ndarray, table, method: Method, report: ProblemReport) -> np.ndarray:
    """``X`` (rows × indicators) with every indicator that names a ``denominator`` divided
    by that column, row by row. A blank or missing-code denominator makes the value missing
    (warning ``missing_denominator``, once per column); zero or non-numeric is error
    ``bad_denominator`` naming the row (once per row and column)."""
    place = dict(file=table.path, sheet=table.sheet)
    rows = table.row_numbers
    parsed: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    warned, reported = set(), {}
    for i, ind in enumerate(method.indicators):
        column = ind.denominator
        if not column or table.columns.get(column) is None:
            continue  # a column missing from the header is reported by the reader
        if column not in parsed:
            parsed[column] = _parse(table.columns[column], method)
        values, missing, bad = parsed[column]
        has = ~np.isnan(X[:, i])
        if (has & missing).any() and column not in warned:
            warned.add(column)
            first = int(np.flatnonzero(has & missing)[0])
            report.warning("missing_denominator", f"column '{column}' (denominator of "
                           f"indicator '{ind.id}') is blank in {int((has & missing).sum())} "
                           f"row(s) with a value, the first in row {rows[first]}; those values "
                           "are treated as missing", column=column, row=int(rows[first]),
                           key=f"indicator {ind.id}", **place)
        seen = reported.setdefault(column, set())
        for pos in np.flatnonzero(has & bad)[:LIST_LIMIT]:
            if pos in seen:
                continue
            seen.add(pos)
            cell = table.columns[column][pos]
            report.error("bad_denominator", f"row {rows[pos]}, column '{column}' (denominator "
                         f"of indicator '{ind.id}'): {display_text(cell)!r} is "
                         f"{'zero' if values[pos] == 0 else 'not a number'}; a denominator "
                         "must be a non-zero number (leave it blank if unknown)",
                         row=int(rows[pos]), column=column, value=cell, **place)
        with np.errstate(invalid="ignore", divide="ignore"):
            X[:, i] = np.where(missing | bad, np.nan, X[:, i] / values)
    return X


def _parse(cells: np.ndarray, method: Method) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, missing, bad) of a denominator column: blank cells, NA markers and the
    method's text missing codes are missing; zero and other non-numbers are bad."""
    codes, uniques = factorize(np.asarray(cells, dtype=object))
    texts = text_codes(method.missing_codes)
    kinds = []
    for value in uniques:
        parsed = parse_number(value)
        if isinstance(value, str) and match_key(value) in texts:
            parsed = MISSING
        kinds.append(parsed)
    number = np.array([*(k if isinstance(k, float) else np.nan for k in kinds), np.nan])
    is_missing = np.array([*(k == MISSING for k in kinds), True])
    values = number[codes]
    missing = is_missing[codes]
    bad = ~missing & (np.isnan(values) | (values == 0))
    return values, missing, bad


def unit_groups(survey, method: Method, report: ProblemReport) -> list[str] | None:
    """Each unit's ``imputation.by`` attribute (a text; blank is a group of its own), or
    None when imputation is by block. Two different values within one unit are error
    ``inconsistent_group`` naming the unit."""
    rule = method.imputation
    if rule.by == "block":
        return None
    cells = survey.extra.get(rule.by)
    labels: list[str | None] = [None] * len(survey.units)
    if cells is None:
        return [""] * len(survey.units)
    for pos, unit in enumerate(survey.unit_of_row):
        if unit < 0:
            continue
        text = display_text(cells[pos]).strip() if cells[pos] is not None else ""
        if text == "nan":
            text = ""
        if labels[unit] is None:
            labels[unit] = text
        elif labels[unit] != text:
            report.error("inconsistent_group", f"unit '{survey.units[unit]}' has two values in "
                         f"column '{rule.by}' (imputation.by): '{labels[unit]}' and '{text}' "
                         f"(row {survey.row_numbers[pos]}); a unit belongs to one group",
                         row=int(survey.row_numbers[pos]), column=rule.by, value=text,
                         key="imputation.by", file=survey.path, sheet=survey.sheet)
            labels[unit] = text
    return [label or "" for label in labels]
