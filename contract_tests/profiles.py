"""Hypothesis settings per target, on top of the profile `HYPOTHESIS_PROFILE` selects (root conftest).

The profile says how thorough a run is (`ci` quick and derandomized, `nightly` thorough, `live` small);
this module only caps what a target can afford: a black-box target gets fewer examples and shorter
state-machine runs, and a test that spends never plans more examples than the budget can pay for.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from .targets import Target

__all__ = ["settings_for"]

_CAPS = {"inprocess": (None, 30), "served": (15, 20), "live": (5, 8)}
"""Target name -> (max examples, steps per state-machine run); None keeps the profile's."""


def settings_for(target: Target, *, spends_per_example: int = 0) -> settings:
    base = settings()  # the loaded profile
    examples_cap, steps = _CAPS.get(target.name, _CAPS["live"])
    examples = base.max_examples if examples_cap is None else min(base.max_examples, examples_cap)
    if spends_per_example:
        examples = max(1, min(examples, target.budget.remaining // spends_per_example))
    return settings(
        base,
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
