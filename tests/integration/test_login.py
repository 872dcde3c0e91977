"""Logging in and out: notations, throttling, disabled accounts, redirects, cookies, CSRF."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import LoginAttempt
from portal.accounts.services import set_account_enabled
from portal.audit.models import AuditEvent
from portal.testing.fixtures import PASSWORD


def post_login(client, login, password=PASSWORD, **extra):
    return client.post("/login", data={"login": login, "password": password, **extra})


def events(db_session, action):
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize(
    "written",
    ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "0086 13800138000"],
)
def test_r1_member_logs_in_with_the_mobile_in_any_notation(client, member, written):
    response = post_login(client, written)
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    assert client.get("/home").status_code == 200


@pytest.mark.parametrize("written", ["staff", "STAFF", "  Staff "])
def test_staff_logs_in_with_the_username_in_any_case(client, staff, written):
    assert post_login(client, written).status_code == 302


def test_successful_login_is_audited_and_stamped(client, staff, db_session, clock):
    post_login(client, "staff")
    db_session.expire_all()
    assert staff.last_login_at == clock.now()
    [event] = events(db_session, "auth.login")
    assert event.actor_id == staff.id
    assert event.ip_address == "127.0.0.1"
    assert event.request_id


def test_wrong_password_answers_401_and_is_audited(client, staff, db_session):
    response = post_login(client, "staff", "not-the-password")
    assert response.status_code == 401
    assert "Wrong login or password." in response.get_data(as_text=True)
    [event] = events(db_session, "auth.login_failed")
    assert (event.actor_id, event.actor_label, event.object_id) == (
        staff.id,
        "staff",
        str(staff.id),
    )
    assert client.get("/home").status_code == 302  # still anonymous


def test_unknown_login_gets_the_same_answer(client, staff, db_session):
    response = post_login(client, "nobody")
    assert response.status_code == 401
    assert "Wrong login or password." in response.get_data(as_text=True)
    [event] = events(db_session, "auth.login_failed")
    assert event.actor_id is None
    assert event.actor_label == "nobody"


def test_empty_form_is_a_bad_request(client):
    assert client.post("/login", data={}).status_code == 400


def test_disabled_account_cannot_log_in(client, staff, admin, db_session):
    set_account_enabled(db_session, actor=admin, user=staff, enabled=False)
    db_session.commit()
    assert post_login(client, "staff").status_code == 401


def test_disabled_account_loses_its_open_session(login, staff, admin, db_session):
    client = login(staff)
    set_account_enabled(db_session, actor=admin, user=staff, enabled=False)
    db_session.commit()
    assert client.get("/home").status_code == 302


# --- throttling (default config: 5 failures per account, 20 per address, 15 minutes) ---------


def test_sixth_attempt_on_one_account_is_throttled_then_recovers(client, member, clock):
    notations = ["13800138000", "138 0013 8000", "+8613800138000", "138-0013-8000", "13800138000"]
    for written in notations:  # every notation counts against the same account
        assert post_login(client, written, "wrong-password").status_code == 401
    clock.advance(timedelta(minutes=5))
    throttled = post_login(client, "13800138000")  # even the right password
    assert throttled.status_code == 429
    assert "Too many failed logins. Try again in 10 minutes." in throttled.get_data(as_text=True)
    assert throttled.headers["Retry-After"] == str(10 * 60)

    clock.advance(timedelta(minutes=10, seconds=1))
    assert post_login(client, "13800138000").status_code == 302


def test_throttling_one_account_leaves_others_alone(client, staff, store_manager):
    for _ in range(5):
        post_login(client, "staff", "wrong-password")
    assert post_login(client, "staff").status_code == 429
    assert post_login(client, "manager").status_code == 302


def test_throttled_attempts_are_not_recorded(client, staff, db_session):
    for _ in range(7):
        post_login(client, "staff", "wrong-password")
    attempts = db_session.scalars(select(LoginAttempt).where(LoginAttempt.login == "staff"))
    assert len(list(attempts)) == 5


def test_success_forgives_earlier_failures_of_the_account(client, staff):
    for _ in range(4):
        post_login(client, "staff", "wrong-password")
    assert post_login(client, "staff").status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert post_login(client, "staff", "wrong-password").status_code == 401
    assert post_login(client, "staff").status_code == 302


def test_one_address_trying_many_accounts_is_throttled(client, staff, clock):
    for n in range(20):
        assert post_login(client, f"guess{n}", "wrong-password").status_code == 401
    response = post_login(client, "staff")
    assert response.status_code == 429
    assert "Too many failed logins" in response.get_data(as_text=True)

    # the account's owner logging in from elsewhere does not lift the address's block
    elsewhere = client.application.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert post_login(elsewhere, "staff").status_code == 302
    assert post_login(client, "staff").status_code == 429

    clock.advance(timedelta(minutes=15, seconds=1))
    assert post_login(client, "staff").status_code == 302


# --- logout, redirects, cookies --------------------------------------------------------------


def test_logout_ends_the_session(login, staff):
    client = login(staff)
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/home").status_code == 302


def test_login_page_is_where_protected_pages_send_visitors(client):
    response = client.get("/members")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_next_on_this_site_is_followed(client, staff):
    response = post_login(client, "staff", next="/members?sort=name")
    assert response.headers["Location"] == "/members?sort=name"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_open_redirect_through_next_is_refused(client, staff, target):
    response = post_login(client, "staff", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def session_cookie(response):
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    return header


def test_session_cookie_is_httponly_and_samesite_lax(client, staff):
    cookie = session_cookie(post_login(client, "staff"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app, staff):
    client = app.test_client()
    response = client.post(
        "/login", data={"login": "staff", "password": PASSWORD}, base_url="https://localhost"
    )
    assert response.status_code == 302
    cookie = session_cookie(response)
    assert "Secure" in cookie
    assert "HttpOnly" in cookie


def test_session_is_renewed_on_login(client, staff):
    client.post("/language", data={"locale": "zh_Hans", "next": "/"})
    before = client.get_cookie("session").value
    post_login(client, "staff")
    assert client.get_cookie("session").value != before


# --- CSRF ------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(app, monkeypatch):
    """The app with CSRF protection on, as in production (restored after the test).

    A second app from ``make_app`` would do too, but on PostgreSQL it leaves the first
    app's pooled connection to be collected unclosed at the end of the session.
    """
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app.test_client()


def test_post_without_csrf_token_is_refused(csrf_client, staff):
    response = post_login(csrf_client, "staff")
    assert response.status_code == 400
    assert post_login(csrf_client, "staff", csrf_token="forged").status_code == 400


def test_post_with_csrf_token_from_the_form_logs_in(csrf_client, staff):
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert post_login(csrf_client, "staff", csrf_token=token).status_code == 302
    assert csrf_client.post("/logout").status_code == 400  # a new session needs a new token
