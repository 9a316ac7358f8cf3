"""Write the bad-input corpus of tests/data/bad/ (run from anywhere; files land beside this
script). Every file is small; tests/test_bad_inputs.py reads expected.csv for what each
one must produce.

    /work/venv/bin/python tests/data/bad/make_corpus.py

The .xls and .ods copies need LibreOffice (`soffice`); the encrypted workbook uses
msoffcrypto-tool when importable, else a hand-made OLE container with the same streams.
The zip bombs are not committed: tests call :func:`write_zip_bomb` at run time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = ["STT", "Mã DN", "Đơn vị", "Khối", "Trọng số", "B1", "B2", "C1", "C2"]
UNITS = [("Sở Tài chính", "Khối Sở, ban, ngành"), ("Sở Xây dựng", "Khối Sở, ban, ngành"),
         ("Quận Hải An", "Khối quận, huyện"), ("Huyện An Lão", "Khối quận, huyện")]
FIRMS = ["DN01", "DN02", "DN03"]
WEIGHTS = ["1", "1.5", "0.5"]
COL = {name: j for j, name in enumerate(HEADER)}


def base_rows() -> list[list[str]]:
    """Header + 12 evaluations (3 firms × 4 units), every answer valid; spreadsheet rows
    2–13, in the order firm-major (row 2 = DN01/Sở Tài chính, row 3 = DN01/Sở Xây dựng…)."""
    rows = [list(HEADER)]
    n = 0
    for r, firm in enumerate(FIRMS):
        for u, (unit, block) in enumerate(UNITS):
            n += 1
            rows.append([str(n), firm, unit, block, WEIGHTS[r], str(1 + (u + r) % 5),
                         str(1 + (2 * u + r + 1) % 5), str(1 + (3 * u + 2 * r) % 5),
                         str((4 * u + 3 * r) % 20)])
    return rows


def set_cell(rows, sheet_row: int, column: str, value) -> list[list[str]]:
    """Set the cell of spreadsheet row ``sheet_row`` (1 = header) in ``column``."""
    rows[sheet_row - 1][COL[column]] = value
    return rows


def drop_column(rows, column: str) -> list[list[str]]:
    j = rows[0].index(column)
    return [r[:j] + r[j + 1:] for r in rows]


# ---------------------------------------------------------------- writers

def csv_text(rows, delimiter=",") -> str:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def write_csv(name: str, rows, encoding="utf-8", delimiter=",") -> None:
    text = csv_text(rows, delimiter)
    data = to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    (HERE / name).write_bytes(data)


TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook, dot below


def to_cp1258(text: str) -> bytes:
    """Vietnamese Windows encoding: letters like ơ, ê are single bytes, tone marks are
    combining bytes after them (what legacy Excel writes)."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in parts if c in TONES)
            base = "".join(c for c in parts if c not in TONES)
            out += (unicodedata.normalize("NFC", base) + tones).encode("cp1258")
    return bytes(out)


def numeric(value):
    """Numbers as numbers in a workbook, everything else as text."""
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return float(value) if "." in value else int(value)
    return value


def write_xlsx(name: str, rows, *, title_rows=(), edit=None, target: Path | None = None) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    for title in title_rows:
        ws.append([title])
    for row in rows:
        ws.append([numeric(v) for v in row])
    if edit:
        edit(ws, len(title_rows))
    path = target or HERE / name
    wb.save(path)
    return path


def rewrite_member(path: Path, member: str, change) -> None:
    """Rewrite one zip member's text with ``change(text) -> text`` (for hand-made XML)."""
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename == member:
                data = change(data.decode("utf-8")).encode("utf-8")
            zout.writestr(info, data)


def cell_xml(text: str, replacement: str) -> callable:
    """Replace the inline-string cell holding ``text`` by a raw ``<c>`` body."""
    def change(xml: str) -> str:
        new, n = re.subn(r'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>' + re.escape(text)
                         + r"</t></is></c>", lambda m: f'<c r="{m.group(1)}" {replacement}</c>',
                         xml)
        assert n, text
        return new
    return change


# ---------------------------------------------------------------- method files

METHOD = """\
# Method file of the bad-input corpus: 2 blocks, 2 sub-indices, 4 indicators.
[index]
name = "Corpus DDCI"
year = 2024
language = "vi"

[input]
unit_column = "Đơn vị"
block_column = "Khối"
respondent_column = "Mã DN"
weight_column = "Trọng số"
missing_codes = ["Không biết", "KB", 99]
min_responses = 2
strict_units = false

[normalization]
method = "minmax"
range = [1, 10]

[aggregation]
subindex = "arithmetic"
composite = "arithmetic"
multiplier = 10

[[blocks]]
id = "department"
label = "Khối Sở, ban, ngành"
label_en = "Departments"

[[blocks]]
id = "district"
label = "Khối quận, huyện"
label_en = "Districts"

[[subindices]]
id = "transparency"
label = "Tính minh bạch"
weight = 2

  [[subindices.indicators]]
  id = "tr1"
  column = "B1"
  valid = [1, 5]

  [[subindices.indicators]]
  id = "tr2"
  column = "B2"
  statistic = "share"
  share_of = [4, 5]
  valid = [1, 5]

[[subindices]]
id = "time"
label = "Chi phí thời gian"
weight = 1

  [[subindices.indicators]]
  id = "ti1"
  column = "C1"
  valid = [1, 5]

  [[subindices.indicators]]
  id = "ti2"
  column = "C2"
  direction = "negative"
  valid = [0, 30]

[units."Sở Tài chính"]
block = "department"
aliases = ["STC"]

[units."Sở Xây dựng"]
block = "department"

[units."Quận Hải An"]
block = "district"

[units."Huyện An Lão"]
block = "district"
"""


def method_variant(name: str, *edits: tuple[str, str]) -> None:
    text = METHOD
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    (HERE / name).write_text(text, encoding="utf-8")


def write_methods() -> None:
    (HERE / "method.toml").write_text(METHOD, encoding="utf-8")
    method_variant("method_strict_units.toml", ("strict_units = false", "strict_units = true"))
    method_variant("method_min_responses_50.toml", ("min_responses = 2", "min_responses = 50"))
    method_variant("method_goalposts_zero.toml",
                   ('method = "minmax"', 'method = "goalposts"'),
                   ('direction = "negative"\n  valid = [0, 30]',
                    'direction = "negative"\n  valid = [0, 30]\n  goalposts = [5, 5]'))
    method_variant("method_geometric_zero_range.toml", ("range = [1, 10]", "range = [0, 100]"),
                   ('subindex = "arithmetic"', 'subindex = "geometric"'))
    method_variant("method_geometric_none.toml", ('method = "minmax"', 'method = "none"'),
                   ('subindex = "arithmetic"', 'subindex = "geometric"'),
                   ('direction = "negative"\n', ""))
    method_variant("method_syntax.toml", ('id = "tr2"', 'id = "tr2'))
    method_variant("method_unknown_key.toml", ('id = "tr1"\n  column = "B1"',
                                               'id = "tr1"\n  column = "B1"\n  directon = "positive"'))
    method_variant("method_duplicate_ids.toml", ('id = "ti1"', 'id = "tr1"'))
    method_variant("method_negative_weight.toml", ("weight = 2", "weight = -2"))
    method_variant("method_no_subindices.toml",
                   (METHOD[METHOD.index("[[subindices]]"):METHOD.index('[units."Sở Tài')], ""))
    method_variant("method_empty_subindex.toml",
                   (METHOD[METHOD.index('  [[subindices.indicators]]\n  id = "ti1"'):
                           METHOD.index('[units."Sở Tài')], ""))
    method_variant("method_bad_column.toml", ('column = "C1"', 'column = "C9"'))
    method_variant("method_code_in_range.toml",
                   ('missing_codes = ["Không biết", "KB", 99]',
                    'missing_codes = ["Không biết", "KB", 99, 3]'))
    method_variant("method_tabs.toml", ('unit_column = "Đơn vị"', 'unit_column = "Đơn\tvị"'),
                   ('label = "Tính minh bạch"', 'label = "Tính\tminh bạch"'))
    method_variant("method_block_unlisted.toml",
                   ('[units."Huyện An Lão"]\nblock = "district"\n', ""))
    (HERE / "method_empty.toml").write_bytes(b"")
    (HERE / "method_not_utf8.toml").write_bytes(to_cp1258(METHOD))


# ---------------------------------------------------------------- surveys

def write_text_surveys() -> None:
    write_csv("good.csv", base_rows())
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "blank_lines.csv").write_bytes(b"\r\n  \r\n,,,\r\n")
    write_csv("header_only.csv", base_rows()[:1])
    write_csv("no_unit_column.csv", drop_column(base_rows(), "Đơn vị"))
    write_csv("unit_column_renamed.csv", set_cell(base_rows(), 1, "Đơn vị", "Tên đơn vị"))
    rows = base_rows()
    write_csv("duplicate_header.csv", [r + (["B1"] if i == 0 else [r[COL["B1"]]])
                                       for i, r in enumerate(rows)])
    write_csv("missing_indicator_column.csv", drop_column(base_rows(), "C2"))
    write_csv("text_in_numeric.csv", set_cell(base_rows(), 5, "B1", "bốn"))
    rows = set_cell(base_rows(), 4, "C1", "Ko biết")
    write_csv("missing_unconfigured.csv", set_cell(rows, 7, "B2", "không rõ"))
    rows = base_rows()
    nfd = unicodedata.normalize("NFD", "Không biết")
    for sheet_row, column, value in ((2, "B1", " không biết "), (3, "B2", nfd), (4, "C1", "KB"),
                                     (5, "C2", "99"), (6, "B1", "99,0"), (7, "C1", "N/A"),
                                     (8, "C2", "#N/A"), (9, "B2", "  ")):
        set_cell(rows, sheet_row, column, value)
    write_csv("missing_configured.csv", rows)
    write_csv("likert_out_of_range.csv",
              set_cell(set_cell(base_rows(), 3, "B1", "7"), 6, "C1", "0"))
    write_csv("weight_negative.csv", set_cell(base_rows(), 4, "Trọng số", "-1"))
    rows = base_rows()
    for r in rows[1:]:
        r[COL["Trọng số"]] = "0"
    write_csv("weight_zero_sum.csv", rows)
    write_csv("weight_nan.csv", set_cell(set_cell(base_rows(), 3, "Trọng số", "NaN"), 5,
                                         "Trọng số", ""))
    write_csv("weight_text.csv", set_cell(base_rows(), 6, "Trọng số", "một"))
    write_csv("weight_decimal_comma.csv", set_cell(base_rows(), 6, "Trọng số", "1,5"))
    rows = base_rows()
    rows.append(["13", "DN04", "Sở Mới", "", "1", "3", "3", "3", "3"])
    rows.append(["14", "DN05", "Sở Mới", "", "1", "4", "4", "4", "4"])
    write_csv("unit_no_block.csv", rows)
    rows = base_rows()
    rows.append(["13", "DN04", "Sở Công Thương", "Khối Sở, ban, ngành", "1", "3", "3", "3", "3"])
    rows.append(["14", "DN05", "Sở Công Thương", "Khối Sở, ban, ngành", "1", "4", "4", "4", "4"])
    write_csv("unit_unlisted.csv", rows)
    rows = base_rows()
    rows.append(["13", "DN04", "Sở Mới", "Khối Sở, ban, ngành", "1", "3", "3", "3", "3"])
    rows.append(["14", "DN05", "Sở Mới", "Khối quận, huyện", "1", "4", "4", "4", "4"])
    write_csv("unit_two_blocks.csv", rows)
    rows = base_rows()
    rows.append(["13", "DN04", "Phường Mới", "Khối doanh nghiệp", "1", "3", "3", "3", "3"])
    write_csv("block_unknown.csv", rows)
    write_csv("missing_unit.csv", set_cell(base_rows(), 8, "Đơn vị", ""))
    rows = base_rows()
    write_csv("duplicate_evaluation.csv", rows + [rows[3]])
    rows = [r for r in base_rows() if r[COL["Đơn vị"]] != "Sở Xây dựng"]
    write_csv("single_eligible_unit.csv", rows)
    rows = base_rows()
    for r in rows[1:]:
        r[COL["C1"]] = ""
    write_csv("empty_indicator.csv", rows)
    rows = base_rows()
    for r in rows[1:]:
        r[COL["B1"]] = "3"
    write_csv("constant_indicator.csv", rows)
    rows = base_rows()
    for r in rows[1:]:
        if r[COL["Đơn vị"]] == "Sở Tài chính":
            r[COL["C2"]] = "0"
    write_csv("geometric_zero.csv", rows)
    rows = set_cell(base_rows(), 3, "B1", "inf")
    write_csv("nan_inf.csv", set_cell(set_cell(rows, 4, "C1", "-Infinity"), 5, "B2", "NaN"))
    write_csv("percent_text.csv", set_cell(set_cell(base_rows(), 6, "C2", "45%"), 9, "C2",
                                           "1.234,5"))
    write_csv("formula_text.csv", set_cell(base_rows(), 10, "B1", "=2+2"))
    write_csv("cp1258.csv", base_rows(), encoding="cp1258")
    write_csv("utf16.csv", base_rows(), encoding="utf-16")
    write_csv("semicolon_decimal_comma.csv",
              [[v.replace(".", ",") for v in r] for r in base_rows()], delimiter=";")
    (HERE / "bom_crlf.csv").write_bytes(b"\xef\xbb\xbf" + csv_text(base_rows()).encode())
    lines = csv_text(base_rows(), ";").splitlines(keepends=True)
    lines[5] = lines[5].replace(";", ",")
    lines[9] = lines[9].replace(";", ",")
    (HERE / "mixed_delimiters.csv").write_text("".join(lines), encoding="utf-8")
    rows = base_rows()
    for n, r in enumerate(rows[1:]):
        r[COL["Đơn vị"]] = str(101 + n % 4)
        r[COL["Khối"]] = "Khối quận, huyện"
    write_csv("numeric_units.csv", rows)
    (HERE / "binary.csv").write_bytes(bytes(range(256)) * 4)
    write_csv("totals_row.csv", base_rows() + [["", "", "Tổng cộng", "", "", "30", "31", "32",
                                                "100"]])
    (HERE / "survey.docx").write_bytes(b"PK\x03\x04not really a document")


def write_workbooks() -> None:
    rows = base_rows()
    write_xlsx("good.xlsx", rows, title_rows=("KHẢO SÁT DDCI 2024 — Đơn vị: các sở, quận, "
                                              "huyện", ""))
    (HERE / "empty.xlsx").write_bytes(b"")
    write_xlsx("empty_sheet.xlsx", [])
    write_xlsx("header_only.xlsx", rows[:1])
    write_xlsx("header_row_35.xlsx", rows, title_rows=[f"ghi chú {i}" for i in range(34)])
    write_xlsx("header_row_25.xlsx", rows, title_rows=[f"ghi chú {i}" for i in range(24)])

    def merge_title(ws, offset):
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=9)
    write_xlsx("merged_title.xlsx", rows, title_rows=("BẢNG TỔNG HỢP",), edit=merge_title)

    def merge_units(ws, offset):
        # sorted by unit: rows of one unit are consecutive and the unit cell is merged
        data = sorted(rows[1:], key=lambda r: r[COL["Đơn vị"]])
        for i, r in enumerate(data):
            for j, v in enumerate(r):
                ws.cell(offset + 2 + i, j + 1).value = numeric(v)
        for start in range(0, len(data), 3):
            top = offset + 2 + start
            for k in (1, 2):
                ws.cell(top + k, COL["Đơn vị"] + 1).value = None
            ws.merge_cells(start_row=top, start_column=COL["Đơn vị"] + 1, end_row=top + 2,
                           end_column=COL["Đơn vị"] + 1)
    write_xlsx("merged_units.xlsx", rows, edit=merge_units)

    def merge_data(ws, offset):
        for k in (1, 2):
            ws.cell(offset + 4 + k, COL["B1"] + 1).value = None
        ws.merge_cells(start_row=offset + 4, start_column=COL["B1"] + 1, end_row=offset + 6,
                       end_column=COL["B1"] + 1)
    write_xlsx("merged_data.xlsx", rows, edit=merge_data)

    def dates(ws, offset):
        ws.cell(offset + 5, COL["B1"] + 1).value = dt.date(2024, 3, 1)
    write_xlsx("dates_in_numeric.xlsx", rows, edit=dates)

    def booleans(ws, offset):
        ws.cell(offset + 6, COL["C1"] + 1).value = True
    write_xlsx("bool_in_numeric.xlsx", rows, edit=booleans)

    def text_cell(ws, offset):
        ws.cell(offset + 5, COL["B1"] + 1).value = "bốn"
    write_xlsx("text_in_numeric.xlsx", rows, edit=text_cell)

    def inf_nan(ws, offset):
        ws.cell(offset + 3, COL["B1"] + 1).value = "__INF__"
        ws.cell(offset + 4, COL["C1"] + 1).value = "__NAN__"
        ws.cell(offset + 5, COL["Trọng số"] + 1).value = "__BIG__"
    path = write_xlsx("nan_inf.xlsx", rows, edit=inf_nan)
    for marker, body in (("__INF__", 't="n"><v>inf</v>'), ("__NAN__", 't="n"><v>NaN</v>'),
                         ("__BIG__", 't="n"><v>1e400</v>')):
        rewrite_member(path, "xl/worksheets/sheet1.xml", cell_xml(marker, body))

    def error_cells(ws, offset):
        ws.cell(offset + 3, COL["B1"] + 1).value = "__DIV0__"
    path = write_xlsx("error_cells.xlsx", rows, edit=error_cells)
    rewrite_member(path, "xl/worksheets/sheet1.xml",
                   cell_xml("__DIV0__", 't="e"><f>1/0</f><v>#DIV/0!</v>'))

    def formulas(ws, offset):
        ws.cell(offset + 3, COL["C2"] + 1).value = "=2*5"
        ws.cell(offset + 4, COL["Trọng số"] + 1).value = "=3/2"
    write_xlsx("formula_uncached.xlsx", rows, edit=formulas)
    with tempfile.TemporaryDirectory() as tmp:
        src = write_xlsx("", rows, edit=formulas, target=Path(tmp) / "formula_cached.xlsx")
        out = soffice(src, "xlsx:Calc MS Excel 2007 XML", Path(tmp) / "out")
        if out:
            shutil.copy(out, HERE / "formula_cached.xlsx")
        src = write_xlsx("", rows, title_rows=("KHẢO SÁT DDCI 2024",),
                         target=Path(tmp) / "good.xlsx")
        for fmt, name in (("xls", "good.xls"), ("ods", "good.ods")):
            out = soffice(src, fmt, Path(tmp) / "out")
            if out:
                shutil.copy(out, HERE / name)

    def cover_sheet_first(ws, offset):
        cover = ws.parent.create_sheet("Hướng dẫn", 0)
        cover.append(["Hướng dẫn điền phiếu"])
        cover.append(["Đơn vị: ghi tên đầy đủ của sở, quận, huyện"])
    write_xlsx("second_sheet.xlsx", rows, edit=cover_sheet_first)

    def group_header(ws, offset):
        ws.cell(1, COL["B1"] + 1).value = "Tính minh bạch"
        ws.cell(1, COL["C1"] + 1).value = "Chi phí thời gian"
        ws.merge_cells(start_row=1, start_column=COL["B1"] + 1, end_row=1,
                       end_column=COL["B2"] + 1)
        ws.merge_cells(start_row=1, start_column=COL["C1"] + 1, end_row=1,
                       end_column=COL["C2"] + 1)
    write_xlsx("two_row_header.xlsx", rows, title_rows=("",), edit=group_header)

    good = (HERE / "good.xlsx").read_bytes()
    (HERE / "workbook_named.csv").write_bytes(good)
    (HERE / "truncated.xlsx").write_bytes(good[: len(good) // 2])
    (HERE / "text_renamed.xlsx").write_text(csv_text(rows), encoding="utf-8")
    if (HERE / "good.xls").exists():
        shutil.copy(HERE / "good.xls", HERE / "xls_renamed.xlsx")
    write_encrypted(HERE / "good.xlsx", HERE / "encrypted.xlsx")
    shutil.copy(HERE / "good.xlsx", HERE / "far_cell.xlsx")
    rewrite_member(HERE / "far_cell.xlsx", "xl/worksheets/sheet1.xml", lambda x: x.replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>'
        "</sheetData>"))
    shutil.copy(HERE / "good.xlsx", HERE / "no_cell_refs.xlsx")
    rewrite_member(HERE / "no_cell_refs.xlsx", "xl/worksheets/sheet1.xml",
                   lambda x: re.sub(r'(<(?:c|row)\b[^>]*?) r="[A-Z]*[0-9]+"', r"\1", x))
    if (HERE / "good.ods").exists():
        write_ods_repeat_bomb(HERE / "good.ods", HERE / "repeat_bomb.ods")
    write_billion_laughs(HERE / "good.xlsx", HERE / "billion_laughs.xlsx")
    write_parquet(rows)


def write_parquet(rows) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = {name: [numeric(r[j]) for r in rows[1:]] for j, name in enumerate(rows[0])}
    pq.write_table(pa.table(cols), HERE / "good.parquet")
    data = (HERE / "good.parquet").read_bytes()
    (HERE / "truncated.parquet").write_bytes(data[: len(data) // 3])


def soffice(src: Path, fmt: str, outdir: Path) -> Path | None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        print(f"soffice not found: {src.name} → {fmt} skipped", file=sys.stderr)
        return None
    profile = Path(tempfile.gettempdir()) / "ddci_corpus_lo_profile"
    subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", fmt, "--outdir", str(outdir), str(src)],
                   check=True, capture_output=True, timeout=120)
    out = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    return out if out.exists() else None


def write_encrypted(src: Path, target: Path) -> None:
    """An agile-encrypted workbook (password 'secret'), or an OLE container naming the
    encryption streams when msoffcrypto-tool is not installed."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile

        out = io.BytesIO()
        with src.open("rb") as fh:
            OOXMLFile(fh).encrypt("secret", out)
        target.write_bytes(out.getvalue())
    except ImportError:
        target.write_bytes(minimal_ole(["EncryptionInfo", "EncryptedPackage"]))


def minimal_ole(stream_names: list[str]) -> bytes:
    """A 512-byte-sector compound file header plus a directory sector naming the streams."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 24, 0x3E, 3, 0xFFFE, 9)
    struct.pack_into("<H", header, 32, 6)
    struct.pack_into("<IIII", header, 44, 1, 0, 0, 0x1000)
    header[76:512] = b"\xff" * 436
    struct.pack_into("<I", header, 76, 1)
    fat = bytearray(b"\xff" * 512)
    struct.pack_into("<II", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE)
    directory = bytearray(512)
    for n, name in enumerate(["Root Entry", *stream_names][:4]):
        encoded = name.encode("utf-16-le") + b"\0\0"
        entry = n * 128
        directory[entry:entry + len(encoded)] = encoded
        struct.pack_into("<HB", directory, entry + 64, len(encoded), 5 if n == 0 else 2)
    return bytes(header + fat + directory)


def write_ods_repeat_bomb(src: Path, target: Path) -> None:
    """The first data row repeated a million times, its first cell a thousand times."""
    shutil.copy(src, target)

    def change(xml: str) -> str:
        rows = list(re.finditer(r"<table:table-row[^>]*>.*?</table:table-row>", xml))
        row = rows[2].group(0)
        bomb = row.replace("<table:table-row ", '<table:table-row '
                           'table:number-rows-repeated="1000000" ', 1)
        bomb = bomb.replace("<table:table-cell ", '<table:table-cell '
                            'table:number-columns-repeated="1000" ', 1)
        return xml.replace(row, bomb, 1)
    rewrite_member(target, "content.xml", change)


def write_billion_laughs(src: Path, target: Path) -> None:
    entities = "".join(f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "lol") * 10}">'
                       for i in range(1, 10))
    doctype = f'<!DOCTYPE lolz [{entities}]>'
    shutil.copy(src, target)

    def change(xml: str) -> str:
        xml = xml.replace("?>", "?>" + doctype, 1) if xml.startswith("<?xml") else doctype + xml
        return xml.replace("<t>STT</t>", "<t>&lol9;</t>", 1)
    rewrite_member(target, "xl/worksheets/sheet1.xml", change)


# ---------------------------------------------------------------- zip bombs (run time)

def write_zip_bomb(target: Path, inflated_mb: int = 220, declared_size: int | None = None,
                   template: Path = HERE / "good.xlsx") -> Path:
    """A workbook whose sheet XML inflates to ``inflated_mb`` MB of valid rows. With
    ``declared_size`` the zip headers lie and claim that many bytes instead."""
    with zipfile.ZipFile(template) as zin:
        members = [(i.filename, zin.read(i)) for i in zin.infolist()]
    row = b'<row><c t="n"><v>1</v></c><c t="n"><v>2</v></c><c t="n"><v>3</v></c></row>'
    block = row * (1024 * 1024 // len(row))
    head = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    tail = b"</sheetData></worksheet>"

    def bomb_chunks():
        yield head
        for _ in range(inflated_mb):
            yield block
        yield tail

    entries = []
    with target.open("wb") as out:
        for name, data in members:
            chunks = bomb_chunks() if name == "xl/worksheets/sheet1.xml" else iter([data])
            entries.append(_zip_member(out, name, chunks, declared_size if
                                       name == "xl/worksheets/sheet1.xml" else None))
        _zip_directory(out, entries)
    return target


def _zip_member(out, name: str, chunks, declared: int | None):
    offset = out.tell()
    encoded = name.encode()
    out.write(b"\0" * (30 + len(encoded)))
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc, size, csize = 0, 0, 0
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        data = comp.compress(chunk)
        csize += len(data)
        out.write(data)
    data = comp.flush()
    csize += len(data)
    out.write(data)
    end = out.tell()
    size = size if declared is None else declared
    out.seek(offset)
    out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, csize, size,
                          len(encoded), 0) + encoded)
    out.seek(end)
    return encoded, offset, crc, csize, size


def _zip_directory(out, entries) -> None:
    start = out.tell()
    for encoded, offset, crc, csize, size in entries:
        out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc,
                              csize, size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    end = out.tell()
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                          end - start, start, 0))


def main() -> None:
    write_methods()
    write_text_surveys()
    write_workbooks()
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.is_file())
    print(f"wrote {len(list(HERE.iterdir()))} files, {total / 1024:.0f} KB, into {HERE}")


if __name__ == "__main__":
    main()
