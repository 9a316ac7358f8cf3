"""Benchmark ddci's reading and scoring on synthetic surveys (issue #2).

    python benchmarks/bench_score.py                 # 10k, 100k and 1M evaluations
    python benchmarks/bench_score.py --quick         # 10k and 100k only
    python benchmarks/bench_score.py --sizes 50k,200k --repeats 7 --json results.json

Surveys: N evaluations × 60 indicators (Likert 1–5, ~5 % blank, every fourth a share
indicator, one sub-index for one block only) × 50 units in 2 blocks, random weights.
Files go to a cache folder in the temp dir keyed by size (parquet at every size, xlsx up to
100k rows and always at 50k, written as sheet XML like Excel writes it).

Every measurement runs in a fresh subprocess. Times are medians (wall clock, and CPU
time beside it) of several repeats; a step and its baselines are interleaved repeat by
repeat, so load on a shared machine hits both, and ratios are against baselines measured
in the same run. Memory: scoring and the core = tracemalloc peak (numpy reports its buffers
to tracemalloc), compared with X as float64 (rows × 60 × 8 bytes); reading = peak RSS
(getrusage ru_maxrss, so calamine's and pyarrow's native buffers count) of a fresh process
that reads once, minus that of one that reads nothing. See benchmarks/README.md and
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "ddci_haiphong_2024"
INDICATORS, UNITS, MISSING = 60, 50, 0.05
GENERATOR = "v1"  # bump when the synthetic data change, so cached files are rebuilt
XLSX_MAX = 100_000
XLSX_TARGET = 50_000       # the size the reading target is stated for
APPLY_FULL_LIMIT = 10_000  # above this, time the `apply` forms on a few indicators and scale
APPLY_COLUMNS = {"pandas_apply": 6, "pandas_apply_once": 10}


# ---------------------------------------------------------------- synthetic surveys

def unit_names() -> list[str]:
    half = UNITS // 2
    return [f"Sở {i + 1:02d}" for i in range(half)] + \
        [f"Quận {i + 1:02d}" for i in range(UNITS - half)]


def survey_arrays(rows: int, seed: int = 2024):
    """X (rows × 60, Likert 1–5, NaN ≈ 5 %), unit codes, weights (0.5–1.5) and blocks."""
    rng = np.random.default_rng(seed)
    X = rng.integers(1, 6, size=(rows, INDICATORS)).astype(np.float64)
    X[rng.random((rows, INDICATORS)) < MISSING] = np.nan
    units = rng.integers(0, UNITS, rows)
    weights = np.round(rng.uniform(0.5, 1.5, rows), 3)
    blocks = np.where(units < UNITS // 2, "department", "district")
    return X, units, weights, blocks


def _cached(cache: Path, name: str, write) -> Path:
    path = cache / GENERATOR / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        write(tmp)
        tmp.replace(path)
    return path


def method_path(cache: Path) -> Path:
    """Six sub-indices of ten indicators; every fourth a share; the sixth district-only."""
    def write(path: Path) -> None:
        text = [METHOD_HEAD]
        for k in range(6):
            blocks = '["district"]' if k == 5 else '["department", "district"]'
            text.append(f'[[subindices]]\nid = "s{k + 1}"\nlabel = "S{k + 1}"\n'
                        f'label_en = "S{k + 1}"\nweight = 1\nblocks = {blocks}\n')
            for i in range(10 * k + 1, 10 * k + 11):
                stat = 'statistic = "share"\nshare_of = [4, 5]' if i % 4 == 0 else \
                    'statistic = "mean"'
                text.append(f'[[subindices.indicators]]\nid = "q{i}"\ncolumn = "Q{i}"\n'
                            f'label = "Q{i}"\nlabel_en = "Q{i}"\ndirection = "positive"\n'
                            f'{stat}\nvalid = [1, 5]\nweight = 1\n')
        path.write_text("\n".join(text), encoding="utf-8")
    return _cached(cache, "method.toml", write)


METHOD_HEAD = """[index]
name = "Synthetic benchmark survey"
year = 2024
language = "en"

[input]
sheet = "Data"
unit_column = "Đơn vị"
block_column = "Khối"
weight_column = "Trọng số"
missing_codes = ["KB", 99]
min_responses = 30
min_indicator_responses = 1
strict_units = false

[normalization]
method = "minmax"
range = [1, 10]
zscore = [0, 1]

[aggregation]
subindex = "arithmetic"
composite = "arithmetic"
multiplier = 10
min_coverage = 0.5

[ranking]
decimals = 2

[[blocks]]
id = "department"
label = "Departments"
label_en = "Departments"

[[blocks]]
id = "district"
label = "Districts"
label_en = "Districts"
"""


def parquet_path(cache: Path, rows: int) -> Path:
    def write(path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        X, units, weights, blocks = survey_arrays(rows)
        names = np.array(unit_names(), dtype=object)
        cols = {"Đơn vị": pa.array(names[units]), "Khối": pa.array(blocks),
                "Trọng số": pa.array(weights)}
        for i in range(INDICATORS):
            cols[f"Q{i + 1}"] = pa.array(X[:, i], mask=np.isnan(X[:, i]))
        pq.write_table(pa.table(cols), path)
    return _cached(cache, f"survey_{rows}.parquet", write)


def xlsx_path(cache: Path, rows: int) -> Path:
    """The same survey as an .xlsx: a title row, the header, one row per evaluation; text
    in the shared-string table and blank answers left out, as Excel writes them."""
    def write(path: Path) -> None:
        import zipfile

        from ddci_cli.survey.locate import column_letter

        X, units, weights, blocks = survey_arrays(rows)
        header = ["Đơn vị", "Khối", "Trọng số"] + [f"Q{i + 1}" for i in range(INDICATORS)]
        strings = ["Synthetic benchmark survey", *header, *unit_names(), "department",
                   "district"]
        sid = {s: n for n, s in enumerate(strings)}
        letters = [column_letter(j) for j in range(len(header))]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name, text in XLSX_PARTS.items():
                zf.writestr(name, text)
            zf.writestr("xl/sharedStrings.xml", _shared_strings(strings))
            with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                fh.write(XLSX_SHEET_HEAD.encode())
                head = "".join(f'<c r="{c}2" t="s"><v>{sid[h]}</v></c>'
                               for c, h in zip(letters, header))
                fh.write(f'<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2">{head}'
                         '</row>'.encode())
                labels = [sid[n] for n in unit_names()]
                unit_ids = [labels[u] for u in units.tolist()]
                block_ids = [sid[b] for b in blocks.tolist()]
                for start in range(0, rows, 5000):
                    part = slice(start, start + 5000)
                    fh.write(_rows_xml(start + 3, X[part].tolist(), unit_ids[part],
                                       block_ids[part], weights[part].tolist(),
                                       letters).encode())
                fh.write(b"</sheetData></worksheet>")
    return _cached(cache, f"survey_{rows}.xlsx", write)


def _rows_xml(first: int, rows, unit_ids, block_ids, weights, letters) -> str:
    out = []
    for r, (row, u, b, w) in enumerate(zip(rows, unit_ids, block_ids, weights), first):
        cells = [f'<c r="A{r}" t="s"><v>{u}</v></c><c r="B{r}" t="s"><v>{b}</v></c>'
                 f'<c r="C{r}"><v>{w!r}</v></c>']
        cells += [f'<c r="{c}{r}"><v>{v:.0f}</v></c>' for c, v in zip(letters[3:], row)
                  if v == v]
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    return "".join(out)


def _shared_strings(strings: list[str]) -> str:
    from xml.sax.saxutils import escape

    items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    return (f'{XML_DECL}<sst xmlns="{NS}" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>')




NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"
OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
XLSX_SHEET_HEAD = f'{XML_DECL}<worksheet xmlns="{NS}"><sheetData>'


def _relationships(*targets: tuple[str, str]) -> str:
    items = "".join(f'<Relationship Id="rId{n}" Type="{REL}/{kind}" Target="{target}"/>'
                    for n, (kind, target) in enumerate(targets, 1))
    return f'{XML_DECL}<Relationships xmlns="{PKG}/relationships">{items}</Relationships>'


XLSX_PARTS = {  # the smallest package Excel, LibreOffice, openpyxl and calamine all open
    "[Content_Types].xml": (
        f'{XML_DECL}<Types xmlns="{PKG}/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{OOXML}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" '
        f'ContentType="{OOXML}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" '
        f'ContentType="{OOXML}.sharedStrings+xml"/></Types>'),
    "_rels/.rels": _relationships(("officeDocument", "xl/workbook.xml")),
    "xl/workbook.xml": (
        f'{XML_DECL}<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>'
        '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": _relationships(("worksheet", "worksheets/sheet1.xml"),
                                                 ("sharedStrings", "sharedStrings.xml")),
}


# ---------------------------------------------------------------- timing helpers

def interleaved(steps: dict, repeats: int, budget: float = 60.0) -> dict:
    """Median wall and CPU seconds per step; repeat r runs every step once before repeat
    r+1, so a burst of load from other users hits every step. Stops after 3 repeats once
    ``budget`` seconds are spent."""
    wall: dict[str, list[float]] = {name: [] for name in steps}
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    began = time.perf_counter()
    for r in range(repeats):
        for name, step in steps.items():
            t, c = time.perf_counter(), time.process_time()
            step()
            cpu[name].append(time.process_time() - c)
            wall[name].append(time.perf_counter() - t)
        if r >= 2 and time.perf_counter() - began > budget:
            break
    return {name: {"median": statistics.median(wall[name]),
                   "cpu": statistics.median(cpu[name]), "runs": len(wall[name])}
            for name in steps}


def traced_peak(step) -> int:
    """Peak bytes allocated while ``step`` runs (tracemalloc; numpy buffers included)."""
    import tracemalloc

    tracemalloc.start()
    try:
        step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ---------------------------------------------------------------- workers (subprocess)

def work_core(rows: int, repeats: int, cache: Path) -> dict:
    """The aggregation core against numpy's floor and two pandas formulations."""
    import pandas as pd

    from ddci_cli.core.aggregate import unit_sums, unit_values
    from ddci_cli.method import load_method
    from ddci_cli.scores import plan_blocks

    X, units, weights, _ = survey_arrays(rows)
    method = load_method(method_path(cache))
    inds = list(method.indicators)
    blocks = np.array([0] * (UNITS // 2) + [1] * (UNITS - UNITS // 2))
    plans = plan_blocks(method, ["department", "district"])
    block_cols = np.zeros((len(plans), INDICATORS), bool)
    for b, plan in enumerate(plans):
        block_cols[b, plan.indicators] = True
    frame = pd.DataFrame(X, columns=[f"Q{i + 1}" for i in range(INDICATORS)])
    frame["unit"], frame["w"] = units, weights
    cols = [f"Q{i + 1}" for i in range(INDICATORS)]
    subset = {k: cols if rows <= APPLY_FULL_LIMIT else cols[:n] for k, n in APPLY_COLUMNS.items()}
    steps = {
        "floor": lambda: X.sum(axis=0),
        "core": lambda: unit_sums(X, units, weights, UNITS),
        "core_scored": lambda: unit_values(X, units, weights, UNITS, inds, 1, blocks,
                                           block_cols),
        "pandas_vectorised": lambda: pandas_vectorised(frame, cols),
        "pandas_apply": lambda: pandas_apply(frame, subset["pandas_apply"]),
        "pandas_apply_once": lambda: pandas_apply_once(frame, subset["pandas_apply_once"]),
    }
    out = interleaved(steps, repeats)
    for name, used in subset.items():
        out[name]["scaled_from_columns"] = len(used)
        for key in ("median", "cpu"):
            out[name][key] *= len(cols) / len(used)
    out["core"]["peak_bytes"] = traced_peak(steps["core"])
    out["x_bytes"] = X.nbytes
    wx, wsum = unit_sums(X, units, weights, UNITS)[:2]
    theirs = pandas_vectorised(frame, cols).to_numpy()
    out["largest_difference"] = float(np.nanmax(np.abs(wx / wsum - theirs) / np.abs(theirs)))
    return out


def pandas_vectorised(frame, cols):
    """Σw·x / Σw·valid per unit with two ``groupby().sum()`` — the vectorised way."""
    values = frame[cols]
    wx = values.mul(frame["w"], axis=0).groupby(frame["unit"]).sum()
    wv = values.notna().mul(frame["w"], axis=0).groupby(frame["unit"]).sum()
    return wx / wv


def pandas_apply(frame, cols):
    """The way analysts usually write it: per indicator, ``groupby().apply`` of
    ``np.average`` over the rows that answered it."""
    import pandas as pd

    def weighted_mean(g, c):
        ok = g[c].notna()
        return np.average(g.loc[ok, c], weights=g.loc[ok, "w"]) if ok.any() else np.nan

    return pd.DataFrame({c: frame.groupby("unit").apply(weighted_mean, c) for c in cols})


def pandas_apply_once(frame, cols):
    """A quicker variant: one ``groupby().apply`` whose function loops over indicators."""
    import pandas as pd

    def unit_means(g):
        out = {}
        for c in cols:
            ok = g[c].notna()
            out[c] = np.average(g.loc[ok, c], weights=g.loc[ok, "w"]) if ok.any() else np.nan
        return pd.Series(out)

    return frame.groupby("unit").apply(unit_means)


def work_read_xlsx(rows: int, repeats: int, cache: Path) -> dict:
    """ddci's read path (pipeline.read_survey) against bare python-calamine."""
    from python_calamine import CalamineWorkbook

    from ddci_cli.method import load_method
    from ddci_cli.pipeline import read_survey

    from ddci_cli.errors import InputError

    path, method = xlsx_path(cache, rows), load_method(method_path(cache))
    steps = {
        "calamine": lambda: CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
            "Data").to_python(),
        "ddci": lambda: read_survey(path, method),
    }
    try:
        steps["ddci"]()
    except InputError as exc:  # e.g. the sheet is over ddci's cell limit
        return {"refused": exc.report.problems[0].code, **interleaved(
            {"calamine": steps["calamine"]}, repeats)}
    try:  # the safety scan of the zip container, part of ddci's read: shown on its own
        from ddci_cli.io.container import scan_container

        steps["scan"] = lambda: scan_container(path)
    except ImportError:
        pass
    return interleaved(steps, repeats) | {"file_bytes": path.stat().st_size}


def work_read_parquet(rows: int, repeats: int, cache: Path) -> dict:
    import pyarrow.parquet as pq

    from ddci_cli.method import load_method
    from ddci_cli.pipeline import read_survey

    path, method = parquet_path(cache, rows), load_method(method_path(cache))
    steps = {"pyarrow": lambda: pq.read_table(path), "ddci": lambda: read_survey(path, method)}
    return interleaved(steps, repeats) | {"file_bytes": path.stat().st_size}


def work_read_memory(rows: int, repeats: int, cache: Path, kind: str) -> dict:
    """Peak RSS (getrusage ru_maxrss) of a fresh process that imports every reader and
    then does one read of ``kind`` ("idle" reads nothing: the baseline to subtract)."""
    import resource

    import pyarrow.parquet as pq
    from python_calamine import CalamineWorkbook

    from ddci_cli.method import load_method
    from ddci_cli.pipeline import read_survey

    method = load_method(method_path(cache))
    if kind == "calamine":
        CalamineWorkbook.from_path(str(xlsx_path(cache, rows))).get_sheet_by_name(
            "Data").to_python()
    elif kind == "pyarrow":
        pq.read_table(parquet_path(cache, rows))
    elif kind in ("xlsx", "parquet"):
        read_survey((xlsx_path if kind == "xlsx" else parquet_path)(cache, rows), method)
    return {"peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def work_score(rows: int, repeats: int, cache: Path) -> dict:
    """score_survey on a survey already in memory (read from parquet first, not timed)."""
    from ddci_cli.errors import ProblemReport
    from ddci_cli.method import load_method
    from ddci_cli.pipeline import read_survey
    from ddci_cli.scores import score_survey

    method = load_method(method_path(cache))
    survey = read_survey(parquet_path(cache, rows), method)
    step = lambda: score_survey(survey, method, ProblemReport())  # noqa: E731
    out = interleaved({"score": step}, repeats)
    out["score"]["peak_bytes"] = traced_peak(step)
    out["x_bytes"] = survey.X.nbytes
    return out


WORKERS = {"core": work_core, "read_xlsx": work_read_xlsx, "read_parquet": work_read_parquet,
           "score": work_score}


def run_worker(kind: str, rows: int, repeats: int, cache: Path, extra: str = "") -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, str(rows),
           "--repeats", str(repeats), "--cache", str(cache)] + (["--mem", extra] if extra else [])
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env())
    if done.returncode:
        raise SystemExit(f"worker {kind} {rows} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _env() -> dict:
    src = str(ROOT / "src")
    path = os.environ.get("PYTHONPATH")
    return dict(os.environ, PYTHONPATH=src + (os.pathsep + path if path else ""))


# ---------------------------------------------------------------- end to end

def cli_sample(repeats: int, cache: Path) -> dict:
    """`ddci score` on the 2024 sample: median wall time of ``repeats`` subprocess runs."""
    xlsx, toml = SAMPLE.with_suffix(".xlsx"), SAMPLE.with_suffix(".toml")
    if not xlsx.exists():
        folder = cache / "sample"
        xlsx, toml = folder / xlsx.name, folder / toml.name
        if not xlsx.exists():
            subprocess.run(_ddci() + ["sample", str(folder), "--year", "2024", "-q"],
                           check=True, env=_env())
    times, out = [], ""
    for _ in range(repeats):
        t = time.perf_counter()
        done = subprocess.run(_ddci() + ["score", str(xlsx), "-m", str(toml)],
                              capture_output=True, text=True, env=_env())
        times.append(time.perf_counter() - t)
        out = done.stdout
        if done.returncode:
            raise SystemExit(f"ddci score failed:\n{done.stderr[-2000:]}")
    tables = sum(1 for line in out.splitlines() if line.startswith("rank"))
    return {"median": statistics.median(times), "runs": len(times), "rank_tables": tables,
            "file": str(xlsx)}


def _ddci() -> list[str]:
    beside = Path(sys.executable).parent / "ddci"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "ddci_cli.cli"]


# ---------------------------------------------------------------- report

def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    libs = ", ".join(f"{p} {version(p)}" for p in ("numpy", "pandas", "scipy",
                                                   "python-calamine", "pyarrow"))
    return (f"{cpu}, {os.cpu_count()} cores, load {load:.1f}; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}, {libs}")


def ms(seconds: float) -> str:
    if seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB"


def ratio(a: dict, b: dict) -> str:
    """a/b as 'wall× (cpu×)'."""
    return f"{a['median'] / b['median']:.1f}× ({a['cpu'] / b['cpu']:.1f}×)"


def print_core(results: dict) -> None:
    print("\nAggregation core: aggregate.unit_sums (Σw·x, Σw, counts, responses per unit × "
          "indicator); ratios wall (cpu)")
    print(f"{'rows':>9} {'numpy floor':>11} {'core':>8} {'core÷floor':>13} {'as scored':>9}"
          f" {'core peak':>9}")
    for rows, r in results.items():
        print(f"{rows:>9,} {ms(r['floor']['median']):>11} {ms(r['core']['median']):>8}"
              f" {ratio(r['core'], r['floor']):>13} {ms(r['core_scored']['median']):>9}"
              f" {mb(r['core']['peak_bytes']):>9}")
    print("  floor = X.sum(axis=0); 'as scored' = unit_values with the method's share "
          "indicators and block rule; peak = tracemalloc")
    worst = max(r["largest_difference"] for r in results.values())
    print(f"  Σw·x/Σw from the core and from pandas agree to {worst:.1e} (relative)")
    names = {"pandas_vectorised": "pandas vectorised", "pandas_apply": "apply per indicator",
             "pandas_apply_once": "apply, one call"}
    print(f"\n{'rows':>9}" + "".join(f" {n:>21} {'÷core':>13}" for n in names.values()))
    scaled = set()
    for rows, r in results.items():
        line = f"{rows:>9,}"
        for key in names:
            star = "*" if r[key].get("scaled_from_columns", INDICATORS) < INDICATORS else ""
            scaled |= {key} if star else set()
            line += f" {ms(r[key]['median']) + star:>21} {ratio(r[key], r['core']):>13}"
        print(line)
    for key in sorted(scaled):
        n = APPLY_COLUMNS[key]
        print(f"  * {names[key]}: timed on {n} of {INDICATORS} indicators, scaled "
              f"×{INDICATORS / n:g}")


def print_reading(xlsx: dict, parquet: dict) -> None:
    print("\nReading: pipeline.read_survey (locate + clean) against the bare reader; ratios "
          "wall (cpu); peak = peak RSS of a fresh process minus an idle one's")
    print(f"{'rows':>9} {'format':>8} {'bare':>9} {'ddci':>9} {'ddci÷bare':>13}"
          f" {'bare peak':>9} {'ddci peak':>9}")
    for fmt, table, base in (("xlsx", xlsx, "calamine"), ("parquet", parquet, "pyarrow")):
        for rows, r in table.items():
            if "refused" in r:
                print(f"{rows:>9,} {fmt:>8} {ms(r[base]['median']):>9}  ddci refuses the "
                      f"sheet ({r['refused']})")
                continue
            print(f"{rows:>9,} {fmt:>8} {ms(r[base]['median']):>9} {ms(r['ddci']['median']):>9}"
                  f" {ratio(r['ddci'], r[base]):>13} {mb(r['base_peak']):>9}"
                  f" {mb(r['ddci_peak']):>9}" + (f"   of which container scan "
                                                f"{ms(r['scan']['median'])}" if "scan" in r
                                                else ""))
    print("  bare: xlsx = CalamineWorkbook.from_path(p).get_sheet_by_name(s).to_python(); "
          "parquet = pyarrow.parquet.read_table(p)")


def print_score(results: dict) -> None:
    print("\nScoring: score.score_survey on a survey in memory; peak = tracemalloc")
    print(f"{'rows':>9} {'wall':>9} {'cpu':>9} {'peak':>9} {'X float64':>9} {'peak÷X':>7}")
    for rows, r in results.items():
        s = r["score"]
        print(f"{rows:>9,} {ms(s['median']):>9} {ms(s['cpu']):>9} {mb(s['peak_bytes']):>9}"
              f" {mb(r['x_bytes']):>9} {s['peak_bytes'] / r['x_bytes']:>6.2f}×")


# ---------------------------------------------------------------- main

def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="10k and 100k evaluations only")
    ap.add_argument("--sizes", help="comma-separated evaluation counts, e.g. 10k,100k,1M")
    ap.add_argument("--repeats", type=int, default=5, help="repeats per timing (median)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "ddci-bench")
    ap.add_argument("--json", type=Path, help="also write every number to this file")
    ap.add_argument("--skip-cli", action="store_true", help="skip `ddci score` on the sample")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--mem", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.worker:
        kind, rows = args.worker[0], int(args.worker[1])
        result = (work_read_memory(rows, args.repeats, args.cache, args.mem) if args.mem
                  else WORKERS[kind](rows, args.repeats, args.cache))
        print(json.dumps(result))
        return
    sizes = ([parse_size(s) for s in args.sizes.split(",")] if args.sizes
             else [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    run_all(sizes, args)


def run_all(sizes: list[int], args) -> None:
    print(f"machine: {machine()}")
    print(f"timings: median of up to {args.repeats} interleaved repeats, wall clock; "
          f"files cached in {args.cache}")
    xlsx_sizes = sorted({s for s in sizes if s <= XLSX_MAX} | {XLSX_TARGET})
    for rows in sorted(set(sizes) | set(xlsx_sizes)):
        parquet_path(args.cache, rows)
        if rows in xlsx_sizes:
            xlsx_path(args.cache, rows)
    method_path(args.cache)
    results: dict = {"machine": machine(), "core": {}, "xlsx": {}, "parquet": {}, "score": {}}
    for rows in sizes:
        results["core"][rows] = run_worker("core", rows, args.repeats, args.cache)
    print_core(results["core"])
    idle = run_worker("read_memory", 0, 1, args.cache, "idle")["peak_rss_bytes"]
    for fmt, base, table_sizes in (("xlsx", "calamine", xlsx_sizes), ("parquet", "pyarrow",
                                                                        sizes)):
        for rows in table_sizes:
            r = run_worker(f"read_{fmt}", rows, args.repeats, args.cache)
            for who, kind in (("base_peak", base), ("ddci_peak", fmt))[:1 if "refused" in r
                                                                          else 2]:
                peak = run_worker("read_memory", rows, 1, args.cache, kind)["peak_rss_bytes"]
                r[who] = peak - idle
            results[fmt][rows] = r
    print_reading(results["xlsx"], results["parquet"])
    for rows in sizes:
        results["score"][rows] = run_worker("score", rows, args.repeats, args.cache)
    print_score(results["score"])
    if not args.skip_cli:
        results["cli"] = cli_sample(5, args.cache)
        c = results["cli"]
        print(f"\n`ddci score` on {Path(c['file']).name}: {ms(c['median'])} wall (median of "
              f"{c['runs']} runs, {c['rank_tables']} ranking tables printed)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
