"""Administration: stores, staff accounts and role grants, the CLI, and the audit log."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.accounts.models import RoleGrant, User
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent, AuditEventImmutable
from portal.stores.models import Store
from portal.testing.fixtures import PASSWORD


def actions(db_session, prefix=""):
    db_session.expire_all()
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if prefix:
        query = query.where(AuditEvent.action.startswith(prefix))
    return list(db_session.scalars(query))


def flashes(response) -> list[str]:
    text = response.get_data(as_text=True)
    return [
        html.unescape(m) for m in re.findall(r'<p class="flash[^"]*" role="status">([^<]*)', text)
    ]


# --- stores ------------------------------------------------------------------------------------


def test_admin_opens_a_store(login, admin, db_session):
    client = login(admin)
    assert client.get("/admin/stores/new").status_code == 200
    response = client.post(
        "/admin/stores/new",
        data={
            "code": "cd01",
            "name": " 成都 春熙路店 ",
            "timezone": "Asia/Shanghai",
            "address": "成都市春熙路8号",
            "is_active": "y",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Store saved." in flashes(response)
    store = db_session.scalar(select(Store).where(Store.code == "CD01"))
    assert (store.name, store.is_active, store.is_head_office) == ("成都 春熙路店", True, False)
    assert "成都 春熙路店" in response.get_data(as_text=True)
    [event] = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "store.created"))
    assert (event.actor_id, event.store_id) == (admin.id, store.id)


def test_store_code_clash_is_shown_next_to_the_field(login, admin, dummy_store):
    response = login(admin).post(
        "/admin/stores/new", data={"code": "XA01", "name": "另一家", "timezone": "UTC"}
    )
    assert response.status_code == 422
    assert "Another store already uses this code." in response.get_data(as_text=True)


def test_admin_edits_a_store_and_the_change_is_audited(login, admin, dummy_store, db_session):
    response = login(admin).post(
        f"/admin/stores/{dummy_store.id}/edit",
        data={"code": "XA01", "name": "西安高新店", "timezone": "Asia/Urumqi"},
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert dummy_store.timezone == "Asia/Urumqi"
    assert dummy_store.is_active is False  # an unticked box closes the store
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "store.updated"))
    assert event.before == {"timezone": "Asia/Shanghai", "is_active": True}
    assert event.after == {"timezone": "Asia/Urumqi", "is_active": False}


# --- accounts and roles --------------------------------------------------------------------------


def test_admin_creates_a_staff_account_grants_and_revokes_a_role(
    login, admin, dummy_store, db_session
):
    client = login(admin)
    response = client.post(
        "/admin/accounts/new",
        data={
            "login": "Wang.Li",
            "display_name": "王丽",
            "mobile": "139 0000 1111",
            "password": "initial-password",
        },
    )
    assert response.status_code == 302
    user = db_session.scalar(select(User).where(User.login == "wang.li"))
    assert response.headers["Location"] == f"/admin/accounts/{user.id}"
    assert user.mobile == "+8613900001111"
    assert user.roles == set()

    response = client.post(
        f"/admin/accounts/{user.id}", data={"role": "staff", "store_id": str(dummy_store.id)}
    )
    assert response.status_code == 302
    db_session.expire_all()
    [grant] = user.grants
    assert (grant.role, grant.store_id, grant.granted_by_id) == ("staff", dummy_store.id, admin.id)
    grant_id = grant.id
    page = client.get(f"/admin/accounts/{user.id}").get_data(as_text=True)
    assert "西安高新店" in page

    # the same grant twice is refused
    again = client.post(
        f"/admin/accounts/{user.id}", data={"role": "staff", "store_id": str(dummy_store.id)}
    )
    assert again.status_code == 422
    assert "The user already has this role." in again.get_data(as_text=True)

    confirm = client.get(f"/admin/grants/{grant_id}/revoke")
    assert confirm.status_code == 200
    assert "Remove the role Staff from 王丽?" in confirm.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(RoleGrant, grant_id) is not None  # looking is not revoking

    response = client.post(f"/admin/grants/{grant_id}/revoke", follow_redirects=True)
    assert "Role removed." in flashes(response)
    db_session.expire_all()
    assert db_session.get(RoleGrant, grant_id) is None
    assert actions(db_session, "role.")[-2:] == ["role.granted", "role.revoked"]
    revoked = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "role.revoked"))
    assert revoked.before == {"role": "staff", "store_id": dummy_store.id}


def test_store_role_needs_a_store(login, admin, staff):
    response = login(admin).post(
        f"/admin/accounts/{staff.id}", data={"role": "store_manager", "store_id": "0"}
    )
    assert response.status_code == 422
    assert "This role needs a store." in response.get_data(as_text=True)


def test_role_in_a_closed_store_is_refused(login, admin, staff, make_store):
    closed = make_store(code="CL01", is_active=False)
    response = login(admin).post(
        f"/admin/accounts/{staff.id}", data={"role": "staff", "store_id": str(closed.id)}
    )
    assert response.status_code == 422
    assert "This store is closed." in response.get_data(as_text=True)


def test_account_form_errors_are_shown_next_to_fields(login, admin, staff, db_session):
    response = login(admin).post(
        "/admin/accounts/new",
        data={"login": "staff", "display_name": "X", "mobile": "12345", "password": "short"},
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "This login is taken." in text
    assert "Use at least 8 characters." in text
    assert 'id="mobile-error"' in text
    assert db_session.scalar(select(func.count()).select_from(User)) == 2


def test_admin_disables_and_enables_an_account(login, admin, staff, db_session, app):
    client = login(admin)
    response = client.post(f"/admin/accounts/{staff.id}/enabled", follow_redirects=True)
    assert "Account updated." in flashes(response)
    db_session.expire_all()
    assert staff.is_enabled is False
    other = app.test_client()
    assert other.post("/login", data={"login": "staff", "password": PASSWORD}).status_code == 401

    client.post(f"/admin/accounts/{staff.id}/enabled")
    db_session.expire_all()
    assert staff.is_enabled is True
    assert other.post("/login", data={"login": "staff", "password": PASSWORD}).status_code == 302
    assert actions(db_session, "account.") == [
        "account.created",
        "account.created",
        "account.disabled",
        "account.enabled",
    ]


def test_admin_cannot_disable_themself_nor_drop_their_admin_role(login, admin, db_session):
    client = login(admin)
    response = client.post(f"/admin/accounts/{admin.id}/enabled", follow_redirects=True)
    assert "You cannot disable your own account." in flashes(response)
    [grant] = admin.grants
    response = client.post(f"/admin/grants/{grant.id}/revoke", follow_redirects=True)
    assert "You cannot remove your own administrator role." in flashes(response)
    db_session.expire_all()
    assert admin.is_enabled
    assert admin.has_role(Role.ADMIN)


def test_account_list_filters_by_login_and_pages(login, admin, make_user, app, monkeypatch):
    for name in ("li.a", "li.b", "li.c", "zhang"):
        make_user(name)
    monkeypatch.setitem(app.config, "PORTAL_PAGE_SIZE", 2)
    client = login(admin)
    first = client.get("/admin/accounts?q=LI.").get_data(as_text=True)
    assert ">li.a<" in first
    assert ">li.b<" in first
    assert "zhang" not in first
    next_url = html.unescape(re.search(r'rel="next" href="([^"]+)"', first).group(1))
    assert "q=LI." in next_url
    second = client.get(next_url).get_data(as_text=True)
    assert ">li.c<" in second
    assert 'rel="next"' not in second


@pytest.fixture
def grant_of_staff(staff):
    return staff.grants[0]


ADMIN_PAGES = [
    "/admin/stores/",
    "/admin/stores/new",
    "/admin/stores/{store}/edit",
    "/admin/accounts",
    "/admin/accounts/new",
    "/admin/accounts/{user}",
    "/admin/grants/{grant}/revoke",
    "/admin/audit/",
]


@pytest.mark.parametrize(
    "role", [Role.STAFF, Role.STORE_MANAGER, Role.HQ_SERVICE, Role.COMPLIANCE, None]
)
def test_admin_pages_answer_404_to_everyone_else(
    login, make_user, make_member, role, dummy_store, grant_of_staff, db_session
):
    if role is None:
        user = make_member(mobile="13900139000").user
    else:
        user = make_user(f"someone.{role}", role, dummy_store if role.needs_store else None)
    client = login(user)
    ids = {"store": dummy_store.id, "user": grant_of_staff.user_id, "grant": grant_of_staff.id}
    for path in ADMIN_PAGES:
        assert client.get(path.format(**ids)).status_code == 404, path
    for path in ["/admin/stores/new", "/admin/accounts/new", "/admin/grants/{grant}/revoke"]:
        assert client.post(path.format(**ids)).status_code == 404, path
    assert client.post(f"/admin/accounts/{grant_of_staff.user_id}/enabled").status_code == 404
    db_session.expire_all()
    assert db_session.get(RoleGrant, grant_of_staff.id) is not None


def test_admin_pages_send_visitors_to_the_login(client):
    response = client.get("/admin/accounts")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# --- command line --------------------------------------------------------------------------------


def test_cli_sets_up_a_store_an_account_and_a_role(runner, db_session):
    result = runner.invoke(args=["portal", "setup", "--no-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo" not in result.output

    result = runner.invoke(args=["portal", "create-store", "--code", "xa09", "--name", "西安店"])
    assert result.exit_code == 0, result.output
    assert "Store XA09 created" in result.output

    result = runner.invoke(
        args=["portal", "create-user", "--login", "boss", "--name", "Boss", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["portal", "grant-role", "boss", "admin"])
    assert result.exit_code == 0, result.output
    assert "boss is now admin (all stores)." in result.output

    result = runner.invoke(
        args=["portal", "create-user", "--login", "wang", "--name", "Wang", "--password", PASSWORD]
    )
    result = runner.invoke(args=["portal", "grant-role", "WANG", "staff", "--store", "xa09"])
    assert result.exit_code == 0, result.output
    assert "wang is now staff in XA09." in result.output

    db_session.expire_all()
    wang = db_session.scalar(select(User).where(User.login == "wang"))
    store = db_session.scalar(select(Store).where(Store.code == "XA09"))
    assert wang.has_role(Role.STAFF, store.id)
    # the audit log names the shell operator, never an admin who did not act
    granted = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "role.granted").order_by(AuditEvent.id.desc())
    )
    assert granted.actor_id is None
    assert granted.actor_label.startswith("cli:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create-store", "--code", "XA01", "--name", "重复"], "Another store already uses"),
        (["create-store", "--code", "1X", "--name", "坏代码"], "code:"),
        (["grant-role", "nobody", "staff"], "No account nobody."),
        (["grant-role", "staff", "staff", "--store", "ZZ99"], "No store ZZ99."),
        (["grant-role", "staff", "store_manager"], "This role needs a store."),
        (["grant-role", "staff", "staff", "--store", "XA01"], "already has this role"),
        (["create-user", "--login", "x", "--name", "X", "--password", "short"], "login:"),
    ],
)
def test_cli_reports_refusals_without_a_traceback(runner, staff, args, message):
    result = runner.invoke(args=["portal", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_lists_plugins(runner):
    result = runner.invoke(args=["portal", "plugins", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.strip()


# --- audit log -----------------------------------------------------------------------------------


@pytest.fixture
def history(admin, dummy_store, other_store, make_user, clock):
    """Events over three days: stores on day 1, accounts on day 2, roles on day 3."""
    clock.advance(timedelta(days=1))
    make_user("li.na")
    make_user("zhao.lei")
    clock.advance(timedelta(days=1))
    make_user("sun.li", Role.STAFF, other_store)


def audit_rows(response) -> list[str]:
    return re.findall(r"<td><code>([\w.]+)</code></td>", response.get_data(as_text=True))


def test_audit_log_lists_newest_first(login, admin, history):
    rows = audit_rows(login(admin).get("/admin/audit/"))
    assert rows[:2] == ["auth.login", "role.granted"]  # logging in to look is recorded too
    assert rows[-1] == "account.created"  # the admin's own account came first
    assert len(rows) == 9


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=store.", ["store.created", "store.created"]),
        ("action=role", ["role.granted", "role.granted"]),
        ("action=auth", ["auth.login"]),
        ("actor=admin", ["auth.login"]),
        ("actor=test-setup", None),
        ("object_type=store", ["store.created", "store.created"]),
        ("since=2026-11-24&until=2026-11-24", ["account.created", "account.created"]),
        ("since=2026-11-25", ["auth.login", "role.granted", "account.created"]),
        ("until=2026-11-22", []),
    ],
)
def test_audit_log_filters(login, admin, history, query, expected):
    response = login(admin).get(f"/admin/audit/?{query}")
    assert response.status_code == 200
    rows = audit_rows(response)
    if expected is None:
        assert len(rows) == 8  # every fixture change was made by the shell operator
        assert "auth.login" not in rows
    else:
        assert rows == expected


def test_audit_log_filters_by_store_and_object(login, admin, history, other_store, db_session):
    client = login(admin)
    rows = audit_rows(client.get(f"/admin/audit/?store={other_store.id}"))
    assert rows == ["role.granted", "store.created"]
    sun = db_session.scalar(select(User).where(User.login == "sun.li"))
    rows = audit_rows(client.get(f"/admin/audit/?object_type=user&object_id={sun.id}"))
    assert rows == ["role.granted", "account.created"]


def test_audit_log_refuses_a_malformed_filter(login, admin, history):
    response = login(admin).get("/admin/audit/?since=yesterday")
    assert response.status_code == 422
    assert len(audit_rows(response)) == 9


def test_audit_log_pages_keep_the_filter(login, admin, history, app, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_PAGE_SIZE", 2)
    client = login(admin)
    url, seen, pages = "/admin/audit/?action=account", [], 0
    while url:
        response = client.get(url)
        seen += audit_rows(response)
        pages += 1
        found = re.search(r'rel="next" href="([^"]+)"', response.get_data(as_text=True))
        url = html.unescape(found.group(1)) if found else None
    assert seen == ["account.created"] * 4
    assert pages == 2


def test_audit_log_refuses_a_tampered_cursor(login, admin):
    assert login(admin).get("/admin/audit/?cursor=not-a-cursor").status_code == 422


def test_audit_events_cannot_be_changed_through_the_orm(admin, db_session):
    event = db_session.scalar(select(AuditEvent))
    event.action = "nothing.happened"
    with pytest.raises(AuditEventImmutable):
        db_session.flush()
    db_session.rollback()


def test_audit_events_cannot_be_deleted_through_the_orm(admin, db_session):
    event = db_session.scalar(select(AuditEvent))
    db_session.delete(event)
    with pytest.raises(AuditEventImmutable):
        db_session.flush()
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == 2


def test_bulk_orm_update_of_audit_events_is_refused(admin, db_session):
    with pytest.raises(AuditEventImmutable):
        db_session.execute(update(AuditEvent).values(action="nothing.happened"))
    db_session.rollback()
