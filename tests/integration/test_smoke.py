"""Pages answer for every role: a quick net under the detailed tests."""

import pytest


def test_start_page_invites_visitors_to_register(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"/register" in response.data


@pytest.mark.parametrize(
    "path", ["/home", "/members", "/admin/stores/", "/admin/accounts", "/admin/audit/"]
)
def test_admin_pages_render(login, admin, member, path):
    assert login(admin).get(path).status_code == 200


def test_member_sees_own_page(login, member):
    response = login(member.user).get("/home")
    assert response.status_code == 200
    assert f"/members/{member.id}".encode() in response.data
