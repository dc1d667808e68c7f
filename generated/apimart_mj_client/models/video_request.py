from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.video_request_animate_mode import VideoRequestAnimateMode
from ..models.video_request_motion import VideoRequestMotion
from ..models.video_request_video_type import VideoRequestVideoType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metadata import Metadata


T = TypeVar("T", bound="VideoRequest")


@_attrs_define
class VideoRequest:
    """A first frame with a prompt, or one image of a finished grid; the video's settings.

    Example:
        {'image_urls': ['https://example.com/frame.png'], 'prompt': 'the waves roll in slowly', 'motion': 'low'}

    Attributes:
        image_urls (list[str] | Unset): The first frame. Example: ['https://example.com/frame.png'].
        task_id (str | Unset): A task id, e.g. `task_01KV52C0TEJSYZMCG0NCS4YWKK`. Example:
            task_01KV52C0TEJSYZMCG0NCS4YWKK.
        index (int | Unset): Image of the grid, 0-3 (0-based on this endpoint only). Example: 0.
        prompt (str | Unset): What happens in the video; required with `image_urls`, the parent's when omitted. Example:
            the waves roll in slowly.
        video_type (VideoRequestVideoType | Unset): `vid_1.1_i2v_480` when omitted. Example: vid_1.1_i2v_720.
        animate_mode (VideoRequestAnimateMode | Unset): `manual` when omitted; `auto` needs `task_id` and `index`.
            Example: manual.
        motion (VideoRequestMotion | Unset): `high` when omitted. Example: low.
        batch_size (int | Unset): Videos made, 1 (default), 2 or 4; any other value counts as 1. Example: 2.
        end_url (str | Unset): An image, as a public URL or a base64 data URI (each up to 12 MiB). Example:
            https://example.com/ref.png.
        metadata (Metadata | Unset): Free-form data stored with the task. Example: {'order': '42'}.
        model (str | Unset): Tolerated; the route sets `midjourney`. Example: midjourney.
        nsfw_check (bool | Unset): Ask the service to screen the result. Example: True.
    """

    image_urls: list[str] | Unset = UNSET
    task_id: str | Unset = UNSET
    index: int | Unset = UNSET
    prompt: str | Unset = UNSET
    video_type: VideoRequestVideoType | Unset = UNSET
    animate_mode: VideoRequestAnimateMode | Unset = UNSET
    motion: VideoRequestMotion | Unset = UNSET
    batch_size: int | Unset = UNSET
    end_url: str | Unset = UNSET
    metadata: Metadata | Unset = UNSET
    model: str | Unset = UNSET
    nsfw_check: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        image_urls: list[str] | Unset = UNSET
        if not isinstance(self.image_urls, Unset):
            image_urls = self.image_urls

        task_id = self.task_id

        index = self.index

        prompt = self.prompt

        video_type: str | Unset = UNSET
        if not isinstance(self.video_type, Unset):
            video_type = self.video_type.value

        animate_mode: str | Unset = UNSET
        if not isinstance(self.animate_mode, Unset):
            animate_mode = self.animate_mode.value

        motion: str | Unset = UNSET
        if not isinstance(self.motion, Unset):
            motion = self.motion.value

        batch_size = self.batch_size

        end_url = self.end_url

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        model = self.model

        nsfw_check = self.nsfw_check

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if image_urls is not UNSET:
            field_dict["image_urls"] = image_urls
        if task_id is not UNSET:
            field_dict["task_id"] = task_id
        if index is not UNSET:
            field_dict["index"] = index
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if video_type is not UNSET:
            field_dict["video_type"] = video_type
        if animate_mode is not UNSET:
            field_dict["animate_mode"] = animate_mode
        if motion is not UNSET:
            field_dict["motion"] = motion
        if batch_size is not UNSET:
            field_dict["batch_size"] = batch_size
        if end_url is not UNSET:
            field_dict["end_url"] = end_url
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if model is not UNSET:
            field_dict["model"] = model
        if nsfw_check is not UNSET:
            field_dict["nsfw_check"] = nsfw_check

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.metadata import Metadata

        d = dict(src_dict)
        image_urls = cast(list[str], d.pop("image_urls", UNSET))

        task_id = d.pop("task_id", UNSET)

        index = d.pop("index", UNSET)

        prompt = d.pop("prompt", UNSET)

        _video_type = d.pop("video_type", UNSET)
        video_type: VideoRequestVideoType | Unset
        if isinstance(_video_type, Unset):
            video_type = UNSET
        else:
            video_type = VideoRequestVideoType(_video_type)

        _animate_mode = d.pop("animate_mode", UNSET)
        animate_mode: VideoRequestAnimateMode | Unset
        if isinstance(_animate_mode, Unset):
            animate_mode = UNSET
        else:
            animate_mode = VideoRequestAnimateMode(_animate_mode)

        _motion = d.pop("motion", UNSET)
        motion: VideoRequestMotion | Unset
        if isinstance(_motion, Unset):
            motion = UNSET
        else:
            motion = VideoRequestMotion(_motion)

        batch_size = d.pop("batch_size", UNSET)

        end_url = d.pop("end_url", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: Metadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = Metadata.from_dict(_metadata)

        model = d.pop("model", UNSET)

        nsfw_check = d.pop("nsfw_check", UNSET)

        video_request = cls(
            image_urls=image_urls,
            task_id=task_id,
            index=index,
            prompt=prompt,
            video_type=video_type,
            animate_mode=animate_mode,
            motion=motion,
            batch_size=batch_size,
            end_url=end_url,
            metadata=metadata,
            model=model,
            nsfw_check=nsfw_check,
        )

        video_request.additional_properties = d
        return video_request

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
