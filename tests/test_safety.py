"""Safety of reading and writing, through the real console script where a process matters:
decompression bombs (honest and lying zip headers) in bounded memory and time, XML entities
never expanded, formula-like texts written inert, atomic outputs, Ctrl-C (exit 130, no
partial file) and a closed stdout pipe (exit 141, no traceback)."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from test_bad_inputs import BAD, run_cli

MAX_RSS_MB = 500


def _load_corpus_maker():
    spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ddci() -> str:
    return str(Path(sys.executable).parent / "ddci")


def _env() -> dict:
    return dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8")


def _run_measured(*args, timeout: float = 60) -> tuple[int, str, str, float, float]:
    """Run ddci in a fresh wrapper process: (exit, stdout, stderr, seconds, peak RSS MB of
    the ddci process alone)."""
    wrapper = ("import resource, subprocess, sys, json, time\n"
               "t = time.perf_counter()\n"
               "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
               "dt = time.perf_counter() - t\n"
               "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
               "print(json.dumps([p.returncode, p.stdout, p.stderr, dt, rss]))\n")
    proc = subprocess.run([sys.executable, "-c", wrapper, _ddci(), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=_env())
    return tuple(json.loads(proc.stdout))


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    maker = _load_corpus_maker()
    tmp = tmp_path_factory.mktemp("bombs")
    honest = maker.write_zip_bomb(tmp / "bomb.xlsx", inflated_mb=220)
    liar = maker.write_zip_bomb(tmp / "liar.xlsx", inflated_mb=220, declared_size=300_000)
    return honest, liar


@pytest.mark.parametrize("which", [0, 1], ids=["honest_sizes", "lying_sizes"])
def test_zip_bomb_is_refused_quickly_in_bounded_memory(bombs, which):
    bomb = bombs[which]
    assert bomb.stat().st_size < 2 * 1024**2
    code, out, err, seconds, rss = _run_measured("validate", bomb, "-m", BAD / "method.toml",
                                                 "--json")
    assert code == 1, err
    doc = json.loads(out)
    assert [p["code"] for p in doc["problems"]] == ["decompression_bomb"]
    assert "Traceback" not in err
    assert rss < MAX_RSS_MB, f"peak RSS {rss:.0f} MB"
    assert seconds < 10, f"took {seconds:.1f} s"


def test_lying_member_really_inflates_beyond_its_declared_size(bombs):
    """The fixture is what it claims: headers say 300 kB, the stream holds ~220 MB."""
    import zlib

    liar = bombs[1]
    with zipfile.ZipFile(liar) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size == 300_000
    with liar.open("rb") as fh:
        fh.seek(info.header_offset + 30 + len(info.filename))
        raw = fh.read(info.compress_size)
    inflater, total = zlib.decompressobj(-15), 0
    data = inflater.decompress(raw, 1 << 20)
    while data:
        total += len(data)
        data = inflater.decompress(inflater.unconsumed_tail, 1 << 20)
    assert total > 200 * 1024**2


def test_honest_bomb_declares_its_size(bombs):
    with zipfile.ZipFile(bombs[0]) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > 200 * 1024**2


def test_total_budget_stops_inflation(monkeypatch, tmp_path):
    """Members whose declared sizes and ratios look normal still stop at the byte budget."""
    from ddci_cli.io import container

    monkeypatch.setattr(container, "MAX_UNCOMPRESSED", 20 * 1024)
    code, out, err = run_cli("validate", BAD / "good.xlsx", "-m", BAD / "method.toml",
                             "--json")
    assert code == 1
    assert [p["code"] for p in json.loads(out)["problems"]] == ["decompression_bomb"]


def test_calamine_does_not_expand_entities():
    """python-calamine refuses undeclared entities instead of expanding them, so even
    without ddci's own check the billion-laughs sheet costs nothing."""
    import python_calamine as pc

    start = time.perf_counter()
    with pytest.raises(Exception, match="entity"):
        pc.CalamineWorkbook.from_path(str(BAD / "billion_laughs.xlsx")).get_sheet_by_index(
            0).to_python()
    assert time.perf_counter() - start < 1


def test_billion_laughs_answers_quickly_in_bounded_memory():
    code, out, err, seconds, rss = _run_measured("validate", BAD / "billion_laughs.xlsx",
                                                 "-m", BAD / "method.toml", "--json")
    assert code == 1 and json.loads(out)["problems"][0]["code"] == "unsafe_xml"
    assert rss < MAX_RSS_MB and seconds < 10


def test_openpyxl_parses_xml_through_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


FORMULA_UNITS = ["=1+1", "+84 Sở A", "-Sở B", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"y\")"]


def _formula_survey(tmp: Path) -> Path:
    rows = list(csv.reader((BAD / "good.csv").open(encoding="utf-8", newline="")))
    header = rows[0]
    out = [header]
    for n, name in enumerate(FORMULA_UNITS):
        for firm in ("DN01", "DN02"):
            row = list(rows[1])
            row[header.index("Mã DN")] = firm
            row[header.index("Đơn vị")] = name
            row[header.index("Khối")] = "Khối quận, huyện"
            row[header.index("B1")] = str(1 + n % 5)
            row[header.index("C1")] = str(1 + (n + 2) % 5)
            out.append(row)
    path = tmp / "formula_units.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(out)
    return path


def test_formula_like_texts_are_written_inert(tmp_path):
    survey = _formula_survey(tmp_path)
    xlsx, flat = tmp_path / "out.xlsx", tmp_path / "out.csv"
    code, out, err = run_cli("score", survey, "-m", BAD / "method.toml", "-o", xlsx,
                             "-o", flat, "-q")
    assert code == 0, err
    text = flat.read_bytes().decode("utf-8-sig")
    cells = {c for row in csv.reader(io.StringIO(text)) for c in row}
    for name in FORMULA_UNITS:
        assert "'" + name in cells, name
        assert name not in cells, name
    with zipfile.ZipFile(xlsx) as zf:
        sheets = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in s or b"<f " in s for s in sheets)
    from openpyxl import load_workbook

    found = {}
    for ws in load_workbook(xlsx).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in FORMULA_UNITS:
                    found[cell.value] = cell.data_type
    assert set(found) == set(FORMULA_UNITS)
    assert set(found.values()) == {"s"}


def test_csv_output_neutralises_tab_and_carriage_return():
    from ddci_cli.io.write import csv_bytes

    text = csv_bytes([{"a": "\tx", "b": "\ry", "c": "plain", "d": -1.5}]).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row == ["'\tx", "'\ry", "plain", "-1.5"]


def test_output_hard_linked_to_the_input_is_refused(tmp_path):
    survey = tmp_path / "survey.csv"
    survey.write_bytes((BAD / "good.csv").read_bytes())
    link = tmp_path / "report.csv"
    os.link(survey, link)
    code, out, err = run_cli("score", survey, "-m", BAD / "method.toml", "-o", link)
    assert code == 2 and "input" in err
    assert survey.read_bytes() == (BAD / "good.csv").read_bytes()


SLOW_WRITE = """
import os, sys, time
def slow_fsync(fd):  # the output's bytes are in the temporary file; now wait for Ctrl-C
    print("WRITING", file=sys.stderr, flush=True)
    time.sleep(60)
os.fsync = slow_fsync
from ddci_cli.cli import main
sys.argv = ["ddci"] + sys.argv[1:]
main()
"""


def test_ctrl_c_during_a_write_leaves_no_partial_file(tmp_path):
    out = tmp_path / "out.csv"
    out.write_bytes(b"previous report\r\n")
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WRITE, "score", str(BAD / "good.csv"),
                             "-m", str(BAD / "method.toml"), "-o", str(out), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
                            cwd=tmp_path)
    line = proc.stderr.readline().decode()
    assert "WRITING" in line, line + proc.stderr.read().decode()
    temps = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv.")]
    assert temps, "the write was expected to go to a temporary file beside the target"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    err = err.decode()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "Interrupted" in err
    assert out.read_bytes() == b"previous report\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_closed_stdout_exits_quietly():
    proc = subprocess.Popen([_ddci(), "score", str(BAD / "good.xlsx"), "-m",
                             str(BAD / "method.toml"), "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env())
    proc.stdout.close()  # the reader is gone before the document is written
    _, err = proc.communicate(timeout=60)
    err = err.decode()
    assert proc.returncode == 141, err
    assert "Traceback" not in err and "Exception" not in err


def test_json_piped_into_head_has_no_traceback():
    cmd = (f"'{_ddci()}' score '{BAD / 'good.xlsx'}' -m '{BAD / 'method.toml'}' --json "
           "| head -1; echo \"rc=${PIPESTATUS[0]}\" >&2")
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=_env(),
                          timeout=60)
    assert proc.stdout == "{\n"
    assert "Traceback" not in proc.stderr and "Exception" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] in ("rc=0", "rc=141")
