"""apimart_mj: customIds parse and format back identically; malformed ids are rejected; auto-matching
follows section 3.4 of the reference and docs/decisions.md."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apimart_mj import (
    DIRECTIONS,
    HD_UPSCALE_OPERATIONS,
    JOB_OPERATIONS,
    REQUIRES_UPSCALED,
    CustomId,
    Family,
    InvalidCustomId,
    NoMatchingButton,
    hd_upscale_id,
    match_button,
)

HASH = "3eaa7c0c-9825-4110-9c89-02c4e463a8d0"

job_hashes = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{3,63}", fullmatch=True).filter(
    lambda h: not h.startswith("SOLO") or len(h) > 4
)
digits = st.integers(0, 9).map(str)


@st.composite
def custom_ids(draw: st.DrawFn) -> str:
    """Every family of section 3 of the reference, with arbitrary hashes and indexes."""
    h, n = draw(job_hashes), draw(digits)
    solo = draw(st.sampled_from(["", "::SOLO"]))
    operation = draw(st.sampled_from(JOB_OPERATIONS))
    motion = f"{draw(st.sampled_from(['high', 'low']))}::{draw(st.sampled_from('01'))}"
    return draw(
        st.sampled_from(
            [
                f"MJ::JOB::{operation}::{n}::{h}{solo}",
                f"MJ::Outpaint::{n}::{h}::SOLO",
                f"MJ::Outpaint::{draw(st.sampled_from(['50', '75']))}::{n}::{h}::SOLO",
                f"MJ::Inpaint::{n}::{h}::SOLO",
                f"MJ::CustomZoom::{h}",
                f"MJ::BOOKMARK::{h}",
                f"MJ::Job::PicReader::{n}",
                "MJ::Picread::Retry",
                f"MJ::CancelJob::ByJobid::{h}",
                f"MJ::PanModal::{draw(st.sampled_from(DIRECTIONS))}::{h}::{n}",
                f"MJ::RemixModal::{h}::{n}::{draw(digits)}",
                f"MJ::AnimateModal::{h}::{n}::{motion}",
            ]
        )
    )


@given(custom_ids())
def test_every_family_round_trips(text: str) -> None:
    parsed = CustomId.parse(text)
    assert str(parsed) == text
    assert CustomId.parse(str(parsed)) == parsed


@given(custom_ids(), st.data())
def test_mutated_ids_are_rejected_or_round_trip(text: str, data: st.DataObject) -> None:
    """Whatever a mutation gives, parse either rejects it clearly or gives back exactly the same string."""
    position = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.sampled_from(["", ":", "::", "x", "SOLO", " ", "é", "::1"]))
    cut = data.draw(st.integers(0, 3))
    mutated = text[:position] + insert + text[position + cut :]
    try:
        parsed = CustomId.parse(mutated)
    except InvalidCustomId as error:
        assert str(error)
    else:
        assert str(parsed) == mutated


@given(st.text(max_size=80))
def test_arbitrary_text_is_rejected_or_round_trips(text: str) -> None:
    with contextlib.suppress(InvalidCustomId):
        assert str(CustomId.parse(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "MJ::",
        "mj::JOB::upsample::1::" + HASH,
        "MJ::JOB::upsample::1",
        "MJ::JOB::upsample::12::" + HASH,
        "MJ::JOB::upsample::-1::" + HASH,
        "MJ::JOB::upscale::1::" + HASH,
        "MJ::JOB::upsample::1::" + HASH + "::SOLO::SOLO",
        "MJ::JOB::upsample::1::SOLO",
        "MJ::JOB::upsample::1::ab",
        "MJ::JOB::upsample::1::" + "a" * 65,
        "MJ::JOB::upsample::1::" + HASH + " ",
        "MJ::Outpaint::50::1::" + HASH,
        "MJ::Outpaint::5::1::" + HASH + "::SOLO",
        "MJ::Inpaint::1::" + HASH,
        "MJ::PanModal::sideways::" + HASH + "::1",
        "MJ::AnimateModal::" + HASH + "::1::medium::0",
        "MJ::Unknown::1::" + HASH,
    ],
)
def test_malformed_ids_are_rejected(text: str) -> None:
    with pytest.raises(InvalidCustomId, match=r"."):
        CustomId.parse(text)


def test_non_string_is_rejected() -> None:
    with pytest.raises(InvalidCustomId, match="string"):
        CustomId.parse(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "family", "operation", "index", "solo", "action"),
    [
        (f"MJ::JOB::upsample::2::{HASH}", Family.JOB, "upsample", 2, False, "UPSCALE"),
        (f"MJ::JOB::variation::4::{HASH}", Family.JOB, "variation", 4, False, "VARIATION"),
        (f"MJ::JOB::reroll::0::{HASH}::SOLO", Family.JOB, "reroll", 0, True, "REROLL"),
        (f"MJ::JOB::pan_left::0::{HASH}::SOLO", Family.JOB, "pan_left", 0, True, "PAN"),
        (
            f"MJ::JOB::high_variation::1::{HASH}::SOLO",
            Family.JOB,
            "high_variation",
            1,
            True,
            "HIGH_VARIATION",
        ),
        (f"MJ::JOB::low_variation::1::{HASH}::SOLO", Family.JOB, "low_variation", 1, True, "LOW_VARIATION"),
        (
            f"MJ::JOB::upsample_v7_2x_subtle::1::{HASH}",
            Family.JOB,
            "upsample_v7_2x_subtle",
            1,
            False,
            "UPSCALE",
        ),
        (f"MJ::Outpaint::1::{HASH}::SOLO", Family.OUTPAINT, None, 1, True, "ZOOM"),
        (f"MJ::Inpaint::1::{HASH}::SOLO", Family.INPAINT, None, 1, True, "INPAINT"),
        (f"MJ::CustomZoom::{HASH}", Family.CUSTOM_ZOOM, None, None, False, "ZOOM"),
        (f"MJ::BOOKMARK::{HASH}", Family.BOOKMARK, None, None, False, None),
        ("MJ::Picread::Retry", Family.PICREAD_RETRY, None, None, False, None),
    ],
)
def test_fields_and_action(
    text: str, family: Family, operation: str | None, index: int | None, solo: bool, action: str | None
) -> None:
    parsed = CustomId.parse(text)
    assert (parsed.family, parsed.operation, parsed.index, parsed.solo, parsed.action) == (
        family,
        operation,
        index,
        solo,
        action,
    )
    if family not in (Family.PICREAD_RETRY,):
        assert parsed.job_hash == HASH


def test_direction_and_zoom_factor() -> None:
    assert CustomId.parse(f"MJ::JOB::pan_up::1::{HASH}::SOLO").direction == "up"
    assert CustomId.parse(f"MJ::PanModal::down::{HASH}::1").direction == "down"
    assert CustomId.parse(f"MJ::Outpaint::50::1::{HASH}::SOLO").zoom_factor == 2.0
    assert CustomId.parse(f"MJ::Outpaint::75::1::{HASH}::SOLO").zoom_factor == 1.5
    assert CustomId.parse(f"MJ::Outpaint::1::{HASH}::SOLO").zoom_factor == 1.5


@pytest.mark.parametrize("operation", HD_UPSCALE_OPERATIONS)
def test_hd_upscale_ids(operation: str) -> None:
    assert str(hd_upscale_id(HASH, operation)) == f"MJ::JOB::{operation}::1::{HASH}::SOLO"
    assert str(hd_upscale_id(HASH, operation, solo=False)) == f"MJ::JOB::{operation}::1::{HASH}"
    assert hd_upscale_id(HASH, operation).action == "UPSCALE"


def test_hd_upscale_rejects_other_operations() -> None:
    with pytest.raises(InvalidCustomId, match="not an HD upscale"):
        hd_upscale_id(HASH, "upsample")


def test_constructors_reject_invalid_parts() -> None:
    with pytest.raises(InvalidCustomId):
        CustomId.job("upsample", 1, "no spaces allowed")
    with pytest.raises(InvalidCustomId):
        CustomId.job("teleport", 1, HASH)


# ---- auto-matching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    custom_id: str
    label: str


GRID = [
    *(Button(f"MJ::JOB::upsample::{i}::{HASH}", f"U{i}") for i in range(1, 5)),
    Button(f"MJ::JOB::reroll::0::{HASH}::SOLO", "\U0001f504"),
    *(Button(f"MJ::JOB::variation::{i}::{HASH}", f"V{i}") for i in range(1, 5)),
    *(Button(f"MJ::JOB::pan_{d}::0::{HASH}::SOLO", d) for d in DIRECTIONS),
    Button(f"MJ::Outpaint::1::{HASH}::SOLO", "Zoom Out 1.5×"),
    Button(f"MJ::Inpaint::1::{HASH}::SOLO", "Vary (Region)"),
]
SINGLE = [
    Button(f"MJ::JOB::upsample_v7_2x_subtle::1::{HASH}::SOLO", "Upscale (Subtle)"),
    Button(f"MJ::JOB::upsample_v7_2x_creative::1::{HASH}::SOLO", "Upscale (Creative)"),
    Button(f"MJ::JOB::low_variation::1::{HASH}::SOLO", "Vary (Subtle)"),
    Button(f"MJ::JOB::high_variation::1::{HASH}::SOLO", "Vary (Strong)"),
    Button(f"MJ::Inpaint::1::{HASH}::SOLO", "Vary (Region)"),
    Button(f"MJ::Outpaint::50::1::{HASH}::SOLO", "Zoom Out 2x"),
    Button(f"MJ::Outpaint::75::1::{HASH}::SOLO", "Zoom Out 1.5x"),
    Button(f"MJ::CustomZoom::{HASH}", "Custom Zoom"),
    *(Button(f"MJ::JOB::pan_{d}::1::{HASH}::SOLO", d) for d in DIRECTIONS),
]


@pytest.mark.parametrize("index", [1, 2, 3, 4])
def test_upscale_and_variation_match_by_index(index: int) -> None:
    assert match_button(GRID, "UPSCALE", index=index, upscaled=False).label == f"U{index}"
    assert match_button(GRID, "variation", index=index, upscaled=False).label == f"V{index}"


@pytest.mark.parametrize("index", [None, 0, 5])
def test_index_is_required_and_bounded(index: int | None) -> None:
    with pytest.raises(NoMatchingButton, match="index"):
        match_button(GRID, "UPSCALE", index=index, upscaled=False)


def test_reroll_matches_by_customid_or_emoji() -> None:
    assert match_button(GRID, "REROLL", upscaled=False).custom_id == f"MJ::JOB::reroll::0::{HASH}::SOLO"
    assert match_button([Button("x", "\U0001f504")], "REROLL", upscaled=False).custom_id == "x"


@pytest.mark.parametrize("action", ["ZOOM", "PAN", "INPAINT"])
def test_grid_parent_needs_an_upscaled_task(action: str) -> None:
    with pytest.raises(NoMatchingButton, match=f"^{REQUIRES_UPSCALED}$"):
        match_button(GRID, action, direction="left", upscaled=False)


@pytest.mark.parametrize(
    ("ratio", "label"),
    [
        (None, "Zoom Out 2x"),
        (2, "Zoom Out 2x"),
        (3.5, "Zoom Out 2x"),
        (1.5, "Zoom Out 1.5x"),
        (1.0, "Zoom Out 1.5x"),
    ],
)
def test_zoom_ratio_picks_the_zoom_button(ratio: float | None, label: str) -> None:
    assert match_button(SINGLE, "ZOOM", zoom_ratio=ratio, upscaled=True).label == label


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_pan_matches_direction(direction: str) -> None:
    assert (
        CustomId.parse(match_button(SINGLE, "PAN", direction=direction, upscaled=True).custom_id).direction
        == direction
    )


@pytest.mark.parametrize("direction", [None, "sideways"])
def test_pan_needs_a_valid_direction(direction: str | None) -> None:
    with pytest.raises(NoMatchingButton, match="direction"):
        match_button(SINGLE, "PAN", direction=direction, upscaled=True)


def test_variations_of_an_upscaled_image() -> None:
    assert match_button(SINGLE, "HIGH_VARIATION", index=1, upscaled=True).label == "Vary (Strong)"
    assert match_button(SINGLE, "LOW_VARIATION", index=3, upscaled=True).label == "Vary (Subtle)"
    assert match_button(SINGLE, "INPAINT", upscaled=True).label == "Vary (Region)"


def test_vary_falls_back_to_make_variations() -> None:
    older = [Button(f"MJ::JOB::variation::1::{HASH}::SOLO", "Make Variations")]
    assert match_button(older, "HIGH_VARIATION", index=1, upscaled=True) is older[0]
    assert match_button(older, "LOW_VARIATION", index=1, upscaled=True) is older[0]


@pytest.mark.parametrize("action", ["HIGH_VARIATION", "LOW_VARIATION"])
@pytest.mark.parametrize("index", [1, 2, 3, 4])
def test_vary_on_a_grid_falls_back_to_its_v_button(action: str, index: int) -> None:
    """The workflow page's flow B: /high-variation with an index directly on an imagine grid."""
    assert match_button(GRID, action, index=index, upscaled=False).label == f"V{index}"


def test_no_matching_button_names_what_was_wanted() -> None:
    with pytest.raises(NoMatchingButton, match="no Vary \\(Strong\\) button"):
        match_button(SINGLE[:2], "HIGH_VARIATION", index=1, upscaled=True)
    with pytest.raises(NoMatchingButton, match="not a follow-up action"):
        match_button(GRID, "IMAGINE", upscaled=False)
