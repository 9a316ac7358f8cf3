"""Benchmark `ddci validate` on a large messy workbook (issue #3).

    python benchmarks/bench_validate.py               # 50,000 rows, 3,000 bad cells
    python benchmarks/bench_validate.py --rows 20000 --bad 500 --repeats 3

The survey: N evaluations × 20 Likert indicators (1–5, ~5 % blank) × 20 units in 2 blocks,
written as sheet XML the way Excel writes it (shared strings for texts). Exactly ``--bad``
answer cells are wrong — half a word ("x"), half out of range (9) — at distinct random
places. Every run is a fresh `ddci validate FILE -m METHOD --json` process; the script
checks that the JSON lists every bad cell, at its row and column, and reports the wall time
(median), the peak RSS of the ddci process, and, in-process, how the time splits between
the container scan (bombs, entities, extent) and python-calamine's own reading.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from ddci_cli.survey.locate import column_letter

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "tests" / "data" / "bad" / "good.xlsx"
N_IND, N_UNITS = 20, 20
FIXED = ["STT", "Mã DN", "Đơn vị", "Khối", "Trọng số"]


def method_text() -> str:
    lines = ['[index]\nname = "Benchmark"\n', '[input]\nunit_column = "Đơn vị"\n'
             'block_column = "Khối"\nrespondent_column = "Mã DN"\nweight_column = "Trọng số"\n'
             'missing_codes = ["Không biết", 99]\nmin_responses = 30\n',
             '[[blocks]]\nid = "department"\nlabel = "Khối Sở, ban, ngành"\n',
             '[[blocks]]\nid = "district"\nlabel = "Khối quận, huyện"\n']
    for k in range(4):
        lines.append(f'[[subindices]]\nid = "s{k}"\nweight = {k + 1}\n')
        for i in range(k * 5, k * 5 + 5):
            lines.append(f'  [[subindices.indicators]]\n  id = "q{i}"\n  column = "Q{i}"\n'
                         '  valid = [1, 5]\n')
    return "\n".join(lines)




def build(rows: int, bad: int, folder: Path, seed: int = 7) -> tuple[Path, Path, set]:
    """Write the survey and method; return them and the set of (row, column) bad cells."""
    rng = np.random.default_rng(seed)
    answers = rng.integers(1, 6, size=(rows, N_IND)).astype(object)
    answers[rng.random((rows, N_IND)) < 0.05] = None
    flat = rng.choice(rows * N_IND, size=bad, replace=False)
    expected = set()
    for n, k in enumerate(flat):
        r, i = divmod(int(k), N_IND)
        answers[r, i] = "x" if n % 2 else 9
        expected.add((r + 2, f"Q{i}"))
    units = [(f"Sở số {u}" if u < N_UNITS // 2 else f"Quận số {u}") for u in range(N_UNITS)]
    blocks = ["Khối Sở, ban, ngành" if u < N_UNITS // 2 else "Khối quận, huyện"
              for u in range(N_UNITS)]
    unit_of = rng.integers(0, N_UNITS, rows)
    strings: dict[str, int] = {}

    def sst(text: str) -> str:
        return str(strings.setdefault(text, len(strings)))

    header = FIXED + [f"Q{i}" for i in range(N_IND)]
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
           'http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:'
           f'{column_letter(len(FIXED) + N_IND - 1)}{rows + 1}"/><sheetData>']
    out.append('<row r="1">' + "".join(f'<c r="{column_letter(j)}1" t="s"><v>{sst(h)}</v></c>'
                                       for j, h in enumerate(header)) + "</row>")
    for r in range(rows):
        n = r + 2
        cells = [f'<c r="A{n}"><v>{r + 1}</v></c>',
                 f'<c r="B{n}" t="s"><v>{sst(f"DN{r // 3:05d}")}</v></c>',
                 f'<c r="C{n}" t="s"><v>{sst(units[unit_of[r]])}</v></c>',
                 f'<c r="D{n}" t="s"><v>{sst(blocks[unit_of[r]])}</v></c>',
                 f'<c r="E{n}"><v>{1 + (r % 3) / 2}</v></c>']
        for i, value in enumerate(answers[r]):
            ref = f"{column_letter(5 + i)}{n}"
            if value is None:
                continue
            if isinstance(value, str):
                cells.append(f'<c r="{ref}" t="s"><v>{sst(value)}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        out.append(f'<row r="{n}">' + "".join(cells) + "</row>")
    out.append("</sheetData></worksheet>")
    shared = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
              f'schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
              f'uniqueCount="{len(strings)}">']
    shared += [f"<si><t>{escape(s)}</t></si>" for s in strings]
    shared.append("</sst>")
    survey = folder / f"bench_{rows}_{bad}.xlsx"
    _write_book(survey, "".join(out).encode(), "".join(shared).encode())
    method = folder / "bench_method.toml"
    method.write_text(method_text(), encoding="utf-8")
    return survey, method, expected


def _write_book(target: Path, sheet: bytes, shared: bytes) -> None:
    with zipfile.ZipFile(TEMPLATE) as zin:
        parts = {i.filename: zin.read(i) for i in zin.infolist()}
    types = parts["[Content_Types].xml"].decode()
    if "sharedStrings" not in types:
        types = types.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" '
                              'ContentType="application/vnd.openxmlformats-officedocument.'
                              'spreadsheetml.sharedStrings+xml"/></Types>')
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    if "sharedStrings" not in rels:
        rels = rels.replace("</Relationships>", '<Relationship Id="rIdSst" Type="http://'
                            'schemas.openxmlformats.org/officeDocument/2006/relationships/'
                            'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    parts.update({"[Content_Types].xml": types.encode(), "xl/_rels/workbook.xml.rels":
                  rels.encode(), "xl/worksheets/sheet1.xml": sheet,
                  "xl/sharedStrings.xml": shared})
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)


def run_validate(survey: Path, method: Path) -> tuple[float, float, float, dict]:
    """Wall seconds, CPU seconds, peak RSS (MB) and the JSON document of one fresh
    validate process (start-up included)."""
    wrapper = ("import resource, subprocess, sys, time\n"
               "t = time.perf_counter()\n"
               "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
               "dt = time.perf_counter() - t\n"
               "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
               "sys.stderr.write(f'{dt} {u.ru_utime + u.ru_stime} {u.ru_maxrss / 1024} "
               "{p.returncode}\\n')\n"
               "sys.stdout.buffer.write(p.stdout)\n")
    ddci = str(Path(sys.executable).parent / "ddci")
    proc = subprocess.run([sys.executable, "-c", wrapper, ddci, "validate", str(survey), "-m",
                           str(method), "--json"], capture_output=True)
    seconds, cpu, rss, code = proc.stderr.decode().split()[-4:]
    assert code == "1", f"expected exit 1 (bad cells), got {code}"
    return float(seconds), float(cpu), float(rss), json.loads(proc.stdout)


def split_time(survey: Path) -> tuple[float, float]:
    """In-process seconds of the container scan and of python-calamine's reading."""
    import python_calamine as pc

    from ddci_cli.io.container import scan_container

    start = time.perf_counter()
    scan_container(survey)
    scan = time.perf_counter() - start
    start = time.perf_counter()
    book = pc.CalamineWorkbook.from_path(str(survey))
    book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    return scan, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--bad", type=int, default=3_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        survey, method, expected = build(args.rows, args.bad, Path(tmp))
        print(f"built {survey.name}: {survey.stat().st_size / 1024**2:.1f} MB in "
              f"{time.perf_counter() - start:.1f} s")
        runs = [run_validate(survey, method) for _ in range(args.repeats)]
        seconds = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        doc = runs[0][3]
        listed = {(p["row"], p["column"]) for p in doc["problems"]
                  if p["code"] in ("non_numeric_value", "out_of_range")}
        assert listed == expected, f"{len(listed)} listed, {len(expected)} expected"
        scan, calamine = split_time(survey)
        print(f"validate: {seconds:.2f} s wall, {cpu:.2f} s CPU (medians of {args.repeats}), "
              f"peak RSS {rss:.0f} MB, "
              f"{len(doc['problems'])} problems, all {len(expected)} bad cells listed")
        print(f"container scan {scan:.2f} s vs python-calamine read {calamine:.2f} s "
              f"({scan / calamine:.0%})")


if __name__ == "__main__":
    main()
