"""Shared fixtures for the end-to-end tests that drive the `ddci` console script."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
DATA_DIR = TESTS_DIR / "data"


def _ddci_executable() -> str | None:
    beside = Path(sys.executable).parent / "ddci"
    if beside.exists():
        return str(beside)
    return shutil.which("ddci")


def display_key(name: str) -> str:
    """A unit name as `score --json` displays it: NFC, trimmed, inner whitespace collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", name)).strip()


class DdciRunner:
    """Runs `ddci` as a subprocess, the way a cron job or a script would."""

    def __init__(self, exe: str, cwd: Path):
        self.exe = exe
        self.cwd = cwd

    def run(self, *args: str | os.PathLike, timeout: float = 300) -> subprocess.CompletedProcess:
        env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8")
        return subprocess.run(
            [self.exe, *map(str, args)],
            cwd=self.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
        )

    def score(self, survey, method, *extra, expect_rc: int = 0) -> dict:
        """`ddci score SURVEY -m METHOD --json [extra]`; the parsed JSON document."""
        proc = self.run("score", survey, "-m", method, "--json", *extra)
        detail = f"exit {proc.returncode}\n--- stdout ---\n{proc.stdout[:4000]}\n--- stderr ---\n{proc.stderr[-4000:]}"
        assert proc.returncode == expect_rc, detail
        try:
            doc = json.loads(proc.stdout)
        except json.JSONDecodeError as e:  # pragma: no cover - failure path
            raise AssertionError(f"stdout is not one JSON document: {e}\n{detail}") from e
        assert doc.get("schema_version") == 1, detail
        assert doc.get("ok") is (expect_rc == 0), detail
        return doc


@pytest.fixture
def ddci(tmp_path) -> DdciRunner:
    exe = _ddci_executable()
    if exe is None:  # pragma: no cover
        pytest.fail("the `ddci` console script is not installed (pip install -e .)")
    return DdciRunner(exe, tmp_path)


@pytest.fixture
def data_dir() -> Path:
    return DATA_DIR


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The published reference data (../shared/data, or $DDCI_SHARED_DATA); skips when absent."""
    from reference import shared_data as locate

    return locate()
