"""The layer rule of docs/design.md, checked on the import graph of the package.

Every module's imports of other ``ddci_cli`` modules — at the top and inside functions —
must point down the layer list (or stay in the same package), the graph must have no
circle, and the heavy or outer libraries stay where they belong.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "ddci_cli"

# lowest first; a module may import its own layer's package or any lower layer
LAYERS = [
    {"errors", "text"},
    {"io"},
    {"method"},
    {"survey"},
    {"core"},
    {"scores", "pipeline", "check", "results"},
    {"uncertainty", "years", "diagnose", "explain", "sample", "api"},
    {"report"},
    {"cli"},
]
TOP = {"__init__"}  # the package root: lazy re-exports of the public API only


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in SRC.rglob("*.py")}


def imported(path: Path, name: str) -> set[str]:
    """Every ddci_cli module named by an import statement anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("ddci_cli"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            if base.startswith("ddci_cli"):
                for a in node.names:  # a submodule by name, else a name from ``base``
                    sub = f"{base}.{a.name}"
                    found.add(sub if (SRC.parent / Path(*sub.split("."))).with_suffix(".py")
                              .exists() or (SRC.parent / Path(*sub.split("."))).is_dir()
                              else base)
    return found


def resolve(target: str, known: dict[str, Path]) -> str | None:
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


def graph() -> dict[str, set[str]]:
    known = modules()
    edges = {}
    for name, path in known.items():
        targets = {resolve(t, known) for t in imported(path, name)}
        edges[name] = {t for t in targets if t and t != name and t != "ddci_cli"}
    return edges


def layer_of(name: str) -> int | None:
    top = name.split(".")[1] if "." in name else "__init__"
    for k, layer in enumerate(LAYERS):
        if top in layer:
            return k
    return None


def test_every_module_has_a_layer():
    unplaced = [m for m in modules() if m != "ddci_cli" and layer_of(m) is None]
    assert not unplaced, f"modules outside every layer of docs/design.md: {unplaced}"


def test_imports_point_down_the_layers():
    wrong = []
    for name, targets in graph().items():
        if name == "ddci_cli":
            continue
        for t in targets:
            if layer_of(t) is not None and layer_of(t) > layer_of(name):
                wrong.append(f"{name} → {t}")
    assert not wrong, "imports that point up the layers:\n" + "\n".join(sorted(wrong))


def test_no_import_circle():
    edges = graph()
    edges.pop("ddci_cli", None)
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert not cycles, "import circles:\n" + "\n".join(" → ".join(c) for c in cycles)


@pytest.mark.parametrize("library, allowed", [
    ("typer", {"cli"}),
    ("rich", {"cli"}),
    ("openpyxl", {"report", "sample"}),
])
def test_outer_libraries_stay_in_their_layer(library, allowed):
    users = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            if any(n == library or n.startswith(library + ".") for n in names):
                if name.split(".")[1] not in allowed:
                    users.append(name)
    assert not users, f"{library} imported outside {sorted(allowed)}: {sorted(set(users))}"


def test_core_imports_numpy_and_the_method_model_only():
    code = ("import sys, ddci_cli.core.block, ddci_cli.core.rank, ddci_cli.core.aggregate;"
            "heavy = [m for m in ('typer', 'rich', 'openpyxl', 'pandas', 'pyarrow') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "", f"import ddci_cli.core pulls in {out}"
    for path in (SRC / "core").glob("*.py"):
        for t in imported(path, module_name(path)):
            assert t.startswith(("ddci_cli.core", "ddci_cli.method")), f"{path.name} imports {t}"


def test_the_ranking_rule_is_written_once():
    """competition ranks and rounding keys are called only by the one ranking function."""
    callers = []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        if name != "ddci_cli.core.rank" and ("competition_ranks(" in text
                                              or "rounding_keys(" in text):
            callers.append(name)
    assert not callers, f"the ranking rule is re-implemented in {callers}; call rank_units"
