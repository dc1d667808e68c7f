from enum import StrEnum


class Dimensions(StrEnum):
    LANDSCAPE = "LANDSCAPE"
    PORTRAIT = "PORTRAIT"
    SQUARE = "SQUARE"

    def __str__(self) -> str:
        return str(self.value)
