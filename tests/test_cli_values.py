"""Option values converted without pydantic (cli/values.py) are exactly typer's: the same
value, or the same message, for every parameter of every command."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

typer = pytest.importorskip("typer")

from ddci_cli.cli.values import _plain_kind, install  # noqa: E402

VALUES = ["", "x", "0", "7", "-3", "007", "+4", " 5", "1_000", "12345678901234567890",
          "0.25", "-1.5", "1e3", "nan", "inf", ".5", "2.", "1,5", "true", "no", "-",
          "data//a.xlsx", "./x/", "ä.csv", 0, 3, 2.5, True, False, b"x", Path("p"),
          ("a", "b"), ["1", "2"], ("x.xlsx", ""), (), ("3", "x")]


def _outcome(runtime, value, param, ctx):
    try:
        out = runtime._coerce_value(value, param=param, ctx=ctx)
    except Exception as exc:  # typer's BadParameter, or pydantic's own
        return ("error", type(exc).__name__, str(exc))
    return ("value", type(out).__name__, repr(out))


def _parameters():
    from ddci_cli.cli.application import app

    group = typer.main.get_command(app)
    for name, command in [("", group), *group.commands.items()]:
        for param in command.params:
            if getattr(param, "type_descriptor", None) is not None:
                yield command, param


def test_every_plain_option_converts_as_typer_does(tmp_path):
    from typer._coercion import build_runtime_param

    assert install()
    unreadable = tmp_path / "locked.csv"
    unreadable.write_text("a\n")
    unreadable.chmod(0)
    values = VALUES + [str(tmp_path), str(unreadable)]
    checked = 0
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for command, param in _parameters():
            if _plain_kind(param.type_descriptor) is None:
                continue
            ctx = command.make_context(command.name or "ddci", [], resilient_parsing=True)
            param._runtime_param = None
            ours = param.get_runtime_param()
            assert type(ours).__name__ == "PlainRuntimeParam", param.name
            typers = build_runtime_param(param.type_descriptor)
            for value in values:
                assert _outcome(ours, value, param, ctx) == \
                    _outcome(typers, value, param, ctx), (command.name, param.name, value)
                checked += 1
    finally:
        os.chdir(cwd)
        unreadable.chmod(0o600)
    assert checked > 1000


def test_score_does_not_import_pydantic(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1] / "data" / "samples"
    code = ("import sys\n"
            f"sys.argv = ['ddci', 'score', {str(root / 'ddci_haiphong_2024.xlsx')!r}, '-m', "
            f"{str(root / 'ddci_haiphong_2024.toml')!r}]\n"
            "from ddci_cli.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('\\nMODULES=' + ','.join(m for m in ('pydantic', 'pandas') "
            "if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert "\nMODULES=" in proc.stdout, proc.stderr[-2000:]
    assert proc.stdout.rpartition("\nMODULES=")[2].strip() == ""
