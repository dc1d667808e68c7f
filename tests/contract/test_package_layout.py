"""The suite's layout: its modules import one another in one direction only (counting imports under
TYPE_CHECKING and inside functions), checks report through `exchange.Judge`, never through the probe or
the targets; and every check is a constant of the registry, used as such."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import apimart_contract
from apimart_contract import registry
from apimart_contract.registry import CHECKS

PACKAGE = Path(apimart_contract.__file__).parent


def _imports() -> dict[str, set[str]]:
    """Module (`checks`, `properties.test_errors`) -> the modules of the package it imports."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts).removesuffix(".__init__").removesuffix("__init__")
        package = parts[:-1]
        found = graph.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
                targets = [module] if node.module else [".".join([*base, alias.name]) for alias in node.names]
                found.update(target for target in targets if target)
    return graph


def test_the_modules_import_one_another_in_one_direction() -> None:
    graph = _imports()
    assert {"checks", "probe", "targets", "exchange"} <= set(graph)
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        for imported in sorted(graph.get(module, ())):
            if imported in path:
                cycles.append([*path[path.index(imported) :], imported])
            elif imported in graph:
                visit(imported, [*path, imported])

    for module in sorted(graph):
        visit(module, [module])
    assert cycles == [], cycles[:3]
    assert "probe" not in graph["checks"] and "targets" not in graph["checks"]


def test_every_check_is_a_module_constant_used_by_name_nowhere_else() -> None:
    """Each check is defined once, as a constant of the registry, and used as that constant: a misspelt
    check is an import error, never a finding under a name nobody registered."""
    for name, check in CHECKS.items():
        assert getattr(registry, name.upper().replace("-", "_")) is check
    names = "|".join(map(re.escape, sorted(CHECKS, key=len, reverse=True)))
    literal = re.compile(rf"""(?<!\[)["']({names})["']""")  # not a key: `media["schema"]` is OpenAPI's
    used = {
        f"{path.relative_to(PACKAGE)}: {found.group(0)}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "registry.py"
        for found in literal.finditer(path.read_text(encoding="utf-8"))
    }
    assert used == set(), sorted(used)
