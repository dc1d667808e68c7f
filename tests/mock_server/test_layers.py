"""The mock's layers, held: each package of `apimart_mock` imports only the layers beneath it (see
docs/architecture.md). Read from the source with `ast`, so an import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import apimart_mock

PACKAGE = Path(apimart_mock.__file__).parent

# Each layer, and what it must never import: the layers above it and the libraries of other concerns.
FORBIDDEN = {
    "domain": {
        "config",
        "flask",
        "werkzeug",
        "sqlite3",
        "redis",
        "granian",
        "httpx",
        "backend",
        "http",
        "store",
        "serve",
        "testing",
    },
    "store": {"flask", "werkzeug", "granian", "backend", "http", "serve", "testing"},
    "backend": {"flask", "werkzeug", "sqlite3", "redis", "granian", "http", "serve", "testing"},
    "http": {"serve", "testing"},
    "serve": {"testing"},
}


def _imports(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """The top-level libraries and the `apimart_mock` layers one module (a file under `root`) imports."""
    module = ".".join(path.relative_to(root).with_suffix("").parts)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = [*base, *(node.module or "").split(".")] if node.module else base
            names = [target] if node.module else [[*target, alias.name] for alias in node.names]
            found.update(".".join(name) for name in names)
    return {name.split(".")[1] if name.startswith("apimart_mock.") else name.split(".")[0] for name in found}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_only_what_lies_beneath_it(layer: str) -> None:
    crossings = {
        str(path.relative_to(PACKAGE)): sorted(_imports(path) & FORBIDDEN[layer])
        for path in sorted((PACKAGE / layer).rglob("*.py"))
    }
    assert {module: names for module, names in crossings.items() if names} == {}


def test_the_check_sees_a_crossing(tmp_path: Path) -> None:
    """The reader of imports finds a relative import of a higher layer, also inside a function."""
    module = tmp_path / "apimart_mock" / "domain" / "task.py"
    module.parent.mkdir(parents=True)
    module.write_text("from . import clock\n\ndef f():\n    from ..http import views\n    import flask\n")
    assert _imports(module, tmp_path) == {"domain", "http", "flask"}
