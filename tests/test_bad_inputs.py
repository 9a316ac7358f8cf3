"""The bad-input corpus (tests/data/bad/): every file gets the outcome its row of
expected.csv states — exit code, problem codes, the place named — with no traceback, and on
exit 1 no output file is created or changed.

The CLI runs in-process (``ddci_cli.cli.main`` with ``sys.argv`` patched) so the ~90 cases
run in seconds; tests/test_safety.py drives the real console script for what needs a
process (signals, pipes, memory).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import shutil
import sys
import time
from pathlib import Path

import pytest

BAD = Path(__file__).resolve().parent / "data" / "bad"
CASES = list(csv.DictReader((BAD / "expected.csv").open(encoding="utf-8")))
SENTINEL = b"previous report, must survive\r\n"


def run_cli(*args) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``ddci ARGS`` run in this process."""
    from ddci_cli import cli

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["ddci", *map(str, args)]
    code = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cli.main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = argv
    return (0 if code is None else code), out.getvalue(), err.getvalue()


def _case_id(case: dict) -> str:
    extra = f" {case['args']}" if case["args"] else ""
    return f"{case['file']}|{case['method']}|{case['command']}{extra}"


def _place(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split(";") if part)


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """One full run first, so the timed cases do not pay for importing the libraries."""
    tmp = tmp_path_factory.mktemp("warm")
    run_cli("score", BAD / "good.xlsx", "-m", BAD / "method.toml", "--json",
            "-o", tmp / "w.xlsx", "-o", tmp / "w.csv")


@pytest.fixture
def workdir(tmp_path, warm):
    return tmp_path


def _stage(case: dict, tmp: Path) -> tuple[Path, Path]:
    """Copies of the survey and method in a fresh folder (absent ones stay absent)."""
    paths = []
    for name in (case["file"], case["method"]):
        if (BAD / name).exists():
            shutil.copy(BAD / name, tmp / name)
        paths.append(tmp / name)
    return paths[0], paths[1]


def _args(case: dict, tmp: Path, survey: Path) -> list[str]:
    text = case["args"].replace("{tmp}", str(tmp)).replace("{input}", str(survey))
    return text.split()


def _assert_clean_stderr(err: str) -> None:
    assert "Traceback" not in err, err
    assert "Internal error" not in err, err


def _matching(problems: list[dict], code: str, place: dict[str, str]) -> list[dict]:
    found = []
    for p in problems:
        if p["code"] != code:
            continue
        if "row" in place and p["row"] != int(place["row"]):
            continue
        if any(k in place and p[k] != place[k] for k in ("column", "key", "sheet")):
            continue
        found.append(p)
    return found


def _rendered_line(err: str, problem: dict) -> str:
    """The stderr line that shows ``problem`` (message and, without a row, its place)."""
    lines = [ln for ln in err.splitlines() if problem["message"] in ln]
    assert lines, f"problem not shown on stderr: {problem['message']}\n{err}"
    return lines[0]


def _assert_place_named(err: str, problem: dict, place: dict[str, str]) -> None:
    line = _rendered_line(err, problem)
    if "row" in place:
        assert f"row {place['row']}" in line, line
    if "column" in place:
        assert place["column"] in line, line
    if "key" in place:
        assert place["key"] in line, line
    if "sheet" in place:
        assert place["sheet"] in line, line
    if "text" in place:
        assert place["text"] in line, line


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_corpus_case(case, workdir):
    survey, method = _stage(case, workdir)
    before = {p.name: _digest(p) for p in workdir.iterdir()}
    expected_exit = int(case["exit"])
    outputs = []
    if case["command"] == "score" and expected_exit == 0:
        outputs = [workdir / "out.xlsx", workdir / "out.csv"]
    args = [case["command"], survey, "-m", method, "--json", *_args(case, workdir, survey)]
    for out in outputs:
        args += ["-o", out]
    start = time.perf_counter()
    code, stdout, stderr = run_cli(*args)
    elapsed = time.perf_counter() - start
    detail = f"exit {code}\n--- stdout ---\n{stdout[:3000]}\n--- stderr ---\n{stderr[-3000:]}"
    assert code == expected_exit, detail
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    _assert_clean_stderr(stderr)
    for name, digest in before.items():  # inputs are never touched
        assert _digest(workdir / name) == digest, name
    if expected_exit == 2:
        assert stdout.strip() == "", detail
        assert "Error:" in stderr, detail
        return
    doc = json.loads(stdout)
    assert doc["schema_version"] == 1 and doc["ok"] is (expected_exit == 0), detail
    problems = doc["problems"]
    codes = case["codes"].split()
    if not codes:
        assert problems == [], detail
    for code_name in codes:
        assert any(p["code"] == code_name for p in problems), f"{code_name} missing\n{detail}"
    if expected_exit == 1:
        assert any(p["severity"] == "error" for p in problems), detail
    if codes:
        place = _place(case["place"])
        hits = _matching(problems, codes[0], place)
        assert hits, f"no {codes[0]} problem at {place}\n{detail}"
        _assert_place_named(stderr, hits[0], place)
    for out in outputs:
        assert out.is_file() and out.stat().st_size > 0, out
    if expected_exit == 1:
        _assert_nothing_written(case, workdir, survey, method)


def _assert_nothing_written(case: dict, tmp: Path, survey: Path, method: Path) -> None:
    """``ddci score`` on the same input stops with exit 1 and leaves the outputs alone."""
    out_dir = tmp / "outputs"
    out_dir.mkdir()
    previous = out_dir / "out.csv"
    previous.write_bytes(SENTINEL)
    code, stdout, stderr = run_cli("score", survey, "-m", method, *_args(case, tmp, survey),
                                   "-o", out_dir / "out.xlsx", "-o", previous)
    assert code == 1, f"exit {code}\n{stderr[-2000:]}"
    _assert_clean_stderr(stderr)
    assert stdout.strip() == ""
    assert "nothing was written" in stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["out.csv"]
    assert previous.read_bytes() == SENTINEL


def test_corpus_is_large_and_small():
    files = [p for p in BAD.iterdir() if p.is_file()]
    surveys = {c["file"] for c in CASES} | {c["method"] for c in CASES}
    assert len([c for c in CASES if c["exit"] != "0"]) >= 40
    assert len(surveys) >= 40
    assert sum(p.stat().st_size for p in files) < 1024**2
    assert max(p.stat().st_size for p in files) < 64 * 1024


def test_every_corpus_file_has_an_expectation():
    named = {c["file"] for c in CASES} | {c["method"] for c in CASES}
    helpers = {"make_corpus.py", "expected.csv"}
    unused = {p.name for p in BAD.iterdir() if p.is_file()} - named - helpers
    assert not unused, f"corpus files without a row in expected.csv: {sorted(unused)}"


def test_validate_lists_all_problems_in_json_and_caps_the_terminal(workdir):
    """Many bad cells in one column: every one in --json, a few and a count on stderr."""
    rows = list(csv.reader((BAD / "good.csv").open(encoding="utf-8", newline="")))
    header, body = rows[0], rows[1:]
    lines = [header]
    for n in range(40):
        cells = list(body[n % len(body)])
        cells[header.index("B1")] = "x"
        lines.append(cells)
    survey = workdir / "many.csv"
    with survey.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(lines)
    code, stdout, stderr = run_cli("validate", survey, "-m", BAD / "method.toml", "--json")
    assert code == 1
    bad = [p for p in json.loads(stdout)["problems"] if p["code"] == "non_numeric_value"]
    assert sorted(p["row"] for p in bad) == list(range(2, 42))
    shown = [ln for ln in stderr.splitlines() if "[non_numeric_value]" in ln]
    assert len(shown) < 10
    assert "35 more like this in column B1" in stderr


def test_score_json_on_success_carries_warnings(workdir):
    survey, method = _stage({"file": "unit_unlisted.csv", "method": "method.toml"}, workdir)
    code, stdout, stderr = run_cli("score", survey, "-m", method, "--json")
    assert code == 0, stderr
    doc = json.loads(stdout)
    assert [p["code"] for p in doc["problems"]] == ["unknown_unit"]
    assert any(u["unit"] == "Sở Công Thương" for u in doc["units"])


PROBLEM_CODE_PATTERNS = [
    r"""\.(?:error|warning|add)\(\s*["']([a-z][a-z0-9_]+)["']""",  # report.error("code", …)
    r"""\bcode\s*=\s*["']([a-z][a-z0-9_]+)["']""",                 # InputError(…, code="…")
    r"""Problem\(\s*["']([a-z][a-z0-9_]+)["']""",
    r"""pop\(\s*["']code["']\s*,\s*["']([a-z][a-z0-9_]+)["']""",    # InputError's default
    r"""^(?:NON_NUMERIC|OUT_OF_RANGE)\s*=\s*["']([a-z_]+)["']""",    # cell issue kinds
]


def source_problem_codes() -> dict[str, str]:
    """Every problem code written in the package source → a file that uses it."""
    import re

    src = Path(__file__).resolve().parent.parent / "src" / "ddci_cli"
    found = {}
    for path in sorted(src.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in PROBLEM_CODE_PATTERNS:
            for code in re.findall(pattern, text, flags=re.MULTILINE):
                found.setdefault(code, path.name)
    return found


def test_every_problem_code_is_documented():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "errors.md").read_text(
        encoding="utf-8")
    codes = source_problem_codes()
    assert len(codes) > 50  # the patterns still find the codes
    missing = sorted(f"{c} ({f})" for c, f in codes.items() if f"`{c}`" not in docs)
    assert not missing, f"codes used in the source but not in docs/errors.md: {missing}"


def test_corpus_codes_are_found_by_the_source_scan():
    """The scan above would miss a code written some other way; the corpus shows which
    codes really occur, and each must be among the scanned ones."""
    seen = {c for case in CASES for c in case["codes"].split()}
    assert seen <= set(source_problem_codes()), seen - set(source_problem_codes())


def test_every_bad_cell_of_a_large_workbook_is_listed(tmp_path, warm):
    """The benchmark's workbook at a tenth of its size: all bad cells in --json, each at
    its row and column (benchmarks/bench_validate.py runs the 50,000-row version)."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_validate.py"
    spec = importlib.util.spec_from_file_location("bench_validate", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    survey, method, expected = bench.build(5_000, 300, tmp_path)
    start = time.perf_counter()
    code, stdout, stderr = run_cli("validate", survey, "-m", method, "--json")
    assert code == 1, stderr[-2000:]
    assert time.perf_counter() - start < 10
    listed = {(p["row"], p["column"]) for p in json.loads(stdout)["problems"]
              if p["code"] in ("non_numeric_value", "out_of_range")}
    assert listed == expected
