"""Survey files in: .xlsx/.xlsm/.xls/.ods (python-calamine), .csv/.tsv, .parquet (SPEC §2).

:func:`read_grid` turns a file into a :class:`Grid` (all cells of one sheet, as read);
``locate.py`` finds the header row in it. Nothing here knows about indicators.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, ProblemReport

SPREADSHEET = {".xlsx", ".xlsm", ".xls", ".ods"}
DELIMITED = {".csv", ".tsv", ".txt"}
# Guards against decompression bombs: a real survey workbook inflates 5–30×.
MAX_UNCOMPRESSED = 512 * 1024**2
MAX_RATIO = 250
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Grid:
    """The cells of one sheet: ``rows[i]`` is spreadsheet row ``i + 1``."""

    path: str
    sheet: str | None
    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    encoding: str | None = None
    columns: dict[str, Any] | None = None  # parquet: name -> array (header is row 1)


def sheet_names(path: Path) -> list[str]:
    """The sheet names of a workbook (empty for delimited and parquet files)."""
    if path.suffix.lower() not in SPREADSHEET:
        return []
    return _open_workbook(path).sheet_names


def read_grid(path: Path, sheet: str | int | None = None, *, encoding: str | None = None,
              delimiter: str | None = None, report: ProblemReport | None = None) -> Grid:
    """Read one sheet (or the whole delimited/parquet file) as a :class:`Grid`."""
    report = report if report is not None else ProblemReport()
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(f"survey file {path} does not exist; check the path",
                         code="file_not_found", file=str(path))
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the survey file itself",
                         code="file_unreadable", file=str(path))
    if suffix in SPREADSHEET:
        return _read_workbook_sheet(path, sheet)
    if suffix in DELIMITED:
        return _read_delimited(path, encoding, delimiter, report)
    if suffix == ".parquet":
        return _read_parquet(path)
    raise InputError(f"cannot read '{suffix or path.name}' files; use .xlsx, .xlsm, .xls, .ods, "
                     ".csv, .tsv or .parquet", code="unsupported_format", file=str(path))


def _open_workbook(path: Path):
    import python_calamine as pc

    _check_container(path)
    try:
        return pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise _password(path) from None
    except Exception as exc:  # calamine raises several error types for damaged files
        raise InputError(f"cannot open {path.name} as a workbook ({_short(exc)}); the file is "
                         "damaged or not a spreadsheet: open and re-save it in Excel",
                         code="not_a_workbook", file=str(path)) from None


def _read_workbook_sheet(path: Path, sheet: str | int | None) -> Grid:
    book = _open_workbook(path)
    name = pick_sheet(book.sheet_names, sheet, path)
    try:
        data = book.get_sheet_by_name(name)
        rows = data.to_python(skip_empty_area=False)
        merged = [(a[0], a[1], b[0], b[1]) for a, b in (data.merged_cell_ranges or [])]
    except Exception as exc:
        raise InputError(f"cannot read sheet '{name}' of {path.name} ({_short(exc)}); the file "
                         "is damaged: open and re-save it in Excel", code="not_a_workbook",
                         file=str(path), sheet=name) from None
    return Grid(str(path), name, rows, merged)


def pick_sheet(names: list[str], sheet: str | int | None, path: Path) -> str:
    """A sheet by exact name, then by name ignoring case/spaces, then by 1-based index."""
    if not names:
        raise InputError(f"{path.name} has no sheets", code="empty_file", file=str(path))
    if sheet is None:
        return names[0]
    if isinstance(sheet, str) and sheet in names:
        return sheet
    from .text import match_key

    by_key = {match_key(n): n for n in names}
    if isinstance(sheet, str) and match_key(sheet) in by_key:
        return by_key[match_key(sheet)]
    text = str(sheet).strip()
    if text.isdigit() and 1 <= int(text) <= len(names):
        return names[int(text) - 1]
    raise InputError(f"sheet '{sheet}' not found in {path.name}; its sheets are: "
                     f"{', '.join(names)}", code="sheet_not_found", file=str(path),
                     value=str(sheet))


def _check_container(path: Path) -> None:
    """Refuse encrypted workbooks, non-zip files posing as .xlsx, and zip bombs."""
    with path.open("rb") as fh:
        head = fh.read(8)
    suffix = path.suffix.lower()
    if not head:
        raise InputError(f"{path.name} is empty (0 bytes)", code="empty_file", file=str(path))
    if suffix == ".xls":
        return
    if head == OLE_MAGIC:
        raise _password(path)
    if not zipfile.is_zipfile(path):
        raise InputError(f"{path.name} is not a {suffix} workbook (its content is not a zip "
                         "package); check the file type or export it again from Excel",
                         code="not_a_workbook", file=str(path))
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path.name} is damaged ({_short(exc)}); export it again",
                         code="not_a_workbook", file=str(path)) from None
    total = sum(i.file_size for i in infos)
    ratio = max((i.file_size / max(i.compress_size, 1) for i in infos
                 if i.file_size > 1024**2), default=0)
    if total > MAX_UNCOMPRESSED or ratio > MAX_RATIO:
        raise InputError(f"{path.name} would inflate to {total / 1024**2:,.0f} MB "
                         f"(compression ratio up to {ratio:,.0f}:1); refusing to open it as a "
                         "possible decompression bomb. If it is a genuine survey, save it as "
                         "CSV or Parquet", code="decompression_bomb", file=str(path))


def _password(path: Path) -> InputError:
    return InputError(f"{path.name} is password-protected or encrypted; open it in Excel, "
                      "remove the password (File → Info → Protect Workbook) and save a copy",
                      code="password_protected", file=str(path))


def _read_delimited(path: Path, encoding: str | None, delimiter: str | None,
                    report: ProblemReport) -> Grid:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"{path.name} is empty", code="empty_file", file=str(path))
    text, used = decode_text(raw, encoding, path, report)
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(text)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return Grid(str(path), None, rows, encoding=used)


def decode_text(raw: bytes, encoding: str | None, path: Path,
                report: ProblemReport) -> tuple[str, str]:
    """BOM decides; else strict UTF-8; else cp1258 with a warning; ``encoding`` overrides."""
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"cannot decode {path.name} as {encoding} ({_short(exc)}); try "
                             "another --encoding", code="bad_encoding", file=str(path)) from None
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
                      (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(name), name
            except UnicodeDecodeError as exc:
                raise InputError(f"{path.name} starts with a {name} mark but is not valid "
                                 f"{name} at byte {exc.start}", code="bad_encoding",
                                 file=str(path)) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        report.warning("encoding_guessed", f"{path.name} is not UTF-8; read it as cp1258 "
                       "(Vietnamese Windows). Pass --encoding if the names look wrong",
                       file=str(path), value="cp1258")
        return raw.decode("cp1258", errors="replace"), "cp1258"


def sniff_delimiter(text: str) -> str:
    """The candidate among , ; tab that splits the first lines most consistently."""
    sample = text[:64 * 1024].splitlines()[:50]
    best, best_score = ",", -1.0
    for cand in (",", ";", "\t"):
        counts = [len(r) for r in csv.reader(sample, delimiter=cand) if any(c.strip() for c in r)]
        if not counts or max(counts) < 2:
            continue
        mode = max(set(counts), key=counts.count)
        score = counts.count(mode) / len(counts) * (mode > 1) + mode * 1e-3
        if score > best_score:
            best, best_score = cand, score
    return best


def _read_parquet(path: Path) -> Grid:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise InputError(f"cannot read {path.name} as Parquet ({_short(exc)})",
                         code="not_a_workbook", file=str(path)) from None
    columns = {}
    for name in table.column_names:
        col = table.column(name)
        try:
            columns[str(name)] = col.to_numpy(zero_copy_only=False)
        except Exception:
            columns[str(name)] = col.to_pylist()
    return Grid(str(path), None, [list(columns)], columns=columns)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
