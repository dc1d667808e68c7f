from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.midjourney_task_status import MidjourneyTaskStatus
from ..models.task_action import TaskAction
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.button import Button


T = TypeVar("T", bound="MidjourneyTask")


@_attrs_define
class MidjourneyTask:
    """Bare task object. Documented fields and the ones live responses carry instead or in addition
    (`prompt_en`, `created_at`, `finished_at`, `style`/`type` on buttons; no `buttons` on upscaled tasks).

        Example:
            {'id': 'task_01KV52C0TEJSYZMCG0NCS4YWKK', 'status': 'SUCCESS', 'action': 'IMAGINE', 'progress': '100%',
                'prompt': 'a cat sitting on a windowsill --v 7', 'grid_image_url': 'https://cdn.apimart.ai/mj_xxxx.png',
                'image_urls': ['https://cdn.apimart.ai/mj_xxxx_0.png', 'https://cdn.apimart.ai/mj_xxxx_1.png',
                'https://cdn.apimart.ai/mj_xxxx_2.png', 'https://cdn.apimart.ai/mj_xxxx_3.png'], 'buttons': [{'customId':
                'MJ::JOB::upsample::1::3eaa7c0c-9825-4110-9c89-02c4e463a8d0', 'label': 'U1'}, {'customId':
                'MJ::JOB::upsample::2::3eaa7c0c-9825-4110-9c89-02c4e463a8d0', 'label': 'U2'}, {'customId':
                'MJ::JOB::upsample::3::3eaa7c0c-9825-4110-9c89-02c4e463a8d0', 'label': 'U3'}, {'customId':
                'MJ::JOB::upsample::4::3eaa7c0c-9825-4110-9c89-02c4e463a8d0', 'label': 'U4'}, {'customId':
                'MJ::JOB::reroll::0::3eaa7c0c-9825-4110-9c89-02c4e463a8d0::SOLO', 'label': '🔄'}, {'customId':
                'MJ::JOB::variation::1::3eaa7c0c-9825-4110-9c89-02c4e463a8d0', 'label': 'V1'}, {'customId':
                'MJ::JOB::variation::2::3eaa7c0c-9825-4110-9c89-02c4e463a8d0', 'label': 'V2'}, {'customId':
                'MJ::JOB::variation::3::3eaa7c0c-9825-4110-9c89-02c4e463a8d0', 'label': 'V3'}, {'customId':
                'MJ::JOB::variation::4::3eaa7c0c-9825-4110-9c89-02c4e463a8d0', 'label': 'V4'}]}

        Attributes:
            id (str):  Example: task_01KV52C0TEJSYZMCG0NCS4YWKK.
            status (MidjourneyTaskStatus | str): A Midjourney-view status; values the service adds later pass through as
                strings. Example: IN_PROGRESS.
            action (str | TaskAction | Unset): A Midjourney action; values the service adds later pass through as strings.
                Example: UPSCALE.
            progress (str | Unset): Percent string, "0%" to "100%". Example: 100%.
            prompt (str | Unset): The prompt (documented shape). Example: a cat sitting on a windowsill --v 7.
            prompt_en (str | Unset): The prompt (live shape). Example: a cat sitting on a windowsill --v 7.
            description (str | Unset): Describe results. Example: a cat sitting on a windowsill.
            mode (str | Unset): e.g. `FAST`, `RELAX`, `DESCRIBE`. Example: FAST.
            grid_image_url (str | Unset): The 2x2 composite of a grid task. Example: https://cdn.apimart.ai/mj_xxxx.png.
            image_urls (list[str] | Unset): Four tiles for a grid, one for an upscale. Example:
                ['https://cdn.apimart.ai/mj_xxxx_0.png'].
            buttons (list[Button] | Unset): Follow-up buttons; absent on upscaled tasks in live responses.
            fail_reason (str | Unset): On FAILURE; the charge is refunded. Example: Banned prompt detected.
            video_url (str | Unset):  Example: https://r2.example.com/video-0.mp4.
            video_urls (list[str] | Unset):  Example: ['https://r2.example.com/video-0.mp4'].
            quota (float | Unset): The task's charge; 0 after a refund. Example: 0.05.
            created_at (int | Unset): Creation time, Unix seconds (live shape). Example: 1763088289.
            finished_at (int | Unset): Completion time, Unix seconds (live shape). Example: 1763088308.
    """

    id: str
    status: MidjourneyTaskStatus | str
    action: str | TaskAction | Unset = UNSET
    progress: str | Unset = UNSET
    prompt: str | Unset = UNSET
    prompt_en: str | Unset = UNSET
    description: str | Unset = UNSET
    mode: str | Unset = UNSET
    grid_image_url: str | Unset = UNSET
    image_urls: list[str] | Unset = UNSET
    buttons: list[Button] | Unset = UNSET
    fail_reason: str | Unset = UNSET
    video_url: str | Unset = UNSET
    video_urls: list[str] | Unset = UNSET
    quota: float | Unset = UNSET
    created_at: int | Unset = UNSET
    finished_at: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status: str
        if isinstance(self.status, MidjourneyTaskStatus):
            status = self.status.value
        else:
            status = self.status

        action: str | Unset
        if isinstance(self.action, Unset):
            action = UNSET
        elif isinstance(self.action, TaskAction):
            action = self.action.value
        else:
            action = self.action

        progress = self.progress

        prompt = self.prompt

        prompt_en = self.prompt_en

        description = self.description

        mode = self.mode

        grid_image_url = self.grid_image_url

        image_urls: list[str] | Unset = UNSET
        if not isinstance(self.image_urls, Unset):
            image_urls = self.image_urls

        buttons: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.buttons, Unset):
            buttons = []
            for buttons_item_data in self.buttons:
                buttons_item = buttons_item_data.to_dict()
                buttons.append(buttons_item)

        fail_reason = self.fail_reason

        video_url = self.video_url

        video_urls: list[str] | Unset = UNSET
        if not isinstance(self.video_urls, Unset):
            video_urls = self.video_urls

        quota = self.quota

        created_at = self.created_at

        finished_at = self.finished_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
            }
        )
        if action is not UNSET:
            field_dict["action"] = action
        if progress is not UNSET:
            field_dict["progress"] = progress
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if prompt_en is not UNSET:
            field_dict["prompt_en"] = prompt_en
        if description is not UNSET:
            field_dict["description"] = description
        if mode is not UNSET:
            field_dict["mode"] = mode
        if grid_image_url is not UNSET:
            field_dict["grid_image_url"] = grid_image_url
        if image_urls is not UNSET:
            field_dict["image_urls"] = image_urls
        if buttons is not UNSET:
            field_dict["buttons"] = buttons
        if fail_reason is not UNSET:
            field_dict["fail_reason"] = fail_reason
        if video_url is not UNSET:
            field_dict["video_url"] = video_url
        if video_urls is not UNSET:
            field_dict["video_urls"] = video_urls
        if quota is not UNSET:
            field_dict["quota"] = quota
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.button import Button

        d = dict(src_dict)
        id = d.pop("id")

        def _parse_status(data: object) -> MidjourneyTaskStatus | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                componentsschemas_midjourney_task_status_value_type_0 = (
                    MidjourneyTaskStatus(data)
                )

                return componentsschemas_midjourney_task_status_value_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MidjourneyTaskStatus | str, data)

        status = _parse_status(d.pop("status"))

        def _parse_action(data: object) -> str | TaskAction | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                componentsschemas_task_action_value_type_0 = TaskAction(data)

                return componentsschemas_task_action_value_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | TaskAction | Unset, data)

        action = _parse_action(d.pop("action", UNSET))

        progress = d.pop("progress", UNSET)

        prompt = d.pop("prompt", UNSET)

        prompt_en = d.pop("prompt_en", UNSET)

        description = d.pop("description", UNSET)

        mode = d.pop("mode", UNSET)

        grid_image_url = d.pop("grid_image_url", UNSET)

        image_urls = cast(list[str], d.pop("image_urls", UNSET))

        _buttons = d.pop("buttons", UNSET)
        buttons: list[Button] | Unset = UNSET
        if _buttons is not UNSET:
            buttons = []
            for buttons_item_data in _buttons:
                buttons_item = Button.from_dict(buttons_item_data)

                buttons.append(buttons_item)

        fail_reason = d.pop("fail_reason", UNSET)

        video_url = d.pop("video_url", UNSET)

        video_urls = cast(list[str], d.pop("video_urls", UNSET))

        quota = d.pop("quota", UNSET)

        created_at = d.pop("created_at", UNSET)

        finished_at = d.pop("finished_at", UNSET)

        midjourney_task = cls(
            id=id,
            status=status,
            action=action,
            progress=progress,
            prompt=prompt,
            prompt_en=prompt_en,
            description=description,
            mode=mode,
            grid_image_url=grid_image_url,
            image_urls=image_urls,
            buttons=buttons,
            fail_reason=fail_reason,
            video_url=video_url,
            video_urls=video_urls,
            quota=quota,
            created_at=created_at,
            finished_at=finished_at,
        )

        midjourney_task.additional_properties = d
        return midjourney_task

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
