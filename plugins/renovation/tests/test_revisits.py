"""R12: delivered projects and their revisit plan, through the services, pages and API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from portal_renovation import revisits
from sqlalchemy import select

from portal.accounts.roles import Role
from portal.errors import NotFound, ValidationFailed
from portal.notifications.models import Notification


@pytest.fixture
def project(db_session, staff, customer):
    row = revisits.register_project(
        db_session,
        actor=staff,
        member_id=customer.id,
        name="曲江池畔 3-2-1201",
        delivered_on=date(2026, 10, 31),
        responsible_id=staff.id,
    )
    db_session.commit()
    return row


def test_r12_the_first_revisit_is_a_month_after_delivery(project):
    assert project.next_revisit_on == date(2026, 11, 30)


def test_r12_a_revisit_moves_the_plan_on(db_session, staff, project, clock):
    clock.advance(timedelta(days=7))
    revisits.record_revisit(
        db_session,
        actor=staff,
        project=project,
        visited_on=date(2026, 11, 30),
        score=4,
        note="墙面无开裂",
    )
    db_session.commit()
    assert project.next_revisit_on == date(2026, 12, 31)
    assert revisits.revisits_of(db_session, project)[0].due_on == date(2026, 11, 30)


def test_r12_a_late_revisit_does_not_pile_up_missed_dates(db_session, staff, customer, clock):
    project = revisits.register_project(
        db_session,
        actor=staff,
        member_id=customer.id,
        name="老项目",
        delivered_on=date(2025, 6, 15),
        responsible_id=staff.id,
    )
    assert project.next_revisit_on == date(2025, 7, 15)  # overdue from the start
    revisits.record_revisit(
        db_session, actor=staff, project=project, visited_on=date(2026, 11, 20), score=5, note="好"
    )
    # 17 months after delivery: quarterly now, the next is 18 months after delivery
    assert project.next_revisit_on == date(2026, 12, 15)


def test_r12_wrong_revisits_are_refused(db_session, staff, project):
    with pytest.raises(ValidationFailed) as exc:
        revisits.record_revisit(
            db_session,
            actor=staff,
            project=project,
            visited_on=date(2026, 10, 1),
            score=0,
            note=" ",
        )
    assert set(exc.value.errors) == {"visited_on", "score", "note"}


def test_r12_a_project_needs_its_fields(db_session, staff, customer, make_user, other_store):
    stranger = make_user("stranger", Role.STAFF, other_store)
    with pytest.raises(ValidationFailed) as exc:
        revisits.register_project(
            db_session,
            actor=staff,
            member_id=customer.id,
            name="",
            delivered_on=date(2099, 1, 1),
            responsible_id=stranger.id,
        )
    assert set(exc.value.errors) == {"name", "delivered_on", "responsible_id"}


def test_r12_the_due_list_is_scoped_and_sorted(
    db_session, staff, customer, project, make_user, other_store
):
    older = revisits.register_project(
        db_session,
        actor=staff,
        member_id=customer.id,
        name="更早的项目",
        delivered_on=date(2026, 9, 1),
        responsible_id=staff.id,
    )
    db_session.commit()
    page = revisits.due_revisits(db_session, actor=staff)
    assert [p.id for p in page.items] == [older.id, project.id]
    due = revisits.due_revisits(db_session, actor=staff, due_by=date(2026, 11, 23))
    assert [p.id for p in due.items] == [older.id]
    outsider = make_user("outsider", Role.STORE_MANAGER, other_store)
    assert revisits.due_revisits(db_session, actor=outsider).items == []
    with pytest.raises(NotFound):
        revisits.get_project(db_session, actor=outsider, project_id=project.id)


def test_r12_the_tick_reminds_once_per_due_date(db_session, staff, project, clock):
    assert revisits.remind_due(db_session, now=clock.now()) == 0
    clock.advance(timedelta(days=7))  # 2026-11-30
    assert revisits.remind_due(db_session, now=clock.now()) == 1
    db_session.commit()
    assert revisits.remind_due(db_session, now=clock.now()) == 0
    sent = db_session.scalars(
        select(Notification).where(Notification.kind == "renovation.revisit_due")
    ).all()
    assert [n.recipient_user_id for n in sent] == [staff.id]


def test_the_pages_register_a_project_and_record_a_revisit(
    client, login, staff, customer, db_session, clock
):
    login(staff)
    response = client.post(
        f"/renovation/customers/{customer.id}/projects/new",
        data={"name": "高新一号 8-1-101", "delivered_on": "2026-10-23", "responsible_id": staff.id},
    )
    assert response.status_code == 302
    project_url = response.headers["Location"]
    page = client.get(project_url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Nov 23, 2026" in page  # the first revisit, due today
    assert "Apr 23, 2027" in page  # the sixth, half a year after the delivery
    response = client.post(
        f"{project_url}/revisit", data={"visited_on": "2026-11-23", "score": "5", "note": "满意"}
    )
    assert response.status_code == 302
    listing = client.get("/renovation/revisits", headers={"Accept-Language": "en"})
    assert "Dec 23, 2026" in listing.get_data(as_text=True)


def test_the_api_registers_and_revisits(client, api_token, staff, customer):
    headers = api_token(staff)
    response = client.post(
        f"/api/v1/renovation/customers/{customer.id}/projects",
        json={"name": "项目", "delivered_on": "2026-10-23", "responsible_id": staff.id},
        headers=headers,
    )
    assert response.status_code == 201
    project = response.get_json()
    assert project["next_revisit_on"] == "2026-11-23"
    visit = client.post(
        f"/api/v1/renovation/projects/{project['id']}/revisits",
        json={"visited_on": "2026-11-23", "score": 3, "note": "一般"},
        headers=headers,
    )
    assert visit.status_code == 201
    shown = client.get(f"/api/v1/renovation/projects/{project['id']}", headers=headers)
    assert shown.get_json()["next_revisit_on"] == "2026-12-23"
    due = client.get("/api/v1/renovation/revisits/due", headers=headers).get_json()
    assert [p["id"] for p in due["items"]] == [project["id"]]
