"""The mock as a plain WSGI app, for the candidates it is compared with: gunicorn gthread (the server
before granian) and granian's WSGI interface (before the RSGI adapter,
`mock_server/apimart_mock/http/rsgi.py`).

It serves the store of the bench's `apimart-mock serve` (`BENCH_MOCK_STORE`), so all answer the same
tasks from the same state and one request list fits all.
"""

from __future__ import annotations

import os

from apimart_mock.config import MockConfig
from apimart_mock.http.app import create_app

app = create_app(MockConfig(store=os.environ["BENCH_MOCK_STORE"]))
