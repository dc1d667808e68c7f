from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.unified_task_status import UnifiedTaskStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.task_error import TaskError
    from ..models.task_result import TaskResult


T = TypeVar("T", bound="UnifiedTask")


@_attrs_define
class UnifiedTask:
    """
    Example:
        {'id': 'task-unified-1757156493-k9m2xpvw', 'status': 'completed', 'progress': 100, 'result': {'images': [{'url':
            'https://example.com/generated-image.png', 'expires_at': 1757242893}]}, 'created': 1757156493, 'completed':
            1757156512, 'estimated_time': 100, 'actual_time': 19}

    Attributes:
        id (str):  Example: task_01KA040M0HP1GJWBJYZMKX1XS1.
        status (str | UnifiedTaskStatus): A unified-view status; values the service adds later pass through as strings.
            Example: processing.
        progress (int | Unset):  Example: 100.
        result (TaskResult | Unset): Only on a completed task. Example: {'images': [{'url':
            ['https://upload.apimart.ai/f/image/a_0.png', 'https://upload.apimart.ai/f/image/a_1.png'], 'expires_at':
            1763174708}]}.
        created (int | Unset): Creation time, Unix seconds. Example: 1763088289.
        completed (int | Unset): Completion time, Unix seconds; only once completed. Example: 1763088308.
        estimated_time (int | Unset): Estimated duration in seconds. Example: 60.
        actual_time (int | Unset): Actual duration in seconds; only once completed. Example: 19.
        error (TaskError | Unset): Only on a failed or cancelled task. Example: {'code': 500, 'message': 'Banned prompt
            detected', 'type': 'task_failed'}.
    """

    id: str
    status: str | UnifiedTaskStatus
    progress: int | Unset = UNSET
    result: TaskResult | Unset = UNSET
    created: int | Unset = UNSET
    completed: int | Unset = UNSET
    estimated_time: int | Unset = UNSET
    actual_time: int | Unset = UNSET
    error: TaskError | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status: str
        if isinstance(self.status, UnifiedTaskStatus):
            status = self.status.value
        else:
            status = self.status

        progress = self.progress

        result: dict[str, Any] | Unset = UNSET
        if not isinstance(self.result, Unset):
            result = self.result.to_dict()

        created = self.created

        completed = self.completed

        estimated_time = self.estimated_time

        actual_time = self.actual_time

        error: dict[str, Any] | Unset = UNSET
        if not isinstance(self.error, Unset):
            error = self.error.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
            }
        )
        if progress is not UNSET:
            field_dict["progress"] = progress
        if result is not UNSET:
            field_dict["result"] = result
        if created is not UNSET:
            field_dict["created"] = created
        if completed is not UNSET:
            field_dict["completed"] = completed
        if estimated_time is not UNSET:
            field_dict["estimated_time"] = estimated_time
        if actual_time is not UNSET:
            field_dict["actual_time"] = actual_time
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.task_error import TaskError
        from ..models.task_result import TaskResult

        d = dict(src_dict)
        id = d.pop("id")

        def _parse_status(data: object) -> str | UnifiedTaskStatus:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                componentsschemas_unified_task_status_value_type_0 = UnifiedTaskStatus(
                    data
                )

                return componentsschemas_unified_task_status_value_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | UnifiedTaskStatus, data)

        status = _parse_status(d.pop("status"))

        progress = d.pop("progress", UNSET)

        _result = d.pop("result", UNSET)
        result: TaskResult | Unset
        if isinstance(_result, Unset):
            result = UNSET
        else:
            result = TaskResult.from_dict(_result)

        created = d.pop("created", UNSET)

        completed = d.pop("completed", UNSET)

        estimated_time = d.pop("estimated_time", UNSET)

        actual_time = d.pop("actual_time", UNSET)

        _error = d.pop("error", UNSET)
        error: TaskError | Unset
        if isinstance(_error, Unset):
            error = UNSET
        else:
            error = TaskError.from_dict(_error)

        unified_task = cls(
            id=id,
            status=status,
            progress=progress,
            result=result,
            created=created,
            completed=completed,
            estimated_time=estimated_time,
            actual_time=actual_time,
            error=error,
        )

        unified_task.additional_properties = d
        return unified_task

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
