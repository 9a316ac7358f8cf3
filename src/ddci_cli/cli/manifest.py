"""The ``ddci batch`` manifest (TOML): a list of jobs with their inputs, outputs and options,
checked with key paths so that every mistake is reported at once (docs/batch.md).

```toml
[defaults]                       # optional: options for every job that accepts them
seed = 0

[[jobs]]
name = "score-2024"
command = "score"                # score | compare | validate
survey = "data/ddci_2024.xlsx"   # paths are relative to the manifest's folder
method = "data/ddci_2024.toml"
outputs = ["out/ddci_2024.xlsx", "out/ddci_2024.json"]
options = { bootstrap = 200, strict = true }
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.method.load import TomlTooDeep, toml_loads
from ddci_cli.method.schema import TableReader

COMMANDS = ("score", "compare", "validate")
READ_OPTIONS = ("sheet", "header_row", "encoding", "delimiter", "lenient", "strict")
OPTIONS = {
    "score": READ_OPTIONS + ("lang", "seed", "bootstrap", "scorecards"),
    "validate": READ_OPTIONS,
    "compare": READ_OPTIONS + ("lang", "seed", "bootstrap", "pool_bounds"),
}
JOB_KEYS = {
    "score": ("name", "command", "survey", "method", "outputs", "options"),
    "validate": ("name", "command", "survey", "method", "options"),
    "compare": ("name", "command", "surveys", "method", "methods", "years", "crosswalk",
                "outputs", "options"),
}
REQUIRED = {"score": ("survey", "method"), "validate": ("survey", "method"),
            "compare": ("surveys",)}


@dataclass
class Job:
    """One job; every path is already joined to the manifest's folder."""

    name: str
    command: str
    surveys: list[Path]
    methods: list[Path]
    outputs: list[Path]
    options: dict[str, Any]
    years: list[int] | None = None
    crosswalk: Path | None = None
    index: int = 0

    @property
    def inputs(self) -> list[Path]:
        return [*self.surveys, *self.methods, *([self.crosswalk] if self.crosswalk else [])]


@dataclass
class Manifest:
    path: Path
    jobs: list[Job] = field(default_factory=list)


def load_manifest(path: str | Path) -> Manifest:
    """Read and check a manifest; raise InputError listing every problem."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
        doc = toml_loads(text)
    except FileNotFoundError:
        raise InputError(f"manifest {path} does not exist; check the path",
                         code="file_not_found", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"the manifest is not UTF-8 (byte {exc.start}); save it as UTF-8",
                         code="manifest_encoding", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"TOML syntax error in {path.name}: {exc}; fix the line it names",
                         code="manifest_syntax", file=str(path)) from None
    except TomlTooDeep as exc:
        raise InputError(f"the manifest {exc}", code="manifest_syntax",
                         file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read manifest {path}: {exc.strerror}",
                         code="file_unreadable", file=str(path)) from None
    report = ProblemReport()
    r = TableReader(report, str(path))
    r.check_keys(doc, ("jobs", "defaults"), "")
    defaults = r.table(doc, "defaults", "")
    all_options = tuple(dict.fromkeys(k for keys in OPTIONS.values() for k in keys))
    _check_options(r, defaults, all_options, "defaults")
    tables = r.tables(doc, "jobs", "")
    if "jobs" in doc and not tables and isinstance(doc.get("jobs"), list):
        r.error("missing_key", "jobs", "the manifest lists no job; add [[jobs]] tables")
    elif "jobs" not in doc:
        r.error("missing_key", "jobs", "is required: add [[jobs]] tables (docs/batch.md)")
    folder = path.parent
    jobs = [_job(r, t, n, folder, defaults) for n, t in enumerate(tables)]
    _check_names(r, tables)
    _check_outputs(r, [j for j in jobs if j is not None])
    report.raise_if_errors()
    return Manifest(path, [j for j in jobs if j is not None])


def _job(r: TableReader, table: dict, n: int, folder: Path, defaults: dict) -> Job | None:
    key = f"jobs[{n}]"
    name = r.text(table, "name", key)
    command = r.choice(table, "command", key, COMMANDS, "") if "command" in table else None
    if command is None:
        r.error("missing_key", f"{key}.command", f"is required: one of {', '.join(COMMANDS)}")
    if not command:
        r.check_keys(table, tuple(dict.fromkeys(k for ks in JOB_KEYS.values() for k in ks)), key)
        return None
    r.check_keys(table, JOB_KEYS[command], key)
    for req in REQUIRED[command]:
        if req not in table:
            r.error("missing_key", f"{key}.{req}", f"is required for command '{command}'")
    surveys = _paths(r, table, "surveys" if command == "compare" else "survey", key, folder)
    methods = _paths(r, table, "method", key, folder)
    if command == "compare":
        if "method" in table and "methods" in table:
            r.error("bad_value", f"{key}.methods", "give either method or methods, not both")
        methods += _paths(r, table, "methods", key, folder)
        if not methods and "surveys" in table:
            r.error("missing_key", f"{key}.method", "is required for command 'compare' "
                    "(method, or methods: one per survey)")
    outputs = _paths(r, table, "outputs", key, folder)
    options = r.table(table, "options", key)
    _check_options(r, options, OPTIONS[command], f"{key}.options")
    merged = {k: v for k, v in defaults.items() if k in OPTIONS[command]} | options
    years = _years(r, table, key) if command == "compare" else None
    crosswalk = _paths(r, table, "crosswalk", key, folder) if command == "compare" else []
    return Job(name or f"job {n + 1}", command, surveys, methods, outputs, merged, years,
               crosswalk[0] if crosswalk else None, n)


def _paths(r: TableReader, table: dict, name: str, key: str, folder: Path) -> list[Path]:
    """A path (text) or a list of paths (texts), joined to the manifest's folder."""
    if name not in table:
        return []
    value = table[name]
    plural = name in ("surveys", "methods", "outputs")
    items = value if plural and isinstance(value, list) else [value]
    if (plural and not isinstance(value, list)) or not all(
            isinstance(v, str) and v.strip() for v in items):
        r.error("bad_type", f"{key}.{name}", "must be a list of paths (texts)" if plural
                else "must be a path (text)", value)
        return []
    if plural and not items and name != "outputs":
        r.error("bad_value", f"{key}.{name}", "must not be empty", value)
    return [folder / Path(v.strip()).expanduser() for v in items]


def _years(r: TableReader, table: dict, key: str) -> list[int] | None:
    value = table.get("years")
    if value is None:
        return None
    if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 1900 <= v <= 2999 for v in value):
        r.error("bad_type", f"{key}.years", "must be a list of years such as [2023, 2024]",
                value)
        return None
    return list(value)


def _check_options(r: TableReader, options: dict, allowed: tuple[str, ...], key: str) -> None:
    r.check_keys(options, allowed, key)
    for name in ("lenient", "strict", "pool_bounds", "scorecards"):
        if name in options:
            r.boolean(options, name, key, False)
    for name, minimum in (("header_row", 1), ("seed", 0), ("bootstrap", 0)):
        if name in options:
            r.number(options, name, key, None, integer=True, minimum=minimum)
    for name in ("encoding", "delimiter"):
        if name in options:
            r.text(options, name, key)
    if "sheet" in options and not isinstance(options["sheet"], (str, int)) or \
            isinstance(options.get("sheet"), bool):
        r.error("bad_type", f"{key}.sheet", "must be a sheet name or a 1-based number",
                options.get("sheet"))
    if "lang" in options:
        r.choice(options, "lang", key, ("vi", "en"), "vi")
    if options.get("lenient") is True and options.get("strict") is True:
        r.error("bad_value", f"{key}.strict", "lenient and strict cannot both be true")


def _check_names(r: TableReader, tables: list[dict]) -> None:
    first: dict[str, int] = {}
    for n, table in enumerate(tables):
        name = table.get("name")
        if not isinstance(name, str):
            continue
        if name.strip() in first:
            r.error("duplicate_id", f"jobs[{n}].name", f"'{name}' is also the name of "
                    f"jobs[{first[name.strip()]}]; job names must be unique", name)
        first.setdefault(name.strip(), n)


def _check_outputs(r: TableReader, jobs: list[Job]) -> None:
    written: dict[Path, str] = {}
    for job in jobs:
        for k, out in enumerate(job.outputs):
            where = out.resolve()
            if where in written:
                r.error("duplicate_output", f"jobs[{job.index}].outputs[{k}]", f"{out} is also "
                        f"written by job '{written[where]}'; give each output one job",
                        str(out))
            written.setdefault(where, job.name)


def check_paths(manifest: Manifest, since: Path | None, summary: Path | None) -> None:
    """Refuse (usage, exit 2, before any job runs) a job output, state file or summary that
    would overwrite the manifest, the state file or any job's input (by any spelling, symlink
    or hard link), and a summary that is also the state file or a job's output."""
    from ddci_cli.io.write import same_file
    from ddci_cli.errors import UsageError

    kept: list[tuple[Path, str]] = [(manifest.path, "the manifest")]
    kept += [(p, f"an input of job '{job.name}'") for job in manifest.jobs for p in job.inputs]
    state = [(since, "the --since state file"),
             (since.with_name(since.name + ".lock"), "the --since lock file")] if since else []
    outputs = [(out, f"an output of job '{job.name}'") for job in manifest.jobs
               for out in job.outputs]
    checks = [(out, what, kept + state) for out, what in outputs]
    if since:
        checks.append((since, "the --since state file", kept))
    if summary:
        checks.append((summary, "the --summary file", kept + state + outputs))
    for target, what, others in checks:
        for other, name in others:
            if same_file(target, other):
                raise UsageError(f"{what} {target} is {name} ({other}); ddci batch would "
                                 "overwrite it. Choose another path")
    for target, what, _ in checks[len(outputs):]:
        if not target.parent.is_dir():
            raise UsageError(f"folder {target.parent} of {what} {target} does not exist; "
                             "create it first")
