"""Builders and fakes shared by the client-layer tests (a module name no other test folder uses)."""

from __future__ import annotations

from typing import Any

BASE = "https://api.test"
TASK_ID = "task_01KV52C0TEJSYZMCG0NCS4YWKK"
JOB = "3eaa7c0c-9825-4110-9c89-02c4e463a8d0"


class FakeClock:
    """A monotonic clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def mj_task(status: str = "SUCCESS", progress: str = "100%", **fields: Any) -> dict[str, Any]:
    """A Midjourney-view task body in the live shape."""
    body: dict[str, Any] = {"id": TASK_ID, "status": status, "action": "IMAGINE", "progress": progress}
    if status == "SUCCESS" and fields.get("action", "IMAGINE") == "IMAGINE":
        body["buttons"] = grid_buttons()
    body.update(fields)
    return body


def grid_buttons() -> list[dict[str, Any]]:
    """The 15 buttons of a finished grid, as observed live."""
    buttons = [{"customId": f"MJ::JOB::upsample::{i}::{JOB}", "label": f"U{i}"} for i in range(1, 5)]
    buttons.append({"customId": f"MJ::JOB::reroll::0::{JOB}::SOLO", "label": "\U0001f504"})
    buttons += [{"customId": f"MJ::JOB::variation::{i}::{JOB}", "label": f"V{i}"} for i in range(1, 5)]
    arrows = {"left": "⬅", "right": "➡", "up": "⬆", "down": "⬇"}
    buttons += [{"customId": f"MJ::JOB::pan_{d}::0::{JOB}::SOLO", "label": a} for d, a in arrows.items()]
    buttons.append({"customId": f"MJ::Outpaint::1::{JOB}::SOLO", "label": "Zoom Out 1.5×"})
    buttons.append({"customId": f"MJ::Inpaint::1::{JOB}::SOLO", "label": "Vary (Region)"})
    return [{**button, "style": 2, "type": 2} for button in buttons]


def unified_task(status: str = "completed", progress: int = 100, **fields: Any) -> dict[str, Any]:
    return {"code": 200, "data": {"id": TASK_ID, "status": status, "progress": progress, **fields}}


def submitted(task_id: str = "task_child", status: str = "submitted") -> dict[str, Any]:
    return {"code": 200, "data": [{"status": status, "task_id": task_id}]}


def envelope(status: int, message: str, type_: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "type": type_}}
