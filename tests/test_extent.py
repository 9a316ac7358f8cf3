"""The sheet-extent rule and the container scan's fast path: real surveys of any size up to
60 million cells are read, sparse rectangles are refused, cells are located the way
python-calamine locates them, and formula/error cells are found wherever the pieces of the
inflated XML happen to be cut (checked against an independent XML parse)."""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import pytest

from test_bad_inputs import BAD

from ddci_cli.survey.locate import column_letter

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"




def _with_sheet(target: Path, sheet_xml: str) -> Path:
    """good.xlsx of the corpus with its only sheet's XML replaced."""
    with zipfile.ZipFile(BAD / "good.xlsx") as src, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            out.writestr(info, data)
    return target


def _good_sheet() -> str:
    with zipfile.ZipFile(BAD / "good.xlsx") as zf:
        return zf.read("xl/worksheets/sheet1.xml").decode()


def _extra_cell(tmp: Path, name: str, cell: str) -> Path:
    """good.xlsx with ``cell`` (raw XML) added at the start of row 3."""
    xml = _good_sheet()
    row = re.search(r'<row r="3"[^>]*>', xml)
    return _with_sheet(tmp / name, xml[:row.end()] + cell + xml[row.end():])


def _scan(path: Path):
    from ddci_cli.io.container import scan_container

    scan = scan_container(path)
    member = "xl/worksheets/sheet1.xml"
    return scan, scan.extents[member], scan.present[member]


# ---------------------------------------------------------------- the rule

@pytest.mark.parametrize("rows, cols, cells, refused", [
    (100_000, 65, 6_175_000, False),     # a full survey, 5 % blank answers
    (1_000_000, 60, 57_000_000, False),  # a million evaluations: 60 million cells
    (1_000_001, 60, 60_000_060, True),   # over the absolute limit, however full
    (200_000, 702, 140_000_000, True),   # one cell at ZZ200000 of a full sheet
    (200_000, 65, 120, True),            # one stray cell at BM200000: 13 million, 120 used
    (200_000, 65, 650_000, False),       # 13 million, 1 in 20 used: still read
    (200_000, 65, 649_999, True),
    (1_999_999, 1, 3, False),            # under 2 million cells: never too sparse
    (50_002, 63, None, False),           # cells unknown (.xls before reading)
])
def test_extent_rule(rows, cols, cells, refused):
    from ddci_cli.io.extent import too_large

    assert (too_large(rows, cols, cells) is not None) is refused


def test_rule_message_says_why():
    from ddci_cli.io.extent import too_large

    assert "60,000,000" in too_large(200_000, 702, 10**9)
    assert "120 of them" in too_large(200_000, 65, 120)


# ---------------------------------------------------------------- cell locations

@pytest.mark.parametrize("cell", [
    '<c r="J40"><v>1</v></c>',
    '<c r="j40"><v>1</v></c>',          # lower case
    '<c r="J0040"><v>1</v></c>',        # leading zeros in the row
    "<c r='J40'><v>1</v></c>",          # single quotes
    '<c r = "J40"><v>1</v></c>',        # spaces around =
    '<c s="0" r="J40"><v>1</v></c>',    # reference not first
    '<c r="AB7"><v>1</v></c>',
], ids=["plain", "lower", "zeros", "quotes", "spaces", "second", "wide"])
def test_extent_is_where_calamine_puts_the_cell(tmp_path, cell):
    import python_calamine as pc

    path = _extra_cell(tmp_path, "s.xlsx", cell)
    sheet = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    _, extent, present = _scan(path)
    assert extent == (sheet.height, sheet.width)
    assert extent != (15, 9)  # the cell lies outside good.xlsx's own A1:I15
    assert present >= 120


def test_lowercase_far_cell_is_refused_before_calamine(tmp_path):
    """python-calamine reads "xfd1048576" as XFD1048576 and aborts the process trying to
    allocate the sheet; the scan must see it."""
    from test_bad_inputs import run_cli

    path = _extra_cell(tmp_path, "far.xlsx", '<c r="xfd1048576"><v>1</v></c>')
    assert _scan(path)[1] == (1_048_576, 16_384)
    code, out, err = run_cli("validate", path, "-m", BAD / "method.toml", "--json")
    assert code == 1 and '"sheet_too_large"' in out, err


@pytest.mark.parametrize("stray, refused", [("BM200000", True), ("ZZ200000", True),
                                            ("BM20000", False)])
def test_stray_cell_far_below_the_data(tmp_path, stray, refused):
    from test_bad_inputs import run_cli

    path = _extra_cell(tmp_path, "stray.xlsx", f'<c r="{stray}"><v>1</v></c>')
    code, out, err = run_cli("validate", path, "-m", BAD / "method.toml", "--json")
    assert ('"sheet_too_large"' in out) is refused, out[:2000]


def _dense_sheet(rows: int, cols: int, every: int = 1, seed: int = 7) -> str:
    """A header row, then answers 1–5 in every ``every``-th row (about 5 % blank)."""
    rng = random.Random(seed)
    letters = [column_letter(j) for j in range(cols)]
    parts = [f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">',
             "".join(f'<c r="{c}1"><v>{j}</v></c>' for j, c in enumerate(letters)), "</row>"]
    for r in range(2, rows + 1):
        if r % every and r != rows:
            continue
        cells = "".join(f'<c r="{c}{r}"><v>{rng.randint(1, 5)}</v></c>' for c in letters
                        if rng.random() > 0.05)
        parts.append(f'<row r="{r}">{cells}</row>')
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def test_large_full_sheet_is_read_and_sparse_one_refused(tmp_path):
    """33,000 × 65 = 2.1 million cells, over the point where fullness counts: read when
    full (the old limit of 5 million would still have been far), refused when only
    every 25th row holds answers."""
    from ddci_cli.io.read import _check_extent

    full = _with_sheet(tmp_path / "full.xlsx", _dense_sheet(33_000, 65))
    _, extent, present = _scan(full)
    assert extent == (33_000, 65)
    assert 0.9 * 33_000 * 65 < present < 33_000 * 65
    _check_extent(full, "Data", extent, present)  # no error

    sparse = _with_sheet(tmp_path / "sparse.xlsx", _dense_sheet(33_000, 65, every=25))
    _, extent, present = _scan(sparse)
    assert extent == (33_000, 65) and present < 33_000 * 65 / 20
    from ddci_cli.errors import InputError

    with pytest.raises(InputError, match="1 in 20"):
        _check_extent(sparse, "Data", extent, present)


# ---------------------------------------------------------------- formula and error cells

def _cells_sheet(rows: int, seed: int, prefix: str = "") -> str:
    """Rows of 12 cells, some of them formulas with and without saved results, string
    formulas, and error cells with and without formulas, in every spelling the scan
    accepts."""
    rng = random.Random(seed)
    p = prefix
    kinds = [
        '<{p}c r="{ref}"><{p}f>SUM(A1:A2)</{p}f></{p}c>',                   # no result
        '<{p}c r="{ref}"><{p}f t="shared" si="0"/><{p}v/></{p}c>',          # no result
        '<{p}c r="{ref}"><{p}f>1+1</{p}f><{p}v></{p}v></{p}c>',             # no result
        '<{p}c r="{ref}"><{p}f t="shared" si="0"/></{p}c>',                  # no result
        '<{p}c r="{ref}" t="str"><{p}f>A1&amp;""</{p}f></{p}c>',             # empty text
        '<{p}c r="{ref}"><{p}f>2*2</{p}f><{p}v>4</{p}v></{p}c>',             # saved result
        '<{p}c r="{ref}" t="e"><{p}v>#DIV/0!</{p}v></{p}c>',
        '<{p}c r="{ref}" t=\'e\'><{p}f>1/0</{p}f><{p}v>#N/A</{p}v></{p}c>',
        '<{p}c r="{ref}" s="1" t = "e"><{p}v>#VALUE!</{p}v></{p}c>',
    ]
    out = [f'<{p}worksheet xmlns{":" + p[:-1] if p else ""}="{MAIN_NS}"><{p}sheetData>']
    for r in range(1, rows + 1):
        cells = []
        for j in range(12):
            ref = f"{column_letter(j)}{r}"
            if rng.random() < 0.03:
                cells.append(rng.choice(kinds).format(p=p, ref=ref))
            else:
                cells.append(f'<{p}c r="{ref}"><{p}v>{rng.randint(1, 5)}</{p}v></{p}c>')
        out.append(f'<{p}row r="{r}">{"".join(cells)}</{p}row>')
    out.append(f"</{p}sheetData></{p}worksheet>")
    return "".join(out)


def _expected_cells(sheet_xml: str) -> tuple[list, list]:
    """(formula cells without a result, error cells) by a plain XML parse."""
    from defusedxml import ElementTree

    blanks, errors = [], []
    for c in ElementTree.fromstring(sheet_xml).iter(f"{{{MAIN_NS}}}c"):
        letters, row = re.fullmatch(r"([A-Z]+)([0-9]+)", c.get("r")).groups()
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        f, v = c.find(f"{{{MAIN_NS}}}f"), c.find(f"{{{MAIN_NS}}}v")
        if c.get("t") == "e":
            errors.append((int(row) - 1, col - 1, v.text))
        elif f is not None and (v is None or not (v.text or "").strip()) and c.get("t") != "str":
            blanks.append((int(row) - 1, col - 1))
    return blanks, errors


@pytest.mark.parametrize("prefix", ["", "x:"], ids=["plain", "prefixed"])
def test_formula_and_error_cells_across_piece_boundaries(tmp_path, monkeypatch, prefix):
    """Inflated in 4 kB pieces, so hundreds of cells straddle a cut."""
    from ddci_cli.io import container

    monkeypatch.setattr(container, "CHUNK", 4096)
    xml = _cells_sheet(3_000, seed=11, prefix=prefix)
    blanks, errors = _expected_cells(xml)
    assert len(blanks) > 300 and len(errors) > 200
    scan, extent, present = _scan(_with_sheet(tmp_path / "cells.xlsx", xml))
    member = "xl/worksheets/sheet1.xml"
    assert scan.extents  # sized by the fast path, or (prefixed cells) by the walk
    assert scan.formula_blanks[member] == blanks
    assert scan.error_cells[member] == errors
    assert extent == (3_000, 12) and present == 36_000


@pytest.mark.parametrize("stray", ["Z5000", "T90000", "z5000", "T0090000"])
def test_cell_out_of_order_in_a_long_sheet(tmp_path, stray):
    """A cell beyond the rows or columns around it, in the middle of a 3 MB sheet (far
    from where pieces are cut and from the last rows): python-calamine's own size."""
    import python_calamine as pc

    xml = _dense_sheet(10_000, 20)
    middle = xml.index('<row r="5000">')
    xml = xml[:middle + 14] + f'<c r="{stray}"><v>1</v></c>' + xml[middle + 14:]
    path = _with_sheet(tmp_path / "long.xlsx", xml)
    sheet = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    assert _scan(path)[1] == (sheet.height, sheet.width) != (10_000, 20)
