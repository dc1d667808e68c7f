"""`--state FILE`: a small JSON ledger a CI job caches between runs, recording when each rule was last
exercised against one target (keyed by its base URL and the spec's version), so the spending planner
(`planning`) puts the rules not reached today first tomorrow.

    {"ledgers": {"https://api.apimart.ai spec 1.4.0": {"runs": 3, "rules": {"schema on GET /v1/balance": 3}}}}

A rule's number is the run that last exercised it (runs are counted from 1). Other targets' entries in
the same file are kept as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .coverage import Rule

__all__ = ["Ledger"]

_SEPARATOR = " on "


@dataclass
class Ledger:
    """When each rule was last exercised against one target, and how many runs there were."""

    key: str
    """`<base URL> spec <spec version>`: a new spec version starts a new ledger."""
    runs: int = 0
    last: dict[Rule, int] = field(default_factory=dict)
    """Rule -> the run (1, 2, ...) that last exercised it."""

    @staticmethod
    def key_of(base_url: str, spec_version: str) -> str:
        return f"{base_url.rstrip('/')} spec {spec_version}"

    @classmethod
    def load(cls, path: Path, base_url: str, spec_version: str) -> Ledger:
        """The ledger of this target in `path` (a fresh one when the file or its entry is missing)."""
        key = cls.key_of(base_url, spec_version)
        entry = _read(path).get(key)
        if entry is None:
            return cls(key)
        last = {_rule(name): int(run) for name, run in entry["rules"].items()}
        return cls(key, int(entry["runs"]), last)

    def record(self, exercised: set[Rule]) -> None:
        """One more run, which exercised `exercised`."""
        self.runs += 1
        self.last.update(dict.fromkeys(exercised, self.runs))

    def save(self, path: Path) -> None:
        """Write this target's entry, keeping every other target's."""
        ledgers = _read(path)
        ledgers[self.key] = {
            "runs": self.runs,
            "rules": {
                f"{check}{_SEPARATOR}{operation}": run
                for (check, operation), run in sorted(self.last.items())
            },
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"ledgers": ledgers}, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["ledgers"]
    return found


def _rule(name: str) -> Rule:
    check, _, operation = name.partition(_SEPARATOR)
    return check, operation
