"""The ``ddci`` command line: typer commands, terminal rendering and batch runs.

The only layer that imports typer or rich, names a flag, or prints. ``main`` imports the
command modules only when it runs, so ``import ddci_cli.cli`` stays cheap.
"""

from __future__ import annotations


def main() -> None:
    """Entry point of the ``ddci`` console script."""
    from ddci_cli.cli.application import main as run

    run()


def __getattr__(name: str):
    if name == "app":
        from ddci_cli.cli.application import app

        return app
    raise AttributeError(name)
