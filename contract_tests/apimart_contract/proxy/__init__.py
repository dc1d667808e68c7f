"""Learning from real traffic: `apimart-proxy` forwards to the API and judges what passes with the suite's
checks (`cli`, `_watch`), recording redacted HAR cassettes (`_cassette`) that `apimart-contract
--cassettes` judges offline. See docs/proxy.md."""

from ._cassette import HAR_VERSION, CassetteError, Recorded, read_cassettes

__all__ = ["HAR_VERSION", "CassetteError", "Recorded", "read_cassettes"]
