"""``ddci batch MANIFEST``: run a list of score/compare/validate jobs in one process, for
cron and scripts (docs/batch.md).

Every job runs even when an earlier one fails; the summary (JSON) says what each job did,
and the exit code is the worst of the jobs' codes (0 ok, 1 input problems, 2 usage, 3
internal error). With ``--since STATE.json`` a job is skipped when its definition, the
SHA-256 of every input file (surveys, methods, crosswalk) and the ddci version are those of
its last successful run and its outputs still exist; the state file is updated after the run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from pathlib import Path
from typing import Any

from ddci_cli import __version__

from ddci_cli.cli import render
from ddci_cli.cli.manifest import Job, load_manifest
from ddci_cli.errors import EXIT_INTERNAL, DdciError, InputError, UsageError
from ddci_cli.io.write import json_bytes, write_bytes

SCHEMA_VERSION = 1
PROBLEM_CAP = 100  # problems kept per failed job in the summary


def run_batch(manifest_path: Path, since: Path | None, summary: Path | None,
              only: list[str], json_out: bool, quiet: bool) -> int:
    manifest = load_manifest(manifest_path)
    jobs = _select(manifest.jobs, only)
    state = _read_state(since) if since else {}
    started, clock = _now(), time.perf_counter()
    runs = [_run_or_skip(job, state) for job in jobs]
    results = [r for r, _ in runs]
    worst = max((r["exit_code"] for r in results), default=0)
    document = {
        "schema_version": SCHEMA_VERSION, "ok": worst == 0, "exit_code": worst,
        "generated_by": f"ddci {__version__}", "manifest": str(manifest_path),
        "started": started, "seconds": round(time.perf_counter() - clock, 3),
        "counts": {s: sum(r["status"] == s for r in results) for s in ("ok", "failed",
                                                                       "skipped")},
        "jobs": results,
    }
    if since:
        _write_state(since, state, runs, manifest_path)
    if summary:
        write_bytes(summary, json_bytes(document))
    if json_out:
        from ddci_cli.cli.application import emit_json

        emit_json(document)
    if not quiet:
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
    code, message, problems = _run(job)
    result.update(status="ok" if code == 0 else "failed", exit_code=code, message=message,
                  seconds=round(time.perf_counter() - clock, 3),
                  problems=[p.to_dict() for p in problems[:PROBLEM_CAP]])
    if len(problems) > PROBLEM_CAP:
        result["problems_total"] = len(problems)
    return result, fingerprint


def _run(job: Job):
    """Run one job in this process; returns (exit code, message, problems)."""
    try:
        COMMANDS[job.command](job)
    except InputError as exc:
        return exc.exit_code, exc.message, exc.report.problems
    except DdciError as exc:
        return exc.exit_code, exc.message, []
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as exc:  # a bug in one job must not stop the others
        return EXIT_INTERNAL, f"internal error: {type(exc).__name__}: {exc}", []
    return 0, None, []


def _read_options(job: Job):
    from ddci_cli.cli.application import read_options

    o = job.options
    sheet = o.get("sheet")
    return read_options(str(sheet) if sheet is not None else None, o.get("header_row"),
                        o.get("encoding"), o.get("delimiter"), o.get("lenient", False),
                        o.get("strict", False))


def _score(job: Job) -> None:
    from ddci_cli.cli.commands import run_score

    _one_method(job)
    o = job.options
    run_score(job.surveys[0], job.methods[0], job.outputs, False, _read_options(job),
              o.get("lang"), o.get("seed", 0), o.get("bootstrap", 0), True, True,
              scorecards=o.get("scorecards", False))


def _validate(job: Job) -> None:
    from ddci_cli.cli.commands import run_validate

    _one_method(job)
    run_validate(job.surveys[0], job.methods[0], False, _read_options(job), True)


def _compare(job: Job) -> None:
    from ddci_cli.cli.compare import run_compare

    o = job.options
    run_compare(job.surveys, job.methods, job.years, job.crosswalk, job.outputs, False,
                _read_options(job), o.get("lang"), o.get("seed", 0), o.get("bootstrap", 0),
                o.get("pool_bounds", False), True, True)


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
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        jobs = doc["jobs"]
        if not isinstance(jobs, dict):
            raise TypeError("jobs")
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(f"state file {path} is not a ddci batch state file; delete it to "
                         "run every job again", code="bad_state", file=str(path)) from None
    return jobs


def _write_state(path: Path, state: dict, runs: list[tuple[dict, str]],
                 manifest: Path) -> None:
    jobs = dict(state)
    for r, fingerprint in runs:
        if r["status"] == "ok":
            jobs[r["name"]] = {"fingerprint": fingerprint, "finished": _now(),
                               "inputs": r["inputs"]}
        elif r["status"] == "failed":
            jobs.pop(r["name"], None)  # run it again next time
    write_bytes(path, json_bytes({"schema_version": SCHEMA_VERSION,
                                  "manifest": str(manifest), "jobs": jobs}))


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
