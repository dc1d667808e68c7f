"""Issue 24's "one poll path", side by side: the served mock of a commit before it against this checkout.

Both served from the same venv (`hardening._mock`), loaded in alternating rounds with the wrk mix and with
a single poll repeated (one live task through the mj view), after the same warm-up; each figure is req/s
and the CPU the server's processes spent per request (steadier than req/s on a shared machine).

`python -m bench.onepoll [COMMIT] [SECONDS] [ROUNDS]` prints the rounds and the ratios now / before.
"""

from __future__ import annotations

import sys

from .hardening import _checkout, _mock, _remove
from .mix import build_mix, write_lua
from .processes import group_cpu_seconds
from .settings import MIX_SHARES, MIX_SIZE, ROOT, RUN_DIR, SEED, WARMUP_S
from .state import build_state
from .tools import ensure_wrk
from .wrk import run_wrk

BEFORE = "7625353"
"""The commit before the one poll path (the base of its branch)."""


def main(argv: list[str]) -> int:
    commit, seconds, rounds = (argv + [BEFORE, "8", "4"][len(argv) :])[:3]
    wrk, before = ensure_wrk(), _checkout(commit)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    best: dict[tuple[str, str], tuple[float, float]] = {}
    for n in range(int(rounds)):
        for name in ("before", "now") if n % 2 == 0 else ("now", "before"):
            store = RUN_DIR / f"onepoll-{name}.sqlite"
            _remove(store)
            with _mock(name, before if name == "before" else ROOT, store) as mock:
                pools = build_state(mock.url).pools()
                mixes = {
                    "mix": build_mix(pools, MIX_SHARES, MIX_SIZE, SEED),
                    "single poll": pools["mj_view_200"][:1],
                }
                for figure, probes in mixes.items():
                    lua = write_lua(probes, RUN_DIR / f"onepoll-{name}-{figure.replace(' ', '-')}.lua")
                    run_wrk(wrk, mock.url, lua, WARMUP_S)
                    spent = group_cpu_seconds([mock.process.pid])
                    result = run_wrk(wrk, mock.url, lua, int(seconds))
                    cpu_us = (group_cpu_seconds([mock.process.pid]) - spent) * 1e6 / max(result.requests, 1)
                    print(
                        f"round {n + 1} {name} {figure}: {result.rps:,.0f} req/s, {cpu_us:.0f} µs CPU per"
                        f" request, p99 {result.p99_ms:.1f} ms, {result.errors} errors",
                        flush=True,
                    )
                    rps, cpu = best.get((name, figure), (0.0, float("inf")))
                    best[(name, figure)] = (max(rps, result.rps), min(cpu, cpu_us))
    for figure in ("mix", "single poll"):
        (rps_now, cpu_now), (rps_before, cpu_before) = best[("now", figure)], best[("before", figure)]
        print(
            f"{figure}: best req/s {rps_now:,.0f} now / {rps_before:,.0f} before"
            f" = {rps_now / rps_before:.2f}; least CPU per request {cpu_now:.0f} / {cpu_before:.0f} µs"
            f" = {cpu_now / cpu_before:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
