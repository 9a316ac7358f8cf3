"""The sample report renders: LibreOffice converts it to PDF without error, with the page
count the report's layout plans (one page per scorecard and per unit of the Indicators
sheet, nothing spilling onto extra pages), and the PDF's text holds the unit names with
their diacritics and the tier labels. The workbook read back has the expected sheets,
numbers with formats, frozen panes, native charts and no formula.

Needs ``soffice`` (libreoffice-calc) and ``pdftotext`` (poppler-utils); without them the
tests skip, unless DDCI_REQUIRE_RENDER=1 (CI), where they fail. One conversion per
language.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
SHEETS = {"vi": ("Tổng hợp", "Chỉ số thành phần", "Chỉ tiêu", "Chẩn đoán", "Phương pháp",
                 "Thông tin"),
          "en": ("Summary", "Sub-indices", "Indicators", "Diagnostics", "Method", "About")}
TIERS = {"vi": ("Rất tốt", "Tốt", "Khá", "Trung bình", "Thấp"),
         "en": ("Very good", "Good", "Fair", "Average", "Low")}
pytestmark = pytest.mark.render
FOOTER = re.compile(r"^(?P<sheet>\S.*?)\s{2,}(?:Trang|Page) (?P<page>\d+) (?:/|of) (?P<of>\d+)\s*$")


def _tools() -> None:
    missing = [t for t in ("soffice", "pdftotext") if shutil.which(t) is None]
    if not missing:
        return
    reason = (f"{', '.join(missing)} not installed (apt-get install libreoffice-calc "
              "poppler-utils)")
    if os.environ.get("DDCI_REQUIRE_RENDER") == "1":
        pytest.fail(f"DDCI_REQUIRE_RENDER=1 but {reason}")
    pytest.skip(reason)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    """Per language: (workbook path, JSON document, PDF pages as text). Both reports are
    converted by one soffice run (its start-up is most of the time)."""
    _tools()
    from conftest import DdciRunner, _ddci_executable

    folder = tmp_path_factory.mktemp("render")
    runner = DdciRunner(_ddci_executable(), folder)
    survey, method = SAMPLES / "ddci_haiphong_2024.xlsx", SAMPLES / "ddci_haiphong_2024.toml"
    reports, docs = {}, {}
    for lang in ("vi", "en"):
        reports[lang] = folder / f"report_{lang}.xlsx"
        docs[lang] = runner.score(survey, method, "--lang", lang, "--scorecards",
                                  "-o", reports[lang])
    profile = folder / "lo-profile"            # a private profile: no clash with a running LO
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(folder), *map(str, reports.values())],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    out = {}
    for lang, report in reports.items():
        pdf = report.with_suffix(".pdf")
        assert proc.returncode == 0 and pdf.exists(), proc.stdout + proc.stderr
        text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
                              capture_output=True, check=True, timeout=120).stdout
        pages = text.decode("utf-8").split("\f")
        if pages and not pages[-1].strip():
            pages = pages[:-1]
        out[lang] = (report, docs[lang], pages)
    return out


@pytest.fixture(params=["vi", "en"])
def rendered(request, renders):
    """(language, workbook path, JSON document, PDF pages as text)."""
    return (request.param, *renders[request.param])


def _footer(page: str) -> tuple[str, int, int]:
    lines = [ln for ln in page.splitlines() if ln.strip()]
    match = FOOTER.match(lines[-1].strip()) if lines else None
    assert match, f"no footer on page: {lines[-1:]}"
    return _nfc(match["sheet"].strip()), int(match["page"]), int(match["of"])


def test_pdf_has_the_planned_pages(rendered):
    lang, report, doc, pages = rendered
    wb = load_workbook(report)
    planned = {ws.title: len(ws.row_breaks.brk) + 1 for ws in wb.worksheets}
    assert len(pages) == sum(planned.values())
    seen = Counter(_footer(p)[0] for p in pages)
    assert seen == Counter(planned)                    # no sheet spilled onto extra pages
    assert [_footer(p)[1:] for p in pages] == [(k, len(pages)) for k in
                                                range(1, len(pages) + 1)]
    units = [u["unit"] for u in doc["units"]]
    indicators = SHEETS[lang][2]
    assert seen[indicators] == len(units)              # one page per unit
    scorecards = wb.sheetnames[3:3 + len(units)]
    assert all(seen[name] == 1 for name in scorecards)
    assert seen[SHEETS[lang][-1]] == 1


def test_pdf_text_keeps_diacritics_and_tiers(rendered):
    lang, _, doc, pages = rendered
    text = _nfc("\n".join(pages))
    for unit in doc["units"]:
        assert _nfc(unit["unit"]) in text, unit["unit"]
    for tier in TIERS[lang]:
        assert tier in text
    summary = _nfc(pages[0])
    first = next(u for u in doc["units"] if u["rank"] == 1)
    assert _nfc(first["unit"]) in summary
    assert f"{first['composite']:.2f}" in summary


def test_workbook_structure(rendered):
    lang, report, doc, _ = rendered
    wb = load_workbook(report)
    names = wb.sheetnames
    units = [u["unit"] for u in doc["units"]]
    assert tuple(names[:3]) == SHEETS[lang][:3] and tuple(names[-3:]) == SHEETS[lang][3:]
    assert [wb[n]["A1"].value for n in names[3:-3]] == units      # scorecards, in order
    assert all(len(n) <= 31 for n in names)
    summary = wb[names[0]]
    head = next(r for r in range(1, 10) if summary.cell(r, 1).value in ("Hạng", "Rank"))
    assert summary.freeze_panes == f"A{head + 1}" and summary.auto_filter.ref
    rows = {summary.cell(r, 2).value: r for r in range(head + 1, summary.max_row + 1)}
    for unit in doc["units"]:
        r = rows[unit["unit"]]
        rank, comp, responses = (summary.cell(r, c) for c in (1, 3, 5))
        assert (rank.value, rank.number_format) == (unit["rank"], "0")
        assert isinstance(comp.value, float) and comp.number_format == "0.00"
        assert comp.value == pytest.approx(unit["composite"], abs=1e-9)
        assert isinstance(responses.value, int) and responses.value == unit["responses"]
    for name in names[:3]:
        assert wb[name].freeze_panes, name
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not re.fullmatch(r"-?\d+(\.\d+)?", cell.value.strip()), \
                        (ws.title, cell.coordinate, "number stored as text")


def test_native_charts_present(rendered):
    lang, report, doc, _ = rendered
    with zipfile.ZipFile(report) as z:
        charts = [n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        titles = " ".join(z.read(n).decode("utf-8") for n in charts)
    blocks = {u["block"] for u in doc["units"]}
    assert len(charts) == len(blocks) + len(doc["units"])     # rankings + scorecards
    assert len(re.findall(r"<(?:c:)?barChart>", titles)) == len(charts)
    assert ("điểm tổng hợp" if lang == "vi" else "composite") in titles


# ------------------------------------------------------------------ fit and fonts, all sheets
# Measured with Liberation Sans (metrics of Arial, the report's font): a text that does not
# fit its cell is clipped by the next cell, or (wrapped) by the row height.

FONTS = Path("/usr/share/fonts/truetype/liberation2")
PX_PER_POINT = 96 / 72
LINE_POINTS = 1.15                 # a wrapped line's height per point of font size


@pytest.fixture(scope="module")
def full_reports(tmp_path_factory):
    """The 2023→2024 comparison report and the sensitivity report of the samples, in
    both languages, as workbook paths."""
    from conftest import DdciRunner, _ddci_executable

    folder = tmp_path_factory.mktemp("fit")
    runner = DdciRunner(_ddci_executable(), folder)
    s23, s24 = SAMPLES / "ddci_haiphong_2023.xlsx", SAMPLES / "ddci_haiphong_2024.xlsx"
    method = SAMPLES / "ddci_haiphong_2024.toml"
    out = []
    for lang in ("vi", "en"):
        cmp, sens = folder / f"cmp_{lang}.xlsx", folder / f"sens_{lang}.xlsx"
        for args in (["compare", s23, s24, "-m", method, "-o", cmp],
                     ["sensitivity", s24, "-m", method, "--runs", "40", "-o", sens]):
            proc = runner.run(*args, "--lang", lang, "-q")
            assert proc.returncode == 0, proc.stderr
        out += [cmp, sens]
    return out


def _measure():
    from PIL import ImageFont

    faces = {}

    def width(text: str, size: float, bold: bool) -> float:
        """Pixels at 96 dpi of ``text`` in Arial-metric type."""
        key = (round(size * PX_PER_POINT), bold)
        if key not in faces:
            name = "LiberationSans-Bold.ttf" if bold else "LiberationSans-Regular.ttf"
            faces[key] = ImageFont.truetype(str(FONTS / name), key[0])
        return faces[key].getlength(text)
    return width


def _column_px(ws, col: int) -> float:
    from openpyxl.utils import get_column_letter

    width = ws.column_dimensions[get_column_letter(col)].width or 8.43
    return width * 7 + 5


def _wrapped_lines(text: str, room: float, size: float, bold: bool, width) -> int:
    lines = 0
    for part in text.split("\n"):
        line, n = "", 1
        for word in part.split():
            trial = f"{line} {word}".strip()
            if line and width(trial, size, bold) > room:
                n, line = n + 1, word
            else:
                line = trial
        lines += n
    return lines


def clipped_cells(wb) -> list[str]:
    """Texts that would not show whole: a wrapped text with a word wider than its column
    or more lines than its row holds; an unwrapped text wider than its column with a
    filled cell to its right."""
    width, bad = _measure(), []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or not cell.value.strip():
                    continue
                size, bold = float(cell.font.sz or 11), bool(cell.font.b)
                room = _column_px(ws, cell.column) - 6          # cell padding
                text = cell.value
                where = f"{ws.title}!{cell.coordinate} {text[:40]!r}"
                if cell.alignment.wrap_text:
                    longest = max(width(w, size, bold) for w in text.split())
                    lines = _wrapped_lines(text, room, size, bold, width)
                    height = ws.row_dimensions[cell.row].height or 15
                    if longest > room or lines * size * LINE_POINTS > height + 1:
                        bad.append(f"{where}: {lines} lines in {height:g} pt")
                    continue
                right = ws.cell(cell.row, cell.column + 1).value
                if right not in (None, "") and width(text, size, bold) > room:
                    bad.append(f"{where}: {width(text, size, bold):.0f} px in {room:.0f}")
    return bad


def fonts_used(wb) -> dict[str, set[str]]:
    return {ws.title: {c.font.name for row in ws.iter_rows() for c in row
                       if c.value is not None or c.has_style} for ws in wb.worksheets}


def test_no_clipped_text_on_any_sheet(full_reports):
    if not (FONTS / "LiberationSans-Regular.ttf").exists():
        pytest.skip("Liberation Sans (fonts-liberation2) not installed")
    for path in full_reports:
        wb = load_workbook(path)
        assert clipped_cells(wb) == [], path.name


def test_one_font_on_every_sheet(full_reports):
    for path in full_reports:
        wb = load_workbook(path)
        used = fonts_used(wb)
        assert all(names == {"Arial"} for names in used.values()), (path.name, used)


def test_comparison_sheet_reads_as_a_report(full_reports):
    """Translated scale, the synthetic line, no 'since the first year' columns for two
    years, a slope chart of ranks (rank 1 at the top, ends at the block's last rank)."""
    cmp_vi, cmp_en = full_reports[0], full_reports[2]
    for path, sheet, scale, alert in ((cmp_vi, "So sánh", "min–max theo từng năm",
                                       "GIẢ LẬP"),
                                      (cmp_en, "Comparison", "min–max per year", "SYNTHETIC")):
        ws = load_workbook(path)[sheet]
        top = " ".join(str(ws.cell(r, 1).value) for r in range(1, 6))
        assert scale in top and alert in top and "2023" in top and "per-year" not in top
        head = next(r for r in range(1, 10) if ws.cell(r, 2).value and "2023" in
                    str(ws.cell(r, 2).value))
        heads = [ws.cell(head, c).value for c in range(1, ws.max_column + 1)]
        assert sum("2023→2024" in str(h) for h in heads) == 2, heads    # score and rank
        with zipfile.ZipFile(path) as z:
            xml = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/")]
        slopes = [x for x in xml if "<c:lineChart>" in x or "<lineChart>" in x]
        assert len(slopes) == 2                                          # one per block
        for chart in slopes:
            assert 'orientation val="maxMin"' in chart and re.search(r'<(c:)?min val="1"', chart)
            assert not re.search(r'<(c:)?legend>', chart) and 'showSerName val="1"' in chart
