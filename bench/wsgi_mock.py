"""The mock as a plain WSGI app module, for the candidate it is compared with: gunicorn gthread (the
server before granian).

It serves the store of the bench's `apimart-mock serve` (`BENCH_MOCK_STORE`), so all answer the same
tasks from the same state and one request list fits all.
"""

from __future__ import annotations

import os

from mock_server.config import MockConfig
from mock_server.http.app import create_app

app = create_app(MockConfig(store=os.environ["BENCH_MOCK_STORE"]))
