"""The request list every server gets: which GETs, with which token, and the status each must answer.

One list, built once per run from the mock's real state and shuffled with a fixed seed, is replayed
against all three servers, so they see the same paths, headers and expected statuses. Each request
carries `Prefer: code=<expected>`: Prism answers that status from the spec's examples (it keeps no
state, so this is the only way it can give a 403 or a 404), the hello-world app does the same, and
our mock ignores the header and must reach the status from its own state.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Probe", "build_mix", "write_lua"]


@dataclass(frozen=True)
class Probe:
    """One request of the mix: GET `path` as `token`; `status` is the only correct answer."""

    klass: str
    path: str
    token: str
    status: int


def build_mix(
    pools: Mapping[str, Sequence[Probe]], shares: Mapping[str, int], size: int, seed: int
) -> list[Probe]:
    """`size` probes with each class at its share (percent), drawn round-robin from its pool, shuffled."""
    rng = random.Random(seed)
    probes: list[Probe] = []
    for klass, share in shares.items():
        pool = pools[klass]
        if not pool:
            raise ValueError(f"no probes for request class {klass}")
        count = max(1, size * share // 100)
        probes.extend(pool[k % len(pool)] for k in range(count))
    rng.shuffle(probes)
    return probes


def write_lua(probes: Sequence[Probe], path: Path) -> Path:
    """Write the list as a Lua chunk that `mix.lua` loads with `dofile` (ids and tokens are plain ASCII)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = ",\n".join(f"{{{_lua(p.klass)}, {_lua(p.path)}, {_lua(p.token)}, {p.status}}}" for p in probes)
    path.write_text(f"return {{\n{rows}\n}}\n")
    return path


def _lua(text: str) -> str:
    if any(c in text for c in '"\\\n\r') or not text.isascii():
        raise ValueError(f"not a plain ASCII string: {text!r}")
    return f'"{text}"'
