"""The one table of operations: every operation of `openapi.yaml`, and what each one does.

The client's helpers and CLI, the mock's routing and pricing and the contract suite's lifecycle all read
this table, and a test holds it equal to the spec both ways (every spec operation has a row, every row's
routes are spec operations). Adding an endpoint is adding a row here; `docs/adding-an-endpoint.md` has
the other steps.

A row says: the operation's `name` (the client method, `apimart <name>` on the command line with `-`
for `_`), its `routes` (the first is the canonical one; imagine and the balances have aliases), its
`kind`, the `tag` of the generated client's module (`apimart_mj_client.api.<tag>.<operation id>`), the
task `action` it creates, its `request` body schema, what it needs as a `parent`, what `selects` the
button or image it acts on, which parent results it `acts_on`, the `result` it gives, its `price`, the
version `feature` a parent must allow, and its `button`: the customIds whose press creates its tasks,
the buttons a finished task shows for it, and how auto-matching picks one. The customId grammar, the
auto-matching, the version rules, the mock's buttons, timing and views, and the contract suite's inputs
read these; a key claimed twice (a name, an action, a customId operation or family) fails at import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

__all__ = [
    "DIRECTIONS",
    "FINISHES",
    "HD_UPSCALE_OPERATIONS",
    "HD_UPSCALE_PRICE",
    "OPERATIONS",
    "REROLL_LABELS",
    "ButtonRule",
    "Face",
    "Family",
    "Feature",
    "Finish",
    "Kind",
    "Match",
    "Operation",
    "Parent",
    "Result",
    "Route",
    "Selector",
    "by_action",
    "by_name",
    "of_kind",
    "submits",
]


class Kind(StrEnum):
    VIEW = "view"
    """Reads a task (free)."""
    SUBMIT = "submit"
    """Creates a billed task (or, for /modal, lets one go on)."""
    ACCOUNT = "account"
    """Reads the caller's balance (free)."""
    UPLOAD = "upload"
    """Stores a file and answers its public URL (free)."""


class Parent(StrEnum):
    """What a submit acts on."""

    NONE = "none"
    """Nothing: a new task from a prompt or images."""
    BUTTON = "button"
    """A finished task: presses one of its buttons (by `custom_id`, or the one auto-matching picks)."""
    INDEX = "index"
    """A finished grid: one of its images by `index` (no button is pressed)."""
    FRAME = "frame"
    """A first frame: an image sent by URL, or (`task_id`, `index`) one image of a finished grid."""
    MODAL = "modal"
    """The task itself, waiting in MODAL."""


class Selector(StrEnum):
    """What picks the button a follow-up presses: sent `custom_id` wins over the others."""

    INDEX = "index"
    DIRECTION = "direction"
    ZOOM_RATIO = "zoom_ratio"
    CUSTOM_ID = "custom_id"


class Result(StrEnum):
    """What a finished task of an operation holds."""

    GRID = "grid"
    """Four images in a 2x2 grid, with the grid's buttons."""
    SINGLE = "single"
    """One upscaled image (its buttons hidden in the live shape)."""
    MODAL = "modal"
    """Nothing yet: the task waits in MODAL for /modal, then becomes a grid of four candidates."""
    TEXT = "text"
    """Four prompts describing an image (`prompt` and `description`); no images, no buttons."""
    VIDEO = "video"
    """`batch_size` videos (`video_url`, `video_urls`; unified `result.videos`); no buttons."""


@dataclass(frozen=True)
class Finish:
    """What a task of a `Result` ends as, holds and takes: the row a kind of result adds."""

    ends_as: Result
    """The result it holds once finished (a task waiting in MODAL ends a grid)."""
    tiles: int
    """Its images (a video result: its videos, unless `batch_size` asks for more), 0 for text."""
    seconds: tuple[float, float, float]
    """How long it takes when nothing goes wrong (the mock's clock): NOT_START, SUBMITTED, IN_PROGRESS."""


_GRID_SECONDS = (0.5, 1.0, 3.0)
"""A whole imagine (or variation, zoom, modal...) in 4.5 clock seconds."""
FINISHES: Mapping[Result, Finish] = MappingProxyType(
    {
        Result.GRID: Finish(Result.GRID, 4, _GRID_SECONDS),
        Result.SINGLE: Finish(Result.SINGLE, 1, (0.0, 0.0, 0.0)),  # composed locally: done at once
        Result.MODAL: Finish(Result.GRID, 4, _GRID_SECONDS),  # once /modal is called
        Result.TEXT: Finish(Result.TEXT, 0, (0.2, 0.3, 1.5)),  # describe: "1-3 s but still async"
        Result.VIDEO: Finish(Result.VIDEO, 1, _GRID_SECONDS),
    }
)
"""Each kind of result: what its task ends as and holds, and how long it takes."""


class Family(StrEnum):
    """The customId families, by the namespace that follows `MJ::`."""

    JOB = "JOB"
    OUTPAINT = "Outpaint"
    INPAINT = "Inpaint"
    CUSTOM_ZOOM = "CustomZoom"
    BOOKMARK = "BOOKMARK"
    PIC_READER = "Job::PicReader"
    PICREAD_RETRY = "Picread::Retry"
    CANCEL_JOB = "CancelJob::ByJobid"
    PAN_MODAL = "PanModal"
    REMIX_MODAL = "RemixModal"
    ANIMATE_MODAL = "AnimateModal"


class Feature(StrEnum):
    """What the version of a parent must allow for a follow-up (`apimart_mj.VersionRules`)."""

    PAN = "pan"
    REMIX = "remix"


class Match(StrEnum):
    """How auto-matching picks the button a follow-up sent without `custom_id` presses (reference 3.4)."""

    TILE = "tile"
    """The button of tile `index` (1-4): U2, V3."""
    VARY = "vary"
    """The single-image button; else an older set's `Make Variations`, or on a grid its V{index}."""
    ONE = "one"
    """The first button with one of the rule's customIds, or one of its labels."""
    DIRECTION = "direction"
    """The button of the rule whose customId names `direction`."""
    ZOOM = "zoom"
    """Zoom Out 2x for a `zoom_ratio` omitted or at least 2, else Zoom Out 1.5x."""


@dataclass(frozen=True)
class Face:
    """One button a finished task of result `on` shows: its customId, a template over `{hash}` (the
    task's job hash) and `{n}` (one button per tile, 1-4), its label (`{n}` too), and its `place` in
    the set of reference 3.3 (equal places keep the order of the table)."""

    on: Result
    place: int
    custom_id: str
    label: str

    def expand(self, job_hash: str) -> tuple[tuple[str, str], ...]:
        """(customId, label) of each button of this face on the task of `job_hash`."""
        tiles = range(1, 5) if "{n}" in self.custom_id else range(1, 2)
        return tuple((self.custom_id.format(hash=job_hash, n=n), self.label.format(n=n)) for n in tiles)


@dataclass(frozen=True)
class ButtonRule:
    """The buttons of an operation: pressing one (by `custom_id` on any follow-up endpoint) creates a
    task of the operation; `match` says how auto-matching picks one (None: only a customId names it)."""

    label: str
    """What a 400 names when nothing matches (`no U2 button`): a template over `{index}`,
    `{direction}`, `{factor}`."""
    match: Match | None
    job: tuple[str, ...] = ()
    """The `MJ::JOB::<operation>` operations whose press creates a task of this operation."""
    families: tuple[Family, ...] = ()
    """The other customId families whose press does."""
    labels: frozenset[str] = frozenset()
    """Labels auto-matching takes besides the customIds (`Match.ONE`)."""
    upscaled: bool = False
    """Auto-matching needs an upscaled parent (else 400 "This action requires an upscaled task.")."""
    faces: tuple[Face, ...] = ()
    """The buttons the mock shows for it on a finished task (the HD upscales follow the version)."""


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    operation_id: str


@dataclass(frozen=True)
class Operation:
    name: str
    routes: tuple[Route, ...]
    kind: Kind
    tag: str
    action: str | None = None
    request: str | None = None
    parent: Parent = Parent.NONE
    selects: frozenset[Selector] = frozenset()
    acts_on: frozenset[Result] = frozenset()
    """The results of parents this operation takes by auto-matching (a `custom_id` may reach others)."""
    result: Result | None = None
    price: float = 0.0
    """What a task of this action costs (illustrative: the mock's pricing, not APIMart's); a video costs
    this per video made."""
    feature: Feature | None = None
    """What the parent's version must allow (`apimart_mj.VersionRules`)."""
    button: ButtonRule | None = None

    @property
    def route(self) -> Route:
        return self.routes[0]

    @property
    def cli_name(self) -> str:
        return self.name.replace("_", "-")

    @property
    def module(self) -> str:
        """The generated client's module of the canonical route."""
        return f"apimart_mj_client.api.{self.tag}.{_snake(self.route.operation_id)}"


HD_UPSCALE_PRICE = 0.1
"""An HD upscale (by its customId) costs more than a plain one."""

DIRECTIONS = ("left", "right", "up", "down")
HD_UPSCALE_OPERATIONS = (
    "upsample_v5_2x",
    "upsample_v5_4x",
    "upsample_v6_2x_subtle",
    "upsample_v6_2x_creative",
    "upsample_v7_2x_subtle",
    "upsample_v7_2x_creative",
)
"""The HD upscales (a version has two of them, `apimart_mj.VersionRules`)."""
REROLL_LABELS = frozenset({"\U0001f504", "\U0001f504\ufe0f"})
_ANIMATE_OPERATIONS = ("animate_high", "animate_low", "animate_high_extend", "animate_low_extend")

_GEN = "/v1/midjourney/generations"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def _post(path: str, operation_id: str) -> tuple[Route, ...]:
    return (Route("POST", path, operation_id),)


def _follow_up(
    name: str,
    action: str,
    request: str,
    selects: set[Selector],
    acts_on: set[Result],
    result: Result,
    price: float,
    button: ButtonRule,
    feature: Feature | None = None,
) -> Operation:
    """A follow-up that presses a button of a finished task."""
    return Operation(
        name,
        _post(f"{_GEN}/{name.replace('_', '-')}", _camel(name)),
        Kind.SUBMIT,
        "midjourney",
        action=action,
        request=request,
        parent=Parent.BUTTON,
        selects=frozenset({*selects, Selector.CUSTOM_ID}),
        acts_on=frozenset(acts_on),
        result=result,
        price=price,
        feature=feature,
        button=button,
    )


def _pans(on: Result, place: int, index: int, arrows: tuple[str, ...]) -> tuple[Face, ...]:
    """The four pan buttons, labelled by their arrows (a single image's carry the emoji selector)."""
    return tuple(
        Face(on, place, f"MJ::JOB::pan_{d}::{index}::{{hash}}::SOLO", arrow)
        for d, arrow in zip(DIRECTIONS, arrows, strict=True)
    )


def _vary(name: str, label: str, place: int) -> Operation:
    """Vary (Strong) or (Subtle): of an upscaled image by its button, or of a grid by its V{index}."""
    return _follow_up(
        name,
        name.upper(),
        "IndexedActionRequest",
        {Selector.INDEX},
        {Result.GRID, Result.SINGLE},
        Result.GRID,
        0.05,
        ButtonRule(
            label,
            Match.VARY,
            job=(name,),
            faces=(Face(Result.SINGLE, place, f"MJ::JOB::{name}::1::{{hash}}::SOLO", label),),
        ),
    )


def _remix(strength: str) -> Operation:
    """Remix (Strong) or (Subtle): one image of a finished v8.1/v8.2 grid, by index, with a new prompt."""
    return Operation(
        f"remix_{strength}",
        _post(f"{_GEN}/remix-{strength}", f"remix{strength.title()}"),
        Kind.SUBMIT,
        "midjourney",
        action=f"REMIX_{strength.upper()}",
        request="RemixRequest",
        parent=Parent.INDEX,
        selects=frozenset({Selector.INDEX}),
        acts_on=frozenset({Result.GRID}),
        result=Result.GRID,
        price=0.05,
        feature=Feature.REMIX,
    )


_GRID, _SINGLE = Result.GRID, Result.SINGLE
_INDEX, _DIRECTION, _ZOOM_RATIO = Selector.INDEX, Selector.DIRECTION, Selector.ZOOM_RATIO

OPERATIONS: tuple[Operation, ...] = (
    Operation("get_task", (Route("GET", "/v1/tasks/{task_id}", "getTask"),), Kind.VIEW, "tasks"),
    Operation(
        "get_midjourney_task",
        (Route("GET", "/v1/midjourney/{task_id}", "getMidjourneyTask"),),
        Kind.VIEW,
        "midjourney",
    ),
    Operation(
        "balance",
        (Route("GET", "/v1/balance", "getBalance"), Route("GET", "/balance", "getBalanceLegacy")),
        Kind.ACCOUNT,
        "account",
    ),
    Operation(
        "user_balance",
        (
            Route("GET", "/v1/user/balance", "getUserBalance"),
            Route("GET", "/user/balance", "getUserBalanceLegacy"),
        ),
        Kind.ACCOUNT,
        "account",
    ),
    Operation(
        "upload_image",
        _post("/v1/uploads/images", "uploadImage"),
        Kind.UPLOAD,
        "uploads",
        request="UploadImageRequest",
    ),
    Operation(
        "imagine",
        (Route("POST", f"{_GEN}/imagine", "imagine"), Route("POST", _GEN, "createGeneration")),
        Kind.SUBMIT,
        "midjourney",
        action="IMAGINE",
        request="ImagineRequest",
        result=_GRID,
        price=0.05,
    ),
    Operation(
        "blend",
        _post(f"{_GEN}/blend", "blend"),
        Kind.SUBMIT,
        "midjourney",
        action="BLEND",
        request="BlendRequest",
        result=_GRID,
        price=0.05,
    ),
    Operation(
        "describe",
        _post(f"{_GEN}/describe", "describe"),
        Kind.SUBMIT,
        "midjourney",
        action="DESCRIBE",
        request="DescribeRequest",
        result=Result.TEXT,
        price=0.01,
    ),
    Operation(
        "edits",
        _post(f"{_GEN}/edits", "edits"),
        Kind.SUBMIT,
        "midjourney",
        action="EDITS",
        request="EditsRequest",
        result=_GRID,
        price=0.05,
    ),
    _follow_up(
        "upscale",
        "UPSCALE",
        "IndexedActionRequest",
        {_INDEX},
        {_GRID},
        _SINGLE,
        0.02,
        ButtonRule(
            "U{index}",
            Match.TILE,
            job=("upsample", *HD_UPSCALE_OPERATIONS),
            faces=(Face(_GRID, 0, "MJ::JOB::upsample::{n}::{hash}", "U{n}"),),
        ),
    ),
    _follow_up(
        "variation",
        "VARIATION",
        "IndexedActionRequest",
        {_INDEX},
        {_GRID},
        _GRID,
        0.05,
        ButtonRule(
            "V{index}",
            Match.TILE,
            job=("variation",),
            faces=(Face(_GRID, 2, "MJ::JOB::variation::{n}::{hash}", "V{n}"),),
        ),
    ),
    _vary("high_variation", "Vary (Strong)", 2),
    _vary("low_variation", "Vary (Subtle)", 1),
    _follow_up(
        "reroll",
        "REROLL",
        "RerollRequest",
        set(),
        {_GRID},
        _GRID,
        0.05,
        ButtonRule(
            "reroll",
            Match.ONE,
            job=("reroll",),
            labels=REROLL_LABELS,
            faces=(Face(_GRID, 1, "MJ::JOB::reroll::0::{hash}::SOLO", "\U0001f504"),),
        ),
    ),
    _follow_up(
        "zoom",
        "ZOOM",
        "ZoomRequest",
        {_ZOOM_RATIO},
        {_SINGLE},
        _GRID,
        0.05,
        ButtonRule(
            "Zoom Out {factor:g}x",
            Match.ZOOM,
            families=(Family.OUTPAINT, Family.CUSTOM_ZOOM),
            upscaled=True,
            faces=(
                Face(_GRID, 4, "MJ::Outpaint::1::{hash}::SOLO", "Zoom Out 1.5×"),
                Face(_SINGLE, 4, "MJ::Outpaint::50::1::{hash}::SOLO", "Zoom Out 2x"),
                Face(_SINGLE, 4, "MJ::Outpaint::75::1::{hash}::SOLO", "Zoom Out 1.5x"),
                Face(_SINGLE, 4, "MJ::CustomZoom::{hash}", "Custom Zoom"),
            ),
        ),
    ),
    _follow_up(
        "pan",
        "PAN",
        "PanRequest",
        {_DIRECTION},
        {_SINGLE},
        _GRID,
        0.05,
        ButtonRule(
            "pan {direction}",
            Match.DIRECTION,
            job=tuple(f"pan_{d}" for d in DIRECTIONS),
            families=(Family.PAN_MODAL,),
            upscaled=True,
            faces=(
                *_pans(_GRID, 3, 0, ("⬅", "➡", "⬆", "⬇")),
                *_pans(_SINGLE, 5, 1, ("⬅️", "➡️", "⬆️", "⬇️")),
            ),
        ),
        Feature.PAN,
    ),
    _follow_up(
        "inpaint",
        "INPAINT",
        "InpaintRequest",
        set(),
        {_SINGLE},
        Result.MODAL,
        0.05,
        ButtonRule(
            "Vary (Region)",
            Match.ONE,
            families=(Family.INPAINT,),
            labels=frozenset({"Vary (Region)"}),
            upscaled=True,
            faces=(
                Face(_GRID, 5, "MJ::Inpaint::1::{hash}::SOLO", "Vary (Region)"),
                Face(_SINGLE, 3, "MJ::Inpaint::1::{hash}::SOLO", "Vary (Region)"),
            ),
        ),
    ),
    Operation(
        "video",
        _post(f"{_GEN}/video", "video"),
        Kind.SUBMIT,
        "midjourney",
        action="VIDEO",
        request="VideoRequest",
        parent=Parent.FRAME,
        selects=frozenset({_INDEX}),
        acts_on=frozenset({_GRID}),
        result=Result.VIDEO,
        price=0.1,
        button=ButtonRule("animate", None, job=_ANIMATE_OPERATIONS, families=(Family.ANIMATE_MODAL,)),
    ),
    _remix("strong"),
    _remix("subtle"),
    Operation(
        "modal",
        _post(f"{_GEN}/modal", "modal"),
        Kind.SUBMIT,
        "midjourney",
        action="MODAL",
        request="ModalRequest",
        parent=Parent.MODAL,
        acts_on=frozenset({Result.MODAL}),
        result=_GRID,
    ),
)
"""Every operation of the spec. Reads first, then submits in the order of the API reference."""

K = TypeVar("K")


def keyed(pairs: Iterable[tuple[K, Operation]], what: str) -> Mapping[K, Operation]:
    """`pairs` as a read-only mapping; a key two operations claim is an error at import, naming both."""
    found: dict[K, Operation] = {}
    for key, operation in pairs:
        if key in found:
            raise ValueError(f"{what} {key!r} is claimed by both {found[key].name} and {operation.name}")
        found[key] = operation
    return MappingProxyType(found)


_BY_NAME = keyed(((op.name, op) for op in OPERATIONS), "operation name")
_BY_ACTION = keyed(((op.action, op) for op in OPERATIONS if op.action is not None), "task action")


def by_name(name: str) -> Operation:
    """The operation called `name` (`upscale`, `high_variation`; `high-variation` is accepted too)."""
    try:
        return _BY_NAME[name.replace("-", "_")]
    except KeyError:
        raise KeyError(f"no operation {name!r}; known: {', '.join(_BY_NAME)}") from None


def by_action(action: str) -> Operation:
    """The operation whose tasks have `action` (`UPSCALE` -> upscale)."""
    return _BY_ACTION[action]


def submits() -> Iterator[Operation]:
    """The operations that create (or continue) a billed task."""
    return of_kind(Kind.SUBMIT)


def of_kind(kind: Kind) -> Iterator[Operation]:
    return (op for op in OPERATIONS if op.kind is kind)
