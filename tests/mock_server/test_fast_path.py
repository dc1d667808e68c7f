"""The fast path of the two task GETs answers exactly what the Flask route answers."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.test import Client

from apimart_mock.config import MockConfig, ViewShape
from apimart_mock.domain.accounts import account_id
from apimart_mock.http.app import create_app
from apimart_mock.http.fast import FastTaskGets

OWNER, OTHER = "sk-owner", "sk-other"
OWNER_ID = account_id(OWNER)


def _pair(store: str, **config: object) -> tuple[FlaskClient, Client, Client]:
    """The app (for the control API), its fast path alone, and the Flask route alone, on one store
    (SQLite or Redis: the fast path reads settings and task in one `Store.poll`, each store its own)."""
    app = create_app(MockConfig(store=store, **config))  # type: ignore[arg-type]
    fast = app.wsgi_app
    assert isinstance(fast, FastTaskGets)
    return app.test_client(), Client(fast), Client(fast.flask_wsgi)


def _tasks(control: FlaskClient) -> list[str]:
    ids = []
    for status, age in [
        ("SUCCESS", 10),
        ("FAILURE", 10),
        ("IN_PROGRESS", 1),
        ("MODAL", 5),
        ("SUCCESS", 4 * 86400),
    ]:
        action = "INPAINT" if status == "MODAL" else "IMAGINE"
        body = {"account": OWNER, "status": status, "age": age, "action": action}
        ids.append(control.post("/__mock/tasks", json=body).get_json()["id"])
    return ids


@pytest.mark.parametrize(
    ("public_url", "shape"),
    [(None, ViewShape.LIVE), ("https://cdn.example", ViewShape.LIVE), (None, ViewShape.DOCS)],
)
def test_fast_and_flask_answer_alike(store: str, public_url: str | None, shape: ViewShape) -> None:
    """Also across apps in one process: the fast path's rendered bodies are cached by media and shape."""
    app, fast, flask = _pair(store, public_url=public_url, shape=shape)
    app.post("/__mock/clock/freeze", json={})
    ids = _tasks(app)
    paths = [f"/v1/{view}/{task_id}" for view in ("tasks", "midjourney") for task_id in [*ids, "task_nope"]]
    paths += ["/v1/tasks/bad!id", "/v1/tasks/" + "x" * 65, "/v1/midjourney/generations", "/v1/tasks/"]
    paths += [f"/v1/tasks/{ids[0]}?language=en", f"/v1/tasks/{ids[0]}/", f"/v1/tasks/{ids[0]}?language=xx"]
    auths = [f"Bearer {OWNER}", f"Bearer {OTHER}", "", "Basic abc", None]
    for path in paths:
        for auth in auths:
            headers = {} if auth is None else {"Authorization": auth}
            for method in ("GET", "HEAD"):
                a = fast.open(path, method=method, headers=headers)
                b = flask.open(path, method=method, headers=headers)
                assert (a.status, a.get_data()) == (b.status, b.get_data()), path
                assert sorted(a.headers.items()) == sorted(b.headers.items()), path
    journal = app.get("/__mock/requests").get_json()["requests"]
    fast_half = [e for n, e in enumerate(journal) if n % 2 == 0]
    flask_half = [e for n, e in enumerate(journal) if n % 2 == 1]
    assert [(e["path"], e["status"], e["account"]) for e in fast_half] == [
        (e["path"], e["status"], e["account"]) for e in flask_half
    ]


def test_faults_and_rate_limits_go_through_flask(store: str) -> None:
    app, _, _ = _pair(store)
    task_id = _tasks(app)[0]
    app.post("/__mock/faults", json={"kind": "500", "count": 1})
    assert app.get(f"/v1/tasks/{task_id}", headers={"Authorization": f"Bearer {OWNER}"}).status_code == 500
    assert app.get(f"/v1/tasks/{task_id}", headers={"Authorization": f"Bearer {OWNER}"}).status_code == 200
    app.post("/__mock/rate-limit", json={"per_second": 1})
    auth = {"Authorization": f"Bearer {OWNER}"}
    statuses = [app.get(f"/v1/tasks/{task_id}", headers=auth).status_code for _ in range(3)]
    assert 429 in statuses


def test_a_poll_is_answered_and_journaled_once_whichever_way_it_comes(store: str) -> None:
    """The WSGI function, Flask's view (a HEAD; a poll with faults on) and the RSGI loop all answer
    through `answer_polls`; the request pipeline leaves a poll alone, so nothing is done twice."""
    app, _, _ = _pair(store)
    task_id = _tasks(app)[0]
    app.delete("/__mock/requests")
    auth = {"Authorization": f"Bearer {OWNER}"}
    path = f"/v1/midjourney/{task_id}"
    app.get(path, headers=auth)  # the WSGI function
    app.head(path, headers=auth)  # Flask's view
    app.post("/__mock/faults", json={"kind": "truncate", "count": 1})
    truncated = app.get(path, headers=auth)  # Flask's view: a fault is on
    answered = app.get(path, headers=auth).get_data()  # the fault is used up: the WSGI function again
    assert truncated.get_data() == answered[: len(answered) // 2]
    journal = app.get("/__mock/requests").get_json()["requests"]
    polls = [(e["method"], e["status"], e["account"]) for e in journal if e["path"] == path]
    assert polls == [
        ("GET", 200, OWNER_ID),
        ("HEAD", 200, OWNER_ID),
        ("GET", 200, OWNER_ID),
        ("GET", 200, OWNER_ID),
    ]
