"""Contains all the data models used in inputs/outputs"""

from .balance_response import BalanceResponse
from .blend_request import BlendRequest
from .button import Button
from .describe_request import DescribeRequest
from .dimensions import Dimensions
from .direction import Direction
from .edits_request import EditsRequest
from .error_detail import ErrorDetail
from .error_response import ErrorResponse
from .imagine_request import ImagineRequest
from .indexed_action_request import IndexedActionRequest
from .inpaint_request import InpaintRequest
from .language import Language
from .media_result import MediaResult
from .metadata import Metadata
from .midjourney_task import MidjourneyTask
from .midjourney_task_status import MidjourneyTaskStatus
from .modal_request import ModalRequest
from .pan_request import PanRequest
from .prompt_options import PromptOptions
from .remix_request import RemixRequest
from .reroll_request import RerollRequest
from .speed import Speed
from .submit_response import SubmitResponse
from .submitted_task import SubmittedTask
from .task_action import TaskAction
from .task_envelope import TaskEnvelope
from .task_error import TaskError
from .task_result import TaskResult
from .unified_task import UnifiedTask
from .unified_task_status import UnifiedTaskStatus
from .upload_image_request import UploadImageRequest
from .upload_response import UploadResponse
from .video_request import VideoRequest
from .video_request_animate_mode import VideoRequestAnimateMode
from .video_request_motion import VideoRequestMotion
from .video_request_video_type import VideoRequestVideoType
from .zoom_request import ZoomRequest

__all__ = (
    "BalanceResponse",
    "BlendRequest",
    "Button",
    "DescribeRequest",
    "Dimensions",
    "Direction",
    "EditsRequest",
    "ErrorDetail",
    "ErrorResponse",
    "ImagineRequest",
    "IndexedActionRequest",
    "InpaintRequest",
    "Language",
    "MediaResult",
    "Metadata",
    "MidjourneyTask",
    "MidjourneyTaskStatus",
    "ModalRequest",
    "PanRequest",
    "PromptOptions",
    "RemixRequest",
    "RerollRequest",
    "Speed",
    "SubmitResponse",
    "SubmittedTask",
    "TaskAction",
    "TaskEnvelope",
    "TaskError",
    "TaskResult",
    "UnifiedTask",
    "UnifiedTaskStatus",
    "UploadImageRequest",
    "UploadResponse",
    "VideoRequest",
    "VideoRequestAnimateMode",
    "VideoRequestMotion",
    "VideoRequestVideoType",
    "ZoomRequest",
)
