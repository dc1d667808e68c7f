"""Checks judge exchanges no `Target` made: `judge_exchanges` over hand-made exchanges (a recording, say),
with the checks a run's `Session` applies to its own: the spec, drift, and the `Observer`'s across reads."""

from __future__ import annotations

import json
from typing import Any

import httpx

from apimart_contract.exchange import Exchange
from apimart_contract.session import judge_exchanges

from .test_package_layout import _imports

BASE = "https://api.apimart.ai"
TASK = "task_01K9XFT7G0CD7VA7GRRKEFYHPA"


def recorded(path: str, body: dict[str, Any], status: int = 200) -> Exchange:
    """One exchange as a recording holds it: a request, its answer, and the curl that replays it."""
    request = httpx.Request("GET", f"{BASE}{path}")
    response = httpx.Response(status, json=body, request=request)
    return Exchange(response, 0, f"curl -sS {BASE}{path}")


def mj(status: str, progress: str, **extra: Any) -> Exchange:
    task = {"id": TASK, "status": status, "action": "IMAGINE", "progress": progress, "quota": 0.05}
    return recorded(
        f"/v1/midjourney/{TASK}", {**task, "prompt_en": "a cat", "created_at": 1763000000, **extra}
    )


def unified(status: str, progress: int) -> Exchange:
    data = {"id": TASK, "status": status, "progress": progress, "created": 1763000000}
    return recorded(f"/v1/tasks/{TASK}", {"code": 200, "data": data})


def test_recorded_exchanges_are_judged_as_a_run_judges_its_own() -> None:
    """Progress going back between two reads, a field of the wrong type, a field the spec does not name:
    each found, each exchange judged whatever the one before broke, and the rules judged counted."""
    findings = judge_exchanges(
        [
            mj("IN_PROGRESS", "50%"),
            unified("processing", 50),
            mj("IN_PROGRESS", "30%"),  # progress backwards
            mj("IN_PROGRESS", "60%", image_urls="not a list"),  # the schema
            mj("IN_PROGRESS", "70%", render_farm="eu-2"),  # drift: a field the spec does not name
        ],
        target="cassette",
    )
    assert [(v.check, v.field) for v in findings.raised] == [
        ("progress-backwards", "$.progress"),
        ("schema", "$.image_urls"),
    ]
    backwards = findings.raised[0]
    assert (backwards.target, backwards.expected, backwards.received) == (
        "cassette",
        ">= 50% (read before)",
        "30%",
    )
    assert backwards.reproducer == f"curl -sS {BASE}/v1/midjourney/{TASK}"
    (drift,) = [v for v, _ in findings.entries.values()]
    assert (drift.check, drift.field) == ("unknown-field", "$.render_farm")
    judged = {rule for rule, passed in findings.judged.items() if passed}
    assert {
        ("views-disagree", "GET /v1/tasks/{task_id}"),  # the unified read, between two MJ reads
        ("schema", "GET /v1/midjourney/{task_id}"),
    } <= judged, judged
    assert findings.judged[("progress-backwards", "GET /v1/midjourney/{task_id}")] is False


def test_a_clean_recording_holds_and_says_what_it_judged() -> None:
    findings = judge_exchanges(
        [mj("IN_PROGRESS", "50%"), unified("processing", 50), mj("IN_PROGRESS", "50%")]
    )
    assert findings.raised == [] and findings.entries == {}
    assert findings.judged[("status-backwards", "GET /v1/midjourney/{task_id}")] is True
    assert json.dumps(sorted(findings.judged))  # plain data, for a report


def test_judging_needs_no_target() -> None:
    """The session and the checks import neither the targets nor the probe: a recording is judged alone."""
    graph = _imports()
    for module in ("session", "checks", "exchange"):
        assert not {"targets", "probe"} & graph[module], (module, graph[module])
