"""Limits of what a workbook may expand to (SPEC §5 "Limits"): declared counts the reader
reserves memory from (a shared-string table's uniqueCount), OpenDocument repeat counts in
every spelling XML allows, budgets that follow the memory actually left, and merged
ranges handled in linear time. Every hostile file is built here, at test time."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from test_bad_inputs import BAD, run_cli

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _xlsx(target: Path, sst: str | None = None, sheet=None) -> Path:
    """good.xlsx of the corpus, with a shared-string table ``sst`` and/or its sheet XML
    changed by ``sheet(xml) -> xml``."""
    with zipfile.ZipFile(BAD / "good.xlsx") as src, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if sst is not None and info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                    b'ContentType="application/vnd.openxmlformats-officedocument'
                                    b'.spreadsheetml.sharedStrings+xml"/></Types>')
            if sst is not None and info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", f'<Relationship Id="rIdSst" Type="'
                                    f'{SST_TYPE}" Target="sharedStrings.xml"/>'
                                    "</Relationships>".encode())
            if sheet is not None and info.filename == "xl/worksheets/sheet1.xml":
                data = sheet(data.decode()).encode()
            out.writestr(info, data)
        if sst is not None:
            out.writestr("xl/sharedStrings.xml", sst)
    return target


def _sst(root_attrs: str, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns{":" + prefix if prefix else ""}="{MAIN_NS}"'
    return f"<{p}sst {xmlns} {root_attrs}><{p}si><{p}t>a</{p}t></{p}si></{p}sst>"


def _codes(out: str) -> list[str]:
    return [p["code"] for p in json.loads(out)["problems"]]


def _env() -> dict:
    return dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8")


# ---------------------------------------------------------------- shared strings

def test_shared_strings_bomb_is_refused_by_the_real_command(tmp_path):
    """A 5.8 kB xlsx declaring four billion shared texts: python-calamine reserves 96 GB
    for them and aborts the process (exit 134, a Rust backtrace) unless ddci refuses it."""
    bomb = _xlsx(tmp_path / "sst_bomb.xlsx", _sst('count="1" uniqueCount="4000000000"'))
    assert bomb.stat().st_size < 8000
    proc = subprocess.run([str(Path(sys.executable).parent / "ddci"), "score", str(bomb),
                           "-m", str(BAD / "method.toml"), "--json"],
                          capture_output=True, text=True, timeout=120, env=_env())
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert _codes(proc.stdout) == ["too_large"]
    problem = json.loads(proc.stdout)["problems"][0]
    assert problem["file"].endswith("sst_bomb.xlsx")
    assert "uniqueCount" in problem["message"] and "4,000,000,000" in problem["message"]
    assert "Traceback" not in proc.stderr and "panicked" not in proc.stderr


@pytest.mark.parametrize("attrs, prefix", [
    ("uniqueCount='4000000000'", ""),             # single quotes
    ('uniqueCount = "4000000000"', ""),           # white space around =
    ('uniqueCount="&#52;000000000"', ""),         # a character reference
    ('uniqueCount="0004000000000"', ""),          # leading zeros
    ('uniqueCount="4000000000"', "x"),            # a prefixed root element
    ('count="1" uniqueCount="99999999999999999999999999"', ""),  # beyond any integer type
], ids=["quotes", "spaces", "charref", "zeros", "prefix", "huge"])
def test_every_spelling_of_unique_count_is_read(tmp_path, attrs, prefix):
    from ddci_cli.errors import InputError
    from ddci_cli.io.container import scan_container

    path = _xlsx(tmp_path / "s.xlsx", _sst(attrs, prefix))
    with pytest.raises(InputError) as caught:
        scan_container(path)
    assert [p.code for p in caught.value.report.problems] == ["too_large"]


def test_true_counts_and_large_reference_counts_are_read(tmp_path):
    """``count`` (references to the texts) is not reserved from: a large one is fine, and
    so is a true uniqueCount."""
    path = _xlsx(tmp_path / "ok.xlsx", _sst('count="4000000000" uniqueCount="1"'))
    code, out, err = run_cli("validate", path, "-m", BAD / "method.toml", "--json")
    assert code == 0, out + err


def test_unique_count_is_refused_only_beyond_the_memory_left(tmp_path, monkeypatch):
    """The same declaration is refused or read depending on the memory the process has:
    1,000,000 texts reserve 24 MB."""
    from ddci_cli.io import declared

    tag = b'<sst uniqueCount="1000000">'
    monkeypatch.setattr(declared, "available_bytes", lambda: 100 * 1024**2)
    assert declared.shared_strings_problem(tag, 20_000_000) is None
    monkeypatch.setattr(declared, "available_bytes", lambda: 10 * 1024**2)
    why = declared.shared_strings_problem(tag, 20_000_000)
    assert "1,000,000 distinct texts" in why and "false" not in why
    assert "hold at most 1,111" in declared.shared_strings_problem(tag, 10_000)


# ---------------------------------------------------------------- OpenDocument repeats

def _ods(target: Path, row_attr: str, ns_decl: str = "") -> Path:
    """good.ods with its third row repeated by ``row_attr`` (written as given)."""
    with zipfile.ZipFile(BAD / "good.ods") as src, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "content.xml":
                xml = data.decode()
                rows = list(re.finditer(r"<table:table-row[^>]*>.*?</table:table-row>", xml))
                row = rows[2].group(0)
                xml = xml.replace(row, row.replace("<table:table-row ",
                                                   f"<table:table-row {row_attr} ", 1), 1)
                if ns_decl:
                    xml = xml.replace("<office:document-content ",
                                      f"<office:document-content {ns_decl} ", 1)
                data = xml.encode()
            out.writestr(info, data, compress_type=info.compress_type)
    return target


TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


@pytest.mark.parametrize("attr, ns", [
    ('table:number-rows-repeated="1000000"', ""),
    ("table:number-rows-repeated='1000000'", ""),
    ('table:number-rows-repeated="+1000000"', ""),
    ('table:number-rows-repeated = "1000000"', ""),
    ('table:number-rows-repeated="0000000000000001000000"', ""),
    ('table:number-rows-repeated="&#49;000000"', ""),
    ('t:number-rows-repeated="1000000"', f'xmlns:t="{TABLE_NS}"'),
], ids=["plain", "quotes", "plus", "spaces", "zeros", "charref", "prefix"])
def test_ods_repeat_in_any_spelling_counts(tmp_path, attr, ns):
    from ddci_cli.io.container import scan_container

    scan = scan_container(_ods(tmp_path / "r.ods", attr, ns))
    rows, cols = scan.extents["Data"]
    assert rows > 1_000_000 and cols >= 9


def test_ods_repeat_columns_in_any_spelling_counts(tmp_path):
    from ddci_cli.io.extent import OdsRows

    walker = OdsRows()
    walker.see(b'<table:table table:name=\'S\'><table:table-row><table:table-cell '
               b"table:number-columns-repeated = '5000' office:value-type='float'/>"
               b'<t:table-cell t:number-columns-repeated="+7" office:value-type="float"/>'
               b"</table:table-row>")
    assert walker.finish() == {"S": (1, 5007)}


def test_single_quoted_ods_bomb_is_refused_before_it_is_expanded(tmp_path):
    """Refused before python-calamine expands the million rows (gigabytes), not after."""
    from test_safety import MAX_RSS_MB, _run_measured

    path = _ods(tmp_path / "q.ods", "table:number-rows-repeated='1000000'")
    code, out, err, seconds, rss = _run_measured("validate", path, "-m", BAD / "method.toml",
                                                 "--json")
    assert code == 1 and _codes(out) == ["sheet_too_large"], out[:2000] + err
    assert rss < MAX_RSS_MB, f"peak RSS {rss:.0f} MB"


# ---------------------------------------------------------------- memory budgets

def test_memory_left_is_the_least_ceiling(monkeypatch):
    from ddci_cli.io import memory

    monkeypatch.setattr(memory, "_mem_available", lambda: 8 * 1024**3)
    monkeypatch.setattr(memory, "_cgroup_room", lambda: None)
    monkeypatch.setattr(memory, "_address_space_room", lambda: None)
    assert memory.available_bytes() == 8 * 1024**3
    monkeypatch.setattr(memory, "_cgroup_room", lambda: 2 * 1024**3)
    assert memory.available_bytes() == 2 * 1024**3
    monkeypatch.setattr(memory, "_address_space_room", lambda: -5)  # already over ulimit -v
    assert memory.available_bytes() == 0
    for name in ("_mem_available", "_cgroup_room", "_address_space_room"):
        monkeypatch.setattr(memory, name, lambda: None)
    assert memory.available_bytes() == memory.FALLBACK


def test_address_space_room_follows_ulimit_v(monkeypatch):
    import resource

    from ddci_cli.io import memory

    monkeypatch.setattr(resource, "getrlimit", lambda what: (1_500_000 * 1024,
                                                             resource.RLIM_INFINITY))
    monkeypatch.setattr(memory, "_mapped_bytes", lambda: 400 * 1024**2)
    assert memory._address_space_room() == 1_500_000 * 1024 - 400 * 1024**2
    monkeypatch.setattr(resource, "getrlimit", lambda what: (resource.RLIM_INFINITY,) * 2)
    assert memory._address_space_room() is None


@pytest.mark.parametrize("layout", ["v2", "v1", "unlimited"])
def test_cgroup_room(tmp_path, monkeypatch, layout):
    from ddci_cli.io import memory

    if layout == "v2":
        (tmp_path / "memory.max").write_text("3221225472\n")
        (tmp_path / "memory.current").write_text("1073741824\n")
    elif layout == "v1":
        (tmp_path / "memory.limit_in_bytes").write_text("3221225472\n")
        (tmp_path / "memory.usage_in_bytes").write_text("1073741824\n")
    else:
        (tmp_path / "memory.max").write_text("max\n")
        (tmp_path / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    monkeypatch.setattr(memory, "_cgroup_dirs", lambda: [tmp_path])
    assert memory._cgroup_room() == (None if layout == "unlimited" else 2 * 1024**3)


def test_real_ceilings_are_read_here():
    from ddci_cli.io import memory

    if not Path("/proc/meminfo").exists():
        pytest.skip("no /proc on this system")
    before = memory._mem_available()
    got = memory.available_bytes()
    after = memory._mem_available()
    assert 0 < before and 0 < after
    # other processes take and give memory between the readings
    assert 0 < got <= 1.25 * max(before, after)


def test_inflate_budget_scales_with_memory(monkeypatch):
    """A 1M-row workbook (~1.5 GB of sheet XML) is inflated on a machine that has the
    memory, not refused at a fixed 512 MB; the budget never falls below 512 MB."""
    from ddci_cli.io import container, memory

    monkeypatch.setattr(memory, "available_bytes", lambda: 12 * 1024**3)
    assert container._budget() == 12 * 1024**3
    monkeypatch.setattr(memory, "available_bytes", lambda: 100 * 1024**2)
    assert container._budget() == 512 * 1024**2


def _numbers_sheet(rows: int, cols: int = 9) -> str:
    """good.xlsx's header rows, then ``rows`` rows of digits (compressible about 10:1)."""
    def change(xml: str) -> str:
        rng = np.random.default_rng(3)
        letters = "ABCDEFGHI"[:cols]
        body = "".join(f'<row r="{r}">' + "".join(
            f'<c r="{c}{r}"><v>{v}</v></c>' for c, v in zip(letters, rng.integers(1, 6, cols)))
            + "</row>" for r in range(16, 16 + rows))
        return xml.replace("</sheetData>", body + "</sheetData>", 1)
    return change


def test_workbook_larger_than_memory_left_is_too_large(tmp_path, monkeypatch):
    from ddci_cli.io import memory

    path = _xlsx(tmp_path / "big.xlsx", sheet=_numbers_sheet(40_000))  # ~15 MB of XML
    monkeypatch.setattr(memory, "MIN_INFLATE", 1024**2)
    monkeypatch.setattr(memory, "available_bytes", lambda: 8 * 1024**2)
    code, out, err = run_cli("validate", path, "-m", BAD / "method.toml", "--json")
    assert code == 1 and _codes(out) == ["too_large"], out[:2000]
    assert "memory left" in json.loads(out)["problems"][0]["message"]


def test_sheet_whose_cells_do_not_fit_is_too_large(tmp_path, monkeypatch):
    """The cells a sheet spans × 150 bytes must fit in the memory left: refused before the
    reader allocates them (with more memory, the same file is read)."""
    from ddci_cli.io import memory

    path = _xlsx(tmp_path / "cells.xlsx", sheet=_numbers_sheet(2_000))
    monkeypatch.setattr(memory, "available_bytes", lambda: 1024**2)  # 6,990 cells
    code, out, err = run_cli("validate", path, "-m", BAD / "method.toml", "--json")
    assert code == 1 and _codes(out) == ["too_large"], out[:2000]
    problem = json.loads(out)["problems"][0]
    assert problem["sheet"] == "Data" and problem["value"] == 2015 * 9
    monkeypatch.setattr(memory, "available_bytes", lambda: 64 * 1024**2)
    code, out, err = run_cli("validate", path, "-m", BAD / "method.toml", "--json")
    assert "too_large" not in _codes(out)


def _wide_survey_xml(rows: int, cols: int = 50) -> bytes:
    """Sheet XML of ``rows`` answer rows × ``cols`` numeric columns (header row 1)."""
    from ddci_cli.survey.locate import column_letter

    letters = [column_letter(j) for j in range(cols)]
    head = "".join(f'<c r="{c}1" t="inlineStr"><is><t>Q{j}</t></is></c>'
                   for j, c in enumerate(letters))
    template = "".join(f'<c r="{c}{{0}}"><v>{j % 5 + 1}</v></c>' for j, c in enumerate(letters))
    parts = [f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">{head}</row>']
    parts += [f'<row r="{r}">' + template.format(r) + "</row>" for r in range(2, rows + 2)]
    parts.append("</sheetData></worksheet>")
    return "".join(parts).encode()


@pytest.mark.slow
def test_200k_rows_under_ulimit_v_is_refused_not_aborted(tmp_path):
    """Under ``ulimit -v 1500000`` python-calamine cannot hold 200,000 × 50 cells and would
    abort the process; ddci refuses the file with ``too_large`` instead."""
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(BAD / "good.xlsx") as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = _wide_survey_xml(200_000)
            out.writestr(info, data)
    ddci = Path(sys.executable).parent / "ddci"
    proc = subprocess.run(["bash", "-c", f'ulimit -v 1500000 && exec "{ddci}" validate '
                           f'"{path}" -m "{BAD / "method.toml"}" --json'],
                          capture_output=True, text=True, timeout=300, env=_env())
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert _codes(proc.stdout) == ["too_large"]
    assert "Traceback" not in proc.stderr and "memory allocation" not in proc.stderr


# ---------------------------------------------------------------- merged ranges

def _merges(refs: list[str]):
    block = f'<mergeCells count="{len(refs)}">' + "".join(
        f'<mergeCell ref="{r}"/>' for r in refs) + "</mergeCells>"
    return lambda xml: xml.replace("</sheetData>", "</sheetData>" + block, 1)


def test_merges_as_wide_as_the_sheet_take_linear_time(tmp_path):
    """5,000 ranges A20:XFD20 … (each 16,384 columns wide) took 20 s when every column of
    every range was visited; the layout check must not depend on their width."""
    path = _xlsx(tmp_path / "wide.xlsx",
                 sheet=_merges([f"A{20 + i}:XFD{20 + i}" for i in range(5_000)]))
    run_cli("validate", BAD / "good.xlsx", "-m", BAD / "method.toml", "--json")  # imports
    start = time.perf_counter()
    code, out, err = run_cli("validate", path, "-m", BAD / "method.toml", "--json")
    seconds = time.perf_counter() - start
    assert code == 0, out[:2000] + err
    assert seconds < 2.5, f"{seconds:.1f} s"


def _fill_reference(column: list, merged, j: int, first: int) -> list:
    """The fill-down rule written plainly (quadratic): each range in order, every blank row
    inside it takes the value of the range's top row."""
    column = list(column)
    for r0, c0, r1, c1 in merged:
        if c0 <= j <= c1 and r1 >= first and 0 <= r0 - first < len(column):
            value = column[r0 - first]
            for r in range(r0 - first + 1, min(r1 - first + 1, len(column))):
                if column[r] in ("", None) and value not in ("", None):
                    column[r] = value
    return column


def test_overlapping_merges_fill_as_the_plain_rule_and_in_linear_time():
    from ddci_cli.survey.locate import _fill_merged

    rng = np.random.default_rng(11)
    n = 3_000
    values = [None if rng.random() < 0.7 else f"u{i}" for i in range(n)]
    merged = [(int(a), 2, int(a + rng.integers(0, 400)), 2) for a in rng.integers(3, n, 600)]
    merged += [(3, 0, n + 10, 5)] + [(r, 2, r + 1, 2) for r in range(3, n, 7)]
    column = np.array(values, dtype=object)
    _fill_merged(column, merged, [2], 3)
    assert list(column) == _fill_reference(values, merged, 2, 3)
    # 20,000 ranges each spanning 20,000 rows: 4·10^8 row visits for the plain rule
    big = np.array([None] * 20_000, dtype=object)
    big[0] = "x"
    start = time.perf_counter()
    _fill_merged(big, [(0, 0, 20_000, 0)] * 20_000, [0], 0)
    assert time.perf_counter() - start < 1.0 and all(v == "x" for v in big)
