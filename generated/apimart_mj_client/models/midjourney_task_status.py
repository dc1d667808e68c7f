from enum import StrEnum


class MidjourneyTaskStatus(StrEnum):
    FAILURE = "FAILURE"
    IN_PROGRESS = "IN_PROGRESS"
    MODAL = "MODAL"
    NOT_START = "NOT_START"
    SUBMITTED = "SUBMITTED"
    SUCCESS = "SUCCESS"

    def __str__(self) -> str:
        return str(self.value)
