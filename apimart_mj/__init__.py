"""What the client, the mock and the contract suite share about the APIMart Midjourney service.

The one table of operations (`OPERATIONS`), the customId grammar, the service's auto-matching, the
status mapping between the two task views, the version rules, and the spec itself (`SPEC_PATH`). No
I/O, no dependencies beyond the standard library: `apimart` (the client), `apimart_mock` and
`apimart_contract` all import it.

Usage:
```
from apimart_mj import CustomId, match_button, to_unified

CustomId.parse("MJ::JOB::upsample::2::3eaa7c0c-9825-4110-9c89-02c4e463a8d0").index   # 2
to_unified("IN_PROGRESS")                                                           # "processing"
```
"""

from importlib import metadata
from pathlib import Path

from ._custom_id import DIRECTIONS, HD_UPSCALE_OPERATIONS, JOB_OPERATIONS, CustomId, Family, hd_upscale_id
from ._errors import ApimartError, InvalidArgumentError, InvalidCustomId, NoMatchingButton
from ._matching import REQUIRES_UPSCALED, REROLL_LABELS, ButtonLike, match_button
from ._operations import (
    FINISHES,
    HD_UPSCALE_PRICE,
    OPERATIONS,
    ButtonRule,
    Face,
    Feature,
    Finish,
    Kind,
    Match,
    Operation,
    Parent,
    Result,
    Route,
    Selector,
    by_action,
    by_name,
    of_kind,
    submits,
)
from ._statuses import (
    MJ_STATUS_RANK,
    MJ_TERMINAL,
    MJ_TO_UNIFIED,
    UNIFIED_STATUS_RANK,
    UNIFIED_TERMINAL,
    InvalidProgress,
    format_progress,
    parse_progress,
    to_unified,
)
from ._versions import (
    DEFAULT_VERSION,
    HD_VERSION,
    PAN_REFUSED,
    REMIX_REFUSED,
    SUPPORTED_VERSIONS,
    UNSUPPORTED_VERSION_REASON,
    VERSION_RULES,
    VersionRules,
    rules_for,
    version_of,
)

SPEC_PATH = Path(__file__).with_name("openapi.yaml")
"""The contract, `openapi.yaml`, as shipped inside this package (in a checkout, a link to the file at the
root of the repository)."""

try:
    __version__ = metadata.version("apimart-midjourney")
    """The installed distribution's version (what `apimart --version` and `apimart-mock --version` say)."""
except metadata.PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_VERSION",
    "DIRECTIONS",
    "FINISHES",
    "HD_UPSCALE_OPERATIONS",
    "HD_UPSCALE_PRICE",
    "HD_VERSION",
    "JOB_OPERATIONS",
    "MJ_STATUS_RANK",
    "MJ_TERMINAL",
    "MJ_TO_UNIFIED",
    "OPERATIONS",
    "PAN_REFUSED",
    "REMIX_REFUSED",
    "REQUIRES_UPSCALED",
    "REROLL_LABELS",
    "SPEC_PATH",
    "SUPPORTED_VERSIONS",
    "UNIFIED_STATUS_RANK",
    "UNIFIED_TERMINAL",
    "UNSUPPORTED_VERSION_REASON",
    "VERSION_RULES",
    "ApimartError",
    "ButtonLike",
    "ButtonRule",
    "CustomId",
    "Face",
    "Family",
    "Feature",
    "Finish",
    "InvalidArgumentError",
    "InvalidCustomId",
    "InvalidProgress",
    "Kind",
    "Match",
    "NoMatchingButton",
    "Operation",
    "Parent",
    "Result",
    "Route",
    "Selector",
    "VersionRules",
    "by_action",
    "by_name",
    "format_progress",
    "hd_upscale_id",
    "match_button",
    "of_kind",
    "parse_progress",
    "rules_for",
    "submits",
    "to_unified",
    "version_of",
]
