from enum import StrEnum


class VideoRequestVideoType(StrEnum):
    I2V_480 = "vid_1.1_i2v_480"
    I2V_720 = "vid_1.1_i2v_720"
    I2V_START_END_480 = "vid_1.1_i2v_start_end_480"
    I2V_START_END_720 = "vid_1.1_i2v_start_end_720"

    def __str__(self) -> str:
        return str(self.value)
