"""R9: a customer's VIP files follow the customer to their new referrer, in the same
transaction as the handover, with an audit event per file."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.members import ownership
from portal.vip.testing import dummy_customer, dummy_vip_file


def test_r9_handover_moves_the_customers_files_to_the_successor(
    db_session, dummy_store, staff, store_manager, make_user
):
    successor = make_user("successor", Role.STAFF, dummy_store)
    member = dummy_customer(db_session, staff, store_id=dummy_store.id)
    file = dummy_vip_file(db_session, staff, member, submit=False)

    ownership.hand_over(
        db_session, actor=store_manager, store_id=dummy_store.id, previous=staff, all_to=successor
    )
    db_session.commit()

    db_session.refresh(file)
    assert file.referrer_id == successor.id
    event = db_session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "vip.referrer_changed", AuditEvent.object_id == str(file.id)
        )
    )
    assert event is not None
    assert event.actor_id == store_manager.id
    assert event.before == {"referrer_id": staff.id}
