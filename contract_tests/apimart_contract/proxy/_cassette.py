"""Cassettes: exchanges written as HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), redacted.

Why HAR: browsers' developer tools, schemathesis (`--report har`), Charles, Postman and many replay tools
read it, it records the timings the fidelity report needs, and it names its version (`log.version`);
schemathesis's VCR cassettes are read by schemathesis alone.

A file is one HAR document written as it grows: the `log` header on the first line, then one entry per
line, then the closing brackets when the file is rotated or the proxy stops. A file cut short (the proxy
killed) still reads, up to its last whole entry; a malformed line is an error naming the file and line.

What is never written: the `Authorization` header, any bearer token or key seen in it (in URLs, headers
and bodies alike), and the fields named by `--redact`. Accounts appear only as stable digests
(`_account`, `acct-` and 16 hex digits of the key's SHA-256), so two exchanges of one account are known
to be one account's without the key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from apimart_mj import __version__

__all__ = [
    "HAR_VERSION",
    "CassetteError",
    "Recorded",
    "Recorder",
    "Redactor",
    "account_digest",
    "read_cassettes",
]

HAR_VERSION = "1.2"
REDACTED = "[redacted]"
_BEARER = re.compile(r"(?i)bearer\s+\S+")
_BODY_LIMIT = 1 << 20
"""Bodies larger than this are recorded by size only (an upload's image, say)."""


class CassetteError(Exception):
    """A cassette that cannot be read: names the file and the line."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")
        self.path = path
        self.line = line


def account_digest(authorization: str | None) -> str | None:
    """`acct-` + 16 hex digits of the SHA-256 of the bearer key; None without a key."""
    if not authorization:
        return None
    key = authorization.split(None, 1)[-1].strip()
    return "acct-" + hashlib.sha256(key.encode()).hexdigest()[:16] if key else None


@dataclass(frozen=True)
class Recorded:
    """One exchange as the proxy saw it, keys still in it (only `Redactor.entry` writes one out)."""

    started: float
    """Epoch seconds when the request arrived."""
    elapsed_ms: float
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    response_body: bytes
    """Decoded (no content-encoding)."""
    account: str | None = None
    """The account's digest (set from `Authorization` when recorded; read back from `_account`)."""

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.request_headers if key.lower() == name), None)

    def response(self) -> httpx.Response:
        """The exchange as the suite's checks read one: an `httpx.Response` with its request."""
        request = httpx.Request(
            self.method, self.url, headers=self.request_headers, content=self.request_body
        )
        headers = [(k, v) for k, v in self.response_headers if k.lower() != "content-encoding"]
        return httpx.Response(self.status, headers=headers, content=self.response_body, request=request)


@dataclass
class Redactor:
    """Takes keys and named fields out of what is written."""

    fields: frozenset[str] = frozenset()
    _keys: set[str] = field(default_factory=set)

    def entry(self, exchange: Recorded) -> dict[str, Any]:
        """The HAR entry of `exchange`, redacted."""
        authorization = exchange.header("authorization")
        if authorization:
            self._keys.add(authorization.split(None, 1)[-1].strip())
        url = self._text(exchange.url)
        request: dict[str, Any] = {
            "method": exchange.method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": self._headers(exchange.request_headers),
            "queryString": [
                {"name": self._text(name), "value": self._text(value)}
                for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True)
            ],
            "headersSize": -1,
            "bodySize": len(exchange.request_body),
        }
        if exchange.request_body:
            request["postData"] = {
                "mimeType": exchange.header("content-type") or "",
                "text": self._body(exchange.request_body),
            }
        content_type = next((v for k, v in exchange.response_headers if k.lower() == "content-type"), "")
        return {
            "startedDateTime": datetime.fromtimestamp(exchange.started, UTC).isoformat(
                timespec="milliseconds"
            ),
            "time": round(exchange.elapsed_ms, 3),
            "request": request,
            "response": {
                "status": exchange.status,
                "statusText": "",
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": self._headers(exchange.response_headers),
                "content": {
                    "size": len(exchange.response_body),
                    "mimeType": content_type,
                    "text": self._body(exchange.response_body),
                },
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": len(exchange.response_body),
            },
            "cache": {},
            "timings": {"send": 0, "wait": round(exchange.elapsed_ms, 3), "receive": 0},
            "_account": account_digest(authorization),
        }

    def _headers(self, headers: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
        return [
            {"name": name, "value": self._text(value)}
            for name, value in headers
            if name.lower() not in ("authorization", "proxy-authorization", "cookie", "set-cookie")
        ]

    def _body(self, body: bytes) -> str:
        if len(body) > _BODY_LIMIT:
            return f"[{len(body)} bytes, not recorded]"
        text = body.decode("utf-8", errors="replace")
        if self.fields:
            with contextlib.suppress(ValueError):
                text = json.dumps(self._without_fields(json.loads(text)), ensure_ascii=False)
        return self._text(text)

    def _without_fields(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: REDACTED if k in self.fields else self._without_fields(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._without_fields(item) for item in value]
        return value

    def _text(self, text: str) -> str:
        text = _BEARER.sub(f"Bearer {REDACTED}", text)
        for key in self._keys:
            text = text.replace(key, REDACTED)
        return text


class Recorder:
    """Writes redacted exchanges into `folder` as HAR files of at most about `max_bytes` each, keeping
    the newest `max_files`. A write that fails (a full disk) stops the recording, never the caller:
    `failed` says why, `lost` counts what was not written."""

    def __init__(
        self, folder: Path, redactor: Redactor, *, max_bytes: int = 64 << 20, max_files: int = 16
    ) -> None:
        self.folder = folder
        self.redactor = redactor
        self.max_bytes = max_bytes
        self.max_files = max_files
        self.failed: str | None = None
        self.lost = 0
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        self._written = 0
        self._entries = 0
        self._sequence = 0
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, exchange: Recorded) -> None:
        with self._lock:
            if self.failed:
                self.lost += 1
                return
            try:
                line = json.dumps(self.redactor.entry(exchange), ensure_ascii=False)
                if self._file is None or self._written >= self.max_bytes:
                    self._rotate()
                assert self._file is not None
                separator = ",\n" if self._entries else ""
                self._file.write(separator + line)
                self._file.flush()
                self._written += len(separator) + len(line)
                self._entries += 1
            except OSError as error:
                self.failed = f"recording stopped: {error.strerror or error}"
                self.lost += 1

    def close(self) -> None:
        with self._lock:
            self._finish()

    def _rotate(self) -> None:
        self._finish()
        self._sequence += 1
        path = self.folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}-{self._sequence:04d}.har"
        self._file = path.open("w", encoding="utf-8")
        creator = {"name": "apimart-proxy", "version": __version__}
        header = json.dumps({"version": HAR_VERSION, "creator": creator})
        self._file.write('{"log": ' + header[:-1] + ', "entries": [\n')
        self._written = self._file.tell()
        self._entries = 0
        for old in sorted(self.folder.glob("*.har"))[: -self.max_files]:
            old.unlink()

    def _finish(self) -> None:
        if self._file is not None:
            try:
                self._file.write("\n]}}\n")
                self._file.close()
            except OSError:
                pass
            self._file = None


def read_cassettes(folder: Path) -> Iterator[tuple[Path, int, Recorded]]:
    """Every exchange of every `*.har` file under `folder` (oldest file first), with its file and line.

    Files this module wrote are read line by line (so a file cut short reads up to its last whole entry);
    any other HAR file is read whole. Raises `CassetteError` on anything that is not a HAR 1.x entry."""
    paths = sorted(folder.rglob("*.har")) if folder.is_dir() else [folder]
    if not paths:
        raise CassetteError(folder, 0, "no .har files")
    for path in paths:
        yield from _read(path)


def _read(path: Path) -> Iterator[tuple[Path, int, Recorded]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CassetteError(path, 0, f"cannot be read: {error}") from None
    if not lines or not (lines[0].startswith('{"log": ') and lines[0].endswith('"entries": [')):
        yield from _read_whole(path, "\n".join(lines))
        return
    version = json.loads(lines[0][len('{"log": ') : -len(', "entries": [')] + "}").get("version", "")
    if not str(version).startswith("1."):
        raise CassetteError(path, 1, f"HAR version {version!r}, expected 1.x")
    for number, line in enumerate(lines[1:], start=2):
        text = line.rstrip(",")
        if text in ("]}}", ""):
            continue
        try:
            entry = json.loads(text)
        except ValueError as error:
            raise CassetteError(path, number, f"not a JSON entry ({error.args[0]})") from None
        yield path, number, _entry(path, number, entry)


def _read_whole(path: Path, text: str) -> Iterator[tuple[Path, int, Recorded]]:
    try:
        log = json.loads(text)["log"]
        entries = log["entries"]
    except (ValueError, KeyError, TypeError) as error:
        line = getattr(error, "lineno", 1)
        raise CassetteError(path, line, f"not a HAR file ({error})") from None
    for number, entry in enumerate(entries, start=1):
        yield path, number, _entry(path, number, entry)


def _entry(path: Path, line: int, entry: Any) -> Recorded:
    try:
        request, response = entry["request"], entry["response"]
        started = datetime.fromisoformat(entry["startedDateTime"]).timestamp()
        return Recorded(
            started=started,
            elapsed_ms=float(entry.get("time", 0)),
            method=str(request["method"]),
            url=str(request["url"]),
            request_headers=[(h["name"], h["value"]) for h in request["headers"]],
            request_body=str(request.get("postData", {}).get("text", "")).encode(),
            status=int(response["status"]),
            response_headers=[(h["name"], h["value"]) for h in response["headers"]],
            response_body=str(response["content"].get("text", "")).encode(),
            account=entry.get("_account"),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise CassetteError(path, line, f"not a HAR entry (missing or wrong {error})") from None
