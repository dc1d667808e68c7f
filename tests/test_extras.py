"""`apimart_mj._extras.EXTRAS`, what the console scripts check before they run, names the modules of
exactly the requirements pyproject.toml gives each extra: a requirement added to an extra without its
module (or a module left after its requirement went) fails here, not on a user's client-only install."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from apimart_mj._extras import EXTRAS

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
OPTIONAL = {"uvloop"}
"""Requirements an extra installs only on some platforms, which nothing needs to import."""


def _distribution(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_each_extra_names_the_modules_of_its_requirements(extra: str) -> None:
    required = {_distribution(r) for r in PYPROJECT["project"]["optional-dependencies"][extra]} - OPTIONAL
    provided: dict[str, set[str]] = {}
    for module, distributions in packages_distributions().items():
        for distribution in distributions:
            provided.setdefault(distribution.lower().replace("_", "-"), set()).add(module)
    named = {d for d in required for module in EXTRAS[extra] if module in provided.get(d, set())}
    assert named == required, f"[{extra}] requirements without a module in EXTRAS: {sorted(required - named)}"
    known = set().union(*(provided.get(d, set()) for d in required))
    assert set(EXTRAS[extra]) <= known, f"EXTRAS[{extra}] names modules of no requirement of it"
