"""Shared pieces of the fault tests: a second app on the test database, registrations,
and the consistency checks every fault ends with."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.members.models import Member, MemberContact
from portal.testing.fixtures import make_app

#: a password the registration rules accept (R2 asks nothing of passwords but length)
PASSWORD = "Sturdy-Passw0rd-2026"
_numbers = itertools.count(1)


def customer(store_id: int) -> dict[str, Any]:
    """A customer a staff member enters (R8), with a mobile number no other test uses."""
    return {"full_name": "王建国", "mobile": f"139{next(_numbers):08d}", "store_id": store_id}


def registration(store_id: int) -> dict[str, Any]:
    """A valid self-registration (R1)."""
    return {**customer(store_id), "password": PASSWORD, "consent": True}


@pytest.fixture
def second_app(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """``second_app(**config)``: another portal on the same (migrated) database, or on
    ``url``, built with settings of its own (a short busy timeout ...); its connections
    are closed after the test."""
    built: list[Flask] = []

    def build(url: str | None = None, **config: Any) -> Flask:
        other = make_app(url or database_url, tmp_path / f"instance-{len(built)}", **config)
        built.append(other)
        return other

    yield build
    from portal.extensions import db

    for other in built:
        with other.app_context():
            db.engine.dispose()


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def assert_consistent(session: Session) -> None:
    """The database after a fault: intact, no dangling references, and every member whole
    (its login if it has one, its contacts, the audit event of its creation): as many
    creation events as members."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        assert session.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
        assert session.execute(text("PRAGMA foreign_key_check")).all() == []
    members = session.scalar(select(func.count()).select_from(Member))
    without_user = session.scalar(
        select(func.count())
        .select_from(Member)
        .outerjoin(User, User.id == Member.user_id)
        .where(Member.user_id.is_not(None), User.id.is_(None))
    )
    without_contact = session.scalar(
        select(func.count())
        .select_from(Member)
        .where(~select(MemberContact.id).where(MemberContact.member_id == Member.id).exists())
    )
    orphan_contacts = session.scalar(
        select(func.count())
        .select_from(MemberContact)
        .outerjoin(Member, Member.id == MemberContact.member_id)
        .where(Member.id.is_(None))
    )
    created = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action.in_(["member.registered", "member.entered"]))
    )
    assert (without_user, without_contact, orphan_contacts) == (0, 0, 0)
    assert created == members
