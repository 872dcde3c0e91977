"""Two ``flask portal tick`` processes at once over the same due work (R5's review chain:
two reminders, the breach, the escalation) fire every step once: no double escalation,
no double notification, no double audit event.

On PostgreSQL the runners claim tasks and messages with SKIP LOCKED and share the work.
On SQLite there is one writer at a time: a runner waits for the other's batch (the busy
timeout), then its compare-and-sets find the steps and messages taken. The outbox test
found SQLite sending every message twice; ``notifications.services._claim`` fixed it.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import hookimpl
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.clock import FrozenClock
from portal.extensions import db
from portal.notifications import messages
from portal.notifications import services as notifications
from portal.notifications.models import Channel, Notification
from portal.sla import services as sla
from portal.sla.models import SlaTask, SlaTaskEvent
from portal.sla.runner import run_once
from portal.testing.fixtures import START

from .servers import BIN, ROOT

TASKS = 24
MESSAGES = 6
#: small batches, so that the two runners' transactions interleave
BATCH = 4


def _tick(database_url: str, instance: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "FLASK_"))}
    env.update(PORTAL_DATABASE_URL=database_url, PORTAL_INSTANCE_PATH=str(instance))
    command = [str(BIN / "flask"), "--app", "portal", "portal", "tick", "--batch", str(BATCH)]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _start_tasks(store: Any, actor: User) -> None:
    for n in range(1, TASKS + 1):
        sla.start_task(
            db.session,
            policy="vip_review",
            subject_type="vip_file",
            subject_id=n,
            store_id=store.id,
            actor=actor,
            title=f"VIP file {n}",
        )
    db.session.commit()
    db.session.remove()


def test_two_tick_processes_at_once_fire_every_step_once(
    app: Flask, database_url: str, dummy_store: Any, store_manager: User, tmp_path: Path
) -> None:
    _start_tasks(dummy_store, store_manager)
    # the runners tick on the real clock, days after the test clock: every step is due
    runners = [_tick(database_url, tmp_path / f"instance-{i}") for i in range(2)]
    outputs = [runner.communicate(timeout=120)[0] for runner in runners]
    assert [r.returncode for r in runners] == [0, 0], outputs
    _assert_every_step_once()


def test_two_tick_threads_started_together_fire_every_step_once(
    app: Flask, clock: FrozenClock, dummy_store: Any, store_manager: User
) -> None:
    """Processes take seconds to start and may not overlap; threads released by a barrier
    do, each with its own app context and so its own session and connection."""
    _start_tasks(dummy_store, store_manager)
    clock.set(START + timedelta(days=2))
    assert _run_twice_at_once(app, lambda: run_once(BATCH), timeout=120) == []
    _assert_every_step_once()


def _run_twice_at_once(
    app: Flask, work: Callable[[], object], timeout: float
) -> list[BaseException]:
    """``work`` in two threads released together by a barrier, each in its own app context
    (and so with its own session and connection); what they raised."""
    together = threading.Barrier(2)
    errors: list[BaseException] = []

    def runner() -> None:
        with app.app_context():
            together.wait()
            try:
                work()
            except BaseException as exc:  # reported to the caller
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return errors


def _assert_every_step_once() -> None:
    tasks = db.session.scalars(select(SlaTask)).all()
    assert len(tasks) == TASKS
    assert all(t.next_step is None for t in tasks)  # every step fired

    events = db.session.scalars(select(SlaTaskEvent)).all()
    fired = Counter((e.task_id, e.kind, (e.detail or {}).get("step")) for e in events)
    assert [key for key, times in fired.items() if times > 1] == []
    per_task = Counter(e.task_id for e in events)
    assert len(set(per_task.values())) == 1, per_task  # the same timeline for every task

    audited = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "sla_task")
    ).all()
    assert audited
    audit_per_task = Counter(a.object_id for a in audited)
    assert len(set(audit_per_task.values())) == 1, audit_per_task

    messages = db.session.scalars(select(Notification)).all()
    assert messages
    sent = Counter((m.channel, m.dedupe_key, m.recipient_user_id) for m in messages)
    assert max(sent.values()) == 1
    assert all(m.attempts <= 1 for m in messages)  # none handed out twice


messages.define("test.fault", _l("Store saved."))


class SlowGateway:
    """An SMS gateway that takes its time, so two runners overlap inside a send."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.lock = threading.Lock()

    @hookimpl
    def portal_notification_send(self, notification: Notification, text: str) -> bool:
        time.sleep(0.05)
        with self.lock:
            self.sent.append(notification.id)
        return True


def test_two_runners_delivering_at_once_send_each_message_once(
    app: Flask, clock: FrozenClock, staff: User, register_plugin: Any
) -> None:
    """The outbox alone (no SLA step to write first): on SQLite the runners' reads take no
    lock, so both see the same pending messages; the claim on ``attempts`` keeps the
    second from sending them again."""
    staff.mobile = "+8613800138000"
    for n in range(MESSAGES):
        notifications.notify(
            db.session, kind="test.fault", key=f"fault:{n}", user=staff, channels=[Channel.SMS]
        )
    db.session.commit()
    db.session.remove()
    gateway = register_plugin(SlowGateway(), "slow-gateway")

    def deliver() -> None:
        notifications.deliver_due(db.session, now=clock.now())
        db.session.commit()

    assert _run_twice_at_once(app, deliver, timeout=60) == []
    assert sorted(gateway.sent) == sorted(set(gateway.sent))  # nothing sent twice
    assert len(gateway.sent) == MESSAGES
    statuses = db.session.scalars(select(Notification.status)).all()
    assert statuses == ["sent"] * MESSAGES
