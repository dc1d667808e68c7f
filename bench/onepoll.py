"""The served mock of a commit against this checkout's, side by side, with the hello-world ceiling: first
written for issue 24's "one poll path", used since for issue 27's poll cost.

Both mocks served from the same venv (`hardening._mock`), and the hello-world RSGI app with the same
workers (what `make bench` calls the ceiling), loaded in alternating rounds with the wrk mix and with a
single poll repeated (one live task through the mj view; the ceiling gets the same requests), after the
same warm-up; each figure is req/s, p99 and the CPU the server's processes spent per request (steadier
than req/s on a shared machine).

`python -m bench.onepoll [COMMIT] [SECONDS] [ROUNDS]` prints the rounds, the ratios now / before and
each mock's share of the ceiling's req/s.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from pathlib import Path

from .hardening import _checkout, _mock, _remove
from .mix import build_mix, write_lua
from .processes import Running, free_port, group_cpu_seconds, serving
from .run import granian_command, mock_serve_defaults
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
    figures = ("mix", "single poll")
    for n in range(int(rounds)):  # the ceiling loads the requests made for the "now" mock just before
        for name in ("before", "now", "ceiling") if n % 2 == 0 else ("now", "ceiling", "before"):
            lua = {
                figure: RUN_DIR / f"onepoll-{_requester(name)}-{figure.replace(' ', '-')}.lua"
                for figure in figures
            }
            with _server(name, before) as server:
                if name != "ceiling":
                    pools = build_state(server.url).pools()
                    write_lua(build_mix(pools, MIX_SHARES, MIX_SIZE, SEED), lua["mix"])
                    write_lua(pools["mj_view_200"][:1], lua["single poll"])
                for figure in figures:
                    run_wrk(wrk, server.url, lua[figure], WARMUP_S)
                    spent = group_cpu_seconds([server.process.pid])
                    result = run_wrk(wrk, server.url, lua[figure], int(seconds))
                    cpu_us = (group_cpu_seconds([server.process.pid]) - spent) * 1e6 / max(result.requests, 1)
                    print(
                        f"round {n + 1} {name} {figure}: {result.rps:,.0f} req/s, {cpu_us:.0f} µs CPU per"
                        f" request, p99 {result.p99_ms:.1f} ms, {result.errors} errors",
                        flush=True,
                    )
                    rps, cpu = best.get((name, figure), (0.0, float("inf")))
                    best[(name, figure)] = (max(rps, result.rps), min(cpu, cpu_us))
    for figure in figures:
        (rps_now, cpu_now), (rps_before, cpu_before) = best[("now", figure)], best[("before", figure)]
        ceiling = best[("ceiling", figure)][0]
        print(
            f"{figure}: best req/s {rps_now:,.0f} now / {rps_before:,.0f} before"
            f" = {rps_now / rps_before:.2f}; least CPU per request {cpu_now:.0f} / {cpu_before:.0f} µs"
            f" = {cpu_now / cpu_before:.2f}; of the ceiling's {ceiling:,.0f} req/s"
            f" ({best[('ceiling', figure)][1]:.0f} µs): now {rps_now / ceiling:.0%},"
            f" before {rps_before / ceiling:.0%}"
        )
    return 0


def _requester(name: str) -> str:
    """Whose requests `name` is loaded with: its own mock's, or (the ceiling) the "now" mock's."""
    return "now" if name == "ceiling" else name


def _server(name: str, before: Path) -> AbstractContextManager[Running]:
    """The mock of `before` ("before"), of this checkout ("now"), or the hello-world RSGI app ("ceiling")."""
    if name == "ceiling":
        port = free_port()
        command = granian_command("bench.hello:rsgi_app", port, mock_serve_defaults()[0], None)
        return serving(name, command, port, RUN_DIR / "onepoll-ceiling.log", cwd=ROOT)
    store = RUN_DIR / f"onepoll-{name}.sqlite"
    _remove(store)
    return _mock(name, before if name == "before" else ROOT, store)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
