"""Messages in the browser and over the API; the admins' outbox; stores' quiet hours."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.notifications import messages
from portal.notifications import services as notifications
from portal.notifications.models import Channel
from portal.stores.models import Store

messages.define("test.web.approved", _l("The VIP file of %(name)s was approved."))

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def inbox_of(db_session, clock):
    """``inbox_of(user, n)`` gives the user n in-portal messages, a minute apart."""

    def make(user, n=1, *, prefix="file"):
        rows = []
        for i in range(n):
            rows += notifications.notify(
                db_session,
                kind="test.web.approved",
                params={"name": f"客户{i}"},
                key=f"{prefix}:{i}",
                user=user,
                channels=[Channel.PORTAL],
            )
            clock.advance(timedelta(minutes=1))
        db_session.commit()
        return rows

    return make


# --- the inbox page -------------------------------------------------------------------------


def test_inbox_shows_messages_newest_first_with_unread_ones_highlighted(
    login, staff, inbox_of, app
):
    app.config["PORTAL_PAGE_SIZE"], size = 2, app.config["PORTAL_PAGE_SIZE"]
    try:
        rows = inbox_of(staff, 3)
        client = login(staff)
        page = client.get("/notifications")
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert text.index("客户2") < text.index("客户1")
        assert "客户0" not in text  # on the next page
        assert text.count('class="unread"') == 2
        assert "3 unread messages." in text
        nxt = re.search(r'rel="next" href="([^"]+)"', text).group(1).replace("&amp;", "&")
        assert "客户0" in client.get(nxt).get_data(as_text=True)
        # the nav shows the unread count on every page
        home = client.get("/home").get_data(as_text=True)
        assert re.search(r'Messages <span class="tag"[^>]*>3</span>', home)
        # marking one read
        response = client.post(f"/notifications/{rows[2].id}/read")
        assert response.status_code == 302
        text = client.get("/notifications").get_data(as_text=True)
        assert text.count('class="unread"') == 1
        assert text.count('class="read"') == 1
    finally:
        app.config["PORTAL_PAGE_SIZE"] = size


def test_dates_show_in_the_store_time_zone(login, staff, db_session, clock, make_store):
    urumqi = make_store(code="UR01", name="乌鲁木齐店", timezone="Asia/Urumqi")
    clock.set(datetime(2026, 11, 24, 4, 0, tzinfo=UTC))  # 12:00 Shanghai, 10:00 Urumqi
    notifications.notify(
        db_session,
        kind="test.web.approved",
        params={"name": "王"},
        key="k",
        user=staff,
        store_id=urumqi.id,
    )
    db_session.commit()
    text = login(staff).get("/notifications").get_data(as_text=True)
    assert "10:00" in text


def test_unread_filter(login, staff, inbox_of, db_session):
    rows = inbox_of(staff, 2)
    notifications.mark_read(db_session, user=staff, notification_id=rows[0].id)
    db_session.commit()
    text = login(staff).get("/notifications?unread=y").get_data(as_text=True)
    assert "客户1" in text
    assert "客户0" not in text


def test_mark_all_read(login, staff, inbox_of, db_session):
    inbox_of(staff, 3)
    client = login(staff)
    response = client.post("/notifications/read-all", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "3 messages marked read." in text
    assert 'class="unread"' not in text
    assert notifications.unread_count(db_session, staff) == 0


def test_someone_elses_message_is_404(login, staff, store_manager, inbox_of, db_session):
    (theirs,) = inbox_of(store_manager)
    client = login(staff)
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.post("/notifications/2147483647/read").status_code == 404
    db_session.expire_all()
    assert theirs.read_at is None


def test_members_read_their_messages_too(login, member, db_session):
    notifications.notify(
        db_session,
        kind="test.web.approved",
        params={"name": member.full_name},
        key="k",
        member=member,
        channels=[Channel.PORTAL, Channel.SMS],
    )
    db_session.commit()
    text = login(member.user).get("/notifications").get_data(as_text=True)
    assert f"The VIP file of {member.full_name} was approved." in text


def test_inbox_needs_a_login(client):
    assert client.get("/notifications").status_code == 302
    assert client.post("/notifications/read-all").status_code == 302


def test_a_tampered_cursor_is_refused(login, staff):
    response = login(staff).get("/notifications?cursor=garbage")
    assert response.status_code == 422


# --- the API --------------------------------------------------------------------------------


def test_api_lists_pages_and_marks_read(client, api_token, staff, inbox_of):
    rows = inbox_of(staff, 3)
    headers = api_token(staff)
    first = client.get("/api/v1/notifications/?limit=2", headers=headers).get_json()
    assert [i["id"] for i in first["items"]] == [rows[2].id, rows[1].id]
    assert first["items"][0]["text"] == "The VIP file of 客户2 was approved."
    assert first["items"][0]["unread"] is True
    second = client.get(
        "/api/v1/notifications/", query_string={"cursor": first["next_cursor"]}, headers=headers
    ).get_json()
    assert [i["id"] for i in second["items"]] == [rows[0].id]
    assert second["next_cursor"] is None

    response = client.post(f"/api/v1/notifications/{rows[0].id}/read", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["unread"] is False
    unread = client.get("/api/v1/notifications/?unread=true", headers=headers).get_json()
    assert len(unread["items"]) == 2
    response = client.post("/api/v1/notifications/read-all", headers=headers)
    assert response.get_json() == {"marked": 2}


def test_api_speaks_the_requested_language(client, api_token, staff, db_session):
    messages.define("test.web.saved", _l("Store saved."))
    notifications.notify(db_session, kind="test.web.saved", key="k", user=staff)
    db_session.commit()
    body = client.get(
        "/api/v1/notifications/", headers={**api_token(staff), "Accept-Language": "zh-CN"}
    ).get_json()
    assert body["items"][0]["text"] == "门店已保存。"


def test_api_someone_elses_message_is_404(client, api_token, staff, store_manager, inbox_of):
    (theirs,) = inbox_of(store_manager)
    response = client.post(f"/api/v1/notifications/{theirs.id}/read", headers=api_token(staff))
    assert response.status_code == 404
    listed = client.get("/api/v1/notifications/", headers=api_token(staff)).get_json()
    assert listed["items"] == []


def test_api_needs_a_token(client):
    assert client.get("/api/v1/notifications/").status_code == 401
    assert client.post("/api/v1/notifications/read-all").status_code == 401


# --- the admins' outbox ---------------------------------------------------------------------


def test_admin_outbox_lists_waiting_messages_by_channel_and_status(
    login, admin, staff, db_session, clock, member
):
    clock.set(datetime(2026, 11, 24, 3, 0, tzinfo=SHANGHAI))  # quiet hours
    notifications.notify(
        db_session,
        kind="test.web.approved",
        params={"name": member.full_name},
        key="k",
        member=member,
        channels=[Channel.PORTAL, Channel.SMS, Channel.CALL],
    )
    db_session.commit()
    client = login(admin)
    text = client.get("/admin/outbox").get_data(as_text=True)
    assert text.count("138****8000") == 2  # R10: masked, never the full number
    assert "+8613800138000" not in text
    assert "8:00:00" in text  # the store's morning (medium format)
    text = client.get("/admin/outbox?channel=sms").get_data(as_text=True)
    assert text.count("138****8000") == 1
    text = client.get("/admin/outbox?status=sent").get_data(as_text=True)
    assert "138****8000" not in text  # only the in-portal copy went, and it has no address
    assert "The VIP file of" in text
    assert client.get("/admin/outbox?status=bogus").status_code == 422


def test_outbox_is_for_admins_only(login, store_manager):
    assert login(store_manager).get("/admin/outbox").status_code == 404


# --- store quiet hours ----------------------------------------------------------------------


def test_admin_sets_quiet_hours_on_a_store(login, admin, dummy_store, db_session):
    client = login(admin)
    form = client.get(f"/admin/stores/{dummy_store.id}/edit").get_data(as_text=True)
    assert 'name="quiet_start"' in form
    assert 'type="time"' in form
    response = client.post(
        f"/admin/stores/{dummy_store.id}/edit",
        data={
            "code": "XA01",
            "name": "西安高新店",
            "timezone": "Asia/Shanghai",
            "is_active": "y",
            "quiet_start": "22:30",
            "quiet_end": "07:00",
        },
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert (dummy_store.quiet_start, dummy_store.quiet_end) == (time(22, 30), time(7))
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "store.updated"))
    assert event.after == {"quiet_start": "22:30", "quiet_end": "07:00"}
    listing = client.get("/admin/stores/").get_data(as_text=True)
    assert "22:30-07:00" in listing


def test_stores_without_their_own_quiet_hours_show_the_default(login, admin, dummy_store):
    listing = login(admin).get("/admin/stores/").get_data(as_text=True)
    assert "21:00-08:00" in listing


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("22:00", "", "quiet_end", "Give both the start and the end"),
        ("", "07:00", "quiet_start", "Give both the start and the end"),
        ("25:00", "07:00", "quiet_start", "Enter a time as HH:MM"),
        ("22:00", "late", "quiet_end", "Enter a time as HH:MM"),
    ],
)
def test_quiet_hours_need_both_times_in_hh_mm(login, admin, db_session, start, end, field, message):
    response = login(admin).post(
        "/admin/stores/new",
        data={
            "code": "CD01",
            "name": "成都店",
            "timezone": "Asia/Shanghai",
            "quiet_start": start,
            "quiet_end": end,
        },
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    assert f'id="{field}-error"' in text
    assert db_session.scalar(select(Store).where(Store.code == "CD01")) is None


def test_api_sets_and_clears_quiet_hours(client, api_token, admin, staff, dummy_store, db_session):
    url = f"/api/v1/stores/{dummy_store.id}"
    response = client.patch(
        url, json={"quiet_start": "23:00", "quiet_end": "06:30"}, headers=api_token(admin)
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["quiet_start"] == "23:00"
    assert response.get_json()["quiet_end"] == "06:30"
    db_session.expire_all()
    assert dummy_store.quiet_end == time(6, 30)
    listed = client.get("/api/v1/stores/").get_json()
    assert listed[0]["quiet_start"] == "23:00"

    half = client.patch(url, json={"quiet_start": None}, headers=api_token(admin))
    assert half.status_code == 422
    assert "quiet_start" in half.get_json()["errors"]["json"]
    bad = client.patch(url, json={"quiet_end": "6:30"}, headers=api_token(admin))
    assert bad.status_code == 422
    cleared = client.patch(
        url, json={"quiet_start": None, "quiet_end": None}, headers=api_token(admin)
    )
    assert cleared.get_json()["quiet_start"] is None
    assert client.patch(url, json={}, headers=api_token(staff)).status_code == 403
    assert client.patch(url, json={}).status_code == 401
