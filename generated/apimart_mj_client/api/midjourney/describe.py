from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.describe_request import DescribeRequest
from ...models.error_response import ErrorResponse
from ...models.submit_response import SubmitResponse
from ...types import Response


def _get_kwargs(
    *,
    body: DescribeRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/midjourney/generations/describe",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | SubmitResponse | None:
    if response.status_code == 200:
        response_200 = SubmitResponse.from_dict(response.json())

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

    if response.status_code == 413:
        response_413 = ErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = ErrorResponse.from_dict(response.json())

        return response_422

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
) -> Response[ErrorResponse | SubmitResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: DescribeRequest,
) -> Response[ErrorResponse | SubmitResponse]:
    """Describe an image as four prompts

     Only the first of `image_urls` is used; none answers 400 (an image over 12 MiB too). Done within
    seconds but still asynchronous: poll the task. On SUCCESS the Midjourney view has `mode:
    "DESCRIBE"` and the four numbered prompts (`1️⃣ ...` to `4️⃣ ...`) in both `prompt` and
    `description`; no images and no buttons. The unified view says `completed` with no
    `result.images`. Billed.

    Args:
        body (DescribeRequest): The image to describe (only the first of `image_urls` is used).
            Example: {'image_urls': ['https://example.com/photo.png']}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | SubmitResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: DescribeRequest,
) -> ErrorResponse | SubmitResponse | None:
    """Describe an image as four prompts

     Only the first of `image_urls` is used; none answers 400 (an image over 12 MiB too). Done within
    seconds but still asynchronous: poll the task. On SUCCESS the Midjourney view has `mode:
    "DESCRIBE"` and the four numbered prompts (`1️⃣ ...` to `4️⃣ ...`) in both `prompt` and
    `description`; no images and no buttons. The unified view says `completed` with no
    `result.images`. Billed.

    Args:
        body (DescribeRequest): The image to describe (only the first of `image_urls` is used).
            Example: {'image_urls': ['https://example.com/photo.png']}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | SubmitResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: DescribeRequest,
) -> Response[ErrorResponse | SubmitResponse]:
    """Describe an image as four prompts

     Only the first of `image_urls` is used; none answers 400 (an image over 12 MiB too). Done within
    seconds but still asynchronous: poll the task. On SUCCESS the Midjourney view has `mode:
    "DESCRIBE"` and the four numbered prompts (`1️⃣ ...` to `4️⃣ ...`) in both `prompt` and
    `description`; no images and no buttons. The unified view says `completed` with no
    `result.images`. Billed.

    Args:
        body (DescribeRequest): The image to describe (only the first of `image_urls` is used).
            Example: {'image_urls': ['https://example.com/photo.png']}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | SubmitResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: DescribeRequest,
) -> ErrorResponse | SubmitResponse | None:
    """Describe an image as four prompts

     Only the first of `image_urls` is used; none answers 400 (an image over 12 MiB too). Done within
    seconds but still asynchronous: poll the task. On SUCCESS the Midjourney view has `mode:
    "DESCRIBE"` and the four numbered prompts (`1️⃣ ...` to `4️⃣ ...`) in both `prompt` and
    `description`; no images and no buttons. The unified view says `completed` with no
    `result.images`. Billed.

    Args:
        body (DescribeRequest): The image to describe (only the first of `image_urls` is used).
            Example: {'image_urls': ['https://example.com/photo.png']}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | SubmitResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
