from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.language import Language
from ...models.task_envelope import TaskEnvelope
from ...types import UNSET, Response, Unset


def _get_kwargs(
    task_id: str,
    *,
    language: Language | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_language: str | Unset = UNSET
    if not isinstance(language, Unset):
        json_language = language.value

    params["language"] = json_language

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/tasks/{task_id}".format(
            task_id=quote(str(task_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | TaskEnvelope | None:
    if response.status_code == 200:
        response_200 = TaskEnvelope.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 402:
        response_402 = ErrorResponse.from_dict(response.json())

        return response_402

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
) -> Response[ErrorResponse | TaskEnvelope]:
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
    language: Language | Unset = UNSET,
) -> Response[ErrorResponse | TaskEnvelope]:
    """Unified view of a task

     `{code, data}` envelope; `progress` is an integer. Recommended for polling. Free of charge;
    poll every 3-5 s. Another account's task answers 403; a task older than the retention period
    (3 days) answers 404.

    Args:
        task_id (str): A task id, e.g. `task_01KV52C0TEJSYZMCG0NCS4YWKK`. Example:
            task_01KV52C0TEJSYZMCG0NCS4YWKK.
        language (Language | Unset):  Example: en.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | TaskEnvelope]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
        language=language,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    task_id: str,
    *,
    client: AuthenticatedClient | Client,
    language: Language | Unset = UNSET,
) -> ErrorResponse | TaskEnvelope | None:
    """Unified view of a task

     `{code, data}` envelope; `progress` is an integer. Recommended for polling. Free of charge;
    poll every 3-5 s. Another account's task answers 403; a task older than the retention period
    (3 days) answers 404.

    Args:
        task_id (str): A task id, e.g. `task_01KV52C0TEJSYZMCG0NCS4YWKK`. Example:
            task_01KV52C0TEJSYZMCG0NCS4YWKK.
        language (Language | Unset):  Example: en.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | TaskEnvelope
    """

    return sync_detailed(
        task_id=task_id,
        client=client,
        language=language,
    ).parsed


async def asyncio_detailed(
    task_id: str,
    *,
    client: AuthenticatedClient | Client,
    language: Language | Unset = UNSET,
) -> Response[ErrorResponse | TaskEnvelope]:
    """Unified view of a task

     `{code, data}` envelope; `progress` is an integer. Recommended for polling. Free of charge;
    poll every 3-5 s. Another account's task answers 403; a task older than the retention period
    (3 days) answers 404.

    Args:
        task_id (str): A task id, e.g. `task_01KV52C0TEJSYZMCG0NCS4YWKK`. Example:
            task_01KV52C0TEJSYZMCG0NCS4YWKK.
        language (Language | Unset):  Example: en.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | TaskEnvelope]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
        language=language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    task_id: str,
    *,
    client: AuthenticatedClient | Client,
    language: Language | Unset = UNSET,
) -> ErrorResponse | TaskEnvelope | None:
    """Unified view of a task

     `{code, data}` envelope; `progress` is an integer. Recommended for polling. Free of charge;
    poll every 3-5 s. Another account's task answers 403; a task older than the retention period
    (3 days) answers 404.

    Args:
        task_id (str): A task id, e.g. `task_01KV52C0TEJSYZMCG0NCS4YWKK`. Example:
            task_01KV52C0TEJSYZMCG0NCS4YWKK.
        language (Language | Unset):  Example: en.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | TaskEnvelope
    """

    return (
        await asyncio_detailed(
            task_id=task_id,
            client=client,
            language=language,
        )
    ).parsed
