"""Recorded traffic (the HAR cassettes of `apimart-proxy --record`) as the mock uses it: the exchanges, for
`fidelity`, and the tasks they show, to seed a mock with (`apimart-mock tasks seed DIR`), so that a
team reproduces a production task locally. Reading cassettes needs the `[contract]` extra."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["read", "seeds"]


def read(folder: Path) -> list[Any]:
    """The exchanges of the cassettes under `folder`, in order (`apimart_contract.proxy.Recorded`);
    raises `apimart_contract.proxy.CassetteError` naming the file and line of one it cannot read."""
    from apimart_contract.proxy import read_cassettes

    return [exchange for _, _, exchange in read_cassettes(folder)]


def seeds(exchanges: list[Any]) -> dict[str, dict[str, Any]]:
    """Recorded task id -> the control API's create-task fields that make a task like it as last read
    (status, action, prompt, fail reason, age at that read). Tasks never read in the MJ view are left out."""
    found: dict[str, dict[str, Any]] = {}
    first_seen: dict[str, float] = {}
    for exchange in exchanges:
        path = exchange.url.split("?", 1)[0]
        task_id = path.rsplit("/", 1)[-1]
        if exchange.method != "GET" or "/v1/midjourney/" not in path or exchange.status != 200:
            continue
        try:
            task = json.loads(exchange.response_body)
        except ValueError:
            continue
        if not isinstance(task, dict) or not isinstance(task.get("action"), str):
            continue
        first_seen.setdefault(task_id, exchange.started)
        created = task.get("created_at")
        born = float(created) if isinstance(created, int | float) else first_seen[task_id]
        fields = {
            "status": task.get("status"),
            "action": task["action"],
            "prompt": task.get("prompt_en") or task.get("prompt"),
            "fail_reason": task.get("fail_reason"),
            "age": max(0.0, round(exchange.started - born, 3)),
        }
        found[task_id] = {name: value for name, value in fields.items() if value is not None}
    return found
