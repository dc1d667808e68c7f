from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.balance_response import BalanceResponse
from ...models.error_response import ErrorResponse
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/balance",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BalanceResponse | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = BalanceResponse.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

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
) -> Response[BalanceResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[BalanceResponse | ErrorResponse]:
    """Balance of the calling token

     `remain_balance` is `-1` when `unlimited_quota` is true; `used_balance` counts charges less
    refunds (a failed task's charge comes back). Units depend on the deployment (USD, CNY or tokens).
    A failure answers HTTP 200 with `success: false` and a `message` ("Token Not Found", "User
    Quota Query Failed"). Identical to `/balance`. Free of charge.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BalanceResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> BalanceResponse | ErrorResponse | None:
    """Balance of the calling token

     `remain_balance` is `-1` when `unlimited_quota` is true; `used_balance` counts charges less
    refunds (a failed task's charge comes back). Units depend on the deployment (USD, CNY or tokens).
    A failure answers HTTP 200 with `success: false` and a `message` ("Token Not Found", "User
    Quota Query Failed"). Identical to `/balance`. Free of charge.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BalanceResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[BalanceResponse | ErrorResponse]:
    """Balance of the calling token

     `remain_balance` is `-1` when `unlimited_quota` is true; `used_balance` counts charges less
    refunds (a failed task's charge comes back). Units depend on the deployment (USD, CNY or tokens).
    A failure answers HTTP 200 with `success: false` and a `message` ("Token Not Found", "User
    Quota Query Failed"). Identical to `/balance`. Free of charge.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BalanceResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> BalanceResponse | ErrorResponse | None:
    """Balance of the calling token

     `remain_balance` is `-1` when `unlimited_quota` is true; `used_balance` counts charges less
    refunds (a failed task's charge comes back). Units depend on the deployment (USD, CNY or tokens).
    A failure answers HTTP 200 with `success: false` and a `message` ("Token Not Found", "User
    Quota Query Failed"). Identical to `/balance`. Free of charge.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BalanceResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
