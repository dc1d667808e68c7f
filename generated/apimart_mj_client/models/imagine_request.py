from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.speed import Speed
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metadata import Metadata


T = TypeVar("T", bound="ImagineRequest")


@_attrs_define
class ImagineRequest:
    """A prompt, optional reference images, and the structured fields.

    Example:
        {'prompt': 'a cat sitting on a windowsill', 'size': '16:9', 'version': '6.1', 'speed': 'fast'}

    Attributes:
        prompt (str): What to generate, with Midjourney flags (`--ar 16:9`, `--v 7`, ...) if wanted. Example: a cat
            sitting on a windowsill.
        speed (Speed | Unset): Queue; `relax` when omitted. Example: fast.
        metadata (Metadata | Unset): Free-form data stored with the task. Example: {'order': '42'}.
        model (str | Unset): Tolerated; the route sets `midjourney`. Example: midjourney.
        nsfw_check (bool | Unset): Ask the service to screen the result. Example: True.
        size (str | Unset): An aspect ratio `w:h` (sent to Midjourney as `--ar`). Example: 16:9.
        quality (str | Unset): Rendering quality, sent as `--q`: `0.25`, `0.5`, `1` or `2`. Example: 1.
        style (str | Unset): Sent as `--style`, e.g. `raw`. Example: raw.
        version (str | Unset): Not validated at submit time; an unsupported version fails the task. Example: 7.
        seed (int | Unset): Sent as `--seed`: the same seed and prompt give similar grids. Example: 1234.
        negative_prompt (str | Unset): What to leave out, sent as `--no`. Example: text, watermark.
        stylize (int | Unset): Sent as `--s`: how strongly the Midjourney style applies, 0-1000. Example: 100.
        chaos (int | Unset): Sent as `--c`: how different the four images are, 0-100. Example: 10.
        weird (int | Unset): Sent as `--w`: how unconventional the result is, 0-3000. Example: 0.
        tile (bool | Unset): Sent as `--tile`: an image that repeats seamlessly. Example: False.
        niji (bool | Unset): Sent as `--niji`: the anime-style model. Example: False.
        iw (float | Unset): Sent as `--iw`: the weight of the reference images against the text, 0-3. Example: 1.
        cw (int | Unset): Sent as `--cw`: how much of `cref` is kept, 0-100. Example: 100.
        sw (int | Unset): Sent as `--sw`: the weight of `sref`, 0-1000. Example: 100.
        cref (str | Unset): A character reference image URL, sent as `--cref`. Example:
            https://example.com/character.png.
        sref (str | Unset): A style reference image URL, sent as `--sref`. Example: https://example.com/style.png.
        dref (str | Unset): A draft reference image URL, sent as `--dref`. Example: https://example.com/draft.png.
        dw (float | Unset): Sent as `--dw`: the weight of `dref`, 0-100. Example: 50.
        repeat (int | Unset): Sent as `--r`: run the prompt this many times, 2-40. Example: 2.
        raw (bool | Unset): Sent as `--raw` (v5.1 and later). Example: False.
        draft (bool | Unset): Sent as `--draft`: faster, rougher grids (v7 and later). Example: False.
        hd (bool | Unset): Sent as `--hd` (v8.1 and later; adds `--v 8.1` when no version is given). Example: False.
        stop (int | Unset): Sent as `--stop`: finish early, at 10-100 percent (v5 to v6.1). Example: 100.
        extra (str | Unset): Appended to the prompt verbatim. Example: --q 2.
        image_urls (list[str] | Unset): Reference images. Example: ['https://example.com/ref.png'].
    """

    prompt: str
    speed: Speed | Unset = UNSET
    metadata: Metadata | Unset = UNSET
    model: str | Unset = UNSET
    nsfw_check: bool | Unset = UNSET
    size: str | Unset = UNSET
    quality: str | Unset = UNSET
    style: str | Unset = UNSET
    version: str | Unset = UNSET
    seed: int | Unset = UNSET
    negative_prompt: str | Unset = UNSET
    stylize: int | Unset = UNSET
    chaos: int | Unset = UNSET
    weird: int | Unset = UNSET
    tile: bool | Unset = UNSET
    niji: bool | Unset = UNSET
    iw: float | Unset = UNSET
    cw: int | Unset = UNSET
    sw: int | Unset = UNSET
    cref: str | Unset = UNSET
    sref: str | Unset = UNSET
    dref: str | Unset = UNSET
    dw: float | Unset = UNSET
    repeat: int | Unset = UNSET
    raw: bool | Unset = UNSET
    draft: bool | Unset = UNSET
    hd: bool | Unset = UNSET
    stop: int | Unset = UNSET
    extra: str | Unset = UNSET
    image_urls: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        prompt = self.prompt

        speed: str | Unset = UNSET
        if not isinstance(self.speed, Unset):
            speed = self.speed.value

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        model = self.model

        nsfw_check = self.nsfw_check

        size = self.size

        quality = self.quality

        style = self.style

        version = self.version

        seed = self.seed

        negative_prompt = self.negative_prompt

        stylize = self.stylize

        chaos = self.chaos

        weird = self.weird

        tile = self.tile

        niji = self.niji

        iw = self.iw

        cw = self.cw

        sw = self.sw

        cref = self.cref

        sref = self.sref

        dref = self.dref

        dw = self.dw

        repeat = self.repeat

        raw = self.raw

        draft = self.draft

        hd = self.hd

        stop = self.stop

        extra = self.extra

        image_urls: list[str] | Unset = UNSET
        if not isinstance(self.image_urls, Unset):
            image_urls = self.image_urls

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "prompt": prompt,
            }
        )
        if speed is not UNSET:
            field_dict["speed"] = speed
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if model is not UNSET:
            field_dict["model"] = model
        if nsfw_check is not UNSET:
            field_dict["nsfw_check"] = nsfw_check
        if size is not UNSET:
            field_dict["size"] = size
        if quality is not UNSET:
            field_dict["quality"] = quality
        if style is not UNSET:
            field_dict["style"] = style
        if version is not UNSET:
            field_dict["version"] = version
        if seed is not UNSET:
            field_dict["seed"] = seed
        if negative_prompt is not UNSET:
            field_dict["negative_prompt"] = negative_prompt
        if stylize is not UNSET:
            field_dict["stylize"] = stylize
        if chaos is not UNSET:
            field_dict["chaos"] = chaos
        if weird is not UNSET:
            field_dict["weird"] = weird
        if tile is not UNSET:
            field_dict["tile"] = tile
        if niji is not UNSET:
            field_dict["niji"] = niji
        if iw is not UNSET:
            field_dict["iw"] = iw
        if cw is not UNSET:
            field_dict["cw"] = cw
        if sw is not UNSET:
            field_dict["sw"] = sw
        if cref is not UNSET:
            field_dict["cref"] = cref
        if sref is not UNSET:
            field_dict["sref"] = sref
        if dref is not UNSET:
            field_dict["dref"] = dref
        if dw is not UNSET:
            field_dict["dw"] = dw
        if repeat is not UNSET:
            field_dict["repeat"] = repeat
        if raw is not UNSET:
            field_dict["raw"] = raw
        if draft is not UNSET:
            field_dict["draft"] = draft
        if hd is not UNSET:
            field_dict["hd"] = hd
        if stop is not UNSET:
            field_dict["stop"] = stop
        if extra is not UNSET:
            field_dict["extra"] = extra
        if image_urls is not UNSET:
            field_dict["image_urls"] = image_urls

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.metadata import Metadata

        d = dict(src_dict)
        prompt = d.pop("prompt")

        _speed = d.pop("speed", UNSET)
        speed: Speed | Unset
        if isinstance(_speed, Unset):
            speed = UNSET
        else:
            speed = Speed(_speed)

        _metadata = d.pop("metadata", UNSET)
        metadata: Metadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = Metadata.from_dict(_metadata)

        model = d.pop("model", UNSET)

        nsfw_check = d.pop("nsfw_check", UNSET)

        size = d.pop("size", UNSET)

        quality = d.pop("quality", UNSET)

        style = d.pop("style", UNSET)

        version = d.pop("version", UNSET)

        seed = d.pop("seed", UNSET)

        negative_prompt = d.pop("negative_prompt", UNSET)

        stylize = d.pop("stylize", UNSET)

        chaos = d.pop("chaos", UNSET)

        weird = d.pop("weird", UNSET)

        tile = d.pop("tile", UNSET)

        niji = d.pop("niji", UNSET)

        iw = d.pop("iw", UNSET)

        cw = d.pop("cw", UNSET)

        sw = d.pop("sw", UNSET)

        cref = d.pop("cref", UNSET)

        sref = d.pop("sref", UNSET)

        dref = d.pop("dref", UNSET)

        dw = d.pop("dw", UNSET)

        repeat = d.pop("repeat", UNSET)

        raw = d.pop("raw", UNSET)

        draft = d.pop("draft", UNSET)

        hd = d.pop("hd", UNSET)

        stop = d.pop("stop", UNSET)

        extra = d.pop("extra", UNSET)

        image_urls = cast(list[str], d.pop("image_urls", UNSET))

        imagine_request = cls(
            prompt=prompt,
            speed=speed,
            metadata=metadata,
            model=model,
            nsfw_check=nsfw_check,
            size=size,
            quality=quality,
            style=style,
            version=version,
            seed=seed,
            negative_prompt=negative_prompt,
            stylize=stylize,
            chaos=chaos,
            weird=weird,
            tile=tile,
            niji=niji,
            iw=iw,
            cw=cw,
            sw=sw,
            cref=cref,
            sref=sref,
            dref=dref,
            dw=dw,
            repeat=repeat,
            raw=raw,
            draft=draft,
            hd=hd,
            stop=stop,
            extra=extra,
            image_urls=image_urls,
        )

        imagine_request.additional_properties = d
        return imagine_request

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
