"""Member pages: R10 scoping and masking, R2 on profile edits, time zones, languages."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.testing.fixtures import PASSWORD

FULL = "138 0013 8000"
MASKED = "138****8000"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_errors(response) -> dict[str, list[str]]:
    found = re.findall(r'<p class="error" id="([\w-]+)-error">([^<]*)</p>', text_of(response))
    errors: dict[str, list[str]] = {}
    for name, message in found:
        errors.setdefault(name, []).append(message)
    return errors


def list_rows(response) -> list[str]:
    return re.findall(r'<td><a href="/members/\d+">([^<]+)</a></td>', text_of(response))


@pytest.fixture
def neighbour(make_member, other_store):
    """A member of the other store, with the same mobile as ``member`` (R8: allowed)."""
    return make_member(full_name="赵丽颖", mobile="13800138000", store=other_store)


# --- R10: scope --------------------------------------------------------------------------------


def test_r10_staff_lists_only_members_of_their_store(login, staff, member, neighbour):
    response = login(staff).get("/members")
    assert response.status_code == 200
    assert list_rows(response) == ["王建国"]
    assert "北京朝阳店" not in text_of(response)  # not even offered as a filter


def test_r10_staff_cannot_list_another_store(login, staff, member, neighbour, other_store):
    assert login(staff).get(f"/members?store={other_store.id}").status_code == 404


@pytest.mark.parametrize("store", ["9999", str(2**64), "-1"])
def test_member_list_of_an_unknown_store_is_404(login, store_manager, member, store):
    assert login(store_manager).get(f"/members?store={store}").status_code == 404


def test_r10_head_office_lists_every_store(login, make_user, member, neighbour):
    hq = make_user("hq.service", Role.HQ_SERVICE)
    assert sorted(list_rows(login(hq).get("/members"))) == sorted(["王建国", "赵丽颖"])


def test_r10_other_stores_member_page_is_404(login, staff, neighbour):
    client = login(staff)
    assert client.get(f"/members/{neighbour.id}").status_code == 404
    assert client.get(f"/members/{neighbour.id}/edit").status_code == 404
    assert client.get("/members/999999").status_code == 404


def test_r10_members_see_only_their_own_record(login, member, neighbour, make_member):
    other = make_member(full_name="李娜", mobile="13912345678")
    client = login(member.user)
    assert client.get(f"/members/{member.id}").status_code == 200
    assert client.get(f"/members/{other.id}").status_code == 404
    assert client.get("/members").status_code == 404


def test_member_list_filters_and_sorts(login, store_manager, make_member, member):
    make_member(full_name="艾青", mobile="13912345678")
    client = login(store_manager)
    assert list_rows(client.get("/members?sort=name")) == sorted(["王建国", "艾青"])
    assert list_rows(client.get("/members?status=active")) == []
    assert len(list_rows(client.get("/members?status=bogus&sort=bogus&store=x"))) == 2


def test_member_list_pages_without_skips(login, store_manager, make_member, app, monkeypatch):
    for n in range(5):
        make_member(full_name=f"会员{'甲乙丙丁戊'[n]}", mobile=f"1391234567{n}")
    monkeypatch.setitem(app.config, "PORTAL_PAGE_SIZE", 2)
    client = login(store_manager)
    url, seen = "/members?sort=name", []
    while url:
        response = client.get(url)
        seen += list_rows(response)
        found = re.search(r'rel="next" href="([^"]+)"', response.get_data(as_text=True))
        url = html.unescape(found.group(1)) if found else None
    assert seen == sorted(seen)
    assert len(set(seen)) == 5


def test_member_list_refuses_a_tampered_cursor(login, staff):
    response = login(staff).get("/members?cursor=garbage!")
    assert response.status_code == 422


# --- R10: masking ------------------------------------------------------------------------------


def test_r10_staff_sees_masked_contacts(login, staff, member, db_session):
    member.email = "wang@example.com"
    member.address = "西安市高新路25号3单元501室"
    db_session.commit()
    client = login(staff)
    listing = text_of(client.get("/members"))
    assert MASKED in listing
    assert FULL not in listing
    page = text_of(client.get(f"/members/{member.id}"))
    assert MASKED in page
    assert FULL not in page
    assert "wang@example.com" not in page
    assert "高新路25号" not in page


def test_r10_staff_may_not_open_the_edit_form_which_shows_contacts(
    login, staff, member, db_session
):
    member.email = "wang@example.com"
    db_session.commit()
    client = login(staff)
    response = client.get(f"/members/{member.id}/edit")
    assert response.status_code == 403
    assert "wang@example.com" not in text_of(response)
    post = client.post(f"/members/{member.id}/edit", data={"full_name": "王建军"})
    assert post.status_code == 403


def test_r8_referrer_sees_full_contacts_of_their_customer(login, staff, member, db_session):
    member.referrer_id = staff.id
    db_session.commit()
    client = login(staff)
    assert FULL in text_of(client.get("/members"))
    page = text_of(client.get(f"/members/{member.id}"))
    assert FULL in page
    assert "Staff" in page  # the referrer's name replaces the placeholder


@pytest.mark.parametrize("viewer", ["store_manager", "owner"])
def test_r10_store_manager_and_owner_see_full_contacts(request, login, member, viewer):
    user = member.user if viewer == "owner" else request.getfixturevalue(viewer)
    page = text_of(login(user).get(f"/members/{member.id}"))
    assert FULL in page
    assert MASKED not in page


# --- R2 on profile edits -------------------------------------------------------------------------


def profile(**changes):
    data = {
        "full_name": "王建国",
        "email": "wang@example.com",
        "address": "西安市高新路25号3单元501室",
        "birthday": "1980-05-17",
        "wedding_anniversary": "",
    }
    data.update(changes)
    return data


def test_r2_member_edits_own_profile(login, member, db_session):
    client = login(member.user)
    assert client.get(f"/members/{member.id}/edit").status_code == 200
    response = client.post(f"/members/{member.id}/edit", data=profile())
    assert response.status_code == 302
    assert response.headers["Location"] == f"/members/{member.id}"
    db_session.expire_all()
    assert member.address == "西安市高新路25号3单元501室"
    assert member.birthday == date(1980, 5, 17)
    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "member.profile_updated")
    )
    assert event.actor_id == member.user_id
    assert event.before == {"email": None, "address": None, "birthday": None}
    assert event.after["birthday"] == "1980-05-17"

    page = text_of(client.get(f"/members/{member.id}"))
    assert "Your changes are saved." in page
    assert "May 17, 1980" in page


def test_r2_clearing_optional_fields_is_allowed(login, member, db_session):
    client = login(member.user)
    client.post(f"/members/{member.id}/edit", data=profile())
    response = client.post(
        f"/members/{member.id}/edit", data=profile(email="", address="", birthday="")
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert (member.email, member.address, member.birthday) == (None, None, None)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"full_name": "王先生"}, "full_name", "not a form of address"),
        ({"email": "wang@"}, "email", "not a valid e-mail"),
        ({"address": "西安市"}, "address", "specific address"),
        ({"address": "高新路"}, "address", "specific address"),
        ({"birthday": "2027-01-01"}, "birthday", "future"),
        ({"birthday": "1899-12-31"}, "birthday", "1900"),
        ({"birthday": "last spring"}, "birthday", "Not a valid date"),
        ({"wedding_anniversary": "2026-11-24"}, "wedding_anniversary", "future"),
    ],
)
def test_r2_profile_errors_are_shown_next_to_their_field(
    login, member, db_session, changes, field, message
):
    response = login(member.user).post(f"/members/{member.id}/edit", data=profile(**changes))
    assert response.status_code == 422
    errors = field_errors(response)
    assert list(errors) == [field]
    assert message in errors[field][0]
    db_session.expire_all()
    assert member.address is None
    assert member.full_name == "王建国"


def test_r2_today_is_the_stores_today(login, make_store, make_member, clock):
    # 2026-11-23T02:00Z is still the 22nd in New York: the 23rd lies in that store's future
    store = make_store(code="NY01", timezone="America/New_York")
    member = make_member(mobile="13912345678", store=store)
    client = login(member.user)
    response = client.post(f"/members/{member.id}/edit", data=profile(birthday="2026-11-23"))
    assert response.status_code == 422
    response = client.post(f"/members/{member.id}/edit", data=profile(birthday="2026-11-22"))
    assert response.status_code == 302


def test_store_manager_edits_a_member_of_their_store(login, store_manager, member, db_session):
    response = login(store_manager).post(
        f"/members/{member.id}/edit", data=profile(full_name="王建军")
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert member.full_name == "王建军"


# --- time zones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "hour"),
    [
        ("Asia/Shanghai", "Nov 23, 2026", "10:00:00"),
        ("America/New_York", "Nov 22, 2026", "9:00:00"),
    ],
)
def test_dates_show_in_the_stores_time_zone(login, make_store, make_member, zone, day, hour):
    store = make_store(code="TZ01", timezone=zone)
    member = make_member(mobile="13912345678", store=store)
    page = text_of(login(member.user).get(f"/members/{member.id}"))
    since = re.search(r"<dt>Member since</dt><dd>([^<]+)</dd>", page).group(1)
    assert day in since
    assert hour in since


# --- languages -----------------------------------------------------------------------------------


def lang(response) -> str:
    return re.search(r'<html lang="([^"]+)">', response.get_data(as_text=True)).group(1)


class IsolatedClient(FlaskClient):
    """Each request in its own app context, as in production.

    The ``app`` fixture keeps one app context pushed, which requests would share: its ``g``
    caches Flask-Babel's locale (and Flask-Login's user) from the test's first request.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def chinese_default(app, monkeypatch):
    """The production default (zh_Hans) instead of the test app's English."""
    monkeypatch.setitem(app.config, "PORTAL_DEFAULT_LOCALE", "zh_Hans")


@pytest.fixture
def visitor(app):
    return IsolatedClient(app, app.response_class, use_cookies=True)


def test_default_language_is_simplified_chinese(visitor, chinese_default):
    response = visitor.get("/")
    assert lang(response) == "zh-Hans"
    assert "登录" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9", "zh-Hans"),
        ("fr, en;q=0.5", "en"),
        ("fr", "zh-Hans"),
    ],
)
def test_accept_language_beats_the_default(visitor, chinese_default, header, expected):
    assert lang(visitor.get("/", headers={"Accept-Language": header})) == expected


def test_anonymous_choice_is_kept_in_the_session_and_beats_the_browser(visitor, chinese_default):
    response = visitor.post("/language", data={"locale": "en", "next": "/privacy"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/privacy"
    assert lang(visitor.get("/", headers={"Accept-Language": "zh-CN"})) == "en"
    assert lang(visitor.get("/register")) == "en"


def test_unknown_language_is_refused(visitor, chinese_default):
    response = visitor.post("/language", data={"locale": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert lang(visitor.get("/")) == "zh-Hans"


def test_anonymous_choice_survives_logging_in(visitor, staff, chinese_default):
    visitor.post("/language", data={"locale": "en", "next": "/"})
    visitor.post("/login", data={"login": "staff", "password": PASSWORD})
    assert lang(visitor.get("/home", headers={"Accept-Language": "zh-CN"})) == "en"


def test_users_preference_beats_accept_language_and_session(
    app, visitor, staff, db_session, chinese_default
):
    visitor.post("/login", data={"login": "staff", "password": PASSWORD})
    visitor.post("/language", data={"locale": "en", "next": "/home"})
    db_session.expire_all()
    assert staff.locale == "en"
    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "account.locale_changed")
    )
    assert event.after == {"locale": "en"}

    elsewhere = IsolatedClient(app, app.response_class, use_cookies=True)
    elsewhere.post("/language", data={"locale": "zh_Hans", "next": "/"})
    elsewhere.post("/login", data={"login": "staff", "password": PASSWORD})
    assert lang(elsewhere.get("/home", headers={"Accept-Language": "zh-CN"})) == "en"
    assert lang(visitor.get("/home", headers={"Accept-Language": "zh-CN"})) == "en"


def test_registration_keeps_the_language_it_was_made_in(visitor, dummy_store, db_session):
    visitor.post("/language", data={"locale": "zh_Hans", "next": "/register"})
    visitor.post(
        "/register",
        data={
            "full_name": "李娜",
            "mobile": "13912345678",
            "store_id": str(dummy_store.id),
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "consent": "y",
        },
    )
    from portal.accounts.models import User

    user = db_session.scalar(select(User).where(User.login == "+8613912345678"))
    assert user.locale == "zh_Hans"
