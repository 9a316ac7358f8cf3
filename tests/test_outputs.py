"""Outputs and the terminal, through the real `ddci` command (SPEC §5): a write that fails
is exit 4 naming the path and the system's reason (never 3, "a bug"); several `-o` are all
or nothing; one file given twice is exit 2; SIGTERM/SIGHUP leave no temporary (143/129); a
closed stdout is 141, `--help` included; text from the data reaches the terminal escaped.
"""

from __future__ import annotations

import json
import os
import pty
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

BAD = Path(__file__).resolve().parent / "data" / "bad"
PREVIOUS = b"previous report\r\n"
HOSTILE = ("Bad [/] markup [bold red]x[/] [link=https://evil.example]y[/link] "
           "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \x1b[2J\x1b[31mred\x07 "
           "\u202eeman\u202c \x9b1m")


def _ddci() -> str:
    return str(Path(sys.executable).parent / "ddci")


def _env() -> dict:
    return dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8")


def run(*args, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([_ddci(), *map(str, args)], cwd=cwd, env=_env(),
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          **kwargs)


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "good.csv").write_bytes((BAD / "good.csv").read_bytes())
    (tmp_path / "method.toml").write_bytes((BAD / "method.toml").read_bytes())
    return tmp_path


def _no_temporaries(folder: Path) -> None:
    assert not [p.name for p in folder.rglob("*.tmp")]


def test_output_naming_a_folder_is_exit_4(folder):
    (folder / "report.json").mkdir()
    proc = run("score", "good.csv", "-m", "method.toml", "-o", "report.json", cwd=folder)
    assert proc.returncode == 4, proc.stderr
    assert "report.json" in proc.stderr and "Is a directory" in proc.stderr
    assert "bug" not in proc.stderr


def test_stdout_on_a_full_device_is_exit_4(folder):
    with open("/dev/full", "w") as full:
        for extra in (["--json"], []):
            proc = subprocess.run([_ddci(), "score", "good.csv", "-m", "method.toml", *extra],
                                  cwd=folder, env=_env(), stdout=full, stderr=subprocess.PIPE,
                                  text=True, timeout=120)
            assert proc.returncode == 4, proc.stderr
            assert "No space left on device" in proc.stderr and "bug" not in proc.stderr
            assert "Traceback" not in proc.stderr


def _small_files():
    # a file-size limit stands in for a full disk; SIGXFSZ ignored, a write gets EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def test_disk_full_during_the_second_output_writes_neither(folder):
    (folder / "out.csv").write_bytes(PREVIOUS)
    proc = run("score", "good.csv", "-m", "method.toml", "-o", "out.csv", "-o", "new.json",
               cwd=folder, preexec_fn=_small_files)
    assert proc.returncode == 4, proc.stderr
    assert "new.json" in proc.stderr and "File too large" in proc.stderr
    assert (folder / "out.csv").read_bytes() == PREVIOUS   # the first output was not renamed
    assert not (folder / "new.json").exists()
    _no_temporaries(folder)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_read_only_folder_is_exit_4(folder):
    ro = folder / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        proc = run("score", "good.csv", "-m", "method.toml", "-o", "ro/x.json", cwd=folder)
    finally:
        ro.chmod(0o755)
    assert proc.returncode == 4, proc.stderr
    assert "ro/x.json" in proc.stderr and "Permission denied" in proc.stderr


@pytest.mark.parametrize("second", ["./x.json", "sub/../x.json", "link.json"])
def test_one_output_given_twice_is_exit_2(folder, second):
    (folder / "sub").mkdir()
    (folder / "link.json").symlink_to(folder / "x.json")
    proc = run("score", "good.csv", "-m", "method.toml", "-o", "x.json", "-o", second,
               cwd=folder)
    assert proc.returncode == 2, proc.stderr
    assert "same file" in proc.stderr
    assert not (folder / "x.json").exists()


SLOW_WRITE = """
import os, sys, time
def slow_fsync(fd):  # the output's bytes are in the temporary file; now wait for a signal
    print("WRITING", file=sys.stderr, flush=True)
    time.sleep(60)
os.fsync = slow_fsync
from ddci_cli.cli import main
sys.argv = ["ddci"] + sys.argv[1:]
main()
"""


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)],
                         ids=["SIGTERM", "SIGHUP"])
def test_signal_during_a_write_leaves_no_temporary(folder, sig, code):
    (folder / "out.csv").write_bytes(PREVIOUS)
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WRITE, "score", "good.csv", "-m",
                             "method.toml", "-o", "out.json", "-o", "out.csv", "-q"],
                            cwd=folder, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    line = proc.stderr.readline().decode()
    assert "WRITING" in line, line + proc.stderr.read().decode()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err.decode()
    assert "Traceback" not in err.decode()
    assert (folder / "out.csv").read_bytes() == PREVIOUS
    assert sorted(p.name for p in folder.iterdir()) == ["good.csv", "method.toml", "out.csv"]


@pytest.mark.parametrize("args", [["--help"], ["score", "--help"]], ids=["root", "score"])
def test_help_into_a_closed_pipe_is_141(args):
    read, write = os.pipe()
    os.close(read)                                      # `ddci --help | true`
    try:
        proc = subprocess.run([_ddci(), *args], stdout=write, stderr=subprocess.PIPE,
                              env=_env(), timeout=60)
    finally:
        os.close(write)
    assert proc.returncode == 141, proc.stderr
    assert b"Traceback" not in proc.stderr


def _hostile_survey(folder: Path) -> Path:
    text = (BAD / "good.csv").read_text(encoding="utf-8").replace("Sở Tài chính", HOSTILE)
    path = folder / "hostile.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _assert_inert(text: str) -> None:
    for raw in ("\x1b", "\x07", "\u202e", "\u202c", "\x9b"):
        assert raw not in text, repr(raw)


def test_text_from_the_data_is_escaped_on_stdout_and_stderr(folder):
    _hostile_survey(folder)
    proc = run("score", "hostile.csv", "-m", "method.toml", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    _assert_inert(proc.stdout)
    _assert_inert(proc.stderr)
    shown = r"\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \x1b[2J\x1b[31mred\x07 " \
        r"\u202eeman\u202c \x9b1m"
    assert shown in proc.stdout                          # the ranking table
    assert shown in proc.stderr                          # the unknown_unit warning
    assert "Bad [/] markup [bold red]x[/]" in proc.stdout


def test_json_on_stdout_keeps_the_name_but_escapes_it(folder):
    _hostile_survey(folder)
    proc = run("score", "hostile.csv", "-m", "method.toml", "--json", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    _assert_inert(proc.stdout)
    names = {u["unit"] for u in json.loads(proc.stdout)["units"]}
    assert HOSTILE in names


def test_terminal_table_shows_markup_literally(folder):
    """On a terminal the ranking is a rich table: a name must not be read as markup."""
    _hostile_survey(folder)
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.Popen([_ddci(), "score", "hostile.csv", "-m", "method.toml"],
                                cwd=folder, env=dict(_env(), COLUMNS="400"),
                                stdout=secondary, stderr=subprocess.PIPE)
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:                              # the terminal closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        _, err = proc.communicate(timeout=120)
    finally:
        os.close(primary)
    out = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, err.decode()
    assert "Bad [/] markup [bold red]x[/]" in out and "[link=https://evil.example]" in out
    assert "\x1b]8;" not in out and "\u202e" not in out and "\x07" not in out
    assert r"\u202eeman\u202c" in out
