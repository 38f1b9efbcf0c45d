"""The shape of the tree CONTRIBUTING.md promises: no module over 600 lines, and no two modules
of one app importing each other (directly or round a circle). The kernel's layers are
import-linter's contract (pyproject.toml), run by ``make lint``."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("econtract", "registration", "authentication", "signing", "retrieval", "auxiliary")
MAX_LINES = 600


def _app_of(module: str) -> str:
    """An app: a kernel sub-package, auxiliary.contract_changes, or a top-level package."""
    parts = module.split(".")
    if parts[0] == "econtract" and len(parts) > 1:
        return ".".join(parts[:2])
    if parts[:2] == ["auxiliary", "contract_changes"]:
        return "auxiliary.contract_changes"
    return parts[0]


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_between_modules_of_one_app() -> None:
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            # A package's __init__ naming its own modules is no circle of theirs.
            if _app_of(imported) == _app_of(module) and imported not in (module, _app_of(module)):
                edges[module].add(imported)
    assert len(edges) > 100  # the graph was built
    assert _circles(edges) == []


def test_no_module_is_over_600_lines() -> None:
    skipped = {".venv", "var", "tests", "migrations", "bench", "node_modules"}
    long = {
        str(path.relative_to(ROOT)): lines
        for path in ROOT.rglob("*.py")
        if not skipped.intersection(path.relative_to(ROOT).parts)
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
