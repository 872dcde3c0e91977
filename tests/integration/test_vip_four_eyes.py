"""Four eyes on R5: a manager's own referral is decided by someone else."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.errors import PermissionDenied
from portal.sla import services as sla
from portal.vip import services
from portal.vip.testing import dummy_customer, dummy_vip_file


@pytest.fixture
def own_file(db_session, store_manager, dummy_store):
    member = dummy_customer(db_session, store_manager, store_id=dummy_store.id)
    return dummy_vip_file(db_session, store_manager, member)


def test_r5_a_manager_cannot_decide_a_file_they_referred(db_session, store_manager, own_file):
    with pytest.raises(PermissionDenied):
        services.approve(db_session, actor=store_manager, file=own_file)
    assert not services.may_decide(db_session, store_manager, own_file)
    page = services.review_queue(db_session, actor=store_manager)
    assert own_file.id not in [item.file.id for item in page.items]


def test_r5_head_office_decides_it_once_escalated(db_session, clock, hq_service, own_file):
    clock.advance(timedelta(hours=12, minutes=1))
    sla.tick(db_session, now=clock.now())
    db_session.commit()
    services.approve(db_session, actor=hq_service, file=own_file)
    db_session.commit()
    assert own_file.status == "approved"
