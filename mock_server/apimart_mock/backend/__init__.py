"""The backend: `MockService` holds the mock's rules over a store; the HTTP layer hands it typed values."""

from .service import EXPIRED, MockService, Submission

__all__ = ["EXPIRED", "MockService", "Submission"]
