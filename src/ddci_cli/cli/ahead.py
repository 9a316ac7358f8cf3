"""Start reading the survey workbook before the command line is even parsed.

``ddci score survey.xlsx -m method.toml``: the survey is the word after the command
whenever that word is not an option (the command's only argument, and click takes words
in order). :func:`start` has it opened, and one sheet read, on a second thread
(:mod:`ddci_cli.io.ahead`, :func:`ddci_cli.io.read.open_ahead`) while typer, numpy and
the method file load; the command then finds the sheet already read. The sheet is the one
``--sheet`` names, else the method file's ``input.sheet``, else the first: the same
choice the command makes (survey/locate.py). A wrong guess costs time, never a result,
since the command only takes a read-ahead that is exactly the read it would make.
"""

from __future__ import annotations

OPENING_WAIT = 5.0  # seconds at most (a large workbook: the start-up goes on beside it)

# Commands whose one argument is a survey file read against a method file
READS_ONE_SURVEY = frozenset({"score", "validate", "explain", "sensitivity", "diagnose",
                              "units"})


def start(argv: list[str]) -> None:
    """Start the read-ahead for ``argv`` (``sys.argv[1:]``) when it names one survey."""
    if len(argv) < 2 or argv[0] not in READS_ONE_SURVEY or argv[1].startswith("-") \
            or "--help" in argv or _cores() < 2:
        return
    from ddci_cli.io import ahead

    survey = argv[1]
    method, sheet = option(argv, "--method", "-m"), option(argv, "--sheet")

    def job(opened):  # on the thread, imports included
        from pathlib import Path

        from ddci_cli.io.read import open_ahead

        return open_ahead(Path(survey), lambda: sheet_wanted(sheet, method), opened)

    started = ahead.start(survey, job)
    if started is not None:
        # The container scan and the opening are Python code: run alone they take a third
        # of the time they take beside the imports here (each time zlib gives the GIL back,
        # getting it again waits behind them). The imports run while python-calamine reads
        # the sheet without the GIL instead.
        started.opened.wait(OPENING_WAIT)


def _cores() -> int:
    """The cores this process may run on: with one, a second thread only adds switching
    (ddci score on the sample took 0.86 s read ahead, 0.77 s without, on one core)."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def option(argv: list[str], long: str, short: str | None = None) -> str | None:
    """The value of the last ``--long V``, ``--long=V``, ``-s V`` or ``-sV`` in ``argv``
    (click's rule for an option given twice), None if absent."""
    value = None
    words = iter(argv)
    for word in words:
        if word == "--":
            break
        if word == long or (short is not None and word == short):
            value = next(words, None)
        elif word.startswith(long + "="):
            value = word[len(long) + 1:]
        elif short is not None and word.startswith(short) and not word.startswith("--"):
            value = word[len(short):]
    return value


def sheet_wanted(sheet: str | None, method: str | None) -> str | int | None:
    """The sheet the command will read first: ``--sheet`` as ``read_options`` takes it,
    else ``input.sheet`` of the method file (raises when the file cannot tell)."""
    if sheet is not None:
        from ddci_cli.cli.values import sheet_option

        return sheet_option(sheet)
    import tomllib

    with open(method, "rb") as fh:
        return tomllib.load(fh).get("input", {}).get("sheet")
