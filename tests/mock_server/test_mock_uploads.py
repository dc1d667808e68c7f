"""Uploads: stored and served at the URL the answer gives; 400 for a missing file or a format other than
JPEG, PNG, WebP or GIF (judged from the bytes); 413 above 20 MB."""

from __future__ import annotations

import io

import pytest
from mock_helpers import Api, error_of

from apimart_mock.domain.clock import ClockState
from apimart_mock.domain.media import png_for
from apimart_mock.domain.uploads import MAX_UPLOAD_BYTES, Upload, new_upload
from apimart_mock.store import Write, open_store

PNG = png_for("3eaa7c0c-9825-4110-9c89-02c4e463a8d0_0.png")
IMAGES = {
    "image/png": PNG,
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64),
    "image/gif": b"GIF89a" + bytes(32),
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(32),
}


def upload(api: Api, data: bytes, filename: str = "photo.png", field: str = "file") -> tuple[int, dict]:  # type: ignore[type-arg]
    response = api.request("POST", "/v1/uploads/images", data={field: (io.BytesIO(data), filename)})
    return response.status_code, response.json  # type: ignore[return-value]


@pytest.mark.parametrize("content_type", sorted(IMAGES))
def test_an_upload_is_served_at_its_url(api: Api, content_type: str) -> None:
    status, body = upload(api, IMAGES[content_type], "my photo (1).png")
    assert status == 200, body
    assert set(body) == {"url", "filename", "content_type", "bytes", "created_at"}
    assert (body["content_type"], body["bytes"], body["filename"]) == (
        content_type,
        len(IMAGES[content_type]),
        "my-photo-1-.png",
    )
    assert body["url"].startswith("http://localhost/f/image/") and body["url"].endswith("-my-photo-1-.png")
    served = api.client.get(body["url"].removeprefix("http://localhost"))  # public: no key needed
    assert (served.status_code, served.mimetype, served.data) == (200, content_type, IMAGES[content_type])


def test_an_uploaded_url_works_as_an_image_input(api: Api) -> None:
    _, body = upload(api, PNG)
    api.finished("blend", {"image_urls": [body["url"], body["url"]]})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just some text", "Unsupported image format: send a JPEG, PNG, WebP or GIF file"),
        (b"", "Unsupported image format: send a JPEG, PNG, WebP or GIF file"),
        (b"BM" + bytes(64), "Unsupported image format: send a JPEG, PNG, WebP or GIF file"),
    ],
)
def test_other_formats_are_400_whatever_the_name(api: Api, data: bytes, message: str) -> None:
    status, body = upload(api, data, "looks-like.png")
    assert (status, body["error"]["type"], body["error"]["message"]) == (
        400,
        "invalid_request_error",
        message,
    )


def test_a_missing_file_is_400(api: Api) -> None:
    missing = "file is required: send multipart/form-data with the image in the field 'file'"
    assert upload(api, PNG, field="image")[1]["error"]["message"] == missing
    as_json = api.request("POST", "/v1/uploads/images", json={"file": "x"})
    assert error_of(as_json) == (400, "invalid_request_error", missing)


def test_more_than_20_mb_is_413(api: Api) -> None:
    status, body = upload(api, PNG + bytes(MAX_UPLOAD_BYTES - len(PNG) + 1))
    assert (status, body["error"]["message"]) == (413, "File too large: at most 20 MB")
    assert upload(api, PNG + bytes(MAX_UPLOAD_BYTES - len(PNG)))[0] == 200  # exactly 20 MB is fine


def test_uploads_need_a_key_and_unknown_files_are_404(api: Api) -> None:
    anonymous = api.client.post("/v1/uploads/images", data={"file": (io.BytesIO(PNG), "a.png")})
    assert error_of(anonymous)[:2] == (401, "authentication_error")
    assert api.client.get("/f/image/1-00000000-none.png").status_code == 404


def _made(account: str, n: int) -> Upload:
    made = new_upload(account, f"{n}.png", PNG, float(n))
    assert made is not None
    return made


def test_past_its_quota_an_account_loses_its_own_oldest_uploads_only(store: str) -> None:
    kept = open_store(store, journal_bytes=1 << 20)
    kept.initialize(ClockState.start(0.0), None)
    alice = _made("acct_alice", 0)
    assert kept.add_upload(alice, account_bytes=3 * len(PNG), total_bytes=100 * len(PNG)) is Write.DONE
    bob = [_made("acct_bob", n) for n in range(1, 6)]
    for item in bob:
        assert kept.add_upload(item, account_bytes=3 * len(PNG), total_bytes=100 * len(PNG)) is Write.DONE
    assert kept.upload(alice.name) == alice
    assert [item for item in bob if kept.upload(item.name) is not None] == bob[2:]


def test_an_upload_past_the_room_of_all_is_refused_and_changes_nothing(store: str) -> None:
    kept = open_store(store, journal_bytes=1 << 20)
    kept.initialize(ClockState.start(0.0), None)
    limits = {"account_bytes": 2 * len(PNG), "total_bytes": 3 * len(PNG)}
    first, second = _made("acct_alice", 0), _made("acct_alice", 1)
    third, fourth = _made("acct_bob", 2), _made("acct_carol", 3)
    assert [kept.add_upload(item, **limits) for item in (first, second, third)] == [Write.DONE] * 3
    assert kept.add_upload(fourth, **limits) is Write.FULL
    assert [kept.upload(item.name) for item in (first, second, third, fourth)] == [first, second, third, None]
    again = _made("acct_alice", 4)  # Alice's own oldest makes room for her newest
    assert kept.add_upload(again, **limits) is Write.DONE
    assert [kept.upload(item.name) for item in (first, second, third, again)] == [None, second, third, again]


def test_upload_names_hold_32_random_hex_digits(api: Api) -> None:
    names = [upload(api, PNG, "cat.png")[1]["url"].rsplit("/", 1)[1] for _ in range(3)]
    secrets = [name.split("-")[1] for name in names]
    assert all(len(secret) == 32 and set(secret) <= set("0123456789abcdef") for secret in secrets)
    assert len(set(secrets)) == 3


def test_an_upload_past_the_room_of_all_accounts_is_a_storage_error(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cap of all uploads (256 MiB), made small: the account past it gets 503 `storage_error`."""
    monkeypatch.setattr("apimart_mock.backend.service.KEPT_UPLOAD_BYTES", 2 * len(PNG))
    assert upload(api, PNG)[0] == upload(api, PNG)[0] == 200
    refused = api.request(
        "POST",
        "/v1/uploads/images",
        data={"file": (io.BytesIO(PNG), "a.png")},
        headers={"Authorization": "Bearer sk-someone-else"},
    )
    assert error_of(refused)[:2] == (503, "storage_error")
    assert "storage for uploads is full" in error_of(refused)[2]
