"""`create_app(config)`: one isolated mock per call, its state in `app.extensions`, no globals."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable

from flask import Flask

from ..backend.service import MockService
from ..config import MockConfig
from ..domain.clock import ClockState
from ..store import Store, open_store
from . import account, browsers, control, errors, pipeline, public, submits, tasks, uploads
from .context import EXTENSION, MockState
from .fast import FastTaskGets
from .validation import BodyValidators

__all__ = ["create_app", "prepared_store"]


def create_app(config: MockConfig | None = None, *, real_time: Callable[[], float] = time.time) -> Flask:
    """A mock server app. Without `config.store`, its state lives in a private temp file.

    `real_time` is the wall clock the mock's clock runs from (only ever read here, in the HTTP layer).
    """
    config = config or MockConfig()
    app = Flask("apimart_mock")
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    store = prepared_store(config, config.store or _private_store(app), real_time())
    service = MockService(store, seed=config.seed, retention=config.retention, balance=config.balance)
    app.extensions[EXTENSION] = MockState(
        config, service, BodyValidators(reject_unknown_fields=config.reject_unknown_fields), real_time
    )
    tasks.init_app(app)
    for module in (tasks, submits, account, uploads, control, public):
        app.register_blueprint(module.blueprint)
    errors.init_app(app)
    browsers.init_app(app)
    pipeline.init_app(app)
    app.wsgi_app = FastTaskGets(app, app.wsgi_app)  # type: ignore[method-assign]
    return app


def prepared_store(config: MockConfig, location: str, now: float) -> Store:
    """The store at `location`, opened and set up for `config` (tables, the clock started at real time
    `now` unless the store holds one); `StoreUnavailable` when it cannot be."""
    store = open_store(location, journal=config.journal, journal_bytes=config.limits.journal_bytes)
    store.initialize(ClockState.start(now, speed=config.speed, frozen_at=config.frozen_at), config.rate_limit)
    return store


def _private_store(app: Flask) -> str:
    folder = tempfile.mkdtemp(prefix="apimart-mock-")
    weakref.finalize(app, shutil.rmtree, folder, True)
    return os.path.join(folder, "store.sqlite")
