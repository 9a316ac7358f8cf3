"""The terminal in one language per run, short status words, help with real metavars, -V,
and `init` creating its folder: all through the `ddci` command."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SURVEY = SAMPLES / "ddci_haiphong_2024.xlsx"
METHOD = SAMPLES / "ddci_haiphong_2024.toml"
COMMANDS = ("score", "explain", "validate", "sensitivity", "diagnose", "sample", "init",
            "compare", "batch", "units")


@pytest.fixture
def strict_method(tmp_path) -> Path:
    """The sample method with min_responses 150: several units are not ranked."""
    text = METHOD.read_text(encoding="utf-8").replace("min_responses = 30",
                                                      "min_responses = 150", 1)
    path = tmp_path / "strict.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _table_lines(stdout: str) -> list[str]:
    return [ln for ln in stdout.splitlines() if re.match(r"^\s+(\d+|–)\s", ln)]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_metavars_not_types(ddci, command):
    proc = ddci.run(command, "--help")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    for bad in ("<bool>", "--no-no-", "<list[", "<str>", "<int>", "<float>", "<path>"):
        assert bad not in text, (command, bad)


def test_help_shows_defaults_and_plain_flags(ddci):
    text = ddci.run("score", "--help").stdout
    assert re.search(r"--seed\s+N\b.*\[default: 0\]", text, re.S)
    assert "--no-progress" in text and "--no-json" not in text and "--no-strict" not in text
    assert re.search(r"--lang\s+vi\|en", text)


def test_dash_v_is_version(ddci):
    for flag in ("-V", "--version"):
        proc = ddci.run(flag)
        assert proc.returncode == 0 and proc.stdout.startswith("ddci "), proc.stderr
    assert "-V, --version" in ddci.run("--help").stdout


def test_init_creates_its_folder(ddci, tmp_path):
    proc = ddci.run("init", "my-index/2025")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "my-index" / "2025" / "method.toml").is_file()
    (tmp_path / "a-file").write_text("x")
    proc = ddci.run("init", "a-file")
    assert proc.returncode == 2 and "not a folder" in proc.stderr


def test_piped_ranking_in_the_method_language_with_short_statuses(ddci, strict_method):
    proc = ddci.run("score", SURVEY, "-m", strict_method)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Hạng" in out and "Đơn vị" in out and "rank" not in out and "composite" not in out
    assert "insufficient_responses" not in out and "thiếu phiếu" in out
    lines = _table_lines(out)
    unranked = [ln for ln in lines if "thiếu phiếu" in ln]
    ranked = [ln for ln in lines if ln not in unranked]
    assert unranked and ranked
    # the tier column starts at the same place on every row: nothing pushed it right
    tier_at = {ln.index("thiếu phiếu") + len("thiếu phiếu") for ln in unranked}
    assert tier_at <= {m.end() for ln in ranked for m in [re.search(r"\d+\.\d\d", ln)]}
    english = ddci.run("score", SURVEY, "-m", strict_method, "--lang", "en").stdout
    assert "Rank" in english and "too few" in english and "Hạng" not in english


@pytest.mark.skipif(shutil.which("script") is None, reason="util-linux script not installed")
def test_a_terminal_and_a_pipe_speak_the_same_language(ddci, strict_method, tmp_path):
    cmd = f"{ddci.exe} score {SURVEY} -m {strict_method}"
    env = dict(os.environ, NO_COLOR="1", COLUMNS="160", TERM="xterm")
    tty = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True,
                         env=env, timeout=120, stdin=subprocess.DEVNULL).stdout
    piped = ddci.run("score", SURVEY, "-m", strict_method).stdout
    for word in ("Hạng", "Đơn vị", "Xếp loại", "thiếu phiếu"):
        assert word in tty and word in piped, word
    assert "insufficient_responses" not in tty


def test_diagnose_in_one_language(ddci):
    vi = ddci.run("diagnose", SURVEY, "-m", METHOD)
    assert vi.returncode == 0, vi.stderr
    for english in ("evaluations", "responses", "missing", "sub-index", "std alpha",
                    "correlate", "status"):
        assert english not in vi.stdout, english
    en = ddci.run("diagnose", SURVEY, "-m", METHOD, "--lang", "en").stdout
    assert "evaluations" in en and "Lượt đánh giá" not in en


def test_a_correlation_over_few_units_says_it_is_unreliable():
    from ddci_cli.cli.render import correlation_lines

    pair = {"high": [{"a": "q1", "b": "q2", "r": 0.95}], "negative_within": []}
    few = correlation_lines({**pair, "units": 5}, "Khối", english=False)
    many = correlation_lines({**pair, "units": 21}, "Khối", english=False)
    assert "5 đơn vị" in few[0] and "không đáng tin cậy" in few[0]
    assert "tin cậy" not in many[0]
    assert "unreliable" in correlation_lines({**pair, "units": 4}, "Block", english=True)[0]
