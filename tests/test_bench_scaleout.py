"""The scale-out bench's arithmetic (bench/scaleout.py): where each process runs, which points of the
curve a machine can measure, Redis's share of the CPU, and the sizing docs/scaling.md quotes."""

from __future__ import annotations

import pytest
import redis

from bench import scaleout
from bench.scaleout import Placement, cores_needed, curve, place, redis_share, size_for


def test_two_cores_place_redis_on_the_first_one_replica_on_the_second_and_wrk_beside_redis() -> None:
    placement = place([0, 1], 1)

    assert placement == Placement(redis=(0,), replicas=((1,),), load=(0,))
    assert placement.load_shares_redis


def test_spare_cores_go_to_the_load_generator() -> None:
    placement = place([0, 1, 2, 3, 4, 5, 6, 7], 4)

    assert placement == Placement(redis=(0,), replicas=((1,), (2,), (3,), (4,)), load=(5, 6, 7))
    assert not placement.load_shares_redis


def test_replicas_beyond_the_cores_are_refused() -> None:
    with pytest.raises(ValueError, match="2 replicas and Redis need 3 cores; there are 2"):
        place([0, 1], 2)
    with pytest.raises(ValueError):
        place([0, 1], 0)


def test_the_curve_goes_as_far_as_the_cores_allow() -> None:
    assert curve([0]) == []
    assert curve([0, 1]) == [1]
    assert curve([0, 1, 2, 3]) == [1, 2]
    assert curve(list(range(5))) == [1, 2, 4]
    assert cores_needed(4) == 6  # Redis, four replicas, the load generator


def test_redis_share_is_its_part_of_what_redis_and_the_replicas_spent() -> None:
    assert redis_share(1.0, 3.0) == 0.25
    assert redis_share(0.0, 0.0) == 0.0


def test_sizing_shows_its_arithmetic() -> None:
    sizing = size_for(
        10_000,
        5.0,
        replica_us=400.0,
        rps_per_replica=500.0,
        redis_us=100.0,
        bytes_per_task=1_000.0,
        journal_bytes=64 * 2**20,
    )

    assert sizing.polls_per_s == 2_000  # 10,000 tasks / 5 s
    assert sizing.replicas == 2  # 2,000 polls/s x 400 µs = 0.8 core, at 50% headroom 1.6: 2
    assert sizing.replicas_at_measured_rps == 8  # 2,000 / (500 x 50%)
    assert sizing.redis_cores == pytest.approx(0.4)  # 2,000 x 100 µs / 50%
    assert sizing.redis_mib == pytest.approx(10_000_000 / 2**20 + 64)


def test_a_task_is_weighed_in_a_real_redis(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What sizes Redis's memory: tasks created through the service, `used_memory` before and after."""
    monkeypatch.setattr(scaleout, "MEMORY_TASKS", 200)
    weight = scaleout._bytes_per_task(redis.Redis.from_url(redis_url), f"{redis_url}?prefix=weigh")
    assert 300 < weight < 20_000
