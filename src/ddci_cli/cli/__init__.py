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
    typer is imported (cli/ahead.py): the read and the start-up overlap. A plain ``ddci
    score`` command line is then parsed without typer at all (cli/plain.py).

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

    start(sys.argv[1:])  # the survey workbook is read while the rest starts up
    if sys.argv[1:2] == ["score"]:
        from ddci_cli.cli.plain import run_score

        code = run_score(sys.argv[2:])  # None: not a plain command line, typer parses it
        if code is not None:
            sys.exit(code)
    from ddci_cli.cli.values import install

    install()  # option values without pydantic where typer's result is not in doubt
    from ddci_cli.cli.application import main as run

    run()


def console() -> None:
    """The ``ddci`` console script: :func:`main`, and after ``ddci score`` a quick exit.

    Once ``ddci score`` has finished, every output is written and closed and no child
    process or thread of its own is left to wait for (a read-ahead nobody took is only
    reading). It then leaves with ``os._exit`` after flushing stdout and stderr, without
    tearing the interpreter down: freeing every cell read one by one and unloading numpy
    took a tenth of the command's time on a small survey (docs/performance.md)."""
    if sys.argv[1:2] != ["score"]:
        main()
        return
    try:
        main()
        code = 0
    except SystemExit as exc:
        if not isinstance(exc.code, (int, type(None))):
            raise
        code = exc.code or 0
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


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
