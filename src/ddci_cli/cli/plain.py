"""``ddci score`` parsed without typer when its command line is plain.

Importing typer and building a command from its signature cost about as much as the
rest of ``ddci score`` on a small survey once the workbook is read (docs/performance.md).
A plain command line is parsed here into exactly the call typer makes: the survey, and
options each spelled as declared (``--method`` or ``-m``), flags alone and others followed
by their value. Anything else goes to typer, whose results and messages it keeps:
``--help``, an unknown option, ``--opt=value``, ``-qm``, ``--``, an option given twice
(``-o`` excepted), a second argument, a missing value or one starting with ``-``, a value
typer would convert or refuse (not a plain decimal integer, an empty or unreadable path),
and a DDCI_* environment variable the options read. tests/test_plain.py checks the table
below against typer's own command, and the parse against typer's, call for call.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from ddci_cli.cli.values import PLAIN_INT


# application.score's options: spelling → (parameter, kind)
SCORE_OPTIONS: dict[str, tuple[str, str]] = {
    "--method": ("method", "path"), "-m": ("method", "path"),
    "--output": ("output", "paths"), "-o": ("output", "paths"),
    "--json": ("json_out", "flag"),
    "--sheet": ("sheet", "text"),
    "--header-row": ("header_row", "int"),
    "--encoding": ("encoding", "text"),
    "--delimiter": ("delimiter", "text"),
    "--lang": ("lang", "text"),
    "--seed": ("seed", "int"),
    "--bootstrap": ("bootstrap", "int"),
    "--scorecards": ("scorecards", "flag"),
    "--chart": ("chart", "path"),
    "--lenient": ("lenient", "flag"),
    "--strict": ("strict", "flag"),
    "--quiet": ("quiet", "flag"), "-q": ("quiet", "flag"),
    "--no-progress": ("no_progress", "flag"),
    "--debug": ("debug", "flag"),
}
SCORE_DEFAULTS: dict[str, Any] = {
    "output": None, "json_out": False, "sheet": None, "header_row": None, "encoding": None,
    "delimiter": None, "lang": None, "seed": 0, "bootstrap": 0, "scorecards": False,
    "chart": None, "lenient": False, "strict": False, "quiet": False, "no_progress": False,
    "debug": False,
}
SCORE_ENVIRONMENT = ("DDCI_SEED", "DDCI_LANG")  # read by --seed and --lang


def parse_score(argv: list[str]) -> dict[str, Any] | None:
    """The keyword arguments typer would call ``application.score`` with for
    ``ddci score ARGV…``, or None when the command line is not plain (typer parses it)."""
    if any(name in os.environ for name in SCORE_ENVIRONMENT) \
            or any(name.endswith("_COMPLETE") for name in os.environ):  # click's completion
        return None
    given: dict[str, Any] = {}
    survey = None
    words = iter(argv)
    for word in words:
        if not word.startswith("-"):
            if survey is not None or (survey := _path(word)) is None:
                return None
            continue
        spec = SCORE_OPTIONS.get(word)
        if spec is None:
            return None
        name, kind = spec
        if kind == "flag":
            given[name] = True
            continue
        value = next(words, None)
        if value is None or value.startswith("-"):
            return None
        converted = _path(value) if kind in ("path", "paths") else \
            (int(value) if PLAIN_INT.fullmatch(value) else None) if kind == "int" else value or None
        if converted is None:
            return None
        if kind == "paths":
            given.setdefault(name, []).append(converted)
        elif name in given:
            return None
        else:
            given[name] = converted
    if survey is None or "method" not in given:
        return None
    return {"survey": survey, **SCORE_DEFAULTS, **given}


def _path(text: str) -> Path | None:
    """``Path(text)`` where typer's own checks of a path option pass without a word (it is
    readable if it exists), else None."""
    if not text:
        return None
    try:
        os.stat(text)
    except (OSError, ValueError):
        return Path(text)
    return Path(text) if os.access(text, os.R_OK) else None


def score_job(p: dict[str, Any]) -> Callable[[], int]:
    """What ``ddci score`` runs, from its parameters (typer's or :func:`parse_score`'s)."""
    def job() -> int:
        from ddci_cli.cli.commands import ScoreSettings, run_score
        from ddci_cli.cli.runtime import _lang, read_options

        return run_score(ScoreSettings(
            survey=p["survey"], method=p["method"], outputs=p["output"] or [],
            json_out=p["json_out"],
            read=read_options(p["sheet"], p["header_row"], p["encoding"], p["delimiter"],
                              p["lenient"], p["strict"]),
            lang=_lang(p["lang"]), seed=p["seed"], bootstrap=p["bootstrap"],
            quiet=p["quiet"], no_progress=p["no_progress"], scorecards=p["scorecards"],
            chart=p["chart"]))

    return job


def run_score(argv: list[str]) -> int | None:
    """Exit code of ``ddci score ARGV…`` run without typer; None when not plain."""
    p = parse_score(argv)
    if p is None:
        return None
    from ddci_cli.cli.runtime import Run, guarded

    return guarded(lambda: Run(p["json_out"], p["quiet"], p["debug"]).code(score_job(p)),
                   "--debug" in argv)
