"""R7: head office samples approved VIP files per store, records findings; the store sees
them (and only its own)."""

from __future__ import annotations

import html
from collections import Counter

import pytest
from sqlalchemy import select

from portal import clock as portal_clock
from portal.accounts.roles import Role
from portal.errors import NotFound, ValidationFailed
from portal.members.models import Member
from portal.notifications.models import Notification
from portal.spotchecks import services
from portal.spotchecks.models import SpotCheck, SpotCheckItem
from portal.vip.models import VipFile, VipStatus


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def make_vip_files(db_session):
    """``make_vip_files(store, referrer, n, status)``: n VIP files of new members."""
    counter = iter(range(10_000))

    def factory(store, referrer, n, status=VipStatus.APPROVED):
        now = portal_clock.now()
        files = []
        for _ in range(n):
            i = next(counter)
            member = Member(
                store_id=store.id,
                full_name=f"客户{i}",
                mobile=f"+86139{store.id:02d}{i:06d}",
                status="active",
                source="staff",
                referrer_id=referrer.id,
                created_at=now,
                updated_at=now,
            )
            db_session.add(member)
            db_session.flush()
            file = VipFile(
                store_id=store.id,
                member_id=member.id,
                referrer_id=referrer.id,
                status=status,
                data={"full_name": f"客户{i}"},
                round=1,
                version=1,
                decided_at=now if status == VipStatus.APPROVED else None,
                created_at=now,
                updated_at=now,
            )
            db_session.add(file)
            files.append(file)
        db_session.commit()
        return files

    return factory


def test_r7_sample_is_random_within_bounds_and_only_approved_files_of_the_store(
    db_session, hq_service, staff, dummy_store, other_store, make_user, make_vip_files
):
    approved = make_vip_files(dummy_store, staff, 8)
    make_vip_files(dummy_store, staff, 3, VipStatus.SUBMITTED)
    make_vip_files(dummy_store, staff, 2, VipStatus.REJECTED)
    elsewhere = make_user("wuhan", Role.STAFF, other_store)
    make_vip_files(other_store, elsewhere, 4)
    allowed = {f.id for f in approved}

    seen: Counter[int] = Counter()
    for _ in range(60):
        check = services.draw_sample(db_session, actor=hq_service, store_id=dummy_store.id, size=3)
        ids = [item.vip_file_id for item in check.items]
        assert len(ids) == len(set(ids)) == 3
        assert set(ids) <= allowed
        assert check.population == 8
        seen.update(ids)
        db_session.rollback()
    # every approved file can be drawn (60 draws of 3 of 8: each missed with p ~ 1e-12)
    assert set(seen) == allowed


def test_r7_sample_never_exceeds_the_population(
    db_session, hq_service, staff, dummy_store, make_vip_files
):
    files = make_vip_files(dummy_store, staff, 2)
    check = services.draw_sample(db_session, actor=hq_service, store_id=dummy_store.id, size=5)
    assert check.sample_size == 2
    assert sorted(i.vip_file_id for i in check.items) == sorted(f.id for f in files)


def test_r7_no_approved_files_is_refused(db_session, hq_service, dummy_store):
    with pytest.raises(ValidationFailed):
        services.draw_sample(db_session, actor=hq_service, store_id=dummy_store.id, size=5)


def test_r7_only_head_office_draws(db_session, store_manager, staff, dummy_store, make_vip_files):
    make_vip_files(dummy_store, staff, 2)
    with pytest.raises(NotFound):
        services.draw_sample(db_session, actor=store_manager, store_id=dummy_store.id, size=1)


def test_r7_draw_for_all_stores_in_one_go(
    login, db_session, hq_service, staff, dummy_store, other_store, make_user, make_vip_files
):
    make_vip_files(dummy_store, staff, 6)
    make_vip_files(other_store, make_user("wuhan", Role.STAFF, other_store), 2)
    client = login(hq_service)
    assert client.get("/spotchecks/draw").status_code == 200
    response = client.post("/spotchecks/draw", data={"store_id": 0, "size": 4})
    assert response.status_code == 302
    checks = {c.store_id: c for c in db_session.scalars(select(SpotCheck))}
    assert checks[dummy_store.id].sample_size == 4
    assert checks[other_store.id].sample_size == 2
    page = text_of(client.get("/spotchecks"))
    assert dummy_store.name in page
    assert other_store.name in page


def test_r7_draw_form_errors_answer_422(login, hq_service, dummy_store):
    response = login(hq_service).post(
        "/spotchecks/draw", data={"store_id": dummy_store.id, "size": 0}
    )
    assert response.status_code == 422


def test_r7_findings_reach_the_store_only(
    login,
    db_session,
    hq_service,
    staff,
    store_manager,
    dummy_store,
    other_store,
    make_user,
    make_vip_files,
    api_token,
    client,
):
    make_vip_files(dummy_store, staff, 3)
    check = services.draw_sample(db_session, actor=hq_service, store_id=dummy_store.id, size=2)
    db_session.commit()
    first, second = check.items

    hq = login(hq_service)
    # an issue without notes is refused next to the field
    response = hq.post(f"/spotchecks/items/{first.id}/finding", data={"finding": "issue"})
    assert response.status_code == 422
    assert f'id="notes-{first.id}-error"' in text_of(response)
    response = hq.post(
        f"/spotchecks/items/{first.id}/finding",
        data={"finding": "issue", "notes": "生日为手填文本"},
    )
    assert response.status_code == 302
    response = hq.post(f"/spotchecks/items/{second.id}/finding", data={"finding": "ok"})
    assert response.status_code == 302

    # the store manager and the referrer are told of the issue
    told = {
        n.recipient_user_id
        for n in db_session.scalars(
            select(Notification).where(Notification.kind == "spotchecks.issue")
        )
    }
    assert told == {store_manager.id, staff.id}

    page = text_of(login(store_manager).get(f"/spotchecks/{check.id}"))
    assert "生日为手填文本" in page
    assert 'data-finding="issue"' in page
    assert 'data-finding="ok"' in page
    assert "Record the finding" not in page  # the store reads, head office records

    other = make_user("other.manager", Role.STORE_MANAGER, other_store)
    assert login(other).get(f"/spotchecks/{check.id}").status_code == 404
    assert "生日为手填文本" not in text_of(login(other).get("/spotchecks"))
    headers = api_token(other)
    assert client.get(f"/api/v1/spotchecks/{check.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/spotchecks/", headers=headers).json["items"] == []
    assert (
        client.put(
            f"/api/v1/spotchecks/items/{first.id}/finding",
            json={"finding": "ok"},
            headers=headers,
        ).status_code
        == 404
    )
    # the store itself may not record findings
    assert (
        login(store_manager)
        .post(f"/spotchecks/items/{first.id}/finding", data={"finding": "ok"})
        .status_code
        == 404
    )
    db_session.expire_all()
    assert db_session.get(SpotCheckItem, first.id).finding == "issue"


def test_r7_api_draw_and_record(
    client, api_token, db_session, hq_service, store_manager, staff, dummy_store, make_vip_files
):
    make_vip_files(dummy_store, staff, 4)
    hq = api_token(hq_service)
    response = client.post("/api/v1/spotchecks/", json={"store_id": dummy_store.id}, headers=hq)
    assert response.status_code == 201, response.json
    (check,) = response.json
    assert check["sample_size"] == 4  # default 5, capped at the population
    assert check["population"] == 4
    item = check["items"][0]
    response = client.put(
        f"/api/v1/spotchecks/items/{item['id']}/finding",
        json={"finding": "issue", "notes": "地址不具体"},
        headers=hq,
    )
    assert response.status_code == 200
    assert response.json["finding"] == "issue"
    seen = client.get(f"/api/v1/spotchecks/{check['id']}", headers=api_token(store_manager))
    assert seen.status_code == 200
    assert {i["notes"] for i in seen.json["items"]} >= {"地址不具体"}
    assert client.post(
        "/api/v1/spotchecks/", json={}, headers=api_token(store_manager)
    ).status_code in (403, 404)
