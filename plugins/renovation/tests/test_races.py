"""Two people acting on the same case at once: one wins, the other hears 409 (R13, R23).

Each test loads the case on a second connection (the slower desk), lets the first desk
act and commit, then lets the slower desk act on what it loaded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from portal_renovation import services
from portal_renovation.models import CaseHandover, RenovationCase
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.errors import Conflict
from portal.extensions import db


@pytest.fixture
def slow_desk(app: Any) -> Iterator[Session]:
    """A second connection, as a concurrent request has."""
    with Session(db.engine) as session:
        yield session
        session.rollback()


def _loaded(session: Session, case: RenovationCase, user: User) -> tuple[RenovationCase, User]:
    stale = session.get(RenovationCase, case.id)
    assert stale is not None
    stale.owner  # noqa: B018 - loaded now, as a request loads it before it acts
    return stale, session.get(User, user.id)


def test_r13_two_handovers_at_once_leave_one_owner(
    db_session, slow_desk, dummy_case, staff, store_manager, colleague
):
    stale, owner = _loaded(slow_desk, dummy_case, staff)
    services.hand_over(
        db_session, actor=store_manager, case=dummy_case, to_user_id=colleague.id, reason="休假"
    )
    db_session.commit()
    with pytest.raises(Conflict):
        services.hand_over(
            slow_desk, actor=owner, case=stale, to_user_id=store_manager.id, reason="出差"
        )
    slow_desk.rollback()
    db_session.expire_all()
    assert db_session.get(RenovationCase, dummy_case.id).owner_id == colleague.id
    assert db_session.scalar(select(func.count(CaseHandover.id))) == 1


def test_r13_the_former_owner_no_longer_acts_on_a_case_taken_meanwhile(
    db_session, slow_desk, dummy_repair, staff, store_manager, colleague
):
    stale, owner = _loaded(slow_desk, dummy_repair, staff)
    services.hand_over(
        db_session, actor=store_manager, case=dummy_repair, to_user_id=colleague.id, reason="休假"
    )
    db_session.commit()
    with pytest.raises(Conflict):
        services.route_repair(
            slow_desk,
            actor=owner,
            case=stale,
            responsible="vendor",
            vendor_name="V",
            repair_work="W",
        )


def test_r23_two_routings_at_once_send_one_repair_notice(
    db_session, slow_desk, dummy_repair, staff, store_manager
):
    stale, owner = _loaded(slow_desk, dummy_repair, staff)
    services.route_repair(
        db_session,
        actor=store_manager,
        case=dummy_repair,
        responsible="vendor",
        vendor_name="东鹏瓷砖",
        repair_work="更换瓷砖",
    )
    db_session.commit()
    with pytest.raises(Conflict):
        services.route_repair(
            slow_desk,
            actor=owner,
            case=stale,
            responsible="vendor",
            vendor_name="欧派橱柜",
            repair_work="更换柜门",
        )
    slow_desk.rollback()
    db_session.expire_all()
    case = db_session.get(RenovationCase, dummy_repair.id)
    assert (case.vendor_name, case.repair_notice_number) == ("东鹏瓷砖", "ZXWX-2026-000001")
