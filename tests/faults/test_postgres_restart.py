"""PostgreSQL stopped or restarted while the portal serves: requests meanwhile answer 503
(HTML and JSON, with Retry-After), never 500, and afterwards the same portal processes
answer 200 again without a restart of their own.

``pool_pre_ping`` (``portal.app``) replaces the pooled connections the restart cut;
``portal.database.is_unavailable`` maps the refused and dropped connections to 503.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from portal.accounts.models import User
from portal.extensions import db
from portal.members.models import Member
from portal.testing.postgres import restart_cluster, start_cluster, stop_cluster

from .conftest import assert_consistent, registration
from .servers import Answer, gunicorn, load, request

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

UNAVAILABLE_ZH = "门户暂时无法连接数据库"
RECOVERY_TIMEOUT = 30.0


def _assert_503(status: int, headers: Any, text: str) -> None:
    assert status == 503, text
    assert headers["Retry-After"] == "5"
    assert UNAVAILABLE_ZH in text


def test_while_the_server_is_down_pages_and_api_answer_503_then_200_again(
    app: Flask,
    database_url: str,
    client: FlaskClient,
    login: Any,
    staff: User,
    dummy_store: Any,
) -> None:
    login(staff)
    zh = {"Accept-Language": "zh-CN"}
    assert client.get("/home", headers=zh).status_code == 200
    db.session.remove()  # the test's own session: no connection open across the outage
    stop_cluster(database_url)
    try:
        page = client.get("/home", headers=zh)  # the logged-in user cannot even be loaded
        _assert_503(page.status_code, page.headers, page.get_data(as_text=True))
        assert page.mimetype == "text/html"
        api = client.get("/api/v1/stores/", headers=zh)
        _assert_503(api.status_code, api.headers, api.get_data(as_text=True))
        assert api.get_json()["code"] == 503
        write = client.post("/api/v1/members/", json=registration(dummy_store.id), headers=zh)
        _assert_503(write.status_code, write.headers, write.get_data(as_text=True))
    finally:
        start_cluster(database_url)
    assert client.get("/home").status_code == 200  # the same app, new connections
    assert client.post("/api/v1/members/", json=registration(dummy_store.id)).status_code == 201
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Member)) == 1
    assert_consistent(db.session)


def test_pooled_connections_a_restart_cut_are_replaced_unnoticed(
    app: Flask, database_url: str, client: FlaskClient, dummy_store: Any
) -> None:
    for _ in range(3):  # connections in the pool, each soon cut by the restart
        assert client.get("/api/v1/stores/").status_code == 200
    db.session.remove()
    restart_cluster(database_url)
    assert client.get("/api/v1/stores/").status_code == 200  # pre-ping: no error at all


def test_a_connection_cut_before_the_closing_rollback_leaves_the_answer_alone(
    app: Flask, client: FlaskClient, dummy_store: Any
) -> None:
    """The server goes away after the last statement and before the session's closing
    rollback (a restart in the middle of a request): the answer stands, no 500, and the
    cut connection goes back to the pool as discarded, not held."""
    checked_out = db.engine.pool.checkedout()
    with app.app_context():  # a request's own context and session
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
    assert db.engine.pool.checkedout() == checked_out
    assert client.get("/api/v1/stores/").status_code == 200  # the pool replaced it


def _recovered(answers: list[Answer], since: int) -> bool:
    later = answers[since:]
    return len(later) >= 4 and all(a.status in (200, 201) for a in later[-4:])


def test_gunicorn_rides_out_a_restart_and_an_outage_under_load(
    app: Flask, database_url: str, dummy_store: Any, tmp_path: Path
) -> None:
    store_id = dummy_store.id
    db.session.remove()
    with gunicorn(database_url, tmp_path, workers=2) as server:
        workers = server.workers()
        stores, members = f"{server.base}/api/v1/stores/", f"{server.base}/api/v1/members/"

        def mixed() -> Answer:
            """A read of the API, a page, and a write (R1 self-registration), in turn."""
            answer = request(stores)
            if answer.status == 200:
                answer = request(f"{server.base}/register", headers={"Accept-Language": "zh"})
            if answer.status == 200:
                answer = request(members, registration(store_id))
            return answer

        with load(3, mixed) as answers:
            time.sleep(1)
            restart_cluster(database_url)
            stop_cluster(database_url)
            try:
                outage = len(answers)
                deadline = time.monotonic() + RECOVERY_TIMEOUT
                while not any(a.status == 503 for a in answers[outage:]):
                    assert time.monotonic() < deadline, answers[outage:]
                    time.sleep(0.1)
            finally:
                start_cluster(database_url)
            back = len(answers)
            deadline = time.monotonic() + RECOVERY_TIMEOUT
            while not _recovered(answers, back):
                assert time.monotonic() < deadline, answers[back:]
                time.sleep(0.1)
        assert server.workers() == workers, server.output()  # nobody restarted a worker
        log = server.output()
    assert {a.status for a in answers} <= {200, 201, 503}, log
    unavailable = [a for a in answers if a.status == 503]
    for answer in unavailable:
        _assert_503(answer.status, answer.headers, answer.body.decode())
    acknowledged = {a.json()["id"] for a in answers if a.status == 201}
    db.session.remove()
    stored = set(db.session.scalars(select(Member.id).where(Member.id.in_(acknowledged))))
    assert stored == acknowledged
    assert_consistent(db.session)
