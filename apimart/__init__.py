"""A client people can rely on for the APIMart Midjourney task API.

Wraps the generated client (`apimart_mj_client`, never edited) with typed errors, timeouts, retries,
polling, customId and button helpers; `apimart` on the command line is `apimart.cli`. See docs/client.md.

Usage:
```
import apimart

with apimart.Client() as client:                 # APIMART_API_KEY, APIMART_BASE_URL
    grid = client.imagine_and_wait("a cat on a windowsill")
    image = client.upscale_and_wait(grid, 2)
```
"""

from apimart_mj import CustomId, Family, __version__, hd_upscale_id

from ._buttons import pick_button
from ._client import AsyncClient, Client
from ._constants import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_TIMEOUT,
)
from ._errors import (
    APIConnectionError,
    APIError,
    ApimartError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BalanceUnavailableError,
    InvalidArgumentError,
    InvalidCustomId,
    ModerationError,
    NoMatchingButton,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ResponseValidationError,
    ServerError,
    TaskFailedError,
    TaskTimeoutError,
)
from ._models import (
    BalanceResponse,
    Button,
    ErrorDetail,
    ErrorResponse,
    MediaResult,
    MidjourneyTask,
    SubmittedTask,
    TaskError,
    TaskResult,
    UnifiedTask,
    UploadResponse,
)
from ._options import AnimateMode, Dimensions, Direction, Language, Motion, Speed, VideoType
from ._transports import AsyncWSGITransport, WSGITransport
from ._types import Action, ButtonRef, ProgressCallback, TaskRef, View

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_TIMEOUT",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "Action",
    "AnimateMode",
    "ApimartError",
    "AsyncClient",
    "AsyncWSGITransport",
    "AuthenticationError",
    "BadRequestError",
    "BalanceResponse",
    "BalanceUnavailableError",
    "Button",
    "ButtonRef",
    "Client",
    "CustomId",
    "Dimensions",
    "Direction",
    "ErrorDetail",
    "ErrorResponse",
    "Family",
    "InvalidArgumentError",
    "InvalidCustomId",
    "Language",
    "MediaResult",
    "MidjourneyTask",
    "ModerationError",
    "Motion",
    "NoMatchingButton",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "ProgressCallback",
    "RateLimitError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "ServerError",
    "Speed",
    "SubmittedTask",
    "TaskError",
    "TaskFailedError",
    "TaskRef",
    "TaskResult",
    "TaskTimeoutError",
    "UnifiedTask",
    "UploadResponse",
    "VideoType",
    "View",
    "WSGITransport",
    "__version__",
    "hd_upscale_id",
    "pick_button",
]
