"""How many cells a sheet spans once read: rows × columns from A1 to the last used cell,
and how many cells its XML really holds.

python-calamine allocates that whole rectangle, so one cell at XFD1048576 (a few bytes of
XML) or an OpenDocument cell repeated a million times would take gigabytes. These trackers
read a sheet's XML as it streams past during the container scan and keep only a few
numbers; :func:`too_large` then refuses rectangles that are huge, or large and nearly
empty. Cells with an ``r="B7"`` reference (every spreadsheet program writes them) are
sized by a fast path that looks at single cells only where something is unusual; a sheet
whose cells lack references, and every OpenDocument table, is walked tag by tag.
"""

from __future__ import annotations

import functools
import re

from ddci_cli.io import memory
from ddci_cli.io.declared import attribute, counts, value

_NS = rb"(?:[\w.-]+:)?"
MAX_GRID_CELLS = 60_000_000  # rows × columns, however full (~5 GB once read: 80 B a cell)
SPARSE_FROM = 2_000_000      # above this many, the rectangle must be reasonably full:
MAX_EMPTY_RATIO = 20         # rows × columns ≤ 20 × the cells the XML really holds

CELL_OPEN = b'<c r="'
NO_REF = re.compile(rb"<c(?:[>/]|\s++(?!r=\"))")  # a cell whose first attribute is not r
PREFIXED_CELL = re.compile(rb"<[\w.-]+:c[\s>/]")  # <x:c …>: only the walk reads these
CELL_COLS = re.compile(rb'<c\s+r="([A-Za-z]+)')  # calamine reads "b7" as B7
CELL_ROWS = re.compile(rb'<c\s+r="[A-Za-z]+([0-9]+)"')  # and "B007" as B7
LAST_REFS = re.compile(rb'<c r="([A-Z]{1,4})([0-9]{1,9})"')
XLSX_TAG = re.compile(rb"<(/?)" + _NS + rb"(row|c)((?:[\s/][^>]*)?)>")
ROW_ATTR = re.compile(rb"""\sr\s*=\s*["']([0-9]+)["']""")
CELL_ATTR = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]+)([0-9]+)["']""")
# OpenDocument elements and attributes under any namespace prefix, attributes in any
# spelling XML allows (quotes, white space, references: declared.py), so that no way of
# writing a repeat count escapes the extent.
ODS_ITEM = re.compile(rb"<" + _NS + rb"table\s([^>]*)>|<" + _NS + rb"table-row\b([^>]*?)"
                      rb"(/>|>(.*?)</" + _NS + rb"table-row\s*>)", re.S)
ODS_CELL = re.compile(rb"<" + _NS + rb"(?:covered-)?table-cell\b")
REPEAT_ROWS = attribute(b"number-rows-repeated")
REPEAT_COLS = attribute(b"number-columns-repeated")
TABLE_NAME = attribute(b"name")
# Patterns for the fast path, in the syntax shared by RE2 and Python's re: a cell tag not
# opened exactly as <c r="…"; a reference other than capital letters and a row number
# without leading zero (python-calamine also reads "b7", "B007", r='B7' and r = "B7"); a
# prefixed cell; and (built per piece) a cell reference beyond a given row and column.
UNUSUAL_CELL = (rb'<c(?:[>/\t\n\r]| [^r]| r[^=]| r=[^"])'
                rb'|<c r="(?:[A-Z]*[^A-Z1-9]|[A-Z]+[0-9]+[^0-9"])|<[\w.-]+:c[\s>/]')
LAST_WINDOW = 4096  # bytes at the end of a piece whose references raise the bound


def too_large(rows: int, cols: int, cells: int | None) -> str | None:
    """Why a sheet spanning ``rows`` × ``cols`` from A1 is refused, or None. ``cells``:
    how many cells its XML holds (None when unknown: only the absolute limit applies).
    A real survey fills most of its rectangle; a stray value far from the data (or an
    OpenDocument row repeated a million times) leaves it nearly empty."""
    area = rows * cols
    if area > MAX_GRID_CELLS:
        return f"ddci reads at most {MAX_GRID_CELLS:,} cells per sheet"
    if cells is not None and area > SPARSE_FROM and area > MAX_EMPTY_RATIO * cells:
        return (f"only {cells:,} of them hold anything, and ddci reads a sheet over "
                f"{SPARSE_FROM:,} cells only if at least 1 in {MAX_EMPTY_RATIO} is used")
    return None


def column_number(letters: bytes) -> int:
    """1-based column of ``b"AB"`` (28)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def column_letters(n: int) -> bytes:
    """Letters of 1-based column ``n`` (28 → ``b"AB"``)."""
    out = b""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = bytes([65 + rest]) + out
    return out


def _greater(text: bytes, alphabet: bytes) -> bytes:
    """A regex for the strings over ``alphabet`` (ordered, no leading zero digit) that
    are greater than ``text`` as numbers: longer ones, or the same length and larger at
    the first difference. Lets a rare match stand for "a cell beyond the bound"."""
    first, last = alphabet[:1], alphabet[-1:]
    lead = b"[1-9]" if first == b"0" else b"[A-Z]"
    alts = [lead + b"[" + first + b"-" + last + b"]{%d,}" % len(text)]
    for i, ch in enumerate(text):
        if ch < alphabet[-1]:
            alts.append(re.escape(text[:i]) + b"[" + bytes([ch + 1]) + b"-" + last + b"]"
                        + b"[" + first + b"-" + last + b"]{%d}" % (len(text) - i - 1))
    return b"(?:" + b"|".join(alts) + b")"


def beyond(rows: int, cols: int) -> bytes:
    """A pattern for a cell ``<c r="…">`` beyond row ``rows`` or column ``cols``."""
    if rows < 1 or cols < 1:
        return re.escape(CELL_OPEN)
    letters = _greater(column_letters(cols), b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    digits = _greater(str(rows).encode(), b"0123456789")
    return rb'<c r="(?:' + letters + rb'[0-9]|[A-Z]+' + digits + rb'")'


@functools.cache
def _re2_search():
    """``search(pattern, data)`` backed by RE2 (google-re2): a DFA takes any alternation of
    these patterns in one pass at about 2.5 ns per byte, where Python's backtracking engine
    needs 11–120 ns for the same patterns (docs/performance.md). Patterns are compiled for
    Latin-1, so bytes match as bytes. None unless RE2 is there and behaves so."""
    try:
        import re2

        options = re2.Options()
        options.encoding = re2.Options.Encoding.LATIN1

        @functools.lru_cache(maxsize=64)
        def compiled(pattern: bytes):
            return re2.compile(pattern, options)

        def search(pattern: bytes, data: bytes) -> bool:
            return compiled(pattern).search(data) is not None

        probes = [(UNUSUAL_CELL, b"<c>", True), (UNUSUAL_CELL, b'<c r="A1">', False),
                  (UNUSUAL_CELL, b"<c \xff\xfe>", True), (beyond(9, 2), b'<c r="B10"', True)]
        if all(search(p, d) is want for p, d, want in probes):
            return search
    except Exception:  # RE2 missing, or not matching bytes as bytes
        pass
    return None


def found(pattern: bytes, data: bytes) -> bool:
    """Whether ``pattern`` (RE2 and Python syntax alike) matches anywhere in ``data``."""
    search = _re2_search()
    if search is not None:
        return search(pattern, data)
    return re.search(pattern, data) is not None


class XlsxExtent:
    """Rows, columns (``extent()``) and cells (``cells``) of one worksheet's XML.

    ``see(buf, seen)`` gets each piece with the end of the previous one in front (``seen``
    bytes of it). The bound is the largest row and column named so far, raised first by
    the references near the end of the piece (rows come in order in every file a
    spreadsheet program writes, so that is where the new largest row is). One pass then
    looks for anything else: a cell beyond the bound, a cell not opened as ``<c r="``, or
    the caller's ``rare`` pattern. Only a piece where it finds one is read cell by cell.
    ``needs_walk``: some cells carry no reference (their place is implied by their
    order), or a namespace prefix, so only a tag walk can tell.
    """

    def __init__(self, rare: bytes = b""):
        self.rows = self.cols = self.cells = 0
        self.needs_walk = False
        self.rare = rare

    def see(self, buf: bytes, seen: int) -> bool:
        """Take in a piece; True when it holds something unusual (cells to look at)."""
        self.cells += buf.count(CELL_OPEN, max(seen - len(CELL_OPEN) + 1, 0))
        if self.needs_walk:
            return True
        for letters, digits in LAST_REFS.findall(buf, max(len(buf) - LAST_WINDOW, 0)):
            self.rows = max(self.rows, int(digits))
            self.cols = max(self.cols, column_number(letters))
        pattern = b"|".join([UNUSUAL_CELL, beyond(self.rows, self.cols)]
                            + ([self.rare] if self.rare else []))
        if not found(pattern, buf):
            return False
        self._exact(buf)
        return True

    def _exact(self, buf: bytes) -> None:
        # a cell tag cut at the end of the piece is looked at again with the next one
        for loose in (NO_REF.search(buf), PREFIXED_CELL.search(buf)):
            if loose and loose.start() < len(buf) - 64:
                self.needs_walk = True
                return
        rows = set(CELL_ROWS.findall(buf))
        cols = set(CELL_COLS.findall(buf))
        self.rows = max([self.rows, *map(int, rows)])
        self.cols = max([self.cols, *map(column_number, cols)])

    def extent(self) -> tuple[int, int]:
        """(rows, columns) from A1 to the last cell named."""
        return self.rows, self.cols


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
        self.cells = 0      # cell tags seen

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
        self.cells += 1
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
    value (LibreOffice pads rows with thousands of repeated empty cells). ``cells``: the
    cell elements each table's XML holds (a repeated row or cell counts once)."""

    MAX_CARRY = 16 * 1024**2

    def __init__(self):
        self.carry = b""
        self.sheet = None
        self.sizes: dict[object, tuple[int, int]] = {}
        self.cells: dict[object, int] = {}
        self.row = self.rows = self.cols = self.count = 0

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
        self.sheet = value(found).decode("utf-8", "replace") if found else None

    def _row(self, attrs: bytes, content: bytes) -> None:
        n = max(counts(REPEAT_ROWS, attrs), default=1)
        self.count += len(ODS_CELL.findall(content))
        last = content.rfind(b"value-type")
        if last >= 0:
            head = content[:content.find(b">", last) + 1]
            width = len(ODS_CELL.findall(head)) + sum(k - 1 for k in
                                                      counts(REPEAT_COLS, head))
            self.cols = max(self.cols, width)
            self.rows = self.row + n
        self.row += n

    def _finish_table(self) -> None:
        if self.rows or self.cols:
            self.sizes[self.sheet] = (self.rows, self.cols)
            self.cells[self.sheet] = self.count
        self.row = self.rows = self.cols = self.count = 0

    def finish(self) -> dict[object, tuple[int, int]]:
        """(rows, columns) per table name; ``cells`` is complete after this."""
        self._finish_table()
        return self.sizes


def memory_problem(rows: int, cols: int) -> str | None:
    """Why a sheet spanning ``rows`` × ``cols`` cannot be read in the memory this process
    has left (the reader allocates the whole rectangle), or None."""
    area = rows * cols
    if area * memory.BYTES_PER_CELL <= memory.available_bytes():
        return None
    return (f"reading it takes about {memory.describe(area * memory.BYTES_PER_CELL)} "
            f"({memory.BYTES_PER_CELL} bytes a cell), and this process has about "
            f"{memory.describe(memory.available_bytes())} of memory left")
