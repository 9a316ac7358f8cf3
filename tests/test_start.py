"""A fast start: ``ddci --help`` and ``ddci --version`` import nothing heavy (issue 9 item 3).

The time itself is measured by benchmarks/bench_start.py; these tests check what makes it
fast (which modules are imported) and that the quick help lists exactly typer's commands.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("typer", "rich", "numpy", "pandas", "pyarrow", "openpyxl", "python_calamine")


def _modules_after(argv: list[str]) -> tuple[set[str], str, int]:
    """Run the console entry point with ``argv`` in a fresh interpreter: (heavy modules
    imported, stdout, exit code)."""
    code = ("import sys\n"
            f"sys.argv = ['ddci', *{argv!r}]\n"
            "from ddci_cli.cli import main\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    rc = exc.code\n"
            "sys.stdout.flush()\n"
            f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
            "print('\\nHEAVY=' + ','.join(heavy) + ' RC=' + str(rc))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    out, _, tail = proc.stdout.rpartition("\nHEAVY=")
    heavy, _, rc = tail.rstrip().partition(" RC=")
    return set(filter(None, heavy.split(","))), out, int(rc)


@pytest.mark.parametrize("argv", [["--help"], ["--version"]])
def test_help_and_version_import_nothing_heavy(argv):
    heavy, out, rc = _modules_after(argv)
    assert rc == 0
    assert heavy == set(), f"ddci {argv[0]} imported {sorted(heavy)}"
    assert out.strip()


def test_application_module_imports_only_typer():
    code = ("import sys, ddci_cli.cli.application\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert set(filter(None, proc.stdout.strip().split(","))) <= {"typer"}


def test_quick_help_lists_every_typer_command():
    from ddci_cli.cli.application import app
    from ddci_cli.cli.quickhelp import application_source, commands

    about, found = commands(application_source())
    expected = []
    for info in app.registered_commands:
        name = info.name or info.callback.__name__.replace("_", "-")
        expected.append((name, (info.callback.__doc__ or "").strip().splitlines()[0]))
    assert found == expected
    assert about == app.info.help


def test_quick_help_reads_names_and_wrapped_signatures():
    from ddci_cli.cli.quickhelp import commands, help_text

    source = ('app = typer.Typer(add_completion=False, help="Index tools.")\n\n'
              '@app.command("units")\ndef units_cmd(a: int = f(1), b: str = "x") -> None:\n'
              '    """Distinct units with counts.\n\n    More.\n    """\n\n'
              '@app.command(name="make-it")\ndef make_it(\n        x: int) -> None:\n'
              '    """One line."""\n\n'
              '@app.command()\ndef plain_one():\n    """Plain."""\n')
    assert commands(source) == ("Index tools.", [("units", "Distinct units with counts."),
                                                 ("make-it", "One line."),
                                                 ("plain-one", "Plain.")])
    text = help_text(source)
    assert "  units      Distinct units with counts." in text


def test_help_through_the_command_line(ddci):
    proc = ddci.run("--help")
    assert proc.returncode == 0
    for name in ("score", "validate", "compare", "batch"):
        assert f"\n  {name} " in proc.stdout
    version = ddci.run("--version")
    assert version.returncode == 0 and version.stdout.startswith("ddci ")
