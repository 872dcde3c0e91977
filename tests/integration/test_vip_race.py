"""R5: two reviewers deciding one file at the same moment, each on their own connection."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.errors import Conflict
from portal.extensions import db
from portal.vip import services
from portal.vip.models import VipFile, VipStatus
from portal.vip.testing import dummy_customer, dummy_vip_file


def test_r5_two_reviewers_at_once_make_exactly_one_decision(
    app, db_session, staff, store_manager, make_user, dummy_store
):
    second = make_user("manager2", Role.STORE_MANAGER, dummy_store, display_name="李经理")
    customer = dummy_customer(db_session, staff, store_id=dummy_store.id)
    file_id = dummy_vip_file(db_session, staff, customer).id
    first_id, second_id = store_manager.id, second.id
    db_session.remove()

    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, Any] = {}

    def review(user_id: int, decide: str) -> None:
        # its own app context: its own session, so its own database connection
        with app.app_context():
            session = db.session
            try:
                actor = session.get(User, user_id)
                file = session.get(VipFile, file_id)
                assert file.status == VipStatus.SUBMITTED  # both read it undecided
                barrier.wait()
                if decide == "approve":
                    services.approve(session, actor=actor, file=file)
                else:
                    services.reject(session, actor=actor, file=file, reason="资料不实")
                session.commit()
                outcomes[decide] = "won"
            except Conflict as exc:
                session.rollback()
                outcomes[decide] = str(exc.message)
            except Exception as exc:
                session.rollback()
                outcomes[decide] = repr(exc)
            finally:
                session.remove()

    threads = [
        threading.Thread(target=review, args=(first_id, "approve")),
        threading.Thread(target=review, args=(second_id, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    winners = [k for k, v in outcomes.items() if v == "won"]
    assert len(winners) == 1, outcomes
    loser = "reject" if winners == ["approve"] else "approve"
    winner_name = "Manager" if winners == ["approve"] else "李经理"
    assert f"already decided by {winner_name}" in outcomes[loser]

    decisions = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action.in_(["vip.approved", "vip.rejected"]),
            AuditEvent.object_id == str(file_id),
        )
    )
    assert decisions == 1
    file = db.session.get(VipFile, file_id)
    assert file.status == (VipStatus.APPROVED if winners == ["approve"] else VipStatus.REJECTED)


def test_r5_the_loser_gets_409_naming_who_decided(
    client, api_token, db_session, staff, store_manager, make_user, dummy_store
):
    second = make_user("manager2", Role.STORE_MANAGER, dummy_store, display_name="李经理")
    customer = dummy_customer(db_session, staff, store_id=dummy_store.id)
    file = dummy_vip_file(db_session, staff, customer)
    first = client.post(
        f"/api/v1/vip/files/{file.id}/decision",
        json={"decision": "approve"},
        headers=api_token(second),
    )
    assert first.status_code == 200, first.json
    late = client.post(
        f"/api/v1/vip/files/{file.id}/decision",
        json={"decision": "reject", "reason": "不符合"},
        headers=api_token(store_manager),
    )
    assert late.status_code == 409
    assert "李经理" in late.json["status"]
