"""The synthetic survey as online-survey tools export it (``ddci sample --layout``).

The same evaluations as the long sample (`writer.generate_survey`), reshaped:

* ``grid``: a Google Forms CSV, one row per firm, a column per question × unit
  (``A1. Thủ tục … [Sở Tài chính]``), Likert answers as ``4 - Đồng ý``, yes/no as
  ``Có``/``Không``, with the Timestamp and e-mail columns Forms adds;
* ``kobo``: a KoboToolbox XLSX, the firms on one sheet and their evaluations on the repeat
  sheet ``danh_gia`` (headers with the group path ``danh_gia/A1``, answers as labels);
* ``odk``: an ODK Central zip, the main CSV (``KEY``) and the repeat CSV (``PARENT_KEY``),
  answers as the choices' XML values (``4``, ``co``, ``kb``).

Each comes with its method file: the long sample's, with the ``[input]`` keys and the
``[answers]`` table of that export, so every layout scores identically.
"""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pandas as pd
from openpyxl import Workbook

from ddci_cli.sample import design as d

LAYOUTS = ("long", "grid", "kobo", "odk")
LIKERT = ("Hoàn toàn không đồng ý", "Không đồng ý", "Trung lập", "Đồng ý", "Hoàn toàn đồng ý")
YES_NO = ("Có", "Không")  # codes 1 and 2
ODK_YES_NO = ("co", "khong")
REPEAT = "danh_gia"
KOBO_MAIN = "DDCI Hai Phong"
FIRM_COLUMNS = {"ma_dn": d.RESPONDENT_COLUMN, "trong_so": d.WEIGHT_COLUMN,
                "quy_mo": d.SIZE_COLUMN, "nganh": d.SECTOR_COLUMN}
KIND = {i.column: i.kind for i in d.INDICATORS}


def export_files(frame: pd.DataFrame, layout: str, year: int) -> dict[str, bytes]:
    """File name → bytes of the survey in ``layout`` (grid, kobo, odk) and its method."""
    stem = f"ddci_haiphong_{year}_{layout}"
    canonical = _canonical_units(frame)
    if layout == "grid":
        survey = {f"{stem}.csv": grid_csv(frame, canonical, year)}
    elif layout == "kobo":
        survey = {f"{stem}.xlsx": kobo_xlsx(frame, canonical)}
    elif layout == "odk":
        survey = {f"{stem}.zip": odk_zip(frame, canonical, f"ddci_haiphong_{year}")}
    else:
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    return {**survey, f"{stem}.toml": method_for(layout, year).encode("utf-8")}


def method_for(layout: str, year: int) -> str:
    """The sample method file with the ``[input]`` keys and ``[answers]`` of ``layout``."""
    text = d.method_toml(year)
    head, rest = text.split("[input]\n", 1)
    old, tail = rest.split("\n\n", 1)
    keep = [line for line in old.splitlines() if line.split(" =")[0] in
            ("missing_codes", "min_responses", "min_indicator_responses", "strict_units")]
    q = d._q
    if layout == "grid":
        keys = ['layout = "grid"', f"respondent_column = {q(d.RESPONDENT_COLUMN)}",
                f"weight_column = {q(d.WEIGHT_COLUMN)}", "leading_code = true"]
        answers = dict(zip(YES_NO, (1, 2)))
    else:
        keys = ['layout = "repeat"', 'unit_column = "don_vi"', 'respondent_column = "ma_dn"',
                'weight_column = "trong_so"']
        answers = dict(zip(LIKERT, range(1, 6))) | dict(zip(YES_NO, (1, 2))) \
            if layout == "kobo" else dict(zip(ODK_YES_NO, (1, 2)))
    table = ["", "[answers]"] + [f"{q(k)} = {v}" for k, v in answers.items()]
    return head + "[input]\n" + "\n".join(keys + keep + table) + "\n\n" + tail


def _canonical_units(frame: pd.DataFrame) -> np.ndarray:
    """Each row's unit by its canonical name (forms offer a list, not free typing)."""
    from ddci_cli.text import match_key

    lookup = {match_key(a): u.name for u in d.UNITS for a in (u.name, *u.aliases)}
    return np.array([lookup[match_key(v)] for v in frame[d.UNIT_COLUMN]], dtype=object)


def _labelled(value, column: str, style: str):
    """One answer as the export writes it: ``grid`` ``4 - Đồng ý``/``Có``; ``kobo`` the
    label; ``odk`` the XML value. Counts and missing codes stay as they are (the odk
    export writes the don't-know choice as ``kb``)."""
    kind = KIND[column]
    if not isinstance(value, int) or kind == "count":
        if style == "odk" and isinstance(value, str):
            return "kb"
        return value
    if kind == "yesno":
        return (ODK_YES_NO if style == "odk" else YES_NO)[value - 1]
    if style == "grid":
        return f"{value} - {LIKERT[value - 1]}"
    return LIKERT[value - 1] if style == "kobo" else str(value)


def _answers(frame: pd.DataFrame, style: str) -> dict[str, list]:
    return {c: [_labelled(v, c, style) for v in frame[c]] for c in d.INDICATOR_COLUMNS}


def _firms(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per firm, in order of first evaluation, with the firm's columns."""
    return frame.drop_duplicates(d.RESPONDENT_COLUMN)[list(FIRM_COLUMNS.values())] \
        .reset_index(drop=True)


def grid_csv(frame: pd.DataFrame, units: np.ndarray, year: int) -> bytes:
    """A Google Forms responses CSV with one multiple-choice grid per question."""
    firms = _firms(frame)
    firm_of_row = pd.Index(firms[d.RESPONDENT_COLUMN]).get_indexer(frame[d.RESPONDENT_COLUMN])
    labels = {i.column: i.label for i in d.INDICATORS}
    headers, where = [], {}
    for column in d.INDICATOR_COLUMNS:
        ind = next(i for i in d.INDICATORS if i.column == column)
        for unit in d.UNITS:
            if unit.block in d.indicator_blocks(ind):
                where[(column, unit.name)] = len(headers)
                headers.append(f"{column}. {labels[column]} [{unit.name}]")
    cells = np.full((len(firms), len(headers)), "", dtype=object)
    answers = _answers(frame, "grid")
    for column in d.INDICATOR_COLUMNS:
        for r, (value, unit) in enumerate(zip(answers[column], units)):
            if value is not None and (column, unit) in where:
                cells[firm_of_row[r], where[(column, unit)]] = value
    stamps = [f"{year}/03/{1 + n % 28:02d} 9:{n % 60:02d}:00 GMT+7" for n in range(len(firms))]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Dấu thời gian", "Địa chỉ email", *FIRM_COLUMNS.values(), *headers])
    for n, firm in enumerate(firms.itertuples(index=False)):
        writer.writerow([stamps[n], f"dn{n + 1}@example.vn", *firm, *cells[n]])
    return out.getvalue().encode("utf-8")


def kobo_xlsx(frame: pd.DataFrame, units: np.ndarray) -> bytes:
    """A KoboToolbox XLSX export: the firms, then the repeat group ``danh_gia``."""
    firms = _firms(frame)
    parent = pd.Index(firms[d.RESPONDENT_COLUMN]).get_indexer(frame[d.RESPONDENT_COLUMN]) + 1
    wb = Workbook()
    main = wb.active
    main.title = KOBO_MAIN
    main.append([*FIRM_COLUMNS, "_id", "_uuid", "_submission_time", "_index"])
    for n, firm in enumerate(firms.itertuples(index=False), start=1):
        main.append([*firm, 1000 + n, f"uuid-{n:05d}", "2024-03-01T09:00:00", n])
    sheet = wb.create_sheet(REPEAT)
    sheet.append([f"{REPEAT}/don_vi", *(f"{REPEAT}/{c}" for c in d.INDICATOR_COLUMNS),
                  "_index", "_parent_table_name", "_parent_index", "_submission__id",
                  "_submission__uuid"])
    answers = _answers(frame, "kobo")
    for r in range(len(frame)):
        p = int(parent[r])
        sheet.append([units[r], *(answers[c][r] for c in d.INDICATOR_COLUMNS), r + 1,
                      KOBO_MAIN, p, 1000 + p, f"uuid-{p:05d}"])
    raw = io.BytesIO()
    wb.save(raw)
    return raw.getvalue()


def odk_zip(frame: pd.DataFrame, units: np.ndarray, form: str) -> bytes:
    """An ODK Central export: ``form.csv`` (submissions, ``KEY``) and
    ``form-danh_gia.csv`` (the repeat, ``PARENT_KEY``), zipped."""
    firms = _firms(frame)
    keys = [f"uuid:{n:08d}-odk" for n in range(1, len(firms) + 1)]
    parent = pd.Index(firms[d.RESPONDENT_COLUMN]).get_indexer(frame[d.RESPONDENT_COLUMN])
    main, child = io.StringIO(), io.StringIO()
    w = csv.writer(main, lineterminator="\n")
    w.writerow(["SubmissionDate", *FIRM_COLUMNS, "meta-instanceID", "KEY"])
    for n, firm in enumerate(firms.itertuples(index=False)):
        w.writerow(["2024-03-01T09:00:00.000Z", *firm, keys[n], keys[n]])
    w = csv.writer(child, lineterminator="\n")
    w.writerow(["don_vi", *d.INDICATOR_COLUMNS, "PARENT_KEY", "KEY"])
    answers = _answers(frame, "odk")
    seen: dict[int, int] = {}
    for r in range(len(frame)):
        p = int(parent[r])
        seen[p] = seen.get(p, 0) + 1
        w.writerow([units[r], *("" if answers[c][r] is None else answers[c][r]
                                for c in d.INDICATOR_COLUMNS),
                    keys[p], f"{keys[p]}/{REPEAT}[{seen[p]}]"])
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{form}.csv", main.getvalue().encode("utf-8"))
        archive.writestr(f"{form}-{REPEAT}.csv", child.getvalue().encode("utf-8"))
    return raw.getvalue()
