"""Fixtures of the restaurant tests: a customer of the dummy store referred by ``staff``,
and ``visit(...)`` recording one meal through the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from portal_restaurant import services

from portal.testing.fixtures import START
from portal.vip import services as vip
from portal.vip.testing import dummy_customer, dummy_vip_file

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """An instant given as Shanghai wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def customer(db_session: Any, staff: Any, dummy_store: Any) -> Any:
    """王建国, a customer of XA01 whose referrer is ``staff`` (R8)."""
    member = dummy_customer(db_session, staff, store_id=dummy_store.id)
    db_session.commit()
    return member


@pytest.fixture
def visit(db_session: Any) -> Callable[..., Any]:
    """``visit(actor, member, at=..., **fields)``: one recorded (and committed) visit."""

    def record(actor: Any, member: Any, at: datetime | None = None, **fields: Any) -> Any:
        data = services.VisitData(
            visited_at=at or START - timedelta(hours=1),
            source=fields.pop("source", "reservation"),
            party_size=fields.pop("party_size", 2),
            **fields,
        )
        row, _created = services.record_visit(db_session, actor=actor, member=member, data=data)
        db_session.commit()
        return row

    return record


@pytest.fixture
def approved_vip(
    db_session: Any, staff: Any, store_manager: Any, customer: Any, visit: Callable[..., Any]
) -> Any:
    """``customer`` after two visits this month (R22) and an approved VIP file (R5)."""
    visit(staff, customer, at=START - timedelta(days=2))
    visit(staff, customer, at=START - timedelta(days=1))
    file = dummy_vip_file(db_session, staff, customer)
    vip.approve(db_session, actor=store_manager, file=file)
    db_session.commit()
    return customer
