"""`apimart-mock fidelity`: recorded traffic replayed against a fresh mock. Recordings of the mock itself
(through `apimart-proxy`, its clock driven through the proxy too) replay without a difference; a
recording of the mock in its documented shape lists exactly the Shapes decisions that shape changes,
each closed by `--shape docs`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from apimart_mock.serve.cassettes import read, seeds
from apimart_mock.serve.fidelity import measure
from apimart_mock.testing import serve

from .proxying import KEY_A, KEY_B, flow, judged, watching

ROOT = Path(__file__).resolve().parents[2]


def _record(folder: Path, *options: str) -> Path:
    with (
        serve("--frozen", "--api-key", KEY_A, "--api-key", KEY_B, *options) as mock,
        watching(mock.url, folder) as (url, _),
    ):
        flow(url, url)  # the clock advanced through the proxy: recorded, so a replay moves it too
        judged(url)
    return folder


@pytest.fixture(scope="module")
def live_shape(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _record(tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="module")
def docs_shape(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _record(tmp_path_factory.mktemp("docs"), "--shape", "docs")


def _documented_shape_rows() -> set[str]:
    """The rows of docs/decisions.md's Shapes table whose decision the documented shape changes."""
    text = (ROOT / "docs" / "decisions.md").read_text()
    table = text.split("## Shapes", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    return {cells[0].removeprefix("| ").strip() for cells in rows if "Documented shape" in cells[-1]}


def test_a_recording_of_the_mock_replays_without_a_difference(live_shape: Path) -> None:
    found = measure(read(live_shape))
    assert found.exchanges > 40 and found.tasks == 3
    assert found.to_json()["differences"] == []


def test_the_documented_shape_differs_by_exactly_its_decisions(docs_shape: Path) -> None:
    found = measure(read(docs_shape))
    differences = found.to_json()["differences"]
    assert differences, "the documented shape must differ from the live one"
    assert {d["decision"] for d in differences} == _documented_shape_rows()
    assert {d["closed_by"] for d in differences} == {"--shape docs"}
    assert not any(d["kind"] == "status" for d in differences)


def test_the_command_reports_and_exits_by_what_it_found(live_shape: Path, docs_shape: Path) -> None:
    command = [str(Path(sys.executable).parent / "apimart-mock"), "fidelity"]
    same = subprocess.run([*command, str(live_shape)], capture_output=True, text=True, timeout=120)
    assert same.returncode == 0, same.stderr
    assert "No difference in shape" in same.stdout
    other = subprocess.run([*command, str(docs_shape), "--json"], capture_output=True, text=True, timeout=120)
    assert other.returncode == 1, other.stderr
    report = json.loads(other.stdout)
    assert {d["closed_by"] for d in report["differences"]} == {"--shape docs"}
    as_docs = subprocess.run([*command, str(docs_shape), "--shape", "docs"], capture_output=True, text=True)
    assert as_docs.returncode == 0, as_docs.stdout
    broken = docs_shape / "broken.har"
    broken.write_text('{"log": {"version": "1.2", "entries": [{"request": 1}]}}')
    try:
        bad = subprocess.run([*command, str(docs_shape)], capture_output=True, text=True, timeout=120)
    finally:
        broken.unlink()
    assert bad.returncode == 2 and re.search(r"broken\.har:1: not a HAR entry", bad.stderr)


def test_recorded_tasks_seed_a_scope_of_their_own(live_shape: Path) -> None:
    """`apimart-mock tasks seed DIR --scope NAME` makes each recorded task again, as last read, owned by
    the scope's key; another team's view of the mock gets none of them."""
    recorded = seeds(read(live_shape))
    assert len(recorded) == 3
    command = [str(Path(sys.executable).parent / "apimart-mock"), "tasks", "seed", str(live_shape)]
    with serve("--frozen") as mock:
        env = {**os.environ, "APIMART_API_KEY": "sk-team-repro", "APIMART_MOCK_URL": mock.url}
        refused = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        assert refused.returncode == 2 and "--scope" in refused.stderr
        seeded = subprocess.run(
            [*command, "--scope", "repro"], capture_output=True, text=True, env=env, timeout=60
        )
        assert seeded.returncode == 0, seeded.stderr
        made = dict(line.split(" -> ")[0:2] for line in seeded.stdout.splitlines())
        assert made.keys() == recorded.keys()
        headers = {"Authorization": "Bearer sk-team-repro", "X-Mock-Scope": "repro"}
        for old, line in made.items():
            new = line.split()[0]
            task = httpx.get(f"{mock.url}/v1/midjourney/{new}", headers=headers).json()
            assert (task["status"], task["action"], task["prompt_en"]) == (
                recorded[old]["status"],
                recorded[old]["action"],
                recorded[old]["prompt"],
            )
            elsewhere = httpx.get(
                f"{mock.url}/v1/midjourney/{new}", headers={"Authorization": "Bearer sk-other"}
            )
            assert elsewhere.status_code in (403, 404)
