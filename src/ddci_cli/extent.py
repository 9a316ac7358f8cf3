"""How many cells a sheet spans once read: rows × columns from A1 to the last used cell.

python-calamine allocates that whole rectangle, so one cell at XFD1048576 (a few bytes of
XML) or an OpenDocument cell repeated a million times would take gigabytes. These trackers
read a sheet's XML as it streams past during the container scan and keep only a few
numbers. The fast path (a declared dimension and cells with an ``r="B7"`` reference, as
every spreadsheet program writes them) only searches for cells beyond the declared size; a
sheet whose cells lack references, and every OpenDocument table, is walked tag by tag.
"""

from __future__ import annotations

import re

_NS = rb"(?:[\w.-]+:)?"
MAX_GRID_CELLS = 5_000_000  # a sheet's rows × columns; ~300 MB once read into Python

DIMENSION = re.compile(rb'<' + _NS + rb'dimension\s+ref="[A-Z]*[0-9]*:?([A-Z]+)([0-9]+)"')
PREFIXED = re.compile(rb"<[\w.-]+:sheetData\b")
NO_REF = re.compile(rb"<c(?:[>/]|\s++(?!r=\"))")  # a cell whose first attribute is not r
CELL_COLS = re.compile(rb'<c\s+r="([A-Z]+)')
CELL_ROWS = re.compile(rb'<c\s+r="[A-Z]+([0-9]+)"')
XLSX_TAG = re.compile(rb"<(/?)" + _NS + rb"(row|c)((?:[\s/][^>]*)?)>")
ROW_ATTR = re.compile(rb'\sr="([0-9]{1,9})"')
CELL_ATTR = re.compile(rb'\sr="([A-Z]{1,4})([0-9]{1,9})"')
ODS_ITEM = re.compile(rb"<table:table\s([^>]*)>|<table:table-row\b([^>]*?)(/>|>(.*?)"
                      rb"</table:table-row>)", re.S)
ODS_CELL = re.compile(rb"<table:(?:covered-)?table-cell\b")
REPEAT_ROWS = re.compile(rb'number-rows-repeated="([0-9]{1,12})"')
REPEAT_COLS = re.compile(rb'number-columns-repeated="([0-9]{1,12})"')
TABLE_NAME = re.compile(rb'table:name="([^"]*)"')
OVERLAP = 8192


def column_number(letters: bytes) -> int:
    """1-based column of ``b"AB"`` (28)."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _greater(text: bytes, alphabet: bytes) -> bytes:
    """A regex for the strings over ``alphabet`` (ordered, no leading zero digit) that
    are greater than ``text`` as numbers: longer ones, or the same length and larger at
    the first difference. Lets a rare match stand for "a cell beyond the declared size"."""
    first, last = alphabet[:1], alphabet[-1:]
    lead = b"[1-9]" if first == b"0" else b"[A-Z]"
    alts = [lead + b"[" + first + b"-" + last + b"]{%d,}" % len(text)]
    for i, ch in enumerate(text):
        if ch < alphabet[-1]:
            alts.append(re.escape(text[:i]) + b"[" + bytes([ch + 1]) + b"-" + last + b"]"
                        + b"[" + first + b"-" + last + b"]{%d}" % (len(text) - i - 1))
    return b"(?:" + b"|".join(alts) + b")"


class XlsxExtent:
    """Rows and columns one worksheet's XML spans (``extent()``).

    Fast path: the ``<dimension ref="A1:Y50001"/>`` a spreadsheet program writes is
    trusted only as far as no cell lies beyond it, which two regular expressions that
    match nothing in a normal sheet confirm. Without a usable dimension, or once a cell
    lies beyond it, every cell reference is read. ``needs_walk``: some cells carry no
    reference (their place is implied by their order), so only a tag walk can tell.
    """

    def __init__(self):
        self.dims = (0, 0)
        self.rows = self.cols = 0
        self.exact = self.needs_walk = False
        self.beyond = None
        self.first = True
        self.tail = b""

    def see(self, piece: bytes) -> None:
        buf = self.tail + piece
        if self.first:
            self._start(buf)
        if not self.needs_walk:
            # a cell tag cut at the end of the piece is looked at again with the next one
            loose = NO_REF.search(buf)
            self.needs_walk = bool(loose) and loose.start() < len(buf) - 64
        if not self.exact and self.beyond.search(buf):
            self.exact = True
        if self.exact:
            numbers = set(CELL_ROWS.findall(buf))
            letters = set(CELL_COLS.findall(buf))
            self.rows = max([self.rows, *map(int, numbers)])
            self.cols = max([self.cols, *map(column_number, letters)])
        self.tail = buf[-OVERLAP:]

    def _start(self, buf: bytes) -> None:
        self.first = False
        if PREFIXED.search(buf):  # cells written as <x:c …>: the patterns below miss them
            self.needs_walk = True
        dim = DIMENSION.search(buf)
        if dim:
            self.dims = (int(dim.group(2)), column_number(dim.group(1)))
        if not dim or self.dims[0] * self.dims[1] > MAX_GRID_CELLS:
            self.exact, self.beyond = True, None
            return
        letters = _greater(dim.group(1), b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        digits = _greater(dim.group(2), b"0123456789")
        # one pass: a cell reference beyond the last column, or beyond the last row
        self.beyond = re.compile(rb'<c\s+r="(?:' + letters + rb'[0-9]|[A-Z]+' + digits + rb'")')

    def extent(self) -> tuple[int, int]:
        """(rows, columns): exact, or the declared dimension no cell exceeds."""
        if self.exact:
            trusted = self.beyond is not None  # cells before the switch lay within dims
            return max(self.rows, self.dims[0] if trusted else 0), \
                max(self.cols, self.dims[1] if trusted else 0)
        return self.dims


class TagWalk:
    """Exact extent of an .xlsx sheet by walking its row and cell tags in order (for cells
    without references). A tag cut between two pieces is carried over to the next one."""

    MAX_CARRY = 1024**2

    def __init__(self):
        self.carry = b""
        self.row = 0        # rows passed so far (next row's 0-based index)
        self.rows = 0       # last row holding a cell (1-based)
        self.cols = 0
        self.col = 0

    def see(self, piece: bytes) -> None:
        buf = self.carry + piece
        end = 0
        for m in XLSX_TAG.finditer(buf):
            self._tag(m.group(1) == b"/", m.group(2), m.group(3) or b"")
            end = m.end()
        rest = buf[end:]
        cut = rest.rfind(b"<")
        self.carry = rest[cut:] if cut >= 0 and b">" not in rest[cut:] else b""
        if len(self.carry) > self.MAX_CARRY:
            raise ValueError("an XML tag longer than 1 MB")

    def _tag(self, closing: bool, name: bytes, attrs: bytes) -> None:
        if name == b"row":
            if not closing:
                ref = ROW_ATTR.search(attrs)
                self.row = int(ref.group(1)) - 1 if ref else self.row
                self.col = 0
            if closing or attrs.endswith(b"/"):
                self.row += 1
            return
        if closing:
            return
        ref = CELL_ATTR.search(attrs)
        if ref:  # the cell's own reference places it, whatever its row element says
            self.col = column_number(ref.group(1))
            self.rows = max(self.rows, int(ref.group(2)))
        else:
            self.col += 1
            self.rows = max(self.rows, self.row + 1)
        self.cols = max(self.cols, self.col)

    def extent(self) -> tuple[int, int]:
        return self.rows, self.cols


class OdsRows:
    """Extent of every table of an OpenDocument ``content.xml``, a row at a time: a row
    repeated N times counts N times, and a row's width ends at its last cell holding a
    value (LibreOffice pads rows with thousands of repeated empty cells)."""

    MAX_CARRY = 16 * 1024**2

    def __init__(self):
        self.carry = b""
        self.sheet = None
        self.sizes: dict[object, tuple[int, int]] = {}
        self.row = self.rows = self.cols = 0

    def see(self, piece: bytes) -> None:
        buf = self.carry + piece
        end = 0
        for m in ODS_ITEM.finditer(buf):
            if m.group(1) is not None:
                self._table(m.group(1))
            else:
                self._row(m.group(2), m.group(4) or b"")
            end = m.end()
        self.carry = buf[end:]
        if len(self.carry) > self.MAX_CARRY:
            raise ValueError("a table row longer than 16 MB")

    def _table(self, attrs: bytes) -> None:
        self._finish_table()
        found = TABLE_NAME.search(attrs)
        self.sheet = found.group(1).decode("utf-8", "replace") if found else None

    def _row(self, attrs: bytes, content: bytes) -> None:
        repeat = REPEAT_ROWS.search(attrs)
        n = int(repeat.group(1)) if repeat else 1
        last = content.rfind(b"value-type")
        if last >= 0:
            head = content[:content.find(b">", last) + 1]
            width = len(ODS_CELL.findall(head)) + sum(int(k) - 1 for k in
                                                      REPEAT_COLS.findall(head))
            self.cols = max(self.cols, width)
            self.rows = self.row + n
        self.row += n

    def _finish_table(self) -> None:
        if self.rows or self.cols:
            self.sizes[self.sheet] = (self.rows, self.cols)
        self.row = self.rows = self.cols = 0

    def finish(self) -> dict[object, tuple[int, int]]:
        self._finish_table()
        return self.sizes
