from enum import StrEnum


class TaskAction(StrEnum):
    BLEND = "BLEND"
    DESCRIBE = "DESCRIBE"
    EDITS = "EDITS"
    HIGH_VARIATION = "HIGH_VARIATION"
    IMAGINE = "IMAGINE"
    INPAINT = "INPAINT"
    LOW_VARIATION = "LOW_VARIATION"
    MODAL = "MODAL"
    PAN = "PAN"
    REMIX_STRONG = "REMIX_STRONG"
    REMIX_SUBTLE = "REMIX_SUBTLE"
    REROLL = "REROLL"
    UPSCALE = "UPSCALE"
    VARIATION = "VARIATION"
    VIDEO = "VIDEO"
    ZOOM = "ZOOM"

    def __str__(self) -> str:
        return str(self.value)
