"""`POST /v1/uploads/images` (routed from the operations table) and the uploaded files it serves.

The file comes as the multipart field `file`; reading stops past 20 MB (413), so a huge upload costs
no more than that. What a file is, is judged by the service from its bytes.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from apimart_mj import Kind, of_kind

from ..domain.errors import InvalidRequest, TooLarge
from ..domain.uploads import MAX_UPLOAD_BYTES, UPLOAD_PATH
from .context import account, json_response, media_url, mock, now
from .validation import readable

__all__ = ["blueprint"]

blueprint = Blueprint("uploads", __name__)

MISSING_FILE = "file is required: send multipart/form-data with the image in the field 'file'"
_MULTIPART_OVERHEAD = 64 * 1024


def _upload() -> Response:
    request.max_content_length = MAX_UPLOAD_BYTES + _MULTIPART_OVERHEAD
    if request.mimetype != "multipart/form-data":
        raise InvalidRequest(MISSING_FILE)
    sent = readable(lambda: request.files.get("file"))
    if sent is None:
        raise InvalidRequest(MISSING_FILE)
    data = sent.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge("File too large: at most 20 MB")
    upload = mock().service.upload(account(), now(), sent.filename, data)
    return json_response(
        {
            "url": media_url() + UPLOAD_PATH + upload.name,
            "filename": upload.filename,
            "content_type": upload.content_type,
            "bytes": len(upload.data),
            "created_at": int(upload.created_at),
        }
    )


for _operation in of_kind(Kind.UPLOAD):
    for _route in _operation.routes:
        blueprint.add_url_rule(_route.path, endpoint=_route.operation_id, view_func=_upload, methods=["POST"])


@blueprint.get(f"/{UPLOAD_PATH}<name>")
def uploaded(name: str) -> Response:
    upload = mock().service.uploaded(name)
    response = Response(upload.data, mimetype=upload.content_type)
    response.headers["Cache-Control"] = "public, max-age=259200"
    return response
