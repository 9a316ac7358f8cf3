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


# End-to-end tests that take seconds each (many `ddci` processes, thousands of replicates,
# rendering): run by `.ci/run` with the slow set, kept out of the quick `pytest` run so it
# stays under two minutes on two cores. The hand-computed cases, the oracle and the fuzz
# test stay in the quick run.
SLOW_END_TO_END = {
    "test_batch.py::test_docs_manifest_runs",
    "test_batch.py::test_five_jobs_one_bad_input",
    "test_batch.py::test_only_named_jobs",
    "test_batch.py::test_since_skips_unchanged_jobs",
    "test_batch.py::test_worst_exit_code_wins",
    "test_bootstrap.py::test_cli_bootstrap_json_is_reproducible_with_seed",
    "test_bootstrap.py::test_intervals_of_mid_field_units_cover_the_population_composite",
    "test_cli_language.py::test_a_terminal_and_a_pipe_speak_the_same_language",
    "test_cli_language.py::test_diagnose_in_one_language",
    "test_compare.py::test_bootstrap_intervals_of_changes",
    "test_compare.py::test_docs_years_examples_run",
    "test_compare.py::test_outputs_json_csv_xlsx",
    "test_diagnose.py::test_cli_json_and_outputs",
    "test_extent.py::test_large_full_sheet_is_read_and_sparse_one_refused",
    "test_outputs.py::test_stdout_on_a_full_device_is_exit_4",
    "test_report.py::test_chart_png_is_written_and_deterministic",
    "test_report.py::test_report_doc_examples_run",
    "test_report.py::test_scorecard_explain_section",
    "test_report.py::test_scorecards_option",
    "test_safety.py::test_zip_bomb_is_refused_quickly_in_bounded_memory",
    "test_sample.py::test_workbook_is_marked_synthetic_with_header_on_row_3",
    "test_sample.py::test_written_files_are_byte_identical",
    "test_sensitivity.py::test_cli_sobol_outputs",
    "test_sensitivity.py::test_cli_table_error_exit_1",
    "test_sensitivity.py::test_cli_uncertainty_json",
    "test_sensitivity.py::test_cli_usage_errors",
    "test_weighting.py::test_not_converged_is_a_warning",
    "test_report.py::test_scorecards_of_the_samples_are_on_the_right_side",
    "test_compare.py::test_pci_without_crosswalk_lists_the_unmatched_spellings",
    "test_compare.py::test_pci_2013_2016_changes_match_published_tables",
}
# whole files of process-level checks (signals, pipes, terminals, concurrent batches,
# writing the samples), each test starting several `ddci` processes
SLOW_FILES = {"test_batch_safety.py", "test_outputs.py", "test_cli_language.py",
              "test_sample.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = f"{Path(str(item.fspath)).name}::{item.originalname}"
        if name in SLOW_END_TO_END or Path(str(item.fspath)).name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
