"""The ``ddci`` command line: typer commands, terminal rendering and batch runs.

The only layer that imports typer or rich, names a flag, or prints. ``main`` imports the
command modules only when it runs, so ``import ddci_cli.cli`` stays cheap.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the ``ddci`` console script.

    ``ddci --version`` and ``ddci --help`` are answered here, without importing typer
    (which alone takes several times Python's own start-up); everything else goes to the
    typer application, whose module imports only typer at the top (each command imports
    what it needs when it runs).

    ``ddci score survey.xlsx …`` starts reading the workbook on a second thread before
    typer is imported (cli/ahead.py): the read and the start-up overlap.

    OpenBLAS runs on one thread unless ``OPENBLAS_NUM_THREADS`` says otherwise: the matrix
    products ddci makes are many and small (the bootstrap's), where threads waiting on each
    other made ``--bootstrap`` 3–20× slower on a loaded 2-core machine, and one large
    product gained nothing measurable (docs/performance.md). Set before numpy is imported.
    """
    import os

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if sys.argv[1:] in (["--version"], ["-V"]):
        from ddci_cli import __version__

        _answer(f"ddci {__version__}\n")
    if sys.argv[1:] == ["--help"]:
        from ddci_cli.cli.quickhelp import application_source, help_text

        source = application_source()
        if source is not None:
            _answer(help_text(source))
    from ddci_cli.cli.ahead import start

    sys.setswitchinterval(0.0005)
    start(sys.argv[1:])  # the survey workbook is read while the rest starts up
    from ddci_cli.cli.values import install

    install()  # option values without pydantic where typer's result is not in doubt
    from ddci_cli.cli.application import main as run

    run()


def _answer(text: str) -> None:
    """Print ``text`` and exit 0; a reader that closed the pipe gives 141 (SPEC §5)."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(141)
    sys.exit(0)


def _silence_stdout() -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def __getattr__(name: str):
    if name == "app":
        from ddci_cli.cli.application import app

        return app
    raise AttributeError(name)
