"""The package's folders are its architecture (docs/development.md): these tests read every
module's imports and hold the rules the layout promises, so a new module cannot quietly break
them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "zoom_notifier"
# What the artifact never ships: nothing that ships may import it.
NOT_SHIPPED = ("operator", "local")
SHIPPED = ("handlers", "workflow", "domain", "services", "runtime", "inbound")


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts).removesuffix(".__init__")


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(tree: ast.Module, *, at_import_time: bool) -> Iterator[str]:
    """The zoom_notifier modules a module imports: all of them, or (``at_import_time``) only
    those its import runs (not under TYPE_CHECKING, not inside a function)."""
    nodes: list[ast.AST] = list(tree.body)
    while nodes:
        node = nodes.pop()
        if at_import_time and isinstance(node, ast.If) and _is_type_checking(node):
            continue
        if at_import_time and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith(PACKAGE.name))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE.name):
            assert node.module is not None
            yield node.module
            # `from zoom_notifier.workflow import create`: a module, not a name.
            for alias in node.names:
                if (
                    (PACKAGE / node.module.split(".", 1)[-1].replace(".", "/") / alias.name)
                    .with_suffix(".py")
                    .exists()
                ):
                    yield f"{node.module}.{alias.name}"
        nodes.extend(ast.iter_child_nodes(node))


def _graph(*, at_import_time: bool) -> dict[str, set[str]]:
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = _module(path)
        graph[module] = set(_imports(tree, at_import_time=at_import_time)) - {module}
    return graph


def _folder(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else ""  # "" for the top-level modules


def test_the_import_graph_has_no_cycle() -> None:
    graph = _graph(at_import_time=True)
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            pytest.fail(f"import cycle: {' -> '.join([*path[path.index(module) :], module])}")
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            visit(imported, [*path, module])
        done.add(module)

    for module in graph:
        visit(module, [])


def test_nothing_that_ships_imports_the_operator_s_tools_or_the_local_stand_ins() -> None:
    offending = [
        f"{module} imports {imported}"
        for module, imports in _graph(at_import_time=False).items()
        if _folder(module) in SHIPPED or module in {"zoom_notifier", "zoom_notifier.errors"}
        for imported in imports
        if _folder(imported) in NOT_SHIPPED
    ]

    assert offending == []


@pytest.mark.parametrize(
    ("folder", "never"),
    [
        ("domain", {"services", "workflow", "handlers", "runtime"}),  # pure rules, no I/O
        ("workflow", {"services", "handlers"}),  # the steps see the world through their ports
        ("services", {"workflow", "handlers"}),
        ("runtime", {"workflow", "handlers"}),
        # The door reads requests, no more: it knows nothing of AWS or of what is answered.
        ("inbound", {"services", "workflow", "handlers", "runtime"}),
    ],
)
def test_each_folder_imports_only_the_layers_below_it(folder: str, never: set[str]) -> None:
    # The domain may register a secret for redaction (runtime.logs) and nothing else of the
    # runtime: that is the one edge upward, and it does no I/O.
    allowed = {"zoom_notifier.runtime.logs", "zoom_notifier.runtime.container"}
    offending = [
        f"{module} imports {imported}"
        for module, imports in _graph(at_import_time=False).items()
        if _folder(module) == folder
        for imported in imports
        if _folder(imported) in never and imported not in allowed
    ]

    assert offending == []
