"""Survey files in: .xlsx/.xlsm/.xls/.ods (python-calamine), .csv/.tsv, .parquet (SPEC §2).

:func:`read_grid` turns a file into a :class:`Grid` (all cells of one sheet, as read);
``locate.py`` finds the header row in it. Nothing here knows about indicators. Workbooks
pass :func:`ddci_cli.io.container.scan_container` first (bombs, encryption, XML entities).
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ddci_cli.io import ahead
from ddci_cli.io.container import ContainerScan, password_error, scan_container
from ddci_cli.io.extent import SPARSE_FROM, memory_problem, too_large
from ddci_cli.errors import InputError, Problem, ProblemReport, WARNING

SPREADSHEET = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}  # → content
DELIMITED = {".csv", ".tsv", ".txt"}
MAX_TEXT_BYTES = 1024**3  # a delimited survey is read whole; beyond this, use Parquet
HEAD_CHARS = 256 * 1024  # the start of a delimited file, split by the csv module for widths


class _Rows:
    """``Grid.rows``: as given, or (a delimited file) built from ``Grid.coded`` when first
    read; the survey's own read works from the codes and never builds it."""

    def __get__(self, grid, owner=None):
        if grid is None:
            raise AttributeError("rows")  # for dataclass: a field without a default
        rows = grid.__dict__.get("_rows")
        if rows is None and grid.__dict__.get("coded") is not None:
            from ddci_cli.io.delimited import grid_of

            rows = grid.__dict__["_rows"] = grid_of(grid.coded, grid.height())
        return rows

    def __set__(self, grid, value) -> None:
        grid.__dict__["_rows"] = value


@dataclass
class Grid:
    """The cells of one sheet: ``rows[i]`` is spreadsheet row ``i + 1``."""

    path: str
    sheet: str | None
    rows: list[list[Any]] = _Rows()  # type: ignore[assignment]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    encoding: str | None = None
    columns: dict[str, Any] | None = None  # parquet: name -> array (header is row 1)
    header: list[str] | None = None        # parquet: every column name of the file
    row_numbers: Any = None                # parquet: 1-based row of each array entry
    delimiter: str | None = None           # delimited files: the delimiter used
    problems: list[Problem] = field(default_factory=list)  # warnings found while reading
    formula_blanks: list[tuple[int, int]] = field(default_factory=list)  # 0-based (row, col)
    common: int | None = None  # delimited: the field count of every record not in ``odd``
    odd: dict[int, list[str]] | None = None  # delimited: record → fields, other counts
    coded: list | None = None  # delimited: every column as delimited.Coded (rows: None)

    def height(self) -> int:
        """The number of rows (records)."""
        if self.coded is not None and self.__dict__.get("_rows") is None:
            return len(self.coded[0]) if self.coded else 0
        return len(self.rows)

    def fields(self, i: int) -> list:
        """Row ``i`` as its record holds it (a delimited record: its own field count)."""
        if self.odd is not None and i in self.odd:
            return self.odd[i]
        if self.coded is not None and self.__dict__.get("_rows") is None:
            return [c.uniques[c.codes[i]] for c in self.coded[:self.common]]
        row = list(self.rows[i])
        return row[:self.common] if self.common is not None else row

    def rows_unlike(self, i: int) -> Iterator[tuple[int, list]]:
        """(index, fields) of the rows after ``i`` whose field count differs from row
        ``i``'s: the only rows that can be ragged against it."""
        header = self.fields(i)
        width = len(header)
        if self.common is None:
            yield from ((k, r) for k, r in enumerate(self.rows) if k > i and len(r) != width)
            return
        named = max((j + 1 for j, c in enumerate(header) if str(c).strip()), default=0)
        if width != self.common and not named <= self.common <= width:
            # rows of the common count may be short of the header's names or run past
            # it: every row is a suspect (a header unlike all of its rows, rare)
            yield from ((k, self.fields(k)) for k in range(i + 1, self.height())
                        if len(self.fields(k)) != width)
            return
        yield from ((k, f) for k, f in sorted(self.odd.items()) if k > i and len(f) != width)


class Book:
    """An opened workbook and what the container scan found in it."""

    def __init__(self, path: Path):
        import python_calamine as pc

        self.path = path
        self.scan: ContainerScan = scan_container(path)
        if self.scan.kind == "ods":  # python-calamine reads every table of an .ods at open
            for sheet, extent in self.scan.extents.items():
                _check_extent(path, str(sheet), extent, self.scan.present.get(sheet))
                _check_memory(path, str(sheet), extent)
        try:
            if SPREADSHEET[path.suffix.lower()] == self.scan.kind:
                self.book = pc.CalamineWorkbook.from_path(str(path))
            else:  # content and extension disagree (an .xls renamed .xlsx): content decides
                with path.open("rb") as fh:
                    self.book = pc.CalamineWorkbook.from_filelike(fh)
        except pc.PasswordError:
            raise password_error(path) from None
        except Exception as exc:  # calamine raises several error types for damaged files
            raise InputError(f"cannot open {path.name} as a workbook ({_short(exc)}); the file "
                             "is damaged or not a spreadsheet: open and re-save it in Excel",
                             code="not_a_workbook", file=str(path)) from None
        self.sheet_names: list[str] = list(self.book.sheet_names)
        self._ahead: dict[str, Grid | BaseException] = {}

    def read_ahead(self, name: str) -> None:
        """Read sheet ``name`` now; the next :meth:`grid` of it returns (or raises) that."""
        try:
            self._ahead[name] = self._grid(name)
        except BaseException as exc:
            self._ahead[name] = exc

    def grid(self, name: str) -> Grid:
        """One sheet as a :class:`Grid`: error cells hold their text (``#DIV/0!``), formula
        cells without a saved result are blank and listed in ``formula_blanks``."""
        ahead = self._ahead.pop(name, None)
        if isinstance(ahead, BaseException):
            raise ahead
        return ahead if ahead is not None else self._grid(name)

    def _grid(self, name: str) -> Grid:
        used = self.scan.used(name)
        _check_extent(self.path, name, self.scan.extent(name), used)
        _check_memory(self.path, name, self.scan.extent(name))
        try:
            data = self.book.get_sheet_by_name(name)
            _check_extent(self.path, name, (data.height, data.width), used)
            rows = data.to_python(skip_empty_area=False)
            if used is None and data.height * data.width > SPARSE_FROM:  # .xls: count them
                _check_extent(self.path, name, (data.height, data.width), _filled(rows))
            merged = [(a[0], a[1], b[0], b[1]) for a, b in (data.merged_cell_ranges or [])]
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"cannot read sheet '{name}' of {self.path.name} ({_short(exc)}); "
                             "the file is damaged: open and re-save it in Excel",
                             code="not_a_workbook", file=str(self.path), sheet=name) from None
        blanks, errors = self.scan.cells(name)
        _put_errors(rows, errors)
        return Grid(str(self.path), name, rows, merged, formula_blanks=blanks)


def _check_extent(path: Path, sheet: str, extent: tuple[int, int], used: int | None) -> None:
    """Refuse a sheet whose rectangle from A1 to its last used cell is too large to hold
    in memory, or large and nearly empty (one stray cell at XFD1048576 makes a small file
    span 17 billion cells); ``used``: the cells the file really holds, if known."""
    rows, cols = extent
    why = too_large(rows, cols, used)
    if why:
        raise InputError(f"sheet '{sheet}' of {path.name} spans {rows:,} rows × {cols:,} "
                         f"columns = {rows * cols:,} cells from A1 to its last used cell; "
                         f"{why}. Delete stray values or formats far from the data (press "
                         "Ctrl+End in Excel to find the last cell), or save the survey as CSV",
                         code="sheet_too_large", file=str(path), sheet=sheet,
                         value=rows * cols)


def _check_memory(path: Path, sheet: str, extent: tuple[int, int]) -> None:
    """Refuse, before the reader allocates it, a sheet whose rectangle does not fit in the
    memory this process has left (python-calamine would abort the process)."""
    rows, cols = extent
    why = memory_problem(rows, cols)
    if why:
        raise InputError(f"sheet '{sheet}' of {path.name} spans {rows:,} rows × {cols:,} "
                         f"columns = {rows * cols:,} cells; {why}. Run ddci where more "
                         "memory is free, or save the survey as CSV or Parquet",
                         code="too_large", file=str(path), sheet=sheet, value=rows * cols)


def _filled(rows: list[list]) -> int:
    """Cells that are not blank ("" is how python-calamine gives an empty cell)."""
    return sum(len(row) - row.count("") for row in rows)


def _put_errors(rows: list[list], errors: list[tuple[int, int, str]]) -> None:
    """python-calamine reads error cells as blank; give them back their error text."""
    for r, c, text in errors:
        while len(rows) <= r:
            rows.append([""] * (len(rows[0]) if rows else 0))
        if len(rows[r]) <= c:
            rows[r].extend([""] * (c + 1 - len(rows[r])))
        if rows[r][c] in ("", None):
            rows[r][c] = text


def open_book(path: Path) -> Book:
    _check_exists(path)
    taken, book = ahead.take(path)
    return book if taken and book is not None else Book(path)


def open_ahead(path: Path, sheet: Callable[[], str | int | None],
               opened: Callable[[], None] = lambda: None) -> Book | None:
    """For :func:`ddci_cli.io.ahead.start`: open workbook ``path`` and read the sheet
    ``sheet()`` names (else the first), as :func:`open_book` and :meth:`Book.grid` would;
    they then take the book, or raise what opening it raised. None for other files.
    ``opened()`` is called between the two: the scan and the opening run Python code,
    python-calamine reads the sheet without the GIL."""
    if path.suffix.lower() not in SPREADSHEET or not path.is_file():
        return None
    book = Book(path)
    opened()
    try:
        wanted = sheet()
        name = pick_sheet(book.sheet_names, str(wanted) if isinstance(wanted, int) else wanted,
                          path)
    except Exception:  # the command finds (and reports) a wrong sheet itself
        return book
    book.read_ahead(name)
    return book


def sheet_names(path: Path) -> list[str]:
    """The sheet names of a workbook (empty for delimited and parquet files)."""
    if path.suffix.lower() not in SPREADSHEET:
        return []
    return open_book(path).sheet_names


def read_grid(path: Path, sheet: str | int | None = None, *, encoding: str | None = None,
              delimiter: str | None = None, report: ProblemReport | None = None,
              wanted: dict[str, str] | None = None) -> Grid:
    """Read one sheet (or the whole delimited/parquet file) as a :class:`Grid`; warnings
    found while reading go to ``report`` as well as ``grid.problems``. ``wanted`` (column
    name → the method key naming it): of a Parquet file, read only those columns."""
    suffix = path.suffix.lower()
    _check_exists(path)
    if suffix in SPREADSHEET:
        book = open_book(path)
        grid = book.grid(pick_sheet(book.sheet_names, sheet, path))
    elif suffix in DELIMITED:
        grid = _read_delimited(path, encoding, delimiter)
    elif suffix == ".parquet":
        grid = _read_parquet(path, wanted)
    else:
        raise InputError(f"cannot read '{suffix or path.name}' files; use .xlsx, .xlsm, .xls, "
                         ".ods, .csv, .tsv or .parquet", code="unsupported_format",
                         file=str(path))
    if report is not None:
        report.extend(grid.problems)
    return grid


def _check_exists(path: Path) -> None:
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the survey file itself",
                         code="file_unreadable", file=str(path))
    if not path.exists():
        raise InputError(f"survey file {path} does not exist; check the path",
                         code="file_not_found", file=str(path))


def pick_sheet(names: list[str], sheet: str | int | None, path: Path) -> str:
    """A sheet by exact name, then by name ignoring case/spaces, then by 1-based index."""
    if not names:
        raise InputError(f"{path.name} has no sheets", code="empty_file", file=str(path))
    if sheet is None:
        return names[0]
    if isinstance(sheet, str) and sheet in names:
        return sheet
    from ddci_cli.text import match_key

    by_key = {match_key(n): n for n in names}
    if isinstance(sheet, str) and match_key(sheet) in by_key:
        return by_key[match_key(sheet)]
    text = str(sheet).strip()
    if text.isdigit() and 1 <= int(text) <= len(names):
        return names[int(text) - 1]
    raise InputError(f"sheet '{sheet}' not found in {path.name}; its sheets are: "
                     f"{', '.join(names)}", code="sheet_not_found", file=str(path),
                     value=str(sheet))


def _read_delimited(path: Path, encoding: str | None, delimiter: str | None) -> Grid:
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise InputError(f"{path.name} is larger than {MAX_TEXT_BYTES // 1024**2} MB; save the "
                         "survey as Parquet", code="file_too_large", file=str(path))
    key = ahead.file_key(path)
    raw = path.read_bytes()
    if not raw or raw.isspace():  # (strip() would copy the whole file)
        raise InputError(f"{path.name} is empty", code="empty_file", file=str(path))
    if ahead.file_key(path) == key:  # unchanged while it was read: hashed from these bytes
        ahead.digest_later(key, raw)
    from ddci_cli.io.delimited import (BOMS, SNIFF_CHARS, ParseError, decoded_start, split,
                                       valid_utf8)

    problems = ProblemReport()
    if encoding is None and not raw.startswith(BOMS) and valid_utf8(raw):
        # what decode_text decides, without a decoded copy of the file (2 bytes a
        # character once one is not Latin-1) nor a search of it for byte 0
        used, start, complete = "utf-8", *decoded_start(raw, max(HEAD_CHARS, SNIFF_CHARS))
        text = raw.decode("utf-8") if b"\x00" in raw else start
    else:
        text, used = decode_text(raw, encoding, path, problems)
        start, complete = text[:max(HEAD_CHARS, SNIFF_CHARS)], True
    if "\x00" in text:
        what = ("an Excel/OpenDocument workbook (zip); rename it to .xlsx or .ods"
                if raw.startswith(b"PK\x03\x04") else "a legacy Excel workbook; rename it "
                "to .xls" if raw.startswith(b"\xd0\xcf\x11\xe0") else "binary data (byte 0 "
                f"at character {text.index(chr(0)) + 1}); if it is a workbook, give it its "
                "real extension (.xlsx, .xls, .ods)")
        raise InputError(f"{path.name} is not a text (CSV) file: it is {what}",
                         code="not_a_text_file", file=str(path))
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(start)
    head = start[:HEAD_CHARS]
    complete = complete and len(text) <= HEAD_CHARS
    data = raw if codecs.lookup(used).name == "utf-8" else \
        raw[len(codecs.BOM_UTF8):] if codecs.lookup(used).name == "utf-8-sig" else \
        text.encode("utf-8")
    del text, start  # pyarrow parses the bytes: the decoded text was only needed to check them
    try:
        records = split(head, data, delimiter, complete)
    except ParseError as exc:
        near = f" near row {exc.line}" if exc.line else ""
        raise InputError(f"{path.name} cannot be read as CSV{near} ({_short(exc)}); check "
                         "the quotes on that row", code="bad_csv", file=str(path),
                         row=exc.line) from None
    del raw, data  # the fields are in pyarrow's columns: the file's bytes go before coding
    parsed = records.coded()
    return Grid(str(path), None, None, encoding=used, delimiter=delimiter,
                problems=problems.problems, common=parsed.common, odd=parsed.odd,
                coded=parsed.columns)


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
        report.add("encoding_guessed", f"{path.name} is not UTF-8; read it as cp1258 "
                   "(Vietnamese Windows). Pass --encoding if the names look wrong", WARNING,
                   file=str(path), value="cp1258")
        return raw.decode("cp1258", errors="replace"), "cp1258"


def sniff_delimiter(text: str) -> str:
    """The candidate among , ; tab that splits the first lines most consistently."""
    sample = text[:64 * 1024].splitlines()[:50]
    best, best_score = ",", -1.0
    for cand in (",", ";", "\t"):
        try:
            counts = [len(r) for r in csv.reader(sample, delimiter=cand)
                      if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not counts or max(counts) < 2:
            continue
        mode = max(set(counts), key=counts.count)
        score = counts.count(mode) / len(counts) * (mode > 1) + mode * 1e-3
        if score > best_score:
            best, best_score = cand, score
    return best


def _read_parquet(path: Path, wanted: dict[str, str] | None) -> Grid:
    from ddci_cli.io.parquet import read_parquet

    found = read_parquet(path, wanted)
    return Grid(str(path), None, [list(found["header"])], columns=found["columns"],
                header=found["header"], row_numbers=found["row_numbers"],
                problems=found["problems"])


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
