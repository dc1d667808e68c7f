"""The errors the rules of the service raise, and the root every error of the toolkit shares.

`ApimartError` is the base of everything the client layer (`apimart`) raises on purpose; it is defined
here, with `InvalidArgumentError`, so that the customId grammar and the auto-matching rules, which the
client, the mock and the contract suite all use, raise errors of the same tree. `apimart._errors` draws
the whole tree and re-exports these four.
"""

from __future__ import annotations

__all__ = ["ApimartError", "InvalidArgumentError", "InvalidCustomId", "NoMatchingButton"]


class ApimartError(Exception):
    """The base of everything the toolkit raises on purpose: `except ApimartError` catches them all."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgumentError(ApimartError, ValueError):
    """An argument that cannot be sent (unknown direction, a field the operation does not take, ...)."""


class InvalidCustomId(InvalidArgumentError):
    """A string that is not a customId of any known family."""


class NoMatchingButton(InvalidArgumentError):
    """Auto-matching found no button for the request; `str()` is the service's 400 message."""
