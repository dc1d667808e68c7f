"""The backend: `MockService` holds the mock's rules over a store; the HTTP layer hands it typed values
(`values`)."""

from .service import MockService
from .values import EXPIRED, DirectTask, Submission, TaskFilter

__all__ = ["EXPIRED", "DirectTask", "MockService", "Submission", "TaskFilter"]
