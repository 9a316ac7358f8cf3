"""``ddci --help`` without importing typer or rich.

Importing typer alone takes several times as long as starting Python, and building its
commands from their signatures about as long again; the list of commands needs neither.
It is read from the source of ``application.py`` (every ``@app.command()`` function, its
name and the first line of its docstring, and the ``help=`` of ``typer.Typer``), so it
cannot drift from the commands that exist (tests/test_start.py compares it with typer's).
``ddci COMMAND --help`` still goes to typer. Regular expressions, not ``ast``: importing
and running ``ast`` costs as much again as the rest of this answer.
"""

from __future__ import annotations

import os
import re
import textwrap

WIDTH = 80
APP_HELP = re.compile(r"typer\.Typer\((?:[^()]|\([^()]*\))*?\bhelp=\"((?:[^\"\\]|\\.)*)\"")
COMMAND = re.compile(r"^@app\.command\(([^)]*)\)\s*\ndef (\w+)\(.*?\"\"\"(.*?)(?:\n|\"\"\")",
                     re.M | re.S)
NAME = re.compile(r"^\s*(?:name\s*=\s*)?\"([^\"]+)\"")


def commands(source: str) -> tuple[str, list[tuple[str, str]]]:
    """(the application's help, [(command, first line of its docstring)]) in file order."""
    about = APP_HELP.search(source)
    found = []
    for match in COMMAND.finditer(source):
        args, function, doc = match.groups()
        named = NAME.match(args) or re.search(r"\bname\s*=\s*\"([^\"]+)\"", args)
        found.append((named.group(1) if named else function.replace("_", "-"), doc.strip()))
    return (about.group(1) if about else ""), found


def help_text(source: str) -> str:
    """The top-level help: usage, what ddci does, its options and its commands."""
    about, found = commands(source)
    lines = ["Usage: ddci [OPTIONS] COMMAND [ARGS]...", ""]
    lines += [textwrap.fill(about, WIDTH, initial_indent="  ", subsequent_indent="  "), ""]
    lines += ["Options:", "  -V, --version  Show the version.",
              "  --help         Show this message and exit.", "", "Commands:"]
    pad = max((len(name) for name, _ in found), default=0) + 4
    for name, doc in found:
        body = textwrap.wrap(doc, WIDTH - pad) or [""]
        lines.append(f"  {name:<{pad - 2}}{body[0]}")
        lines += [" " * pad + more for more in body[1:]]
    lines += ["", "Run 'ddci COMMAND --help' for the options of a command."]
    return "\n".join(lines) + "\n"


def application_source() -> str | None:
    """The source of ``application.py``, or None where only compiled files are installed."""
    path = os.path.join(os.path.dirname(__file__), "application.py")
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        return None
