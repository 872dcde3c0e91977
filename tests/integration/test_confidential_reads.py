"""R10: full reads of a member's file by anyone but its owner are logged; admins are global."""

from sqlalchemy import select

from portal.accounts.roles import Role
from portal.audit.models import AuditEvent


def _reads(db_session):
    return db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "member.file_read")
    ).all()


def test_r10_store_manager_reading_a_member_file_is_logged(
    login, store_manager, member, db_session
):
    assert login(store_manager).get(f"/members/{member.id}").status_code == 200
    [event] = _reads(db_session)
    assert (event.actor_id, event.object_id) == (store_manager.id, str(member.id))


def test_r10_owner_reading_own_file_is_not_logged(login, member, db_session):
    assert login(member.user).get(f"/members/{member.id}").status_code == 200
    assert _reads(db_session) == []


def test_r10_masked_view_by_staff_is_not_a_confidential_read(login, staff, member, db_session):
    assert login(staff).get(f"/members/{member.id}").status_code == 200
    assert _reads(db_session) == []


def test_r10_api_read_is_logged(client, store_manager, member, api_token, db_session):
    response = client.get(f"/api/v1/members/{member.id}", headers=api_token(store_manager))
    assert response.status_code == 200
    assert len(_reads(db_session)) == 1


def test_admin_role_cannot_be_limited_to_a_store(login, admin, make_user, dummy_store, db_session):
    user = make_user("wang.li")
    response = login(admin).post(
        f"/admin/accounts/{user.id}", data={"role": Role.ADMIN, "store_id": dummy_store.id}
    )
    assert response.status_code == 422
    assert "Administrators act across all stores" in response.get_data(as_text=True)
    db_session.expire_all()
    assert user.grants == []
