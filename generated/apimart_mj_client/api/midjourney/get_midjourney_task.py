from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.midjourney_task import MidjourneyTask
from ...types import Response


def _get_kwargs(
    task_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/midjourney/{task_id}".format(
            task_id=quote(str(task_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | MidjourneyTask | None:
    if response.status_code == 200:
        response_200 = MidjourneyTask.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorResponse.from_dict(response.json())

        return response_500

    if response.status_code == 502:
        response_502 = ErrorResponse.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = ErrorResponse.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | MidjourneyTask]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    task_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorResponse | MidjourneyTask]:
    """Midjourney-style view of a task, with buttons

     The bare task object (no envelope); `progress` is a percent string. Use it when you need
    `buttons[].customId`. Live responses carry `prompt_en`, `created_at` and `finished_at` instead
    of the documented `prompt`, and an upscaled task has no `buttons` key at all.

    Args:
        task_id (str): A task id, e.g. `task_01KV52C0TEJSYZMCG0NCS4YWKK`. Example:
            task_01KV52C0TEJSYZMCG0NCS4YWKK.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | MidjourneyTask]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    task_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorResponse | MidjourneyTask | None:
    """Midjourney-style view of a task, with buttons

     The bare task object (no envelope); `progress` is a percent string. Use it when you need
    `buttons[].customId`. Live responses carry `prompt_en`, `created_at` and `finished_at` instead
    of the documented `prompt`, and an upscaled task has no `buttons` key at all.

    Args:
        task_id (str): A task id, e.g. `task_01KV52C0TEJSYZMCG0NCS4YWKK`. Example:
            task_01KV52C0TEJSYZMCG0NCS4YWKK.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | MidjourneyTask
    """

    return sync_detailed(
        task_id=task_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    task_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorResponse | MidjourneyTask]:
    """Midjourney-style view of a task, with buttons

     The bare task object (no envelope); `progress` is a percent string. Use it when you need
    `buttons[].customId`. Live responses carry `prompt_en`, `created_at` and `finished_at` instead
    of the documented `prompt`, and an upscaled task has no `buttons` key at all.

    Args:
        task_id (str): A task id, e.g. `task_01KV52C0TEJSYZMCG0NCS4YWKK`. Example:
            task_01KV52C0TEJSYZMCG0NCS4YWKK.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | MidjourneyTask]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    task_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorResponse | MidjourneyTask | None:
    """Midjourney-style view of a task, with buttons

     The bare task object (no envelope); `progress` is a percent string. Use it when you need
    `buttons[].customId`. Live responses carry `prompt_en`, `created_at` and `finished_at` instead
    of the documented `prompt`, and an upscaled task has no `buttons` key at all.

    Args:
        task_id (str): A task id, e.g. `task_01KV52C0TEJSYZMCG0NCS4YWKK`. Example:
            task_01KV52C0TEJSYZMCG0NCS4YWKK.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | MidjourneyTask
    """

    return (
        await asyncio_detailed(
            task_id=task_id,
            client=client,
        )
    ).parsed
