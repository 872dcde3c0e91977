"""``flask portal backup`` and ``restore`` on SQLite and PostgreSQL: a backup of a full
world restored into an empty database gives back every row of every table; a backup from
a newer schema, or a target that holds data, is refused unless forced."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import Engine, MetaData, Table, insert, inspect, select, text
from sqlalchemy.engine import make_url

from portal.accounts.models import LoginAttempt, User
from portal.accounts.operator import ShellOperator
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.plugins import registry
from portal.stores.models import Store
from portal.testing.fixtures import START, make_app

#: commits the writer makes at least while a backup is taken of a busy database
WRITES_AT_LEAST = 200

#: what a PNG's first bytes are (evidence files are checked by content)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(app: Flask, db_session: Any, login: Any, api_token: Any, runner: Any) -> None:
    """The demo (core and every plugin), plus what it does not make, so that every table
    holds rows: a login, an API token, an integration, a keyed API write, a plugin
    switched off and on again, evidence on an open compliance case, an appeal, a
    renovation case handed over, and a tick's work."""
    from portal.demo import DEMO_PASSWORD, load_demo_data

    load_demo_data(db_session)
    db_session.commit()
    manager = db_session.scalar(select(User).where(User.login == "manager.xa"))
    login(manager, DEMO_PASSWORD)
    api_token(manager)
    for enabled in (False, True):
        registry.set_enabled(db_session, actor=ShellOperator(), name="restaurant", enabled=enabled)
        db_session.commit()
    _integration_and_keyed_write(db_session, manager)
    _evidence_and_appeal(db_session)
    _handover(db_session)
    db_session.commit()
    ticked = runner.invoke(args=["portal", "tick"])  # the restaurants claim their greeting day
    assert ticked.exit_code == 0, ticked.output


def _integration_and_keyed_write(session: Any, manager: User) -> None:
    from portal import idempotency
    from portal.accounts.integrations import NewIntegration, create_integration

    admin = session.scalar(select(User).where(User.login == "admin"))
    store = session.scalar(select(Store).where(Store.code == "XA01"))
    create_integration(
        session,
        actor=admin,
        data=NewIntegration(name="POS 01", store=store, actions=["view_member"]),
    )
    claimed = idempotency.claim(
        session,
        account_id=manager.id,
        key="backup-world-1",
        fingerprint=idempotency.fingerprint("POST", "/api/v1/members", "", b"{}"),
        hours=24,
    )
    idempotency.complete(claimed, idempotency.StoredResponse(201, {}, b"{}"))


def _evidence_and_appeal(session: Any) -> None:
    from portal.compliance import appeals, cases
    from portal.compliance.models import ComplianceCase, Notice

    officer = session.scalar(select(User).where(User.login == "compliance"))
    open_case = session.scalar(
        select(ComplianceCase).where(ComplianceCase.state == "investigating").limit(1)
    )
    cases.add_attachment(
        session, actor=officer, case=open_case, filename="evidence.png", content=PNG
    )
    notice = next(
        n
        for n in session.scalars(select(Notice).order_by(Notice.id))
        if n.member.user is not None and appeals.may_appeal(n.member.user, n)
    )
    appeals.lodge_appeal(session, actor=notice.member.user, notice=notice, grounds="不服处理决定")


def _handover(session: Any) -> None:
    from portal_renovation import services
    from portal_renovation.models import ACTIVE_STATES, RenovationCase

    case = session.scalar(
        select(RenovationCase).where(RenovationCase.state.in_(ACTIVE_STATES)).limit(1)
    )
    successor = next(
        u for u in services.staff_of_store(session, case.store_id) if u.id != case.owner_id
    )
    services.hand_over(
        session, actor=case.owner, case=case, to_user_id=successor.id, reason="岗位调整"
    )


@pytest.fixture
def empty_target(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A second portal on an empty database of the same kind: a new SQLite file, or a new
    database in the same throwaway PostgreSQL cluster."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        target = make_app(f"sqlite:///{tmp_path / 'restored.db'}", tmp_path / "instance")
        yield target
        with target.app_context():
            db.engine.dispose()
        return
    name = f"portal_restore_{uuid.uuid4().hex[:8]}"
    admin = {"host": url.host, "port": url.port, "user": url.username, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    target = make_app(url.set(database=name).render_as_string(hide_password=False), tmp_path)
    try:
        yield target
    finally:
        with target.app_context():
            db.engine.dispose()
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _engine(app: Flask) -> Engine:
    with app.app_context():
        return db.engine


def _contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the database holds (read from the database itself), in
    primary-key order."""
    contents = {}
    with engine.connect() as conn:
        for name in inspect(engine).get_table_names():
            table = Table(name, MetaData(), autoload_with=conn)
            order = list(table.primary_key.columns) or list(table.columns)
            contents[name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
    return contents


def _invoke(app: Flask, *args: str, **kwargs: Any) -> Any:
    """Run a command against ``app`` (a command uses the app context already pushed)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=["portal", *args], **kwargs)


def test_a_backup_restored_into_an_empty_database_holds_every_row_of_every_table(
    app, world, empty_target, tmp_path
):
    backup_file = tmp_path / "portal.backup"
    made = _invoke(app, "backup", str(backup_file))
    assert made.exit_code == 0, made.output
    assert "Backup written" in made.output

    restored = _invoke(empty_target, "restore", str(backup_file))
    assert restored.exit_code == 0, restored.output

    source, target = _contents(_engine(app)), _contents(_engine(empty_target))
    assert set(target) == set(source)
    assert [name for name, rows in source.items() if not rows] == []
    # the restore is the one event the backup did not have
    *before, last = target.pop("audit_event")
    assert before == source.pop("audit_event")
    with empty_target.app_context():
        event = db.session.get(AuditEvent, last[0])
        assert event.action == "database.restored"
        assert event.actor_label.startswith("cli:")
        assert event.after["file"] == "portal.backup"
    for name in sorted(source):
        assert target[name] == source[name], f"table {name} differs after the restore"


def test_a_backup_from_a_newer_schema_is_refused(app, world, empty_target, tmp_path):
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999_future')"))
    try:
        backup_file = tmp_path / "future.backup"
        assert _invoke(app, "backup", str(backup_file)).exit_code == 0
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version WHERE version_num = '9999_future'"))
    refused = _invoke(empty_target, "restore", str(backup_file))
    assert refused.exit_code == 1
    assert "newer or different schema" in refused.output
    assert "9999_future" in refused.output
    assert inspect(_engine(empty_target)).get_table_names() == []


def test_a_target_holding_data_is_replaced_only_when_forced_and_confirmed(
    app, world, tmp_path, db_session
):
    backup_file = tmp_path / "portal.backup"
    assert _invoke(app, "backup", str(backup_file)).exit_code == 0
    stores_then = _contents(db.engine)["store"]
    db_session.execute(text("UPDATE store SET name = 'changed after the backup'"))
    db_session.commit()

    refused = _invoke(app, "restore", str(backup_file))
    assert refused.exit_code == 1
    assert "already holds data; --force" in refused.output
    declined = _invoke(app, "restore", "--force", str(backup_file), input="n\n")
    assert declined.exit_code == 1
    assert "Aborted" in declined.output
    assert {row[2] for row in _contents(db.engine)["store"]} == {"changed after the backup"}

    forced = _invoke(app, "restore", "--force", "--yes", str(backup_file))
    assert forced.exit_code == 0, forced.output
    db_session.remove()
    assert _contents(db.engine)["store"] == stores_then
    assert db_session.scalar(
        select(AuditEvent.after).where(AuditEvent.action == "database.restored")
    ) == {"file": "portal.backup", "revisions": _revisions(), "forced": True}


def _revisions() -> list[str]:
    with db.engine.connect() as conn:
        return sorted(conn.scalars(text("SELECT version_num FROM alembic_version")))


def test_not_a_backup_or_a_backup_of_the_other_database_is_a_clear_error(
    app, empty_target, tmp_path
):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    result = _invoke(empty_target, "restore", str(junk))
    assert result.exit_code == 1
    assert "is not a portal backup" in result.output
    other = tmp_path / "other.backup"
    other.write_bytes(b"PGDMP" if db.engine.dialect.name == "sqlite" else b"SQLite format 3\x00")
    mismatch = _invoke(empty_target, "restore", str(other))
    assert mismatch.exit_code == 1
    assert "restores into the same kind of database" in mismatch.output


def test_a_backup_taken_while_the_portal_writes_is_one_consistent_snapshot(
    app, empty_target, tmp_path
):
    """A writer commits one login attempt after another during the backup: the backup
    holds a prefix of them (every id up to some point, none missing), and restores."""
    engine = _engine(app)
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        with engine.connect() as conn:
            while not stop.is_set() or len(written) < WRITES_AT_LEAST:
                row = conn.execute(
                    insert(LoginAttempt).returning(LoginAttempt.id),
                    {"login": "load", "succeeded": False, "attempted_at": START},
                ).scalar_one()
                conn.commit()
                written.append(row)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < WRITES_AT_LEAST // 2:
            time.sleep(0.01)
        backup_file = tmp_path / "busy.backup"
        made = _invoke(app, "backup", str(backup_file))
    finally:
        stop.set()
        writer.join()
    assert made.exit_code == 0, made.output
    assert _invoke(empty_target, "restore", str(backup_file)).exit_code == 0
    with _engine(empty_target).connect() as conn:
        ids = list(conn.scalars(select(LoginAttempt.id).order_by(LoginAttempt.id)))
    assert ids == written[: len(ids)]
    assert len(ids) >= WRITES_AT_LEAST // 2


def test_missing_postgresql_client_tools_are_named_with_the_fix(monkeypatch, tmp_path):
    from portal.records import backup

    monkeypatch.setenv("PORTAL_PG_BINDIR", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(backup.glob, "glob", lambda pattern: [])
    with pytest.raises(backup.BackupError, match="pg_dump not found: install PostgreSQL's client"):
        backup.find_pg_tool("pg_dump")
