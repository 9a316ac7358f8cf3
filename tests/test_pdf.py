"""``ddci score … -o ranking.pdf``: one A4 page, every unit name with its diacritics."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
A4_POINTS = (595.0, 842.0)


def _pdftotext(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: apt-get install poppler-utils")
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         check=True)
    return unicodedata.normalize("NFC", out.stdout.decode("utf-8"))


def _page_sizes(data: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]",
                       data)
    return [(float(c) - float(a), float(d) - float(b)) for a, b, c, d in boxes]


@pytest.mark.slow
def test_ranking_pdf_through_the_command_line(ddci, tmp_path):
    survey = SAMPLES / "ddci_haiphong_2024.xlsx"
    target = tmp_path / "ranking.pdf"
    proc = ddci.run("score", survey, "-m", SAMPLES / "ddci_haiphong_2024.toml", "-o", target,
                    "-q")
    assert proc.returncode == 0, proc.stderr
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    sizes = _page_sizes(data)
    assert sizes and all(s == pytest.approx(A4_POINTS, abs=1.0) for s in sizes)
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == 1          # one page
    text = _pdftotext(target)
    from ddci_cli.pipeline import score

    scores, _ = score(survey, SAMPLES / "ddci_haiphong_2024.toml")   # canonical unit names
    names = {unicodedata.normalize("NFC", n) for n in scores.survey.units}
    assert len(names) >= 30
    missing = [n for n in names if n not in text]
    assert not missing, f"not in the PDF text: {missing}"
    assert "DỮ LIỆU GIẢ LẬP" in text                      # the synthetic-data line


def test_pdf_figure_is_one_a4_page_with_every_unit():
    from ddci_cli.pipeline import score
    from ddci_cli.report.pdf import A4_IN, ranking_pdf

    scores, _ = score(SAMPLES / "ddci_haiphong_2023.xlsx", SAMPLES / "ddci_haiphong_2023.toml")
    fig = ranking_pdf(scores, "en")
    assert tuple(fig.get_size_inches()) == pytest.approx(A4_IN)
    texts = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert set(scores.survey.units) <= texts


def test_pdf_refused_where_the_command_has_no_ranking_page(tmp_path):
    from ddci_cli.errors import UsageError
    from ddci_cli.io.write import write_formats

    with pytest.raises(UsageError, match="pdf"):
        write_formats([tmp_path / "x.pdf"], {}, lambda: [], lambda p: None)
    assert not (tmp_path / "x.pdf").exists()
