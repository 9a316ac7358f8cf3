"""The docs stay true: the worked example's numbers, every key and command documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ddci_cli.method import build as method_build
from ddci_cli.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_worked_example_numbers(ddci):
    doc = ddci.score(DOCS / "examples" / "tiny.csv", DOCS / "examples" / "tiny.toml")
    units = {u["unit"]: u for u in doc["units"]}
    # the last table of docs/arithmetic.md, computed by hand there
    table = (DOCS / "arithmetic.md").read_text(encoding="utf-8")
    assert "10·(20 + 5.5)/3 = 85.00" in table and "10·(7.4 + 10)/3 = 58.00" in table
    expected = {"X": (10, 5.5, 85.0, 1, "Tốt"), "Y": (3.7, 10, 58.0, 2, "Tốt"),
                "Z": (1, 1, 10.0, 3, None)}
    for name, (a, b, comp, rank, tier) in expected.items():
        unit = units[name]
        assert unit["subindices"]["a"] == pytest.approx(a, abs=1e-12)
        assert unit["subindices"]["b"] == pytest.approx(b, abs=1e-12)
        assert unit["composite"] == pytest.approx(comp, abs=1e-12)
        assert (unit["rank"], unit["tier"]) == (rank, tier)
    assert units["X"]["indicators"]["a1"]["value"] == pytest.approx(13 / 3)
    assert units["Y"]["indicators"]["a1"]["score"] == pytest.approx(6.4)


def test_every_method_key_is_documented():
    text = (DOCS / "method-file.md").read_text(encoding="utf-8")
    keys = set(method_build.TOP_KEYS + method_build.INPUT_KEYS + method_build.SUBINDEX_KEYS
               + method_build.INDICATOR_KEYS)
    missing = sorted(k for k in keys if f"`{k}`" not in text and f"[{k}]" not in text
                     and f"[[{k}]]" not in text and f"{k}." not in text)
    assert not missing, f"undocumented method keys: {missing}"


def test_every_command_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert names, "no commands registered"
    missing = [n for n in names if not re.search(rf"^## `ddci {n}", text, re.M)]
    assert not missing, f"commands missing from docs/cli.md: {missing}"


def test_readme_python_example_runs(monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    results = namespace["results"]
    assert len(results.units) == 35
    assert not [p for p in results.problems if p.severity == "error"]
    assert list(namespace["zscores"].units.columns) == list(results.units.columns)


def test_readme_quick_start_matches_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```\n(python3 -m venv .*?)\n```", readme)
    assert len(commands) == 2
    assert "ddci score data/samples/" in commands[0]
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
