"""Problems found in inputs, and the one error type a user sees.

A :class:`Problem` is one thing wrong (or worth a warning) with a place: file, sheet,
row, column or method-file key. Checks collect problems into a :class:`ProblemReport`
instead of stopping at the first, so a user fixes a file once. :class:`DdciError` carries
an exit code and, for input problems, the whole report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

ERROR = "error"
WARNING = "warning"
INFO = "info"  # what was done on the user's behalf (a column matched by prefix); never fails a run

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_OUTPUT = 4          # an output could not be written (permission, full disk, a folder)
EXIT_HANGUP = 129        # 128 + SIGHUP
EXIT_INTERRUPTED = 130   # 128 + SIGINT
EXIT_PIPE = 141          # 128 + SIGPIPE: the reader of stdout went away
EXIT_TERMINATED = 143    # 128 + SIGTERM


@dataclass(frozen=True)
class Problem:
    """One problem with a place. Rows are 1-based as the spreadsheet shows them."""

    code: str
    severity: str
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    key: str | None = None
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["value"] = _jsonable(self.value)
        return {k: data[k] for k in ("code", "severity", "file", "sheet", "row", "column",
                                     "key", "value", "message")}

    def place(self) -> str:
        """The place as a short human phrase: 'survey.xlsx, sheet Data, row 7, column B1'."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        if self.key:
            parts.append(self.key)
        return ", ".join(parts)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    return str(value)


@dataclass
class ProblemReport:
    """Every problem found so far, in the order found."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, message: str, severity: str = ERROR, **place: Any) -> Problem:
        problem = Problem(code=code, severity=severity, message=message, **place)
        self.problems.append(problem)
        return problem

    def error(self, code: str, message: str, **place: Any) -> Problem:
        return self.add(code, message, ERROR, **place)

    def warning(self, code: str, message: str, **place: Any) -> Problem:
        return self.add(code, message, WARNING, **place)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)

    def strict(self) -> "ProblemReport":
        """The same report with every warning made an error (``--strict``); info lines
        stay info."""
        return ProblemReport([p if p.severity == INFO else
                              Problem(**{**asdict(p), "severity": ERROR}) for p in self.problems])

    def raise_if_errors(self) -> None:
        if self.has_errors:
            raise InputError(self)


class DdciError(Exception):
    """An error the user sees as one message; ``exit_code`` follows SPEC §5."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0])


class InputError(DdciError):
    """The survey or method file has problems (exit 1); ``report`` lists them all."""

    exit_code = EXIT_INPUT

    def __init__(self, report: ProblemReport | Problem | str, **place: Any):
        if isinstance(report, str):
            code = place.pop("code", "bad_input")
            report = ProblemReport([Problem(code, ERROR, report, **place)])
        elif isinstance(report, Problem):
            report = ProblemReport([report])
        self.report = report
        errors = report.errors or report.problems
        first = errors[0] if errors else None
        text = first.message if first else "the input has problems"
        if len(errors) > 1:
            text += f" (and {len(errors) - 1} more problems)"
        super().__init__(text)


class UsageError(DdciError):
    """Wrong use of the command line (exit 2)."""

    exit_code = EXIT_USAGE


class OutputError(DdciError):
    """An output could not be written (exit 4); the message names the path and the
    system's reason."""

    exit_code = EXIT_OUTPUT
