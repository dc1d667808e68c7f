"""Deliberately broken servers: the real mock behind a WSGI wrapper that breaks one rule of the contract.

`test_self_check.py` runs the suite against each and asserts that the break is reported by the check
the registry says, at its level, with the right field. Each function returns the keyword arguments of
`Broken`: `before` may change the request environ, `rewrite` the JSON body of a 200, `answer` the status
and JSON body of any answer, `headers` the response headers.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["BREAKS", "Broken", "image_urls_a_string", "request_id_on_errors", "served"]

Environ = dict[str, Any]
Rewrite = Callable[[Environ, Any], Any]
Answer = Callable[[Environ, int, Any], tuple[int, Any]]
Headers = Callable[[Environ, list[tuple[str, str]]], list[tuple[str, str]]]

_MJ_VIEW = re.compile(r"^/v1/midjourney/(?!generations)(?P<id>[^/]+)$")
_UNIFIED_VIEW = re.compile(r"^/v1/tasks/(?P<id>[^/]+)$")
_REASONS = {200: "OK", 400: "BAD REQUEST", 403: "FORBIDDEN", 404: "NOT FOUND", 405: "METHOD NOT ALLOWED"}


class Broken:
    """WSGI middleware around the mock that breaks one rule."""

    def __init__(
        self,
        app: Any,
        *,
        before: Callable[[Environ], None] | None = None,
        rewrite: Rewrite | None = None,
        answer: Answer | None = None,
        headers: Headers | None = None,
    ):
        self.app = app
        self.before = before
        self.rewrite = rewrite
        self.answer = answer
        self.headers = headers

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.before is not None:
            self.before(environ)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            return lambda data: None

        body = b"".join(self.app(environ, capture))
        status = int(captured["status"].split()[0])
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        if payload is not None and (self.rewrite is not None or self.answer is not None):
            if self.rewrite is not None and status == 200:
                payload = self.rewrite(environ, payload)
            if self.answer is not None:
                status, payload = self.answer(environ, status, payload)
            body = json.dumps(payload).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        if self.headers is not None:
            headers = self.headers(environ, headers)
        line = (
            captured["status"]
            if str(status) in captured["status"]
            else f"{status} {_REASONS.get(status, '')}"
        )
        start_response(line, [*headers, ("Content-Length", str(len(body)))])
        return [body]


def _mj(rewrite: Callable[[str, dict[str, Any]], None]) -> dict[str, Any]:
    """A rewrite of the Midjourney view's body: `rewrite(task_id, body)` changes it in place."""

    def wrapped(environ: Environ, body: Any) -> Any:
        found = _MJ_VIEW.match(environ["PATH_INFO"])
        if found and environ["REQUEST_METHOD"] == "GET":
            rewrite(found["id"], body)
        return body

    return {"rewrite": wrapped}


def _unified(rewrite: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    def wrapped(environ: Environ, body: Any) -> Any:
        if _UNIFIED_VIEW.match(environ["PATH_INFO"]) and isinstance(body.get("data"), dict):
            rewrite(body["data"])
        return body

    return {"rewrite": wrapped}


def _error_answer(
    path: re.Pattern[str], status: int, change: Callable[[int, Any], tuple[int, Any]]
) -> dict[str, Any]:
    """Change error answers (`status`) on paths matching `path`."""

    def answer(environ: Environ, got: int, body: Any) -> tuple[int, Any]:
        if got == status and path.search(environ["PATH_INFO"]) and isinstance(body.get("error"), dict):
            return change(got, body)
        return got, body

    return {"answer": answer}


def _wrong_error_type(got: int, body: Any) -> tuple[int, Any]:
    body["error"]["type"] = "invalid_request"
    return got, body


def _another_key(first_key: str, method: str) -> dict[str, Any]:
    """Every `method` request of another account's key is answered as if the first account sent it."""

    def before(environ: Environ) -> None:
        if environ["REQUEST_METHOD"] == method and environ["PATH_INFO"].startswith("/v1/"):
            environ["HTTP_AUTHORIZATION"] = f"Bearer {first_key}"

    return {"before": before}


def _sent(environ: Environ) -> dict[str, Any]:
    """The JSON body of a request (read once, kept in the environ, given back to the app unread)."""
    if "broken.sent" not in environ:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(size) if size else b""
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = {}
        environ["broken.sent"] = parsed if isinstance(parsed, dict) else {}
        _resend(environ, raw)
    sent: dict[str, Any] = environ["broken.sent"]
    return sent


def _resend(environ: Environ, raw: bytes) -> None:
    environ["wsgi.input"] = io.BytesIO(raw)
    environ["CONTENT_LENGTH"] = str(len(raw))


def _refuse(
    path: re.Pattern[str], message: str, when: Callable[[dict[str, Any]], bool] | None = None
) -> dict[str, Any]:
    """Submits to paths matching `path` (whose body `when` holds for) answer 400 `message`."""

    def before(environ: Environ) -> None:
        if environ["REQUEST_METHOD"] == "POST" and path.search(environ["PATH_INFO"]):
            _sent(environ)

    def answer(environ: Environ, got: int, body: Any) -> tuple[int, Any]:
        if "broken.sent" in environ and (when is None or when(environ["broken.sent"])):
            return 400, {"error": {"code": 400, "message": message, "type": "invalid_request_error"}}
        return got, body

    return {"before": before, "answer": answer}


def _success(action: str | None, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """A rewrite of SUCCESS reads of tasks of `action` (None: any)."""

    def rewrite(_: str, body: dict[str, Any]) -> None:
        if body.get("status") == "SUCCESS" and action in (None, body.get("action")):
            change(body)

    return _mj(rewrite)


# ---- one break per registered check ----
def wrong_type() -> dict[str, Any]:
    """The unified view's `progress` is a string ("45") instead of an integer."""
    return _unified(lambda data: data.update(progress=str(data["progress"])) if "progress" in data else None)


def any_key_accepted(first_key: str) -> dict[str, Any]:
    """An invalid key is answered as the first account."""

    def before(environ: Environ) -> None:
        if environ.get("HTTP_AUTHORIZATION", "").endswith("not-a-key"):
            environ["HTTP_AUTHORIZATION"] = f"Bearer {first_key}"

    return {"before": before}


def undeclared_method_501() -> dict[str, Any]:
    """A method the spec does not declare answers 501 instead of 405."""

    def answer(environ: Environ, got: int, body: Any) -> tuple[int, Any]:
        return (501, body) if got == 405 else (got, body)

    return {"answer": answer}


def allow_header_one_too_many() -> dict[str, Any]:
    """`Allow` headers list one method the path does not have."""

    def headers(environ: Environ, found: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(k, f"{v}, PATCH" if k.lower() == "allow" and "PATCH" not in v else v) for k, v in found]

    return {"headers": headers}


def foreign_task_readable(first_key: str) -> dict[str, Any]:
    """Every read is answered as if the first account asked: another account can read its tasks."""
    return _another_key(first_key, "GET")


def request_id_on_errors() -> dict[str, Any]:
    """Not a break: every error envelope carries one more field than the spec names (a request id)."""

    def answer(environ: Environ, got: int, body: Any) -> tuple[int, Any]:
        if got >= 400 and isinstance(body, dict):
            body["request_id"] = "req_01KV52C0TEJSYZMCG0NCS4YWKK"
        return got, body

    return {"answer": answer}


def foreign_follow_up_accepted(first_key: str) -> dict[str, Any]:
    """Follow-ups of another account are accepted (reads still answer 403)."""
    return _another_key(first_key, "POST")


def unknown_task_forbidden() -> dict[str, Any]:
    """An unknown task answers 403 permission_error instead of 404."""

    def change(got: int, body: Any) -> tuple[int, Any]:
        body["error"].update(type="permission_error", code=403)
        return 403, body

    return _error_answer(re.compile(r"^/v1/(tasks|midjourney)/"), 404, change)


def _after_first(status: str, then: str) -> dict[str, Any]:
    """After its first read in `status`, a task reads `then` whenever it is in `status` again."""
    seen: Counter[str] = Counter()

    def rewrite(task_id: str, body: dict[str, Any]) -> None:
        if body.get("status") == status:
            seen[task_id] += 1
            if seen[task_id] > 1:
                body["status"] = then

    return _mj(rewrite)


def status_backwards() -> dict[str, Any]:
    """After its first IN_PROGRESS read, a task reads SUBMITTED again."""
    return _after_first("IN_PROGRESS", "SUBMITTED")


def terminal_changed() -> dict[str, Any]:
    """A task read SUCCESS once reads FAILURE afterwards."""
    return _after_first("SUCCESS", "FAILURE")


def progress_backwards() -> dict[str, Any]:
    """Once a task was read past 20%, its next unfinished reads say 10% (95% -> 10%)."""
    high: dict[str, int] = {}

    def rewrite(task_id: str, body: dict[str, Any]) -> None:
        if body.get("status") != "IN_PROGRESS" or not isinstance(body.get("progress"), str):
            return
        now = int(body["progress"].rstrip("%"))
        if high.get(task_id, 0) > 20:
            body["progress"] = "10%"
        high[task_id] = max(high.get(task_id, 0), now)

    return _mj(rewrite)


def views_disagree() -> dict[str, Any]:
    """The unified view says `completed` while the MJ view says IN_PROGRESS."""
    return _unified(
        lambda data: data.update(status="completed") if data.get("status") == "processing" else None
    )


def stuck_in_lower_case() -> dict[str, Any]:
    """The MJ view spells statuses in lower case: the task never reaches a status the contract names."""
    return _mj(lambda _, body: body.update(status=str(body["status"]).lower()))


def wrong_task() -> dict[str, Any]:
    """The MJ view answers another id than the one asked for."""
    return _mj(lambda _, body: body.update(id="task_01KV52C0TEJSYZMCG0NCS4YWKK"))


def results_missing() -> dict[str, Any]:
    """A SUCCESS task has no image URLs."""

    def rewrite(_: str, body: dict[str, Any]) -> None:
        if body.get("status") == "SUCCESS":
            body.pop("image_urls", None)

    return _mj(rewrite)


def image_urls_a_string() -> dict[str, Any]:
    """A finished task's `image_urls` is one comma-separated string instead of an array (a schema break
    every check of a finished task depends on)."""

    def rewrite(_: str, body: dict[str, Any]) -> None:
        if isinstance(body.get("image_urls"), list):
            body["image_urls"] = ",".join(body["image_urls"])

    return _mj(rewrite)


def button_of_another_tile() -> dict[str, Any]:
    """U2 presses tile 3."""

    def rewrite(_: str, body: dict[str, Any]) -> None:
        for button in body.get("buttons") or []:
            if button.get("label") == "U2":
                button["customId"] = button["customId"].replace("::upsample::2::", "::upsample::3::")

    return _mj(rewrite)


def button_of_another_job() -> dict[str, Any]:
    """The last button of a finished task names another Midjourney job."""

    def rewrite(_: str, body: dict[str, Any]) -> None:
        buttons = body.get("buttons")
        if buttons:
            last = buttons[-1]
            last["customId"] = re.sub(
                r"::[0-9a-f-]{36}", "::00000000-0000-4000-8000-0000000000ff", last["customId"]
            )

    return _mj(rewrite)


def imagine_refused() -> dict[str, Any]:
    """The spec's own imagine example is refused with a 400."""

    def answer(environ: Environ, got: int, body: Any) -> tuple[int, Any]:
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith(
            ("/generations", "/imagine")
        ):
            return 400, {"error": {"code": 400, "message": "refused", "type": "invalid_request_error"}}
        return got, body

    return {"answer": answer}


def child_of_another_action() -> dict[str, Any]:
    """A variation's child reads as a REROLL (both are grids)."""
    return _mj(lambda _, body: body.update(action="REROLL") if body.get("action") == "VARIATION" else None)


def auto_matching_error_type() -> dict[str, Any]:
    """Zoom on a grid answers 400 with another error type than invalid_request_error."""
    return _error_answer(re.compile(r"/generations/zoom$"), 400, _wrong_error_type)


def remix_error_type() -> dict[str, Any]:
    """Remix on a parent that is not v8.1/v8.2 answers 400 with another error type."""
    return _error_answer(re.compile(r"/generations/remix-(strong|subtle)$"), 400, _wrong_error_type)


def modal_of_another_task() -> dict[str, Any]:
    """/modal answers another task's id."""

    def rewrite(environ: Environ, body: Any) -> Any:
        if environ["PATH_INFO"].endswith("/generations/modal"):
            body["data"][0]["task_id"] = "task_01KV52C0TEJSYZMCG0NCS4YWKK"
        return body

    return {"rewrite": rewrite}


def balance_not_minus_one() -> dict[str, Any]:
    """An unlimited account's `remain_balance` is 5, not -1."""

    def rewrite(environ: Environ, body: Any) -> Any:
        if environ["PATH_INFO"].endswith("/balance") and body.get("unlimited_quota"):
            body["remain_balance"] = 5
        return body

    return {"rewrite": rewrite}


def upload_not_served() -> dict[str, Any]:
    """An upload's URL names a file that is not there."""

    def rewrite(environ: Environ, body: Any) -> Any:
        if environ["PATH_INFO"] == "/v1/uploads/images" and "url" in body:
            body["url"] = body["url"].rsplit("/", 1)[0] + "/missing.png"
        return body

    return {"rewrite": rewrite}


def unknown_field() -> dict[str, Any]:
    """Tasks carry a field nobody knows."""
    return _mj(lambda _, body: body.update(render_farm="eu-2"))


def unknown_action() -> dict[str, Any]:
    """An imagine reads with an action the spec does not name yet."""
    return _mj(lambda _, body: body.update(action="IMAGINE_V9") if body.get("action") == "IMAGINE" else None)


def unknown_button_family() -> dict[str, Any]:
    """Grids carry a ❤️ bookmark button, a family reference 3.3 names for Discord but not for APIMart."""

    def rewrite(_: str, body: dict[str, Any]) -> None:
        buttons = body.get("buttons")
        if buttons:
            job = re.search(r"[0-9a-f-]{36}", buttons[0]["customId"])
            buttons.append({"customId": f"MJ::BOOKMARK::{job[0] if job else ''}", "label": "Bookmark"})

    return _mj(rewrite)


def error_without_code() -> dict[str, Any]:
    """Error envelopes come without `code` (the documented lighter variant)."""

    def answer(environ: Environ, got: int, body: Any) -> tuple[int, Any]:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            body["error"].pop("code", None)
        return got, body

    return {"answer": answer}


def foreign_task_in_a_403(first_key: str) -> dict[str, Any]:
    """Another account's read answers 403 permission_error, but the envelope carries the task."""
    own = _another_key(first_key, "GET")["before"]

    def before(environ: Environ) -> None:
        asked = environ.get("HTTP_AUTHORIZATION", "")
        own(environ)
        environ["broken.foreign"] = environ.get("HTTP_AUTHORIZATION", "") != asked

    def answer(environ: Environ, got: int, body: Any) -> tuple[int, Any]:
        if environ.get("broken.foreign") and got == 200:
            error = {"code": 403, "message": "not your task", "type": "permission_error"}
            return 403, {"error": error, "task": body}
        return got, body

    return {"before": before, "answer": answer}


def started_of_another_action() -> dict[str, Any]:
    """A blend reads as an IMAGINE (both are grids)."""
    return _mj(lambda _, body: body.update(action="IMAGINE") if body.get("action") == "BLEND" else None)


def tiles_repeated() -> dict[str, Any]:
    """A finished grid's `image_urls` are its first tile four times."""
    return _success(
        None,
        lambda body: (
            body.update(image_urls=[body["image_urls"][0]] * 4)
            if body.get("grid_image_url") and body.get("image_urls")
            else None
        ),
    )


def describe_unnumbered() -> dict[str, Any]:
    """A describe numbers its prompts `1.` to `4.` instead of 1️⃣ to 4️⃣."""

    def change(body: dict[str, Any]) -> None:
        for key in ("prompt", "description"):
            if isinstance(body.get(key), str):
                body[key] = re.sub("([1-4])\ufe0f\u20e3", r"\1.", body[key])

    return _success("DESCRIBE", change)


def one_video_per_batch() -> dict[str, Any]:
    """A video asked for 2 or 4 videos gives one."""
    return _success("VIDEO", lambda body: body.update(video_urls=body["video_urls"][:1]))


def index_beats_custom_id() -> dict[str, Any]:
    """A follow-up sent `custom_id` and `index` presses by index: the custom_id is dropped."""

    def before(environ: Environ) -> None:
        if environ["REQUEST_METHOD"] == "POST" and "/generations/" in environ["PATH_INFO"]:
            sent = _sent(environ)
            if "custom_id" in sent and "index" in sent:
                del sent["custom_id"]
                _resend(environ, json.dumps(sent).encode())

    return {"before": before}


def zoom_above_two_refused() -> dict[str, Any]:
    """Zoom refuses a `zoom_ratio` above 2 (the zoom page says it is valid)."""
    return _refuse(
        re.compile(r"/generations/zoom$"),
        "invalid zoom_ratio: at most 2",
        lambda sent: isinstance(sent.get("zoom_ratio"), int | float) and sent["zoom_ratio"] > 2,
    )


def vary_needs_an_upscale() -> dict[str, Any]:
    """High and low variation answer 400 `This action requires an upscaled task.`, grids or not."""
    return _refuse(
        re.compile(r"/generations/(high|low)-variation$"), "This action requires an upscaled task."
    )


def pan_refused_on_every_version() -> dict[str, Any]:
    """Pan answers 400 `invalid generation request` on every parent, v7 ones too."""
    return _refuse(re.compile(r"/generations/pan$"), "invalid generation request")


def remix_refused_on_every_version() -> dict[str, Any]:
    """Remix answers 400 on every parent, v8.1 ones too."""
    return _refuse(
        re.compile(r"/generations/remix-(strong|subtle)$"), "remix needs a finished v8.1 or v8.2 task"
    )


BREAKS: dict[str, Callable[..., dict[str, Any]]] = {
    "schema": wrong_type,
    "conformance": wrong_type,
    "bad-key-accepted": any_key_accepted,
    "undeclared-method": undeclared_method_501,
    "allow-header": allow_header_one_too_many,
    "foreign-task-readable": foreign_task_readable,
    "foreign-follow-up-accepted": foreign_follow_up_accepted,
    "task-not-found": unknown_task_forbidden,
    "status-backwards": status_backwards,
    "terminal-changed": terminal_changed,
    "progress-backwards": progress_backwards,
    "views-disagree": views_disagree,
    "task-stuck": stuck_in_lower_case,
    "wrong-task": wrong_task,
    "results-missing": results_missing,
    "button-label-mismatch": button_of_another_tile,
    "button-job-hash": button_of_another_job,
    "request-refused": imagine_refused,
    "child-action": child_of_another_action,
    "auto-matching": auto_matching_error_type,
    "version-rules": remix_error_type,
    "modal-flow": modal_of_another_task,
    "balance": balance_not_minus_one,
    "upload-served": upload_not_served,
    "unknown-field": unknown_field,
    "unknown-enum": unknown_action,
    "button-family": unknown_button_family,
    "error-without-code": error_without_code,
    "foreign-task-readable (task data in a 403)": foreign_task_in_a_403,
    "child-action (a started task)": started_of_another_action,
    "grid-tiles": tiles_repeated,
    "describe-prompts": describe_unnumbered,
    "video-batch": one_video_per_batch,
    "custom-id-wins": index_beats_custom_id,
    "zoom-ratio": zoom_above_two_refused,
    "vary-accepted": vary_needs_an_upscale,
    "version-rules (pan on v7)": pan_refused_on_every_version,
    "version-rules (remix on v8.1)": remix_refused_on_every_version,
}
"""Registered check -> the break that must trigger it (functions taking the first key take it as an
argument); `check (case)` names another break of the same check. `test-failed` has its own
self-check: a test failing with a plain assertion."""


@contextmanager
def served(break_: dict[str, Any], config: Any) -> Iterator[str]:
    """The mock (`apimart_mock.MockConfig` `config`) behind `Broken(**break_)`, served over HTTP on a free
    loopback port; its base URL."""
    from werkzeug.serving import make_server

    from apimart_mock import create_app
    from apimart_mock.testing import free_port

    port = free_port()
    server = make_server("127.0.0.1", port, Broken(create_app(config), **break_), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
