from enum import StrEnum


class Language(StrEnum):
    EN = "en"
    JA = "ja"
    KO = "ko"
    ZH = "zh"

    def __str__(self) -> str:
        return str(self.value)
