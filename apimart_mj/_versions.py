"""Midjourney versions as data: which versions the engine takes, and what each version allows.

A task remembers the version it was generated with (its `version` field, or a `--v` / `--version` flag
in its prompt; children inherit their parent's). A task without one counts as `DEFAULT_VERSION`. The
rules (`docs/decisions.md`, "version rules"): pan is refused on a v8.x parent (the English pan page),
remix needs a v8.1 or v8.2 parent, and the HD-upscale customIds a task accepts follow its version.
Which operation needs which `Feature` is said by its row of the operations table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ._operations import Feature, by_action

__all__ = [
    "DEFAULT_VERSION",
    "HD_VERSION",
    "PAN_REFUSED",
    "REMIX_REFUSED",
    "SUPPORTED_VERSIONS",
    "UNSUPPORTED_VERSION_REASON",
    "VERSION_RULES",
    "VersionRules",
    "rules_for",
    "version_of",
]

SUPPORTED_VERSIONS = ("5", "5.1", "5.2", "6", "6.1", "7", "8", "8.1", "8.2")
"""What the engine takes (reference 4.1). Any other `version` is accepted at submit and the task fails."""
DEFAULT_VERSION = "7"
UNSUPPORTED_VERSION_REASON = (
    "upstream code=4: --v 必须是 ['5','5.1','5.2','6','6.1','7','8','8.1','8.2'] 之一"
)
"""The live `fail_reason` of a task submitted with a version the engine does not take."""


PAN_REFUSED = "invalid generation request"
"""What pan on a v8.x parent answers (the English pan page)."""
REMIX_REFUSED = "remix needs a finished v8.1 or v8.2 task"
_REFUSALS = {Feature.PAN: PAN_REFUSED, Feature.REMIX: REMIX_REFUSED}


@dataclass(frozen=True)
class VersionRules:
    """What a task of one version allows its follow-ups."""

    pan: bool
    remix: bool
    hd_upscales: tuple[str, ...]
    """The `MJ::JOB::<operation>::1::<hash>::SOLO` HD upscales of this version, Subtle/2x first."""

    def allows(self, feature: Feature) -> bool:
        return {Feature.PAN: self.pan, Feature.REMIX: self.remix}[feature]

    def refusal(self, action: str) -> str | None:
        """The 400 message for a follow-up of `action` on a task of this version, or None if allowed: the
        operation's row names the `Feature` its parent's version must allow."""
        try:
            feature = by_action(action).feature
        except KeyError:
            return None
        return None if feature is None or self.allows(feature) else _REFUSALS[feature]


_V5 = ("upsample_v5_2x", "upsample_v5_4x")
_V6 = ("upsample_v6_2x_subtle", "upsample_v6_2x_creative")
_V7 = ("upsample_v7_2x_subtle", "upsample_v7_2x_creative")

VERSION_RULES: Mapping[str, VersionRules] = MappingProxyType(
    {
        "5": VersionRules(pan=True, remix=False, hd_upscales=_V5),
        "5.1": VersionRules(pan=True, remix=False, hd_upscales=_V5),
        "5.2": VersionRules(pan=True, remix=False, hd_upscales=_V5),
        "6": VersionRules(pan=True, remix=False, hd_upscales=_V6),
        "6.1": VersionRules(pan=True, remix=False, hd_upscales=_V6),
        "7": VersionRules(pan=True, remix=False, hd_upscales=_V7),
        "8": VersionRules(pan=False, remix=False, hd_upscales=_V7),
        "8.1": VersionRules(pan=False, remix=True, hd_upscales=_V7),
        "8.2": VersionRules(pan=False, remix=True, hd_upscales=_V7),
    }
)
"""Per supported version. v8 and v8.2 share v7's HD upscales, as v8.1 does (the docs name only v8.1)."""

_FLAG = re.compile(r"(?:^|\s)--(?:v|version)\s+(?P<version>[0-9]+(?:\.[0-9]+)?)(?=\s|$)")


HD_VERSION = "8.1"
"""The version `hd: true` implies when a submit names none (reference 4.2, structured fields)."""


def version_of(field: str | None, prompt: str | None, *, hd: bool = False) -> str | None:
    """The version a submit asks for: the `version` field, else the last `--v` flag of the prompt, else
    `HD_VERSION` for an `hd` submit; None when it names none."""
    if field is not None:
        return field
    found = list(_FLAG.finditer(prompt or ""))
    if found:
        return found[-1]["version"]
    return HD_VERSION if hd else None


def rules_for(version: str | None) -> VersionRules:
    """The rules of `version` (a task without one counts as `DEFAULT_VERSION`; an unsupported one, whose
    task fails anyway, as the default too)."""
    return VERSION_RULES.get(version or DEFAULT_VERSION, VERSION_RULES[DEFAULT_VERSION])
