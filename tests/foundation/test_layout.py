"""The layout's rules: no import cycle between aoai_nb's files (lazy imports included), notebooks import only
from the top-level package, and the public names of the first release keep importing from ``aoai_nb``."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import aoai_nb

ROOT = Path(aoai_nb.__file__).parent
NOTEBOOKS = ROOT.parent / "notebooks"
FIRST_RELEASE_NAMES = (
    "ConfigError DoctorReport EmbeddingBatchError ErrorReport FilterReport SemanticIndex Settings StreamResult "
    "UsageTracker chat_widget cosine_similarity doctor embed explain load_settings make_async_client make_client "
    "plot_projection rank show similarity_heatmap similarity_matrix stream usage_table view"
).split()


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (never executed)."""
    nodes: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        nodes.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return nodes


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The aoai_nb modules a file imports: ``from pkg import mod`` names the module, not the package."""
    deps: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            deps.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module in modules and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & modules.keys()
            deps.update(submodules)
            if len(submodules) < len(node.names):
                deps.add(node.module)
    return deps


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one file (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for dep in graph[node]:
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_files() -> None:
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_notebooks_import_only_from_the_top_level_package() -> None:
    offenders = []
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in json.loads(notebook.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(code)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                offenders += [f"{notebook.name}: {n}" for n in names if n.startswith("aoai_nb.")]
    assert offenders == []


def test_the_first_release_names_still_import_from_aoai_nb() -> None:
    assert set(FIRST_RELEASE_NAMES) <= set(aoai_nb.__all__)
    for name in FIRST_RELEASE_NAMES:
        assert getattr(aoai_nb, name) is not None
