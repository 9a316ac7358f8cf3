"""`ddci batch MANIFEST`: jobs for cron and scripts (docs/batch.md)."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from reference import pci_survey, write_pci_method

DATA = Path(__file__).parent / "data"
YEARS = DATA / "years"

FIVE_JOBS = """
[defaults]
seed = 7

[[jobs]]
name = "score-2021"
command = "score"
survey = "in/ddci_2021.csv"
method = "in/method.toml"
outputs = ["out/2021.json", "out/2021.csv"]

[[jobs]]
name = "score-bad"
command = "score"
survey = "in/bad.csv"
method = "in/method.toml"
outputs = ["out/bad.json"]

[[jobs]]
name = "check-2023"
command = "validate"
survey = "in/ddci_2023.csv"
method = "in/method.toml"

[[jobs]]
name = "years"
command = "compare"
surveys = ["in/ddci_2021.csv", "in/ddci_2022.csv", "in/ddci_2023.csv"]
method = "in/method.toml"
crosswalk = "in/crosswalk.csv"
outputs = ["out/years.json", "out/years.xlsx"]

[[jobs]]
name = "pci-2014"
command = "score"
survey = PCI_2014_SURVEY
method = "in/pci_2014_method.toml"
outputs = ["out/pci_2014.json"]
options = { lang = "en", scorecards = true }
"""


def five_jobs() -> str:
    """The manifest, its PCI job reading VCCI's published 2014 table where it is published."""
    return FIVE_JOBS.replace("PCI_2014_SURVEY", f"'{pci_survey(2014)}'")


@pytest.fixture
def folder(tmp_path) -> Path:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (tmp_path / "out").mkdir()
    for name in ("ddci_2021.csv", "ddci_2022.csv", "ddci_2023.csv", "method.toml",
                 "crosswalk.csv"):
        shutil.copy(YEARS / name, inputs / name)
    write_pci_method(2014, inputs)
    (inputs / "bad.csv").write_text("Unit,Q1,Q2\nA,4,six\nB,2,2\n", encoding="utf-8")
    (tmp_path / "jobs.toml").write_text(five_jobs(), encoding="utf-8")
    return tmp_path


def batch(ddci, folder: Path, *extra) -> tuple[int, dict, str]:
    proc = ddci.run("batch", folder / "jobs.toml", "--json", *extra)
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def test_five_jobs_one_bad_input(ddci, folder):
    rc, doc, stderr = batch(ddci, folder, "--summary", folder / "out" / "summary.json")
    assert rc == 1
    assert doc["ok"] is False and doc["exit_code"] == 1
    status = {j["name"]: (j["status"], j["exit_code"]) for j in doc["jobs"]}
    assert status == {"score-2021": ("ok", 0), "score-bad": ("failed", 1),
                      "check-2023": ("ok", 0), "years": ("ok", 0), "pci-2014": ("ok", 0)}
    bad = next(j for j in doc["jobs"] if j["name"] == "score-bad")
    assert "'six'" in bad["message"]
    assert [(p["code"], p["row"], p["column"]) for p in bad["problems"]] == \
        [("non_numeric_value", 2, "Q2")]
    assert not (folder / "out" / "bad.json").exists()
    for name in ("2021.json", "2021.csv", "years.json", "years.xlsx", "pci_2014.json"):
        assert (folder / "out" / name).stat().st_size > 0
    # the jobs ran as the commands do: defaults and options reached them
    assert json.loads((folder / "out" / "2021.json").read_text(encoding="utf-8"))["seed"] == 7
    years = json.loads((folder / "out" / "years.json").read_text(encoding="utf-8"))
    assert years["years"] == [2021, 2022, 2023] and years["crosswalk"]["applied"] == 8
    summary = json.loads((folder / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary == doc
    failed, = [ln for ln in stderr.splitlines() if ln.startswith("FAILED")]
    assert "score-bad" in failed and "exit 1" in failed
    assert doc["counts"] == {"ok": 4, "failed": 1, "skipped": 0}


def test_since_skips_unchanged_jobs(ddci, folder):
    state = folder / "state.json"
    rc, first, _ = batch(ddci, folder, "--since", state)
    assert rc == 1 and first["counts"] == {"ok": 4, "failed": 1, "skipped": 0}
    rc, second, _ = batch(ddci, folder, "--since", state)
    # the failed job runs again (and fails again); the others are skipped
    assert rc == 1
    assert {j["name"]: j["status"] for j in second["jobs"]} == {
        "score-2021": "skipped", "score-bad": "failed", "check-2023": "skipped",
        "years": "skipped", "pci-2014": "skipped"}
    with (folder / "in" / "ddci_2021.csv").open("a", encoding="utf-8") as fh:
        fh.write("F,5,5\n")                               # an input changes
    (folder / "out" / "pci_2014.json").unlink()            # an output disappears
    (folder / "in" / "bad.csv").write_text("Unit,Q1,Q2\nA,4,6\n", encoding="utf-8")
    rc, third, _ = batch(ddci, folder, "--since", state)
    assert rc == 0
    assert {j["name"]: j["status"] for j in third["jobs"]} == {
        "score-2021": "ok", "score-bad": "ok", "check-2023": "skipped", "years": "ok",
        "pci-2014": "ok"}


def test_only_named_jobs(ddci, folder):
    rc, doc, _ = batch(ddci, folder, "--job", "check-2023", "--job", "pci-2014")
    assert rc == 0 and [j["name"] for j in doc["jobs"]] == ["check-2023", "pci-2014"]
    proc = ddci.run("batch", folder / "jobs.toml", "--job", "nope")
    assert proc.returncode == 2 and "'nope' is not a job" in proc.stderr


def test_worst_exit_code_wins(ddci, folder):
    (folder / "jobs.toml").write_text(five_jobs().replace('"out/2021.csv"', '"out/2021.txt"'),
                                      encoding="utf-8")
    rc, doc, _ = batch(ddci, folder)
    assert rc == 2                                         # usage (2) beats input (1)
    assert {j["name"]: j["exit_code"] for j in doc["jobs"]}["score-2021"] == 2


def test_manifest_problems_name_key_paths(ddci, folder):
    (folder / "jobs.toml").write_text(textwrap.dedent("""
        [defaults]
        sed = 1

        [[jobs]]
        name = "a"
        command = "scroe"
        survey = "x.csv"

        [[jobs]]
        name = "a"
        command = "score"
        survey = "x.csv"
        method = "m.toml"
        outptus = ["o.json"]
        options = { bootstrap = -1, lang = "fr" }

        [[jobs]]
        name = "c"
        command = "compare"
        surveys = "x.csv"
        """), encoding="utf-8")
    proc = ddci.run("batch", folder / "jobs.toml", "--json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    keys = {(p["key"], p["code"]) for p in doc["problems"]}
    assert keys >= {("defaults.sed", "unknown_key"), ("jobs[0].command", "bad_value"),
                    ("jobs[1].outptus", "unknown_key"), ("jobs[1].options.bootstrap",
                                                         "bad_value"),
                    ("jobs[1].options.lang", "bad_value"), ("jobs[1].name", "duplicate_id"),
                    ("jobs[2].surveys", "bad_type"), ("jobs[2].method", "missing_key")}
    messages = " ".join(p["message"] for p in doc["problems"])
    assert "did you mean 'score'?" in messages and "did you mean 'outputs'?" in messages
    assert all(p["file"] == str(folder / "jobs.toml") for p in doc["problems"])


def test_docs_manifest_runs(ddci):
    import re

    root = Path(__file__).resolve().parents[1]
    if not (root / "data" / "samples" / "ddci_haiphong_2024.xlsx").exists():
        pytest.skip("data/samples is not there")
    text = (root / "docs" / "batch.md").read_text(encoding="utf-8")
    manifest, = re.findall(r"```toml\n(.*?)```", text, re.S)
    (ddci.cwd / "data").symlink_to(root / "data")
    (ddci.cwd / "out").mkdir()
    (ddci.cwd / "nightly.toml").write_text(manifest, encoding="utf-8")
    proc = ddci.run("batch", "nightly.toml", "--json", "--summary", "out/summary.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert [j["status"] for j in doc["jobs"]] == ["ok", "ok", "ok"]
    assert (ddci.cwd / "out" / "years.xlsx").exists()
