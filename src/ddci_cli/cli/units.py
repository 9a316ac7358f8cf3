"""``ddci units SURVEY -m METHOD``: the distinct units of a survey with their responses and
blocks, the look-alike spellings that are probably one unit, and a ``[units]`` table draft
(SPEC §2 "Look-alike units", §5).

Only the unit and block columns are read, so the command helps while the rest of the
method file is still being written. It exits 0 whenever the units could be listed (their
problems are listed too); 1 when the method file or the survey cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ddci_cli.cli import render
from ddci_cli.cli.commands import SurveySettings
from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.method.model import Method
from ddci_cli.method.load import load_method
from ddci_cli.pipeline import ReadOptions
from ddci_cli.survey.units import Units, find_units, toml_string, units_snippet


def read_units(survey: Path, method: Method, options: ReadOptions,
               report: ProblemReport) -> Units:
    """The units of ``survey``; problems that stop reading raise :class:`InputError`."""
    from ddci_cli.survey.locate import load_table

    wanted = {method.unit_column: "input.unit_column"}
    if method.block_column:
        wanted[method.block_column] = "input.block_column"
    table = load_table(survey, wanted, method.unit_column,
                       sheet=options.sheet if options.sheet is not None else method.sheet,
                       header_row=options.header_row, encoding=options.encoding,
                       delimiter=options.delimiter, report=report)
    if report.has_errors:
        raise InputError(report)
    return find_units(table, method, report)


@dataclass(frozen=True, kw_only=True)
class UnitsSettings(SurveySettings):
    """What ``ddci units`` is asked to do; ``toml``: print the ``[units]`` draft."""

    toml: bool = False


def run_units(s: UnitsSettings) -> int:
    if s.read.header_row is not None and s.read.header_row < 1:
        from ddci_cli.errors import UsageError

        raise UsageError("--header-row must be 1 or more")
    method = load_method(s.method)
    report = ProblemReport(list(method.problems))
    units = read_units(s.survey, method, s.read, report)
    draft = units_table(units, method, s.survey)
    if s.json_out:
        from ddci_cli.cli.runtime import emit_json

        emit_json(units_document(units, method, draft, report))
    elif s.toml:
        print(draft, end="")
    else:
        _render(units, method)
    if not s.quiet:
        render.problems(report.problems)
    return 0


def group_of(units: Units) -> dict[int, int]:
    """Unit index → 1-based number of its look-alike group."""
    return {u: g for g, group in enumerate(units.groups, 1) for u in group}


def units_document(units: Units, method: Method, draft: str, report: ProblemReport) -> dict:
    groups = group_of(units)
    return {
        "schema_version": 1, "ok": not report.has_errors,
        "units": [{"unit": name, "responses": units.counts[u],
                   "block": None if u in units.unsure else units.blocks[u],
                   "listed": units.entries[u] is not None, "first_row": units.first_rows[u],
                   "group": groups.get(u), "nearest_listed": units.nearest.get(u)}
                  for u, name in enumerate(units.names)],
        "groups": [{"names": [units.names[u] for u in g],
                    "responses": [units.counts[u] for u in g],
                    "snippet": _snippet(g, units, method)} for g in units.groups],
        "toml": draft,
        "problems": [p.to_dict() for p in report.problems],
    }


def _snippet(group: list[int], units: Units, method: Method) -> str:
    block = None if group[0] in units.unsure else units.blocks[group[0]]
    return units_snippet(units.names[group[0]], block, [units.names[u] for u in group[1:]],
                         method)


def _render(units: Units, method: Method) -> None:
    groups = group_of(units)
    rows = []
    for u, name in enumerate(units.names):
        block = "?" if u in units.unsure else method.block(units.blocks[u]).label
        status = "[units]" if units.entries[u] is not None else "unlisted"
        if u in groups:
            status += f", group {groups[u]}"
        if u in units.nearest:
            status += f", did you mean '{units.nearest[u]}'?"
        rows.append([name, str(units.counts[u]), block, status])
    render.table(f"{len(units.names)} units", ["unit", "responses", "block", "status"], rows,
                 right=[1])
    for g, group in enumerate(units.groups, 1):
        spellings = ", ".join(f"'{units.names[u]}' ({units.counts[u]})" for u in group)
        print(render.escape(f"group {g}: {spellings} look like one unit:\n"
                            + _snippet(group, units, method) + "\n", newlines=True))


def units_table(units: Units, method: Method, survey: Path) -> str:
    """A whole ``[units]`` table as TOML: the method's entries, then each look-alike group
    as one entry with aliases, then every other unlisted unit of the survey."""
    lines = [f"# [units] draft from {survey.name}: {len(units.names)} units, "
             f"{len(units.groups)} look-alike groups.",
             "# Check each entry: a group's aliases are spellings that look like one unit;",
             "# a unit without a block needs one.", ""]
    present = {units.entries[u].name for u in range(len(units.names)) if units.entries[u]}
    for entry in method.units:
        note = "" if entry.name in present else "  # not in this survey"
        lines += [units_snippet(entry.name, entry.block, list(entry.aliases), method) + note, ""]
    grouped = {u for g in units.groups for u in g}
    choose = "\n# block = ?  one of: " + ", ".join(toml_string(b.id) for b in method.blocks)
    for group in units.groups:
        lines += [_snippet(group, units, method) + (choose if group[0] in units.unsure
                                                    else ""), ""]
    for u, name in enumerate(units.names):
        if units.entries[u] is not None or u in grouped:
            continue
        entry = units_snippet(name, None if u in units.unsure else units.blocks[u], [], method)
        if u in units.unsure:
            entry += choose
        if u in units.nearest:
            entry += (f"\n# did you mean {toml_string(units.nearest[u])}? then move this name "
                      "to its aliases")
        lines += [entry, ""]
    return "\n".join(lines)
