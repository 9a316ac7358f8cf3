"""The workbook file as a container, checked before python-calamine opens it.

Refused: empty files, encrypted workbooks (an OLE container holding ``EncryptedPackage``),
files that are not workbooks whatever their extension, decompression bombs and XML that
declares entities ("billion laughs"). The zip directory is not trusted: every member is
inflated here, streaming, with a byte budget, so a member that lies about its size is caught
after at most its declared size plus one chunk. The budget follows the memory this process may
still take (memory.py), and counts the reader would reserve memory from are checked
against it (declared.py): a workbook that cannot fit is ``too_large``, never an abort. The
same pass sizes each worksheet (extent.py) and records formula cells that carry no saved result and cells holding Excel
errors: python-calamine reads both as blank: the error texts are put back into the grid (so
#DIV/0! is a non-numeric answer and #N/A a missing one, as SPEC §2 says) and blank formula
cells are reported. Both are rare, so a piece of sheet XML is searched for them cell by
cell only when the one fast pass of extent.py finds a trace of them in it.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ddci_cli.errors import InputError
from ddci_cli.io import memory
from ddci_cli.io.declared import root_local_name, shared_strings_problem
from ddci_cli.io.extent import OdsRows, TagWalk, XlsxExtent

# Bytes a workbook may inflate to, all members together. None: as much as the memory left
# (memory.inflate_budget, a `too_large` beyond it); a number: that fixed budget, beyond
# which the file is taken for a `decompression_bomb`.
MAX_UNCOMPRESSED: int | None = None
MAX_ROOT_TAG = 1024**2             # a shared-string table's <sst …> tag longer than this is damaged
MAX_RATIO = 250                    # real workbooks inflate 5–30×; bombs 1000× and more
CHUNK = 1024**2
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
MAX_CELLS_NOTED = 10_000           # formula/error cells remembered per sheet

_NS = rb"(?:[\w.-]+:)?"
_NO_VALUE = rb"\s*(?:</" + _NS + rb"c>|<" + _NS + rb"v\s*/>|<" + _NS + rb"v>\s*</" + _NS + rb"v>)"
_ERROR_TYPE = rb"t\s*=\s*[\"']e[\"']"
FORMULA_NO_VALUE = re.compile(
    rb"<" + _NS + rb"c\b([^>]*)>\s*<" + _NS + rb"f\b[^>]*(?:/>|>[^<]*</" + _NS + rb"f>)"
    + _NO_VALUE)
ERROR_CELL = re.compile(
    rb"<" + _NS + rb"c\b([^>]*\b" + _ERROR_TYPE + rb"[^>]*)>(?:\s*<" + _NS
    + rb"f\b[^>]*(?:/>|>[^<]*</" + _NS + rb"f>))?\s*<" + _NS + rb"v>([^<]*)<")
# Where the two end or are marked, found from a literal (fast) start; each hit is then
# matched in full from its cell's "<". Prefixed elements (<x:f>) take the full patterns.
FORMULA_END = re.compile(rb"</f>" + _NO_VALUE.replace(_NS, b""))
FORMULA_SHORT = re.compile(rb"<f\b[^>]*/>" + _NO_VALUE.replace(_NS, b""))
ERROR_MARK = re.compile(_ERROR_TYPE)
PREFIXED_PART = re.compile(rb"</?[\w.-]+:[cfv][\s>/]")
# A superset of both, for the fast pass (RE2 and Python syntax alike)
RARE_CELLS = (rb"(?:</" + _NS + rb"f>|/>)\s*</" + _NS + rb"c>|<" + _NS + rb"v\s*/>|<" + _NS
              + rb"v>\s*</" + _NS + rb"v>|" + _ERROR_TYPE)
ROOT_START = re.compile(rb"<[A-Za-z_]")
CELL_REF = re.compile(rb"""\br\s*=\s*["']([A-Za-z]{1,3})([0-9]{1,7})["']""")
STR_TYPE = re.compile(rb"""\bt\s*=\s*["']str["']""")


@dataclass
class ContainerScan:
    """What the scan learnt: the real format and, per worksheet member, the 0-based
    (row, column) of formula cells without a saved result and (row, column, text) of cells
    holding an Excel error such as #DIV/0!."""

    kind: str                                        # "xlsx", "ods" or "xls"
    formula_blanks: dict[str, list] = field(default_factory=dict)
    error_cells: dict[str, list] = field(default_factory=dict)
    extents: dict[object, tuple[int, int]] = field(default_factory=dict)  # (rows, cols)
    present: dict[object, int] = field(default_factory=dict)  # cells the XML holds
    workbook_xml: bytes = b""
    workbook_rels: bytes = b""
    members: dict[str, str] | None = None  # sheet name → its XML member (xlsx)

    def _member(self, sheet: str) -> str | None:
        if self.members is None:
            self.members = _sheet_members(self.workbook_xml, self.workbook_rels)
        return self.members.get(sheet)

    def cells(self, sheet: str) -> tuple[list, list]:
        """(formula cells without result, error cells) of the sheet named ``sheet``."""
        if not (self.formula_blanks or self.error_cells):
            return [], []
        member = self._member(sheet)
        return self.formula_blanks.get(member, []), self.error_cells.get(member, [])

    def extent(self, sheet: str) -> tuple[int, int]:
        """(rows, columns) the sheet spans from A1 to its last used cell, (0, 0) if unknown
        (.xls: python-calamine's own size is checked after opening)."""
        key = sheet if self.kind == "ods" else self._member(sheet)
        return self.extents.get(key, (0, 0))

    def used(self, sheet: str) -> int | None:
        """How many cells the sheet's XML holds (None if unknown, as for .xls)."""
        return self.present.get(sheet if self.kind == "ods" else self._member(sheet))


def scan_container(path: Path) -> ContainerScan:
    """Check ``path`` before a workbook reader touches it; raise InputError if unsafe."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head:
        raise InputError(f"{path.name} is empty (0 bytes)", code="empty_file", file=str(path))
    if head == OLE_MAGIC:
        return _scan_ole(path)
    if head[:4] == b"PK\x03\x04" or zipfile.is_zipfile(path):
        return _scan_zip(path)
    raise InputError(f"{path.name} is not a {path.suffix} workbook: {_looks_like(path)}",
                     code="not_a_workbook", file=str(path))


def _looks_like(path: Path) -> str:
    with path.open("rb") as fh:
        sample = fh.read(4096)
    text = sample.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<html", b"<!doctype html", b"<table")):
        return ("it is a web page (HTML), as some systems export tables; open it in Excel "
                "and save it as .xlsx")
    if text.startswith(b"<?xml"):
        return "it is an XML file (perhaps an Excel 2003 XML sheet); save it again as .xlsx"
    try:
        sample.decode("utf-8")
        return ("it is a text file (perhaps CSV renamed); give it the .csv extension, or "
                "export it again from Excel as .xlsx")
    except UnicodeDecodeError:
        return "its content is not a zip package; check the file type or export it again"


def password_error(path: Path) -> InputError:
    return InputError(f"{path.name} is password-protected or encrypted; open it in Excel, "
                      "remove the password (File → Info → Protect Workbook) and save a copy",
                      code="password_protected", file=str(path))


def _scan_ole(path: Path) -> ContainerScan:
    """An OLE file is a legacy .xls, or an encrypted .xlsx (the stream names tell)."""
    with path.open("rb") as fh:
        tail = b""
        while block := fh.read(CHUNK):
            if ENCRYPTED_STREAM in tail + block:
                raise password_error(path)
            tail = block[-64:]
    return ContainerScan("xls")


def _scan_zip(path: Path) -> ContainerScan:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged(path, str(exc)) from None
    with zf, path.open("rb") as raw:
        infos = zf.infolist()
        _check_declared(path, infos)
        scan = ContainerScan(_zip_kind(path, zf))
        budget = _budget()
        for info in infos:
            if info.is_dir() or not info.compress_size and not info.file_size:
                continue
            budget -= _inflate(path, raw, info, budget, scan)
    if scan.kind == "xlsx":  # every sheet read asks for it: made here, with the scan
        scan.members = _sheet_members(scan.workbook_xml, scan.workbook_rels)
    return scan


def _budget() -> int:
    """Bytes all members may inflate to (see MAX_UNCOMPRESSED)."""
    return MAX_UNCOMPRESSED if MAX_UNCOMPRESSED is not None else memory.inflate_budget()


def _over_budget(path: Path, size: int, budget: int) -> InputError:
    if MAX_UNCOMPRESSED is not None:
        return _bomb(path, f"would inflate to more than {memory.describe(budget)}")
    return too_large(path, f"would inflate to {memory.describe(size)} or more, and this "
                     f"process has about {memory.describe(budget)} of memory left")


def _check_declared(path: Path, infos) -> None:
    """Refuse what the directory admits to: too compressible, or too big in total."""
    total = sum(i.file_size for i in infos)
    ratio = max((i.file_size / max(i.compress_size, 1) for i in infos
                 if i.file_size > CHUNK), default=0)
    if ratio > MAX_RATIO:
        raise _bomb(path, f"would inflate to {total / 1024**2:,.0f} MB (compression ratio up "
                    f"to {ratio:,.0f}:1)")
    budget = _budget()
    if total > budget:
        raise _over_budget(path, total, budget)


def _zip_kind(path: Path, zf: zipfile.ZipFile) -> str:
    names = set(zf.namelist())
    if "mimetype" in names and zf.getinfo("mimetype").file_size < 200:
        if zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    what = ("a Word document" if "word/document.xml" in names else "a PowerPoint file"
            if "ppt/presentation.xml" in names else "a zip archive, not a workbook")
    raise InputError(f"{path.name} is {what}; give the survey workbook (.xlsx, .xls, .ods)",
                     code="not_a_workbook", file=str(path))


def _inflate(path: Path, raw, info: zipfile.ZipInfo, budget: int, scan: ContainerScan,
             walk: bool = False) -> int:
    """Inflate one member from its raw bytes without trusting its declared size; return
    the bytes it really inflates to. ``walk``: a second pass to size a sheet whose cells
    lack references."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise InputError(f"{path.name}: member {info.filename} uses a compression method "
                         f"({info.compress_type}) that Excel never writes; save the file again "
                         "in Excel", code="not_a_workbook", file=str(path))
    raw.seek(info.header_offset)
    local = raw.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise _damaged(path, f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    raw.seek(info.header_offset + 30 + name_len + extra_len)
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    watcher = _Watcher(path, info, scan, walk)
    left, size = info.compress_size, 0
    while left > 0:
        block = raw.read(min(CHUNK, left))
        if not block:
            raise _damaged(path, f"{info.filename} is cut short")
        left -= len(block)
        for piece in _pieces(inflater, block, path, info):
            size += len(piece)
            if size > info.file_size:
                raise _bomb(path, f"member {info.filename} declares {info.file_size:,} bytes "
                            "but inflates to more (its zip headers lie)")
            if size > budget:
                raise _over_budget(path, size, budget)
            watcher.see(piece)
    if inflater is not None and (rest := inflater.flush()):
        size += len(rest)
        watcher.see(rest)
    if size != info.file_size or inflater is not None and not inflater.eof:
        raise _damaged(path, f"{info.filename} is incomplete ({size:,} of {info.file_size:,} "
                       "bytes)")
    if watcher.finish():
        _inflate(path, raw, info, budget, scan, walk=True)
    return size


def _pieces(inflater, block: bytes, path: Path, info):
    """Inflated output of ``block`` in pieces of at most CHUNK bytes (bounded memory)."""
    if inflater is None:
        yield block
        return
    try:
        data = inflater.decompress(block, CHUNK)
        yield data
        while inflater.unconsumed_tail:
            data = inflater.decompress(inflater.unconsumed_tail, CHUNK)
            yield data
    except zlib.error as exc:
        raise _damaged(path, f"{info.filename}: {exc}") from None


class _Watcher:
    """Looks at a member's inflated bytes as they stream past (overlapping a little, so a
    pattern cut between two pieces is still seen)."""

    OVERLAP = 8192

    def __init__(self, path: Path, info: zipfile.ZipInfo, scan: ContainerScan, walk: bool):
        name = info.filename
        self.path, self.name, self.scan, self.walk = path, name, scan, walk
        self.xml = name.endswith((".xml", ".rels", ".vml"))
        self.sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
        self.extent = XlsxExtent(RARE_CELLS) if self.sheet and not walk else None
        ods = scan.kind == "ods" and name == "content.xml"
        self.walker = TagWalk() if walk else OdsRows() if ods else None
        self.keep = name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels") \
            and info.file_size < 16 * CHUNK
        self.tail = b""
        self.prolog = True
        self.prefixed = False  # element names like <x:f> (some writers use a prefix)
        self.kept: list[bytes] = []
        self.root_tag: bytes | None = None  # a shared-string table's <sst …> start tag
        self.size = 0

    def see(self, piece: bytes) -> None:
        if not self.xml:
            return
        self.size += len(piece)
        if self.walker is not None:
            self._walk(piece)
            if self.walk:
                return
        buf = self.tail + piece
        if self.prolog:  # a DOCTYPE can only come before the root element
            root = ROOT_START.search(buf)
            head = buf if root is None else buf[:root.start()]
            self.prolog = root is None
            self.prefixed = bool(root) and buf[root.start() + 1:root.start() + 40].split(
                b" ")[0].find(b":") > 0
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise InputError(f"{self.path.name}: {self.name} declares XML entities (a "
                                 "'billion laughs' pattern that Excel never writes); refusing "
                                 "to read it. Export the survey again from Excel",
                                 code="unsafe_xml", file=str(self.path))
            if root and root_local_name(buf[root.start():]) == b"sst":
                self.root_tag = b""
                self._root(buf[root.start():])
        elif self.root_tag is not None and not self.root_tag.endswith(b">"):
            self._root(piece)
        if self.sheet and (self.extent.see(buf, len(self.tail)) or self.prefixed):
            self._cells(buf, len(self.tail))
        if self.keep:
            self.kept.append(piece)
        self.tail = buf[-self.OVERLAP:]

    def _root(self, text: bytes) -> None:
        """Collect the <sst …> start tag (which may span pieces) up to its ">"."""
        end = text.find(b">")
        self.root_tag += text if end < 0 else text[:end + 1]
        if len(self.root_tag) > MAX_ROOT_TAG:
            raise _damaged(self.path, f"{self.name}: a start tag longer than 1 MB")

    def _walk(self, piece: bytes) -> None:
        try:
            self.walker.see(piece)
        except ValueError as exc:
            raise _damaged(self.path, f"{self.name}: {exc}") from None

    def _cells(self, buf: bytes, seen: int) -> None:
        """Note formula cells without a result and error cells that end past ``seen``."""
        blanks, errors = self.scan.formula_blanks, self.scan.error_cells
        if self.prefixed or PREFIXED_PART.search(buf):
            formulas = FORMULA_NO_VALUE.finditer(buf) if b"f" in buf else ()
            marks = ERROR_CELL.finditer(buf) if ERROR_MARK.search(buf) else ()
        else:
            ends = sorted([*FORMULA_END.finditer(buf), *FORMULA_SHORT.finditer(buf)],
                          key=lambda m: m.start())
            formulas = (_whole(FORMULA_NO_VALUE, buf, buf.rfind(b"<f", 0, m.start() + 2), m)
                        for m in ends)
            marks = (_whole(ERROR_CELL, buf, m.start()) for m in ERROR_MARK.finditer(buf))
        for m in formulas:
            if m and m.end() > seen and not STR_TYPE.search(m.group(1)):
                _note(blanks, self.name, m.group(1))
        for m in marks:
            if m and m.end() > seen:
                _note(errors, self.name, m.group(1), m.group(2))

    def finish(self) -> bool:
        """Record what was learnt; True when a second, walking pass is needed."""
        if self.root_tag is not None:
            why = shared_strings_problem(self.root_tag, self.size)
            if why:
                raise too_large(self.path, f"{self.name} {why}")
        if self.name == "xl/workbook.xml":
            self.scan.workbook_xml = b"".join(self.kept)
        elif self.name == "xl/_rels/workbook.xml.rels":
            self.scan.workbook_rels = b"".join(self.kept)
        if self.walk:
            self.scan.extents[self.name] = self.walker.extent()
            self.scan.present[self.name] = self.walker.cells
        elif self.walker is not None:
            self.scan.extents.update(self.walker.finish())
            self.scan.present.update(self.walker.cells)
        if self.extent is not None:
            if self.extent.needs_walk:
                return True
            self.scan.extents[self.name] = self.extent.extent()
            self.scan.present[self.name] = self.extent.cells
        return False


def _whole(pattern: re.Pattern, buf: bytes, inside: int, end: re.Match | None = None):
    """``pattern`` matched from the "<" that opens the element around ``inside`` (the
    cell holding a formula or an error mark); None unless it matches (and ends where
    ``end`` does)."""
    start = buf.rfind(b"<", 0, inside) if inside > 0 else -1
    m = pattern.match(buf, start) if start >= 0 else None
    return m if m and (end is None or m.end() == end.end()) else None


def _note(store: dict[str, list], member: str, attrs: bytes, value: bytes | None = None) -> None:
    ref = CELL_REF.search(attrs)
    cells = store.setdefault(member, [])
    if ref and len(cells) < MAX_CELLS_NOTED:
        letters, row = ref.group(1).decode().upper(), int(ref.group(2))
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        if value is None:
            cells.append((row - 1, col - 1))
        else:
            cells.append((row - 1, col - 1, value.decode("utf-8", "replace").strip()))


def _sheet_members(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """Sheet name → zip member of its XML (from xl/workbook.xml and its relationships)."""
    from defusedxml import ElementTree

    try:
        rels = {r.get("Id"): r.get("Target", "") for r in ElementTree.fromstring(rels_xml)}
        book = ElementTree.fromstring(workbook_xml)
    except Exception:  # no map: warnings about formula cells are skipped, nothing else
        return {}
    out = {}
    for el in book.iter():
        if el.tag.endswith("}sheet") or el.tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            target = rels.get(rid, "")
            out[el.get("name")] = target.lstrip("/") if target.startswith("/") \
                else "xl/" + target
    return out


def _damaged(path: Path, detail: str) -> InputError:
    return InputError(f"{path.name} is damaged or incomplete ({detail[:160]}); copy it again "
                      "or re-save it in Excel", code="not_a_workbook", file=str(path))


def too_large(path: Path, detail: str) -> InputError:
    """The problem for a file that cannot fit in the memory this process has left."""
    return InputError(f"{path.name}: {detail}; refusing to open it rather than run out of "
                      "memory. If it is a genuine survey, run ddci where more memory is free, "
                      "or save the survey as CSV or Parquet", code="too_large", file=str(path))


def _bomb(path: Path, detail: str) -> InputError:
    return InputError(f"{path.name} {detail}; refusing to open it as a possible decompression "
                      "bomb. If it is a genuine survey, save it as CSV or Parquet",
                      code="decompression_bomb", file=str(path))
