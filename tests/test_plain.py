"""``ddci score`` without typer (cli/plain.py) and the workbook read ahead (cli/ahead.py,
io/ahead.py): the same call, the same answers, the same errors as the long way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ddci_cli.cli import ahead as cli_ahead
from ddci_cli.cli import plain
from ddci_cli.errors import InputError
from ddci_cli.io import ahead
from ddci_cli.io.read import Book, open_ahead, open_book

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "ddci_haiphong_2024"


# ---- the option table is typer's ------------------------------------------------------

def _typer_score():
    from typer.main import get_command

    from ddci_cli.cli.application import app

    return get_command(app).commands["score"]


def test_option_table_is_the_commands_own():
    """Every option of typer's score command, with its spellings, kind and default, and
    nothing else: an option added to application.score fails here until plain.py knows it."""
    table, defaults, envvars = {}, {}, set()
    for param in _typer_score().params:
        if param.param_type_name == "argument":
            assert param.name == "survey"
            continue
        annotation = param.type_descriptor.annotation
        kind = ("flag" if param.is_flag else "paths" if param.multiple else
                {Path: "path", str: "text", int: "int"}[annotation])
        for spelling in [*param.opts, *param.secondary_opts]:
            table[spelling] = (param.name, kind)
        if param.name != "method":
            defaults[param.name] = param.default
        if param.envvar:
            envvars.add(param.envvar)
    assert table == plain.SCORE_OPTIONS
    assert defaults == plain.SCORE_DEFAULTS
    assert envvars == set(plain.SCORE_ENVIRONMENT)


# ---- the parse is typer's --------------------------------------------------------------

def _typer_parameters(argv: list[str], monkeypatch) -> dict | str:
    """What typer hands application.score for ``ddci score ARGV``, or "refused"."""
    from ddci_cli.cli.application import _app_for

    seen: dict = {}

    def job(p):
        seen.update(p)
        return lambda: 0

    monkeypatch.setattr(plain, "score_job", job)
    try:
        _app_for(["score"])(["score", *argv], standalone_mode=False, prog_name="ddci")
    except Exception as exc:
        if type(exc).__name__ == "Exit" and getattr(exc, "exit_code", 1) == 0:
            return seen
        return "refused"
    return seen


PLAIN_LINES = [
    ["s.xlsx", "-m", "m.toml"],
    ["s.xlsx", "--method", "m.toml", "--json"],
    ["-m", "m.toml", "s.csv", "-q", "--seed", "7", "--bootstrap", "200"],
    ["s.xlsx", "-m", "m.toml", "-o", "a.xlsx", "--output", "b.json", "-o", "a.xlsx"],
    ["s.xlsx", "-m", "m.toml", "--sheet", "2", "--header-row", "3", "--lang", "en"],
    ["s.xlsx", "-m", "m.toml", "--encoding", "cp1258", "--delimiter", ";", "--lenient",
     "--strict", "--no-progress", "--debug", "--scorecards", "--chart", "c.png"],
    ["Khảo sát 2024.xlsx", "-m", "phương pháp.toml", "--sheet", "Dữ liệu"],
    ["s.xlsx", "-m", "m.toml", "--seed", "3", "--json", "--json", "-q", "--quiet"],
]
NOT_PLAIN = [
    [], ["s.xlsx"], ["-m", "m.toml"], ["s.xlsx", "-m", "m.toml", "--help"],
    ["s.xlsx", "--method=m.toml"], ["s.xlsx", "-mm.toml"], ["s.xlsx", "-qm", "m.toml"],
    ["s.xlsx", "-m", "m.toml", "--", "x"], ["s.xlsx", "t.xlsx", "-m", "m.toml"],
    ["s.xlsx", "-m", "m.toml", "--seed", "1.5"], ["s.xlsx", "-m", "m.toml", "--seed", " 5"],
    ["s.xlsx", "-m", "m.toml", "--seed", "+5"], ["s.xlsx", "-m", "m.toml", "--seed", "5_0"],
    ["s.xlsx", "-m", "m.toml", "--sheet", "a", "--sheet", "b"],
    ["s.xlsx", "-m", "m.toml", "--sheet"], ["s.xlsx", "-m", "m.toml", "--sheet", ""],
    ["s.xlsx", "-m", "m.toml", "--unknown"], ["s.xlsx", "-m", "m.toml", "-V"],
    ["-", "-m", "m.toml"], ["s.xlsx", "-m", ""], ["s.xlsx", "-m", "m.toml", "--seed", "-3"],
]


@pytest.mark.parametrize("argv", PLAIN_LINES)
def test_plain_lines_parse_as_typer_does(argv, monkeypatch):
    parsed = plain.parse_score(argv)
    assert parsed is not None, "a plain command line went the long way"
    assert parsed == _typer_parameters(argv, monkeypatch)


@pytest.mark.parametrize("argv", NOT_PLAIN)
def test_other_lines_go_to_typer(argv):
    assert plain.parse_score(argv) is None


@pytest.mark.parametrize("name", plain.SCORE_ENVIRONMENT)
def test_environment_read_by_an_option_goes_to_typer(name, monkeypatch):
    monkeypatch.setenv(name, "5")
    assert plain.parse_score(["s.xlsx", "-m", "m.toml"]) is None


VALUES = st.sampled_from(["x", "Data", "2", "07", "0", "-1", "", "1e3", " 5", "+5", "5_0",
                          "--json", "-q", "9" * 20, "a b", "Sở KH&ĐT", "c.png", "m.toml"])
OPTIONS = st.sampled_from(sorted(plain.SCORE_OPTIONS))
JUNK = st.sampled_from(["--", "-qm", "--sheet=Data", "--help", "--no-json", "-x", "t.xlsx"])


@st.composite
def command_lines(draw) -> list[str]:
    """Options with values (most plain, some not), the survey somewhere, now and then a
    word typer alone can take."""
    words = []
    for option in draw(st.lists(OPTIONS, max_size=7)):
        words.append(option)
        if plain.SCORE_OPTIONS[option][1] != "flag":
            words.append(draw(VALUES))
    if draw(st.booleans()):
        words += ["-m", "m.toml"]
    place = draw(st.integers(0, len(words)))
    words[place:place] = ["s.xlsx"]
    if draw(st.integers(0, 4)) == 0:
        words.insert(draw(st.integers(0, len(words))), draw(JUNK))
    return words


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
def test_any_line_is_typers_or_goes_to_typer(argv, monkeypatch):
    parsed = plain.parse_score(argv)
    if parsed is not None:
        assert parsed == _typer_parameters(argv, monkeypatch)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_generated_lines_are_often_plain():
    """The property above is not vacuous: many of the lines it draws are parsed here."""
    lines = [command_lines().example() for _ in range(100)]
    assert sum(plain.parse_score(line) is not None for line in lines) >= 8


# ---- the read ahead ---------------------------------------------------------------------

def test_argv_options_found_as_click_reads_them():
    argv = ["s.xlsx", "-m", "a.toml", "--sheet=Data", "--method", "b.toml", "-o", "x"]
    assert cli_ahead.option(argv, "--method", "-m") == "b.toml"
    assert cli_ahead.option(argv, "--sheet") == "Data"
    assert cli_ahead.option(["s", "-mc.toml"], "--method", "-m") == "c.toml"
    assert cli_ahead.option(["s", "--", "-m", "x"], "--method", "-m") is None


def test_sheet_wanted_follows_the_command(tmp_path):
    method = tmp_path / "m.toml"
    method.write_text('[input]\nsheet = "Dữ liệu"\n', encoding="utf-8")
    assert cli_ahead.sheet_wanted(None, str(method)) == "Dữ liệu"
    assert cli_ahead.sheet_wanted("2", str(method)) == 2
    assert cli_ahead.sheet_wanted(" Data ", str(method)) == " Data "
    method.write_text("[index]\n", encoding="utf-8")
    assert cli_ahead.sheet_wanted(None, str(method)) is None


@pytest.fixture
def workbook(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "First"
    wb.active.append(["unit", "q1"])
    wb.active.append(["Sở A", 4])
    second = wb.create_sheet("Second")
    second.append(["unit", "q1"])
    second.append(["Sở B", 2])
    path = tmp_path / "survey.xlsx"
    wb.save(path)
    return path


def _started(path: Path, sheet) -> None:
    job = ahead.start(path, lambda opened: open_ahead(path, lambda: sheet, opened))
    assert job is not None
    job.opened.wait(10)


def test_the_sheet_read_ahead_is_the_one_the_command_reads(workbook):
    _started(workbook, None)
    book = open_book(workbook)
    first = book.grid("First")
    assert first.rows == Book(workbook).grid("First").rows
    assert book.grid("Second").rows[1][0] == "Sở B"  # any other sheet is read as before
    assert book.grid("First") is not first  # taken once, then read again
    assert ahead.take(workbook) == (False, None)


def test_a_named_sheet_is_read_ahead(workbook):
    _started(workbook, "second")  # found as the command finds it: ignoring case
    book = open_book(workbook)
    assert "Second" in book._ahead and "First" not in book._ahead


def test_a_changed_file_is_read_again(workbook):
    _started(workbook, None)
    time.sleep(0.01)
    os.utime(workbook, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert ahead.take(workbook) == (False, None)
    assert open_book(workbook).grid("First").rows[1][0] == "Sở A"
    ahead._STARTED.clear()  # the started job is dropped


def test_an_error_is_raised_where_the_command_opens_the_book(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError) as direct:
        open_book(bad)
    _started(bad, None)
    with pytest.raises(InputError) as taken:
        open_book(bad)
    assert taken.value.report.problems[0].code == direct.value.report.problems[0].code
    assert str(taken.value) == str(direct.value)


def test_large_files_and_other_paths_are_not_read_ahead(tmp_path, monkeypatch):
    monkeypatch.setattr(ahead, "MAX_BYTES", 10)
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"x" * 11)
    assert ahead.start(big, lambda opened: None) is None
    assert ahead.start(tmp_path, lambda opened: None) is None
    assert ahead.start(tmp_path / "missing.xlsx", lambda opened: None) is None


# ---- end to end --------------------------------------------------------------------------

def _ddci(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "ddci"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


def test_score_answers_the_same_every_way(tmp_path):
    """Read ahead and parsed plainly; not read ahead (the survey is not the first word);
    through typer (DDCI_SEED is set): one JSON document, one ranking."""
    xlsx, toml = str(SAMPLE.with_suffix(".xlsx")), str(SAMPLE.with_suffix(".toml"))
    ways = [_ddci("score", xlsx, "-m", toml, "--json"),
            _ddci("score", "-m", toml, xlsx, "--json"),
            _ddci("score", xlsx, "-m", toml, "--json", env={"DDCI_SEED": "0"})]
    assert [w.returncode for w in ways] == [0, 0, 0]
    documents = [json.loads(w.stdout) for w in ways]
    assert documents[0] == documents[1] == documents[2]
    shown = [_ddci("score", xlsx, "-m", toml).stdout,
             _ddci("score", xlsx, "-m", toml, env={"DDCI_LANG": "vi"}).stdout]
    assert shown[0] == shown[1] and "Hạng" in shown[0]


def test_score_errors_the_same_every_way(tmp_path):
    xlsx = str(SAMPLE.with_suffix(".xlsx"))
    bad = tmp_path / "m.toml"
    bad.write_text("[index\n", encoding="utf-8")
    ways = [_ddci("score", xlsx, "-m", str(bad), "--json"),
            _ddci("score", xlsx, "-m", str(bad), "--json", env={"DDCI_SEED": "0"})]
    assert ways[0].returncode == ways[1].returncode == 1
    assert json.loads(ways[0].stdout) == json.loads(ways[1].stdout)
    assert ways[0].stderr == ways[1].stderr
    usage = [_ddci("score", xlsx, "-m", str(bad), "--seed", "x"),
             _ddci("score", xlsx, "--seed", "x")]
    assert [u.returncode for u in usage] == [2, 2]


def test_plain_score_imports_no_typer():
    code = ("import sys\nfrom ddci_cli.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('typer', 'click', 'rich', 'pandas', 'pyarrow')"
            " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, "score", str(SAMPLE.with_suffix(".xlsx")),
                           "-m", str(SAMPLE.with_suffix(".toml")), "-q"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_no_read_ahead_on_one_core(workbook, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    cli_ahead.start(["score", str(workbook), "-m", "m.toml"])
    assert ahead.take(workbook) == (False, None)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    cli_ahead.start(["score", str(workbook), "-m", "m.toml"])
    taken, book = ahead.take(workbook)
    assert taken and book.sheet_names == ["First", "Second"]
