"""The house rules of ARCHITECTURE.md, checked on the source: rooms under 400 lines, layers that
only import downwards, and no import cycle (module-level imports; a function may import lazily)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "matchmaker"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_imports(path: Path) -> set[str]:
    """Absolute names of what ``path`` imports at module level (not inside functions)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                root = ".".join(base + ([node.module] if node.module else []))
            else:
                root = node.module or ""
            found.add(root)
            found.update(f"{root}.{alias.name}" for alias in node.names)
    return found


GRAPH = {module_name(p): module_imports(p) for p in MODULES}
INTERNAL = set(GRAPH)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_room_is_longer_than_400_lines(path):
    assert len(path.read_text("utf-8").splitlines()) <= MAX_LINES


# What each layer must never import (module level): lower layers know nothing of higher ones.
FORBIDDEN = {
    "matchmaker.matching": (
        "flask",
        "flask_sqlalchemy",
        "sqlalchemy",
        "matchmaker.models",
        "matchmaker.extensions",
        "matchmaker.services",
        "matchmaker.web",
        "matchmaker.api",
        "matchmaker.cli",
    ),
    "matchmaker.models": (
        "matchmaker.services",
        "matchmaker.web",
        "matchmaker.api",
        "matchmaker.cli",
    ),
    "matchmaker.services": ("matchmaker.web", "matchmaker.api", "matchmaker.cli"),
    "matchmaker.domain": ("flask", "sqlalchemy", "matchmaker.models", "matchmaker.services"),
}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_only_downwards(layer):
    wrong = {
        (module, name)
        for module, names in GRAPH.items()
        if module == layer or module.startswith(layer + ".")
        for name in names
        for banned in FORBIDDEN[layer]
        if name == banned or name.startswith(banned + ".")
    }
    assert not wrong


def test_there_is_no_import_cycle():
    edges = {
        module: {name for name in names if name in INTERNAL and name != module}
        for module, names in GRAPH.items()
    }
    # A package's __init__ importing its own submodules is how packages are built, not a cycle.
    for module in edges:
        edges[module] = {n for n in edges[module] if not n.startswith(module + ".")}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    assert not cycles
