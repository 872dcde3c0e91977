"""Changing one's own password ends other sessions and every API token."""

from sqlalchemy import select

from portal.accounts.passwords import verify_password
from portal.audit.models import AuditEvent
from portal.testing.fixtures import PASSWORD

NEW = "a-new-long-password"


def _change(client, current=PASSWORD, new=NEW, confirm=None):
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": new,
            "new_password_confirm": confirm or new,
        },
    )


def test_password_change_keeps_this_session_and_ends_the_others(app, login, staff, db_session):
    other = app.test_client()
    other.post("/login", data={"login": staff.login, "password": PASSWORD})
    assert other.get("/home").status_code == 200

    client = login(staff)
    response = _change(client)
    assert response.status_code == 302
    assert client.get("/home").status_code == 200  # this session goes on
    assert other.get("/home").status_code == 302  # the other one must log in again

    db_session.expire_all()
    assert verify_password(staff.password_hash, NEW)
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.password_changed")
    ).all()
    assert [e.actor_id for e in events] == [staff.id]


def test_wrong_current_password_is_refused_next_to_the_field(login, staff, db_session):
    response = _change(login(staff), current="not-my-password")
    assert response.status_code == 422
    assert "This is not your current password." in response.get_data(as_text=True)
    db_session.expire_all()
    assert verify_password(staff.password_hash, PASSWORD)


def test_new_password_follows_the_rules(login, staff):
    assert "Use at least 8 characters." in _change(login(staff), new="short").get_data(as_text=True)
    same = _change(login(staff), new=PASSWORD)
    assert "Choose a password different from the current one." in same.get_data(as_text=True)
    differ = _change(login(staff), confirm="something-else-entirely")
    assert "The passwords differ." in differ.get_data(as_text=True)


def test_api_password_change_revokes_every_token(client, member, api_token):
    headers = api_token(member.user)
    spare = api_token(member.user)
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW},
        headers=headers,
    )
    assert response.status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert client.get("/api/v1/auth/me", headers=spare).status_code == 401
    login = client.post("/api/v1/auth/tokens", json={"login": "13800138000", "password": NEW})
    assert login.status_code == 201


def test_api_password_change_with_wrong_current_password_is_422(client, member, api_token):
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": "wrong-password", "new_password": NEW},
        headers=api_token(member.user),
    )
    assert response.status_code == 422
    assert "current_password" in response.json["errors"]["json"]


def test_admin_sets_a_new_initial_password(app, login, admin, staff, db_session):
    staff_client = app.test_client()
    staff_client.post("/login", data={"login": staff.login, "password": PASSWORD})
    response = login(admin).post(
        f"/admin/accounts/{staff.id}/password", data={"reset-new_password": NEW}
    )
    assert response.status_code == 302
    assert staff_client.get("/home").status_code == 302  # the old session has ended
    db_session.expire_all()
    assert verify_password(staff.password_hash, NEW)
    [event] = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.password_reset")
    ).all()
    assert (event.actor_id, event.object_id) == (admin.id, str(staff.id))


def test_admin_reset_follows_the_password_rules(login, admin, staff):
    response = login(admin).post(
        f"/admin/accounts/{staff.id}/password", data={"reset-new_password": "short"}
    )
    assert response.status_code == 422
    assert "Use at least 8 characters." in response.get_data(as_text=True)


def test_only_admins_reset_passwords(login, store_manager, staff):
    response = login(store_manager).post(
        f"/admin/accounts/{staff.id}/password", data={"reset-new_password": NEW}
    )
    assert response.status_code == 404
