"""Hypothesis settings per target, on top of the profile `HYPOTHESIS_PROFILE` selects.

`register_profiles` defines the profiles (the plugin calls it). The profile says how thorough a run
is (`ci` quick and derandomized, `nightly` thorough, `live` small); `settings_for` only caps what a
target can afford: a black-box target gets fewer examples and shorter state-machine runs, and a test
that spends never plans more examples than the budget can pay for.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, Phase, settings

if TYPE_CHECKING:
    from .targets import Target

__all__ = ["PROFILES", "draw_from", "register_profiles", "settings_for"]


PROFILES = ("dev", "ci", "nightly", "live")


def register_profiles() -> None:
    """`dev` (50 random examples), `ci` (25, derandomized: the same examples every run, on top of
    schemathesis's deterministic coverage cases; `make test` stays within its 3 minutes), `nightly`
    (1,000), `live` (10, derandomized). The one `HYPOTHESIS_PROFILE` names is loaded when it is one of
    these; any other name is the caller's own profile, left for its owner to load."""
    settings.register_profile("dev", max_examples=50, deadline=None)
    settings.register_profile(
        "ci",
        max_examples=25,
        deadline=None,
        derandomize=True,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile("nightly", max_examples=1000, deadline=None, print_blob=True)
    settings.register_profile("live", max_examples=10, deadline=None, derandomize=True, print_blob=True)
    if os.environ.get("HYPOTHESIS_PROFILE") in PROFILES:
        settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


def draw_from(seed: int) -> None:
    """Draw every example of the run from `seed` (`--hypothesis-seed`; the CLI's `--case`, which each
    finding's reproducer names): the loaded profile, not derandomized (a seed counts only then) and without
    the example database (a run stores no example, and replays none);
    schemathesis draws its cases from the same seed."""
    from schemathesis.config import SchemathesisConfig

    settings.register_profile("case", settings(settings(), derandomize=False, database=None))
    settings.load_profile("case")
    SchemathesisConfig.shared_seed = seed


_CAPS = {"inprocess": (None, 30), "served": (15, 20), "live": (5, 8)}
"""Target name -> (max examples, steps per state-machine run); None keeps the profile's."""


def settings_for(target: Target, *, spends_per_example: int = 0) -> settings:
    base = settings()  # the loaded profile
    from .targets import REDIS_SUFFIX

    examples_cap, steps = _CAPS.get(target.name.removesuffix(REDIS_SUFFIX), _CAPS["live"])
    examples = base.max_examples if examples_cap is None else min(base.max_examples, examples_cap)
    if spends_per_example:
        examples = max(1, min(examples, target.budget.remaining // spends_per_example))
    # Shrinking replays requests: against a paid, real-time target it spends budget and wall time, and a
    # shrink step past the wall time would skip the test and lose the finding. There the first is reported.
    replays = (Phase.shrink, Phase.explain)
    phases = base.phases if target.free else [phase for phase in base.phases if phase not in replays]
    return settings(
        base,
        max_examples=examples,
        phases=phases,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
