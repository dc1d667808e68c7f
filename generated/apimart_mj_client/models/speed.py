from enum import StrEnum


class Speed(StrEnum):
    FAST = "fast"
    RELAX = "relax"
    TURBO = "turbo"

    def __str__(self) -> str:
        return str(self.value)
