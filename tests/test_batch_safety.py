"""`ddci batch` when things go wrong (SPEC §5): a job whose process dies is that job's
failure and the batch goes on; no summary, state file or job output may overwrite the
manifest, a state file or any job's input (exit 2 before any job runs); malformed state
files and deeply nested manifests are input problems (exit 1), never exit 3; two batches
sharing a `--since` state file keep every job's record.

Jobs are made to die, sleep or wait through a `sitecustomize.py` put on PYTHONPATH for the
test: it wraps `run_score` by the survey's file name, in whichever process runs the job.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

BAD = Path(__file__).resolve().parent / "data" / "bad"

HOOK = """
import os, signal, sys, time
from pathlib import Path

import ddci_cli.cli.commands as commands

_score = commands.run_score


def run_score(settings, *args, **kwargs):
    name = Path(settings.survey).name
    if name == "abort.csv":
        os.abort()                                  # as a Rust panic=abort in a reader
    if name == "killed.csv":
        os.kill(os.getpid(), signal.SIGKILL)        # as the OOM killer
    if name == "wait.csv":                          # hold the job until the test says go
        Path(os.environ["HOOK_STARTED"]).touch()
        for _ in range(600):
            if Path(os.environ["HOOK_RELEASE"]).exists():
                break
            time.sleep(0.05)
    return _score(settings, *args, **kwargs)


commands.run_score = run_score
"""


def _ddci() -> str:
    return str(Path(sys.executable).parent / "ddci")


def _env(tmp: Path, **extra) -> dict:
    hook = tmp / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH")) if p)
    return dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8", PYTHONPATH=path, **extra)


def _batch(tmp: Path, *args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([_ddci(), "batch", *map(str, args)], cwd=tmp, env=env or _env(tmp),
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def _job(name: str, survey: str, outputs: list[str] | None = None) -> str:
    out = f"\noutputs = {json.dumps(outputs)}" if outputs is not None else ""
    return (f'[[jobs]]\nname = "{name}"\ncommand = "score"\nsurvey = "{survey}"\n'
            f'method = "method.toml"{out}\n\n')


@pytest.fixture
def folder(tmp_path) -> Path:
    good = (BAD / "good.csv").read_bytes()
    for name in ("good.csv", "abort.csv", "killed.csv", "wait.csv", "other.csv"):
        (tmp_path / name).write_bytes(good)
    (tmp_path / "method.toml").write_bytes((BAD / "method.toml").read_bytes())
    (tmp_path / "out").mkdir()
    return tmp_path


@pytest.mark.slow
def test_a_job_whose_process_dies_is_that_jobs_failure(folder):
    (folder / "jobs.toml").write_text(
        _job("first", "good.csv", ["out/first.json"]) + _job("aborts", "abort.csv", ["out/a.json"])
        + _job("killed", "killed.csv", ["out/k.json"]) + _job("last", "other.csv",
                                                            ["out/last.json"]),
        encoding="utf-8")
    proc = _batch(folder, "jobs.toml", "--json", "--summary", "out/summary.json")
    doc = json.loads(proc.stdout)
    status = {j["name"]: (j["status"], j["exit_code"]) for j in doc["jobs"]}
    assert status == {"first": ("ok", 0), "aborts": ("failed", 134),
                      "killed": ("failed", 137), "last": ("ok", 0)}, proc.stderr
    assert proc.returncode == 137                       # the worst exit code wins
    messages = {j["name"]: j["message"] for j in doc["jobs"]}
    assert "SIGABRT" in messages["aborts"] and "SIGKILL" in messages["killed"]
    assert (folder / "out" / "first.json").exists() and (folder / "out" / "last.json").exists()
    assert not (folder / "out" / "a.json").exists() and not (folder / "out" / "k.json").exists()
    assert json.loads((folder / "out" / "summary.json").read_text(encoding="utf-8")) == doc
    assert not [p for p in (folder / "out").iterdir() if p.name.endswith(".tmp")]


ONE_JOB = _job("first", "good.csv", ["out/first.json"])


@pytest.mark.parametrize("manifest, extra, victim", [
    (ONE_JOB, ["--summary", "./jobs.toml"], "jobs.toml"),
    (ONE_JOB, ["--summary", "link.csv"], "good.csv"),            # a symlink to the survey
    (ONE_JOB, ["--summary", "out/../method.toml"], "method.toml"),
    (ONE_JOB, ["--since", "good.csv"], "good.csv"),
    (ONE_JOB, ["--since", "state.json", "--summary", "state.json"], "state.json"),
    (_job("first", "good.csv", ["out/first.json", "state.json"]), ["--since", "state.json"],
     "state.json"),
    (ONE_JOB + _job("second", "other.csv", ["out/second.json"]).replace(
        "other.csv", "out/first.json"), [], "out/first.json"),   # a later job's input
    (_job("first", "good.csv", ["out/first.json", "hard.csv"]), [], "good.csv"),  # hard link
    (ONE_JOB, ["--summary", "out/first.json"], "out/first.json"),
], ids=["summary-manifest", "summary-symlink-survey", "summary-method", "since-survey",
        "summary-state", "output-state", "output-later-input", "output-hardlink",
        "summary-output"])
def test_nothing_overwrites_an_input_manifest_or_state(folder, manifest, extra, victim):
    (folder / "jobs.toml").write_text(manifest, encoding="utf-8")
    (folder / "link.csv").symlink_to(folder / "good.csv")
    os.link(folder / "good.csv", folder / "hard.csv")
    (folder / "state.json").write_text('{"schema_version": 1, "jobs": {}}', encoding="utf-8")
    (folder / "out" / "first.json").write_text("{}", encoding="utf-8")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and "hook" not in p.parts}
    proc = _batch(folder, "jobs.toml", *extra)
    assert proc.returncode == 2, proc.stderr
    assert "overwrite" in proc.stderr and "Traceback" not in proc.stderr
    assert (folder / victim).read_bytes() == before[folder / victim]
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and "hook" not in p.parts}
    assert after == before                              # no job ran, nothing was written


@pytest.mark.parametrize("state", [
    '{"schema_version": 1, "jobs": {"first": 5}}',
    '{"schema_version": 1, "jobs": {"first": {"fingerprint": ["x"]}}}',
    '{"schema_version": 1, "jobs": []}',
    '[1, 2]',
    '[' * 100_000 + ']' * 100_000,
], ids=["entry-number", "fingerprint-list", "jobs-list", "not-object", "deep"])
def test_malformed_state_file_is_an_input_problem(folder, state):
    (folder / "jobs.toml").write_text(ONE_JOB, encoding="utf-8")
    (folder / "state.json").write_text(state, encoding="utf-8")
    proc = _batch(folder, "jobs.toml", "--since", "state.json", "--json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert [p["code"] for p in doc["problems"]] == ["bad_state"]
    assert "delete" in doc["problems"][0]["message"]
    assert not (folder / "out" / "first.json").exists()


def test_deeply_nested_manifest_is_an_input_problem(folder):
    (folder / "jobs.toml").write_text("x = " + "[" * 500 + "]" * 500 + "\n" + ONE_JOB,
                                      encoding="utf-8")
    proc = _batch(folder, "jobs.toml", "--json")
    assert proc.returncode == 1, proc.stderr
    problem, = json.loads(proc.stdout)["problems"]
    assert problem["code"] == "manifest_syntax" and "levels deep" in problem["message"]


@pytest.mark.slow
def test_two_batches_sharing_a_state_file_keep_every_record(folder):
    """Batch A reads the state, then waits inside its job; batch B runs and records its job;
    A then finishes. A's record must not replace B's."""
    (folder / "jobs.toml").write_text(_job("slow", "wait.csv", ["out/slow.json"])
                                      + _job("fast", "good.csv", ["out/fast.json"]),
                                      encoding="utf-8")
    started, release = folder / "started", folder / "release"
    env = _env(folder, HOOK_STARTED=str(started), HOOK_RELEASE=str(release))
    a = subprocess.Popen([_ddci(), "batch", "jobs.toml", "--since", "state.json", "--job",
                          "slow"], cwd=folder, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert a.poll() is None and time.monotonic() < deadline, a.stderr.read()
            time.sleep(0.05)
        b = _batch(folder, "jobs.toml", "--since", "state.json", "--job", "fast", env=env)
        assert b.returncode == 0, b.stderr
    finally:
        release.touch()
        _, err = a.communicate(timeout=120)
    assert a.returncode == 0, err
    state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    assert sorted(state["jobs"]) == ["fast", "slow"]
    proc = _batch(folder, "jobs.toml", "--since", "state.json", "--json", env=env)
    assert [j["status"] for j in json.loads(proc.stdout)["jobs"]] == ["skipped", "skipped"]
