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
