"""`UploadStore`, on both backends: files kept byte for byte; past its budget an account loses its own
oldest, never another's; past the total budget nothing is written."""

from __future__ import annotations

from apimart_mock.domain.uploads import Upload
from apimart_mock.store import UploadStore, Write


def _upload(name: str, account: str, size: int, at: float) -> Upload:
    return Upload(name, f"{name}.png", account, "image/png", bytes([len(name)]) * size + b"\x00\xff", at)


def test_an_upload_is_read_back_byte_for_byte(opened: UploadStore) -> None:
    upload = _upload("a", "acct_a", 10, 1.0)
    assert opened.add_upload(upload, account_bytes=1000, total_bytes=1000) is Write.DONE
    assert opened.upload("a") == upload
    assert opened.upload("b") is None


def test_an_account_over_its_budget_loses_its_own_oldest_only(opened: UploadStore) -> None:
    other = _upload("other", "acct_b", 98, 0.5)
    opened.add_upload(other, account_bytes=250, total_bytes=10_000)
    for n, name in enumerate(("a1", "a2", "a3")):
        assert (
            opened.add_upload(_upload(name, "acct_a", 98, 1.0 + n), account_bytes=250, total_bytes=10_000)
            is Write.DONE
        )
    assert opened.upload("a1") is None  # 3 x 100 bytes > 250: its oldest went
    assert opened.upload("a2") is not None and opened.upload("a3") is not None
    assert opened.upload("other") == other


def test_past_the_total_budget_nothing_is_written(opened: UploadStore) -> None:
    opened.add_upload(_upload("a", "acct_a", 98, 1.0), account_bytes=1000, total_bytes=250)
    opened.add_upload(_upload("b", "acct_b", 98, 2.0), account_bytes=1000, total_bytes=250)
    assert (
        opened.add_upload(_upload("c", "acct_c", 98, 3.0), account_bytes=1000, total_bytes=250) is Write.FULL
    )
    assert opened.upload("c") is None
    assert opened.upload("a") is not None and opened.upload("b") is not None
