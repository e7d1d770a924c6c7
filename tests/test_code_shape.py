"""The shape of the code: no loops of imports between careergate's packages, and no
function too long to read at once.

Both are read from the source with ``ast``, not by importing it: a loop of imports can
hide behind an import inside a function until the day that function runs first.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PACKAGE = PROJECT / "src" / "careergate"

_SEPARATE_NODES = ("careergate.storage.migrations",)
"""Alembic's revisions are scripts Alembic loads by file path when it upgrades the
schema; no module of the package imports them, so they count as a node of their own
(a revision may use the package's code, as 0012 chains the audit log with audit.chain)."""

MAX_LINES = 80
LONG_BECAUSE = "Long because"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _node(module: str) -> str:
    """The graph's node of a module: its subpackage (``careergate.auth``), a top-level
    module (``careergate.settings``), the root package, or a separate node."""
    for separate in _SEPARATE_NODES:
        if module == separate or module.startswith(separate + "."):
            return separate
    return ".".join(module.split(".")[:2])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import that can run, at module level or inside a function. Imports under
    ``if TYPE_CHECKING:`` are left out: they never run, so they cannot take part in a
    loop of imports; they name types for annotations only."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    elif isinstance(node, ast.If) and _is_type_checking(node.test):
        for statement in node.orelse:
            yield from _runtime_imports(statement)
    else:
        for child in ast.iter_child_nodes(node):
            yield from _runtime_imports(child)


def _imported(statement: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    if isinstance(statement, ast.Import):
        return [alias.name for alias in statement.names]
    if statement.level:  # relative: resolved against the importing module's package
        package = module.split(".")[: -statement.level or None]
        base = ".".join(package + ([statement.module] if statement.module else []))
    else:
        base = statement.module or ""
    return [base]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    because: str
    """The first import seen that makes the edge: ``module imports module``."""


def import_graph() -> dict[str, dict[str, Edge]]:
    """Node -> node -> the edge, for imports between different nodes of careergate."""
    graph: dict[str, dict[str, Edge]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        source = _node(module)
        graph.setdefault(source, {})
        for statement in _runtime_imports(ast.parse(path.read_text(), str(path))):
            for name in _imported(statement, module):
                if name != "careergate" and not name.startswith("careergate."):
                    continue
                target = _node(name)
                if target != source and target not in graph[source]:
                    graph[source][target] = Edge(source, target, f"{module} imports {name}")
    return graph


def cycles(graph: dict[str, dict[str, Edge]]) -> list[list[Edge]]:
    """One loop through each strongly connected group of nodes (Tarjan's algorithm),
    as the edges that make it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while (member := stack.pop()) != node:
                group.append(member)
            groups.append([node, *group])

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_loop(graph, set(group)) for group in groups if len(group) > 1]


def _loop(graph: dict[str, dict[str, Edge]], group: set[str]) -> list[Edge]:
    """A shortest way from the group's first node back to itself (breadth first)."""
    start = min(group)
    came: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target, edge in sorted(graph.get(node, {}).items()):
                if target not in group or target in came:
                    continue
                came[target] = edge
                if target == start:
                    loop = [edge]
                    while loop[0].source != start:
                        loop.insert(0, came[loop[0].source])
                    return loop
                following.append(target)
        frontier = following
    raise AssertionError(f"no loop in the group {sorted(group)}")


def test_no_package_imports_itself_through_others() -> None:
    found = cycles(import_graph())
    described = [
        " -> ".join([loop[0].source, *(edge.target for edge in loop)])
        + "".join(f"\n    {edge.because}" for edge in loop)
        for loop in found
    ]
    assert not found, "loops of imports between packages:\n" + "\n".join(described)


def test_the_graph_sees_imports_inside_functions_and_skips_type_checking_ones() -> None:
    graph = import_graph()
    # models/listing.py names the upstream client for annotations only.
    assert "careergate.upstream" not in graph["careergate.models"]
    # The CLI opens the database inside its commands.
    assert "careergate.storage" in graph["careergate.cli"]


def test_a_loop_is_found_and_named() -> None:
    edge = Edge("a", "b", "a.x imports b.y")
    back = Edge("b", "a", "b.y imports a.z")
    graph = {"a": {"b": edge}, "b": {"a": back}, "c": {"a": Edge("c", "a", "c imports a")}}
    assert cycles(graph) == [[edge, back]]


def _functions(path: Path) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _says_why_long(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    docstring = ast.get_docstring(function) or ""
    return any(line.strip().startswith(LONG_BECAUSE) for line in docstring.splitlines())


def test_no_function_is_longer_than_80_lines_without_saying_why() -> None:
    too_long = []
    for root in ("src/careergate", "tests", "bench", "scripts"):
        for path in sorted((PROJECT / root).rglob("*.py")):
            for function in _functions(path):
                assert function.end_lineno is not None
                lines = function.end_lineno - function.lineno + 1
                if lines > MAX_LINES and not _says_why_long(function):
                    where = path.relative_to(PROJECT)
                    too_long.append(f"{where}:{function.lineno} {function.name} ({lines} lines)")
    assert not too_long, (
        f"functions over {MAX_LINES} lines whose docstring does not say "
        f"'{LONG_BECAUSE} ...':\n" + "\n".join(too_long)
    )
