"""What the proxy's tests share: a client's flow through it, the proxy in this process, its live report
once judged, and the keys and mock they use."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from apimart_contract.proxy._watch import Watch
from apimart_contract.proxy.cli import _parser
from apimart_mock import MockConfig

KEY_A, KEY_B = "sk-proxy-first-0123456789", "sk-proxy-second-987654321"


def flow(proxy_url: str, clock_url: str) -> None:
    """What a client does: imagine and poll both views to the end, upscale a tile and vary another and
    poll them, read the task as another account, read the balance. The clock is moved at `clock_url`: the
    upstream itself (unseen by the proxy), or the proxy (recorded, as a replay needs)."""

    def auth(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def until_done(client: httpx.Client, task_id: str) -> None:
        """Poll both views a second apart (on the upstream's clock) to the end, and once more after it."""
        for _ in range(120):
            httpx.post(f"{clock_url}/__mock/clock/advance", json={"seconds": 1}, headers=auth(KEY_A))
            mj = client.get(f"/v1/midjourney/{task_id}", headers=auth(KEY_A)).json()
            client.get(f"/v1/tasks/{task_id}", headers=auth(KEY_A))
            if mj.get("status") in ("SUCCESS", "FAILURE") or "error" in mj:
                break
        client.get(f"/v1/midjourney/{task_id}", headers=auth(KEY_A))

    with httpx.Client(base_url=proxy_url, timeout=30) as client:
        grid = client.post("/v1/midjourney/generations", json={"prompt": "a red fox"}, headers=auth(KEY_A))
        grid_id = grid.json()["data"][0]["task_id"]
        until_done(client, grid_id)
        upscale = client.post(
            "/v1/midjourney/generations/upscale", json={"task_id": grid_id, "index": 1}, headers=auth(KEY_A)
        )
        if upscale.status_code == 200:
            until_done(client, upscale.json()["data"][0]["task_id"])
        variation = client.post(
            "/v1/midjourney/generations/variation", json={"task_id": grid_id, "index": 2}, headers=auth(KEY_A)
        )
        if variation.status_code == 200:
            until_done(client, variation.json()["data"][0]["task_id"])
        client.get(f"/v1/tasks/{grid_id}", headers=auth(KEY_B))
        client.get("/v1/balance", headers=auth(KEY_A))


def judged(url: str) -> dict[str, Any]:
    """The proxy's live report once it has judged everything handed to it (judging runs behind)."""
    for _ in range(600):
        status: dict[str, Any] = httpx.get(f"{url}/__proxy/report").json()
        if status["pending"] == 0:
            return status
        time.sleep(0.05)
    raise AssertionError(f"the proxy is still judging after 30 s: {status}")


def mock_config() -> MockConfig:
    return MockConfig(frozen_at=1_763_000_000.0, seed=0, api_keys=frozenset({KEY_A, KEY_B}))


@contextmanager
def watching(upstream: str, folder: Path) -> Iterator[tuple[str, Watch]]:
    """The proxy in this process (what `apimart-proxy` runs, without the report at the end)."""
    args = _parser().parse_args(["--upstream", upstream, "--port", "0", "--record", str(folder)])
    watch = Watch.start(args)
    thread = threading.Thread(target=watch.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield watch.url, watch
    finally:
        watch.server.shutdown()
        thread.join(30)
        watch.stop()
        shutil.rmtree(watch.state, ignore_errors=True)
