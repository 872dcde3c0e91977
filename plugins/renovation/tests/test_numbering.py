"""R25: tracking sheets, repair notices and penalty notices are numbered uniquely, also
when two desks log at the same moment on two connections."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from portal_renovation import services
from portal_renovation.models import RenovationCase
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.extensions import db


def test_r25_two_desks_at_once_never_share_a_number(app, staff, colleague, customer, dummy_store):
    per_desk = 8
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def desk(user_id: int) -> None:
        try:
            with app.app_context(), Session(db.engine) as session:
                actor = session.get(User, user_id)
                barrier.wait()
                for n in range(per_desk):
                    services.log_case(
                        session,
                        actor=actor,
                        data=services.NewCase(
                            store_id=dummy_store.id,
                            member_id=customer.id,
                            kind="complaint",
                            channel="call",
                            severity="normal",
                            subject=f"来电 {user_id}-{n}",
                            description="客户来电",
                        ),
                    )
                    session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=desk, args=(u.id,)) for u in (staff, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    numbers = list(db.session.scalars(select(RenovationCase.number)))
    assert len(numbers) == len(set(numbers)) == 2 * per_desk
    assert sorted(numbers) == [f"ZXKF-2026-{n:06d}" for n in range(1, 2 * per_desk + 1)]


def test_r25_each_kind_of_record_counts_on_its_own(
    db_session, make_case, staff, store_manager, dummy_store
):
    complaint = make_case()
    repair = make_case(kind="repair")
    services.route_repair(
        db_session,
        actor=staff,
        case=repair,
        responsible="vendor",
        vendor_name="东鹏瓷砖",
        repair_work="更换破损瓷砖",
    )
    notice = services.issue_penalty(
        db_session,
        actor=store_manager,
        case=complaint,
        employee_id=staff.id,
        reason="r",
        measure="m",
    )
    db_session.commit()
    assert (complaint.number, repair.number) == ("ZXKF-2026-000001", "ZXKF-2026-000002")
    assert repair.repair_notice_number == "ZXWX-2026-000001"
    assert notice.number == "ZXCF-2026-000001"


def test_r25_numbers_follow_the_stores_year(db_session, make_case, clock):
    # 2026-12-31 17:00 UTC is already 2027-01-01 01:00 in Shanghai
    clock.set(datetime(2026, 12, 31, 17, 0, tzinfo=UTC))
    assert make_case().number == "ZXKF-2027-000001"
