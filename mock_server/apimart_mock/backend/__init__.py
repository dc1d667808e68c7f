"""The backend: `MockService` holds the mock's rules over a store; the HTTP layer hands it typed values
(`values`)."""

from .service import EXPIRED, MockService
from .values import DirectTask, Submission

__all__ = ["EXPIRED", "DirectTask", "MockService", "Submission"]
