"""A gunicorn worker killed with SIGKILL in the middle of a write load loses no write it
acknowledged and leaves the database consistent, on SQLite and on PostgreSQL.

Staff entering customers through the API (R8) is the write: each makes a member, its
primary contact, its referrer assignment and an audit event in one transaction, so a
half-done one would show. (Self-registration would do too, but hashing a password per
write makes far fewer writes a second, and a kill mostly lands inside the hashing.)
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.services import issue_api_token
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.members.models import Member

from .conftest import assert_consistent, customer
from .servers import Answer, gunicorn, load, request

#: acknowledged writes to see before the kill and after it (by the workers left and the
#: new one): four clients keep both workers busy, so the victim dies inside a request
ACKS = 3
#: 0: the connection the killed worker held broke before an answer
EXPECTED = {0, 201, 503}


def _wait_for(answers: list[Answer], count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while sum(a.status == 201 for a in answers) < count:
        wrong = [a for a in answers if a.status not in EXPECTED]
        assert not wrong, wrong[0]
        assert time.monotonic() < deadline, f"only {len(answers)} answers: {answers[-3:]}"
        time.sleep(0.05)


def test_a_worker_killed_mid_write_loses_no_acknowledged_write(
    app: Flask,
    database_url: str,
    dummy_store: Any,
    staff: User,
    tmp_path: Path,
) -> None:
    # the server runs on the real clock, after the test clock's day: a token for 30 days
    plain, _token = issue_api_token(db.session, user=staff, name="load", days=30)
    db.session.commit()
    store_id, token = dummy_store.id, {"Authorization": f"Bearer {plain}"}
    with gunicorn(database_url, tmp_path, workers=2) as server:
        url = f"{server.base}/api/v1/members/customers"
        with load(4, lambda: request(url, customer(store_id), token)) as answers:
            _wait_for(answers, ACKS)
            victim = min(server.workers())
            os.kill(victim, signal.SIGKILL)
            _wait_for(answers, 2 * ACKS)
        log = server.output()
    assert f"Worker (pid:{victim}) was sent SIGKILL" in log, log
    statuses = {a.status for a in answers}
    assert statuses <= EXPECTED, (statuses, log)
    acknowledged = {
        a.json()["id"]: "+86" + a.sent["mobile"]  # type: ignore[index]
        for a in answers
        if a.status == 201
    }

    db.session.remove()
    stored = dict(
        db.session.execute(
            select(Member.id, Member.mobile).where(Member.id.in_(acknowledged))
        ).all()
    )
    assert stored == acknowledged  # every acknowledged write, as acknowledged
    assert_consistent(db.session)
    entered = db.session.scalars(
        select(AuditEvent.object_id).where(AuditEvent.action == "member.entered")
    ).all()
    assert {str(i) for i in acknowledged} <= set(entered)
    members = db.session.scalar(select(func.count()).select_from(Member))
    assert members >= len(acknowledged)  # and perhaps some the client never heard of
