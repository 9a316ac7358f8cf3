"""Each command body takes one settings object (issue 9): no ``run_*`` function of the
command line takes more than one positional parameter, and the settings are frozen and
built by keyword only, so a list of booleans by position cannot come back."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import typing
from pathlib import Path

import pytest

import ddci_cli.cli

POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
              inspect.Parameter.VAR_POSITIONAL)
COMMANDS = {"commands": ["run_score", "run_validate"], "compare": ["run_compare"],
            "explain": ["run_explain"], "units": ["run_units"],
            "analyses": ["run_sensitivity", "run_diagnose"], "batch": ["run_batch"]}


def run_functions() -> dict[str, typing.Callable]:
    """Every ``run_*`` function defined in a module of ``ddci_cli.cli``, by qualified name."""
    found = {}
    for info in pkgutil.iter_modules(ddci_cli.cli.__path__):
        module = importlib.import_module(f"ddci_cli.cli.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("run_") and inspect.isfunction(obj) \
                    and obj.__module__ == module.__name__:
                found[f"{info.name}.{name}"] = obj
    return found


def test_every_command_body_is_found():
    found = run_functions()
    assert {f"{m}.{f}" for m, names in COMMANDS.items() for f in names} <= set(found)


@pytest.mark.parametrize("name, function", sorted(run_functions().items()))
def test_run_functions_take_one_positional_parameter(name, function):
    positional = [p.name for p in inspect.signature(function).parameters.values()
                  if p.kind in POSITIONAL]
    assert len(positional) <= 1, (f"{name}({', '.join(positional)}) takes a list of "
                                  "positional parameters; give it one settings object")


@pytest.mark.parametrize("module, name", [(m, f) for m, names in COMMANDS.items()
                                          for f in names])
def test_settings_are_frozen_and_keyword_only(module, name):
    function = getattr(importlib.import_module(f"ddci_cli.cli.{module}"), name)
    (parameter,) = inspect.signature(function).parameters
    settings = typing.get_type_hints(function)[parameter]
    assert dataclasses.is_dataclass(settings)
    assert settings.__dataclass_params__.frozen
    assert all(f.kw_only for f in dataclasses.fields(settings))
    with pytest.raises(TypeError):
        settings(Path("survey.csv"), Path("method.toml"))
