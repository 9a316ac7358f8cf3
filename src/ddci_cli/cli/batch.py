"""``ddci batch MANIFEST``: run a list of score/compare/validate jobs, for cron and scripts
(docs/batch.md).

Each job runs in its own process, so a job whose process dies (killed by the system,
aborted by a reader) is that job's failure and the batch goes on with the next. Every job
runs even when an earlier one fails; the summary (JSON) says what each job did, and the exit
code is the worst of the jobs' codes (0 ok, 1 input problems, 2 usage, 3 internal error, 4
output not written, 128 + N when a job's process died of signal N). Before any job runs, a
summary, state file or job output that would overwrite the manifest, a state file or any
job's input is a usage error (exit 2).

With ``--since STATE.json`` a job is skipped when its definition, the SHA-256 of every input
file (surveys, methods, crosswalk) and the ddci version are those of its last successful run
and its outputs still exist. After the run the state file is updated under a lock
(``STATE.json.lock`` beside it): re-read, merged with this run's records, written
atomically, so concurrent batches sharing it lose no job's record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ddci_cli import __version__

from ddci_cli.cli import render
from ddci_cli.cli.manifest import Job, check_paths, load_manifest
from ddci_cli.errors import EXIT_INTERNAL, DdciError, InputError, UsageError
from ddci_cli.io.write import all_or_nothing, json_bytes, output_error, write_bytes

SCHEMA_VERSION = 1
PROBLEM_CAP = 100  # problems kept per failed job in the summary
STDERR_TAIL = 600  # characters of a dead job's stderr kept in its message
STOP_SECONDS = 30  # how long a job's process may take to clean up after SIGTERM
CHILD = "from ddci_cli.cli.batch import job_main; job_main()"


@dataclass(frozen=True, kw_only=True)
class BatchSettings:
    """What ``ddci batch`` is asked to do; ``only``: the names of the jobs to run (empty:
    all), ``since``: the state file, ``summary``: a file for the JSON summary."""

    manifest: Path
    since: Path | None = None
    summary: Path | None = None
    only: list[str] = field(default_factory=list)
    json_out: bool = False
    quiet: bool = False


def run_batch(s: BatchSettings) -> int:
    manifest = load_manifest(s.manifest)
    check_paths(manifest, s.since, s.summary)
    jobs = _select(manifest.jobs, s.only)
    state = _read_state(s.since) if s.since else {}
    started, clock = _now(), time.perf_counter()
    runs = [_run_or_skip(job, state) for job in jobs]
    results = [r for r, _ in runs]
    worst = max((r["exit_code"] for r in results), default=0)
    document = {
        "schema_version": SCHEMA_VERSION, "ok": worst == 0, "exit_code": worst,
        "generated_by": f"ddci {__version__}", "manifest": str(s.manifest),
        "started": started, "seconds": round(time.perf_counter() - clock, 3),
        "counts": {status: sum(r["status"] == status for r in results)
                   for status in ("ok", "failed", "skipped")},
        "jobs": results,
    }
    if s.since:
        _save_state(s.since, runs, s.manifest)
    if s.summary:
        write_bytes(s.summary, json_bytes(document))
    if s.json_out:
        from ddci_cli.cli.runtime import emit_json

        emit_json(document)
    if not s.quiet:
        for r in results:
            render.message(_line(r))
    return worst


def _select(jobs: list[Job], only: list[str]) -> list[Job]:
    if not only:
        return jobs
    names = {j.name for j in jobs}
    unknown = [n for n in only if n not in names]
    if unknown:
        raise UsageError(f"--job {unknown[0]!r} is not a job of the manifest; its jobs are: "
                         f"{', '.join(j.name for j in jobs)}")
    return [j for j in jobs if j.name in only]


def _run_or_skip(job: Job, state: dict) -> tuple[dict[str, Any], str]:
    """The job's summary entry, and its fingerprint (for the state file)."""
    hashes = {str(p): _sha256(p) for p in job.inputs}
    fingerprint = _fingerprint(job, hashes)
    result: dict[str, Any] = {"name": job.name, "command": job.command, "status": "ok",
                              "exit_code": 0, "seconds": 0.0,
                              "outputs": [str(p) for p in job.outputs], "inputs": hashes,
                              "message": None, "problems": []}
    last = state.get(job.name)
    if last and last.get("fingerprint") == fingerprint and all(p.exists() for p in job.outputs):
        result.update(status="skipped", message="inputs unchanged since the last successful "
                      f"run ({last.get('finished')})")
        return result, fingerprint
    clock = time.perf_counter()
    outcome = _spawn(job)
    result.update(status="ok" if outcome["exit_code"] == 0 else "failed",
                  seconds=round(time.perf_counter() - clock, 3), **outcome)
    return result, fingerprint


def _spawn(job: Job) -> dict[str, Any]:
    """Run ``job`` in a process of its own; its exit code, message and problems (capped),
    whatever way that process ends."""
    try:
        proc = subprocess.Popen([sys.executable, "-P", "-c", CHILD], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        return {"exit_code": EXIT_INTERNAL, "problems": [],
                "message": f"cannot start a process for the job: {exc.strerror or exc}"}
    try:
        out, err = proc.communicate(json.dumps(_job_dict(job)).encode())
    except BaseException:  # Ctrl-C or SIGTERM of the batch: let the job clean up first
        _stop(proc)
        raise
    return _outcome(proc.returncode, out, err)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _outcome(returncode: int, out: bytes, err: bytes) -> dict[str, Any]:
    """The job's result from its process: the JSON it wrote, or why there is none."""
    if returncode == 0:
        try:
            result = json.loads(out)
            if isinstance(result, dict) and isinstance(result.get("exit_code"), int):
                return result
        except ValueError:
            pass
    tail = err.decode("utf-8", "replace").strip()[-STDERR_TAIL:]
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        code = 128 - returncode
        message = f"the job's process died of {name} (exit {code}); the batch went on"
    else:
        code = returncode or EXIT_INTERNAL
        message = f"the job's process ended with exit {returncode} and no result"
    return {"exit_code": code, "problems": [],
            "message": message + (f"; its last output: {tail}" if tail else "")}


def _job_dict(job: Job) -> dict[str, Any]:
    def texts(paths):
        return [str(p) for p in paths]

    return {"name": job.name, "command": job.command, "surveys": texts(job.surveys),
            "methods": texts(job.methods), "outputs": texts(job.outputs),
            "options": job.options, "years": job.years,
            "crosswalk": str(job.crosswalk) if job.crosswalk else None, "index": job.index}


def _job_from_dict(d: dict[str, Any]) -> Job:
    def paths(texts):
        return [Path(t) for t in texts]

    return Job(d["name"], d["command"], paths(d["surveys"]), paths(d["methods"]),
               paths(d["outputs"]), d["options"], d["years"],
               Path(d["crosswalk"]) if d["crosswalk"] else None, d["index"])


def job_main() -> None:
    """A job's process: the job (JSON) on stdin, its result (JSON) on stdout; anything the
    job itself prints goes to stderr. SIGTERM, SIGHUP and Ctrl-C remove its temporaries."""
    from ddci_cli.cli.runtime import Terminated, install_signal_handlers

    install_signal_handlers(interrupt=True)
    try:
        job = _job_from_dict(json.loads(sys.stdin.buffer.read()))
        result_fd = os.dup(1)
        os.dup2(2, 1)
        code, message, problems = _run(job)
    except Terminated as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    result = {"exit_code": code, "message": message,
              "problems": [p.to_dict() for p in problems[:PROBLEM_CAP]]}
    if len(problems) > PROBLEM_CAP:
        result["problems_total"] = len(problems)
    with os.fdopen(result_fd, "wb") as fh:
        fh.write(json.dumps(result, ensure_ascii=False).encode())
    sys.exit(0)


def _run(job: Job):
    """Run one job in this process; returns (exit code, message, problems)."""
    try:
        with all_or_nothing():
            COMMANDS[job.command](job)
    except InputError as exc:
        return exc.exit_code, exc.message, exc.report.problems
    except DdciError as exc:
        return exc.exit_code, exc.message, []
    except Exception as exc:  # a bug in one job must not stop the others
        return EXIT_INTERNAL, f"internal error: {type(exc).__name__}: {exc}", []
    return 0, None, []


def _read_options(job: Job):
    from ddci_cli.cli.runtime import read_options

    o = job.options
    sheet = o.get("sheet")
    return read_options(str(sheet) if sheet is not None else None, o.get("header_row"),
                        o.get("encoding"), o.get("delimiter"), o.get("lenient", False),
                        o.get("strict", False))


def _score(job: Job) -> None:
    from ddci_cli.cli.commands import ScoreSettings, run_score

    _one_method(job)
    o = job.options
    run_score(ScoreSettings(
        survey=job.surveys[0], method=job.methods[0], outputs=job.outputs,
        read=_read_options(job), lang=o.get("lang"), seed=o.get("seed", 0),
        bootstrap=o.get("bootstrap", 0), quiet=True, no_progress=True,
        scorecards=o.get("scorecards", False)))


def _validate(job: Job) -> None:
    from ddci_cli.cli.commands import ValidateSettings, run_validate

    _one_method(job)
    run_validate(ValidateSettings(survey=job.surveys[0], method=job.methods[0],
                                  read=_read_options(job), quiet=True))


def _compare(job: Job) -> None:
    from ddci_cli.cli.compare import CompareSettings, run_compare

    o = job.options
    run_compare(CompareSettings(
        surveys=job.surveys, methods=job.methods, years=job.years, crosswalk=job.crosswalk,
        outputs=job.outputs, read=_read_options(job), lang=o.get("lang"),
        seed=o.get("seed", 0), bootstrap=o.get("bootstrap", 0),
        pool_bounds=o.get("pool_bounds", False), quiet=True, no_progress=True))


def _one_method(job: Job) -> None:
    if len(job.surveys) != 1 or len(job.methods) != 1:
        raise UsageError(f"job '{job.name}' needs one survey and one method")


COMMANDS = {"score": _score, "validate": _validate, "compare": _compare}


def _sha256(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def _fingerprint(job: Job, hashes: dict[str, str | None]) -> str:
    """What a job's result depends on: its definition, its inputs' content, ddci's version."""
    def where(paths):  # absolute, so running from another folder changes nothing
        return [str(p.resolve()) for p in paths]

    spec = {"command": job.command, "surveys": where(job.surveys),
            "methods": where(job.methods), "outputs": where(job.outputs),
            "options": job.options, "years": job.years,
            "crosswalk": where([job.crosswalk]) if job.crosswalk else None,
            "inputs": list(hashes.values()), "version": __version__}
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _read_state(path: Path) -> dict[str, dict]:
    """Last successful run per job name; a missing state file means nothing ran yet."""
    if not path.exists():
        return {}
    bad = f"state file {path} is not a ddci batch state file"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        doc = None
    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    if not isinstance(jobs, dict):
        raise InputError(f"{bad} (no \"jobs\" object); delete it to run every job again",
                         code="bad_state", file=str(path))
    for name, entry in jobs.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str)):
            raise InputError(f"{bad}: the entry of job '{name}' is not an object with a "
                             "\"fingerprint\" text; delete the file to run every job again",
                             code="bad_state", file=str(path), key=f"jobs.{name}")
    return jobs


def _save_state(path: Path, runs: list[tuple[dict, str]], manifest: Path) -> None:
    """Merge this run's records into the state file under its lock: another batch may have
    written it since it was read."""
    with _locked(path.with_name(path.name + ".lock")):
        jobs = _read_state(path)
        for r, fingerprint in runs:
            if r["status"] == "ok":
                jobs[r["name"]] = {"fingerprint": fingerprint, "finished": _now(),
                                   "inputs": r["inputs"]}
            elif r["status"] == "failed":
                jobs.pop(r["name"], None)  # run it again next time
        write_bytes(path, json_bytes({"schema_version": SCHEMA_VERSION,
                                      "manifest": str(manifest), "jobs": jobs}),
                    immediate=True)


@contextmanager
def _locked(lock: Path) -> Iterator[None]:
    """An exclusive lock on ``lock`` (created when missing, never removed: removing a lock
    file another process waits on would let a third one in)."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no locking
        yield
        return
    try:
        fh = open(lock, "a+b")
    except OSError as exc:
        raise output_error(lock, exc) from None
    with fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _line(r: dict) -> str:
    head = {"ok": "ok     ", "failed": "FAILED ", "skipped": "skipped"}[r["status"]]
    text = f"{head} {r['name']} ({r['command']}, {r['seconds']:.1f} s)"
    if r["status"] == "failed":
        text += f": exit {r['exit_code']}: {r['message']}"
    elif r["status"] == "skipped":
        text = f"{head} {r['name']}: {r['message']}"
    return text
