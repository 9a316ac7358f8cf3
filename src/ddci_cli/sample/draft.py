"""A method file drafted from a survey export (``ddci init --from SURVEY``).

The export is read as ddci reads surveys (CSV, TSV, workbook, Parquet, a zip of CSVs), its
header row found, and its shape recognised:

* ``grid``: headers like ``C1. Thủ tục được công khai [Sở Tài chính]`` (Google Forms'
  multiple-choice grid): the questions are the indicators, the bracketed names the units;
* ``repeat``: a sheet or CSV with ``_parent_index`` (KoboToolbox) or ``PARENT_KEY`` (ODK
  Central, SurveyCTO) holds the evaluations;
* ``long``: one row per evaluation; the unit column is guessed: the text column with the
  fewest distinct values that read like units (``Sở …``, ``UBND …``, ``Quận …``), else
  the first text column with few distinct values.

Every other column whose answers are a few numbers or labels becomes an indicator of one
sub-index (``column`` = the exact header, ``valid`` = the range of codes seen); the labels
go to ``[answers]`` (known Likert and yes/no labels with their usual codes, others numbered
in order of appearance), labels that start with their code turn on ``leading_code``, and
"don't know" texts go to ``missing_codes``. Each guess carries a comment saying what to
check. The draft loads with :func:`ddci_cli.method.load_method` and scores the export.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ddci_cli.io.delimited import Coded
from ddci_cli.io.exports import is_zip, unpacked
from ddci_cli.io.read import SPREADSHEET, open_book, pick_sheet, read_grid
from ddci_cli.survey.answers import leading_code
from ddci_cli.survey.locate import column_letter
from ddci_cli.text import display_text, match_key

HEADER_ROWS = 30
FEW_UNITS = 200       # a unit column has at most this many distinct names
FEW_ANSWERS = 15      # an answer column has at most this many distinct labels ...
FEW_CODES = 100       # ... and this many distinct codes in all (a count of days)
GRID = re.compile(r"^\s*(?P<question>.+?)\s*\[(?P<unit>[^\[\]]+)\]\s*$", re.S)
UNIT_PREFIXES = ("sở ", "ubnd", "ủy ban", "uỷ ban", "quận ", "huyện ", "ban ", "thị xã",
                 "thành phố", "tp ", "tp.", "văn phòng", "cục ", "chi cục", "phòng ",
                 "bảo hiểm", "kho bạc", "công an", "thanh tra")
# columns that export tools add, or that describe the firm rather than rate a unit
META = re.compile(r"^(_.*|key|parent_key|meta[-/_].*|instanceid|submissiondate|start|end|"
                  r"today|deviceid|subscriberid|simserial|phonenumber|username|"
                  r"timestamp|dấu thời gian|thời gian|.*e-?mail.*|.*địa chỉ email.*|"
                  r"stt|no\.?|id|uuid|formhub.*|reviewstate|attachments(present|expected)|"
                  r"status|submitterid|submittername|devicedateofsubmission)$")
FIRM = re.compile(r"(mã ?dn|ma_dn|mã doanh nghiệp|respondent|firm|trọng số|trong_so|weight|"
                  r"quy mô|quy_mo|ngành|nganh|sector|size|khối|khoi|block|tên|ten_dn|"
                  r"số điện thoại|phone|địa chỉ|address|ghi chú|comment)")
MISSING_TEXTS = ("không biết", "kb", "khong biet", "không trả lời", "ktl", "không ý kiến",
                 "n/a", "na", "don't know", "dont know", "-")
NUMERIC_MISSING = (99, 999, 9999)
# labels whose usual codes are known (compared by match_key)
KNOWN = {**{t: c for c, t in enumerate(
    ("hoàn toàn không đồng ý", "không đồng ý", "trung lập", "đồng ý", "hoàn toàn đồng ý"), 1)},
    **{t: c for c, t in enumerate(("rất kém", "kém", "bình thường", "tốt", "rất tốt"), 1)},
    **{t: c for c, t in enumerate(("rất không hài lòng", "không hài lòng", "bình thường",
                                   "hài lòng", "rất hài lòng"), 1)},
    "có": 1, "không": 0, "co": 1, "khong": 0, "yes": 1, "no": 0, "đúng": 1, "sai": 0}
NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


@dataclass
class Sheet:
    """One sheet (or CSV) of the export: its name, cells and found header row."""

    name: str | None
    cells: np.ndarray
    header: int = 0

    @property
    def heads(self) -> list[str]:
        return [display_text(c) if c is not None else "" for c in self.cells[self.header]]

    def column(self, j: int) -> np.ndarray:
        return self.cells[self.header + 1:, j]


@dataclass
class Column:
    """An answer column: its exact header (for ``column =``) and what its cells hold."""

    header: str
    letter: str
    numbers: set = field(default_factory=set)
    labels: list[str] = field(default_factory=list)   # distinct labels, first seen first
    leading: bool = False
    missing: list[str] = field(default_factory=list)
    numeric_missing: set = field(default_factory=set)
    codes: set = field(default_factory=set)           # filled once [answers] is known


@dataclass
class Draft:
    """What was found, and the method file text."""

    layout: str
    unit_column: str | None
    units: list[str]
    columns: list[Column]
    answers: dict[str, float]
    text: str
    notes: list[str]


def draft_method(path: Path, *, sheet: str | None = None, encoding: str | None = None,
                 delimiter: str | None = None, header_row: int | None = None) -> Draft:
    """Read the export at ``path`` and draft a method file for it (``Draft.text``)."""
    path = Path(path)
    sheets = _read(path, sheet, encoding, delimiter)
    for s in sheets:
        s.header = header_row - 1 if header_row else _header_row(s.cells)
    notes: list[str] = []
    repeat = [s for s in sheets if {match_key(h) for h in s.heads} & {"_parent_index",
                                                                      "parent_key"}]
    grid = [s for s in sheets if _grid_headers(s.heads)]
    if grid and not repeat:
        return _grid_draft(path, grid[0], notes)
    if repeat:
        main = max(repeat, key=lambda s: s.cells.shape[0])
        if len(repeat) > 1:
            notes.append(f"repeat_sheet: the largest of {len(repeat)} repeat sheets")
        return _long_draft(path, main, "repeat", notes,
                           repeat_sheet=main.name if len(repeat) > 1 else None,
                           parents=[s for s in sheets if s not in repeat])
    data = max(sheets, key=lambda s: s.cells.size)  # the sheet with the most cells
    return _long_draft(path, data, "long", notes,
                       sheet_name=data.name if len(sheets) > 1 or sheet is not None else None)


# ------------------------------------------------------------------ reading

def _read(path: Path, sheet, encoding, delimiter) -> list[Sheet]:
    if is_zip(path):
        with unpacked(path) as members:
            return [Sheet(Path(m.shown).stem, _cells(read_grid(m.path, encoding=encoding,
                                                               delimiter=delimiter)))
                    for m in members]
    if path.suffix.lower() in SPREADSHEET:
        book = open_book(path)
        names = [pick_sheet(book.sheet_names, sheet, path)] if sheet is not None \
            else book.sheet_names
        return [Sheet(n, _cells(book.grid(n))) for n in names]
    return [Sheet(None, _cells(read_grid(path, encoding=encoding, delimiter=delimiter)))]


def _cells(grid) -> np.ndarray:
    if grid.columns is not None:  # parquet: name → array
        names = list(grid.columns)
        out = np.empty((len(next(iter(grid.columns.values()), [])) + 1, len(names)), object)
        out[0] = names
        for j, n in enumerate(names):
            column = grid.columns[n]
            out[1:, j] = column.cells() if isinstance(column, Coded) else \
                np.asarray(column, dtype=object)
        return out
    rows = grid.rows
    if isinstance(rows, np.ndarray):
        return rows
    width = max((len(r) for r in rows), default=0)
    out = np.empty((len(rows), width), dtype=object)
    out[:] = [list(r) + [""] * (width - len(r)) for r in rows]
    return out


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or \
        (isinstance(value, str) and not value.strip())


def _header_row(cells: np.ndarray) -> int:
    """The first row among the first 30 with nearly as many text cells as the fullest."""
    counts = [sum(isinstance(c, str) and bool(c.strip()) for c in cells[i])
              for i in range(min(HEADER_ROWS, cells.shape[0]))]
    if not counts or not max(counts):
        return 0
    return next(i for i, n in enumerate(counts) if n >= 0.8 * max(counts))


def _grid_headers(heads: list[str]) -> dict[str, list[tuple[str, int]]]:
    """question → [(unit, column)] of the headers ``Question [Unit]``; empty unless at
    least two questions or two units share the form (a lone bracket is not a grid)."""
    found: dict[str, list[tuple[str, int]]] = {}
    for j, h in enumerate(heads):
        if (m := GRID.match(h)) and not META.match(match_key(h)):
            found.setdefault(m.group("question").strip(), []).append((m.group("unit").strip(), j))
    if sum(len(v) for v in found.values()) < 2:
        return {}
    return found


# ------------------------------------------------------------------ columns

def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and \
        not isinstance(value, bool)


def _profile(header: str, letter: str, cells) -> Column | None:
    """The answers of one column, or None when it does not look like an answer column
    (free text, amounts, weights, dates)."""
    col = Column(header, letter)
    labels: dict[str, str] = {}
    for value in cells:
        if _blank(value):
            continue
        if isinstance(value, bool):
            return None
        if _is_number(value):
            col.numbers.add(float(value))
            continue
        if not isinstance(value, str):
            return None  # a date or time
        text = display_text(value)
        if NUMBER.match(text):
            col.numbers.add(float(text.replace(",", ".")))
        elif match_key(text) in MISSING_TEXTS:
            if text not in col.missing:
                col.missing.append(text)
        elif (code := leading_code(text)) is not None:
            col.leading = True
            col.numbers.add(code)
        else:
            labels.setdefault(match_key(text), text)
            if len(labels) > FEW_ANSWERS:
                return None
    col.labels = list(labels.values())
    plain = sorted(col.numbers)
    if any(v != int(v) for v in plain):
        return None  # weights, amounts
    for code in NUMERIC_MISSING:
        if code in col.numbers and len(plain) > 1 and plain[-2] < code * 0.8:
            col.numbers.discard(code)
            col.numeric_missing.add(code)
    if len(col.numbers) + len(col.labels) > FEW_CODES or not (col.numbers or col.labels):
        return None
    return col


def _unit_like(text: str) -> bool:
    key = display_text(text).casefold()
    return key.startswith(UNIT_PREFIXES)


def _text_columns(sheet: Sheet) -> list[tuple[int, list[str]]]:
    """(column, distinct texts) of the columns whose cells are all text."""
    out = []
    for j, h in enumerate(sheet.heads):
        if not h:
            continue
        values = [c for c in sheet.column(j) if not _blank(c)]
        if values and all(isinstance(v, str) and not NUMBER.match(v.strip()) for v in values):
            out.append((j, list(dict.fromkeys(display_text(v) for v in values))))
    return out


def _guess_unit(sheet: Sheet) -> tuple[int | None, str]:
    """The unit column and why it was chosen."""
    texts = [(j, d) for j, d in _text_columns(sheet) if len(d) <= FEW_UNITS
             and not META.match(match_key(sheet.heads[j]))]
    unitlike = [(j, d) for j, d in texts if sum(map(_unit_like, d)) >= max(1, len(d) / 2)]
    if unitlike:
        j, d = min(unitlike, key=lambda t: len(t[1]))
        return j, f"its {len(d)} distinct names read like units (Sở, UBND, Quận, Huyện, Ban …)"
    few = [(j, d) for j, d in texts if 1 < len(d) <= FEW_UNITS and
           not all(leading_code(v) is not None or match_key(v) in KNOWN for v in d)]
    if few:
        j, d = few[0]
        return j, f"the first text column with few distinct values ({len(d)})"
    return None, "no text column looks like units"


# ------------------------------------------------------------------ drafts

def _grid_draft(path: Path, sheet: Sheet, notes: list[str]) -> Draft:
    found = _grid_headers(sheet.heads)
    columns, units = [], []
    for question, cells in found.items():
        values = np.concatenate([sheet.column(j) for _, j in cells])
        col = _profile(question, column_letter(cells[0][1]), values)
        if col is None:
            notes.append(f"{question!r}: not an answer column (free text or amounts)")
            continue
        columns.append(col)
        units += [u for u, _ in cells if u not in units]
    return _finish(path, "grid", None, units, columns, sheet, notes)


def _long_draft(path: Path, sheet: Sheet, layout: str, notes: list[str], *,
                sheet_name: str | None = None, repeat_sheet: str | None = None,
                parents: list[Sheet] = ()) -> Draft:
    j_unit, why = _guess_unit(sheet)
    heads = sheet.heads
    unit = heads[j_unit] if j_unit is not None else None
    units = []
    if j_unit is not None:
        units = list(dict.fromkeys(display_text(c) for c in sheet.column(j_unit)
                                   if not _blank(c)))
    notes.insert(0, f"unit_column: {why}" if unit else
                 "unit_column: none found; name the column of the unit rated")
    columns = []
    for j, h in enumerate(heads):
        key = match_key(h)
        if not h or j == j_unit or META.match(key) or FIRM.search(key):
            continue
        col = _profile(h, column_letter(j), sheet.column(j))
        if col is not None:
            columns.append(col)
    return _finish(path, layout, unit, units, columns, sheet, notes,
                   sheet_name=sheet_name, repeat_sheet=repeat_sheet,
                   firm=[h for s in [sheet, *parents] for h in s.heads])


def _finish(path: Path, layout: str, unit: str | None, units: list[str],
            columns: list[Column], sheet: Sheet, notes: list[str], *,
            sheet_name: str | None = None, repeat_sheet: str | None = None,
            firm: list[str] = ()) -> Draft:
    answers: dict[str, float] = {}
    shown: dict[str, str] = {}
    for col in columns:
        for text in col.labels:
            key = match_key(text)
            shown.setdefault(key, text)
    unknown = [k for k in shown if k not in KNOWN]
    for key in shown:
        answers[shown[key]] = float(KNOWN[key]) if key in KNOWN else \
            float(unknown.index(key) + 1)
    for col in columns:
        col.codes = col.numbers | {answers[shown[match_key(t)]] for t in col.labels}
    text = _toml(path, layout, unit, units, columns, answers, unknown, sheet, notes,
                 sheet_name, repeat_sheet, list(firm or sheet.heads))
    return Draft(layout, unit, units, columns, answers, text, notes)


def _q(value) -> str:
    """A TOML basic string."""
    return json.dumps(str(value), ensure_ascii=False)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _toml(path, layout, unit, units, columns, answers, unknown, sheet, notes, sheet_name,
          repeat_sheet, heads) -> str:
    name = Path(path).stem
    year = re.search(r"(19|20)\d\d", name)
    out = [f"# A method file drafted by `ddci init --from {Path(path).name}`.",
           "# Every guess is commented with what to check. Then run:",
           f"#   ddci validate {Path(path).name} -m method.toml",
           "",
           "[index]",
           f"name = {_q(name)}                   # title shown in reports",
           f"year = {year.group(0) if year else 2024}"
           "                          # survey year (from the file name when it has one)",
           'language = "vi"', "", "[input]"]
    if layout == "grid":
        out += ['layout = "grid"                        # one row per respondent, a column '
                'per question [unit]',
                'grid_pattern = "{question} [{unit}]"   # how the headers name question '
                'and unit']
    elif layout == "repeat":
        out.append('layout = "repeat"                      # evaluations in a repeat group')
        if repeat_sheet:
            out.append(f"repeat_sheet = {_q(repeat_sheet)}  # CHECK: the sheet of "
                       "evaluations")
    if sheet_name:
        out.append(f"sheet = {_q(sheet_name)}")
    if sheet.header:
        out.append(f"# the header is row {sheet.header + 1} (rows above it are titles)")
    if unit:
        out.append(f"unit_column = {_q(unit)}  # CHECK: {notes[0].split(': ', 1)[1]}")
    elif layout != "grid":
        out.append('unit_column = "?"  # CHECK: no column looked like units; name it')
    firm = [h for h in dict.fromkeys(heads) if h and FIRM.search(match_key(h))]
    for h in firm:
        key = match_key(h)
        what = "weight_column" if re.search(r"trọng số|trong_so|weight", key) else \
            "respondent_column" if re.search(r"mã|ma_dn|respondent|firm", key) else None
        if what:
            out.append(f"# {what} = {_q(h)}  # uncomment if this column is the "
                       f"{'design weight' if what == 'weight_column' else 'firm id'}")
    spelled: dict[str, str] = {}  # one spelling of each, the first seen
    for t in (t for c in columns for t in c.missing):
        spelled.setdefault(match_key(t), t)
    missing = list(spelled.values())
    numeric = sorted({v for c in columns for v in c.numeric_missing})
    if missing or numeric:
        items = ", ".join([_q(t) for t in missing] + [_num(v) for v in numeric])
        out.append(f"missing_codes = [{items}]  # CHECK: answers that mean 'no answer'")
    if any(c.leading for c in columns):
        out.append("leading_code = true    # labels such as '4 - Đồng ý' are read as "
                   "their leading number")
    out.append("min_responses = 1      # CHECK: units with fewer evaluations get no score "
               "(DDCI uses 30)")
    if answers:
        out += ["", "# Answer labels seen in the export → codes. Known Likert and yes/no",
                "# labels have their usual codes; the others are numbered in order of",
                "# appearance: CHECK every code (a higher code must mean a better answer,",
                "# or give the indicator direction = \"negative\")", "[answers]"]
        for text, code in answers.items():
            mark = "  # CHECK: guessed" if match_key(text) in unknown else ""
            out.append(f"{_q(text)} = {_num(code)}{mark}")
    if units:
        shown = ", ".join(units[:8]) + (f" … ({len(units)} in all)" if len(units) > 8 else "")
        out += ["", f"# Units seen: {shown}",
                "# List them under [units.\"name\"] with aliases and blocks (see `ddci init`'s"
                " template) to catch misspellings."]
    out += ["", "# One sub-index with every answer column found: split it into the index's",
            "# sub-indices, give each a label and a weight, and delete what is not an "
            "indicator.", "[[subindices]]", 'id = "all"', 'label = "Tất cả chỉ tiêu"',
            "weight = 1"]
    ids: set[str] = set()
    for col in columns:
        ident = _ident(col.header, col.letter, ids)
        lo, hi = (min(col.codes), max(col.codes)) if col.codes else (0, 1)
        seen = f"codes {_num(lo)}–{_num(hi)} seen"
        out += ["", "  [[subindices.indicators]]", f"  id = {_q(ident)}",
                f"  column = {_q(col.header)}",
                f"  valid = [{_num(lo)}, {_num(hi)}]  # CHECK: {seen}; the answer scale "
                "may be wider"]
    if notes[1 if unit else 0:]:
        out += ["", "# Notes:"] + [f"#   {n}" for n in notes[1 if unit else 0:]]
    return "\n".join(out) + "\n"


def _ident(header: str, letter: str, taken: set[str]) -> str:
    """An indicator id: the header's leading code (``C1`` of ``C1. Thủ tục …``), else its
    words folded to ASCII, else the column letter; unique."""
    text = display_text(header)
    code = re.match(r"^\s*([A-Za-z]{0,4}\d+[A-Za-z0-9]*)\s*[.):\-]", text)
    base = code.group(1) if code else text
    base = base.split("/")[-1].split("-")[-1] if not code else base
    base = unicodedata.normalize("NFD", base.replace("đ", "d").replace("Đ", "D"))
    base = re.sub(r"[^a-z0-9]+", "_", "".join(c for c in base if not
                                             unicodedata.combining(c)).lower()).strip("_")
    base = base[:30].strip("_") or f"col_{letter.lower()}"
    if base[0].isdigit():
        base = f"q{base}"
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}_{n}", n + 1
    taken.add(ident)
    return ident
