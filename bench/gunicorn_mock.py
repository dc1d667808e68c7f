"""The mock under gunicorn gthread (the server it used before granian), for the side-by-side comparison.

It serves the store of the bench's granian-served mock (`BENCH_MOCK_STORE`), so both answer the same
tasks from the same state and one request list fits both.
"""

from __future__ import annotations

import os

from mock_server.config import MockConfig
from mock_server.http.app import create_app

app = create_app(MockConfig(store=os.environ["BENCH_MOCK_STORE"]))
