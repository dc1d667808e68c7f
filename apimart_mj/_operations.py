"""The one table of operations: every operation of `openapi.yaml`, and what each one does.

The client's helpers and CLI, the mock's routing and pricing and the contract suite's lifecycle all read
this table, and a test holds it equal to the spec both ways (every spec operation has a row, every row's
routes are spec operations). Adding an endpoint is adding a row here; `docs/adding-an-endpoint.md` has
the other steps.

A row says: the operation's `name` (the client method, `apimart <name>` on the command line with `-`
for `_`), its `routes` (the first is the canonical one; imagine and the balances have aliases), its
`kind`, the `tag` of the generated client's module (`apimart_mj_client.api.<tag>.<operation id>`), the
task `action` it creates, its `request` body schema, what it needs as a `parent`, what `selects` the
button or image it acts on, which parent results it `acts_on`, the `result` it gives, and its `price`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "HD_UPSCALE_PRICE",
    "OPERATIONS",
    "Kind",
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
    _follow_up("upscale", "UPSCALE", "IndexedActionRequest", {_INDEX}, {_GRID}, _SINGLE, 0.02),
    _follow_up("variation", "VARIATION", "IndexedActionRequest", {_INDEX}, {_GRID}, _GRID, 0.05),
    _follow_up(
        "high_variation", "HIGH_VARIATION", "IndexedActionRequest", {_INDEX}, {_GRID, _SINGLE}, _GRID, 0.05
    ),
    _follow_up(
        "low_variation", "LOW_VARIATION", "IndexedActionRequest", {_INDEX}, {_GRID, _SINGLE}, _GRID, 0.05
    ),
    _follow_up("reroll", "REROLL", "RerollRequest", set(), {_GRID}, _GRID, 0.05),
    _follow_up("zoom", "ZOOM", "ZoomRequest", {_ZOOM_RATIO}, {_SINGLE}, _GRID, 0.05),
    _follow_up("pan", "PAN", "PanRequest", {_DIRECTION}, {_SINGLE}, _GRID, 0.05),
    _follow_up("inpaint", "INPAINT", "InpaintRequest", set(), {_SINGLE}, Result.MODAL, 0.05),
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

_BY_NAME: Mapping[str, Operation] = MappingProxyType({op.name: op for op in OPERATIONS})
_BY_ACTION: Mapping[str, Operation] = MappingProxyType(
    {op.action: op for op in OPERATIONS if op.action is not None}
)


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
