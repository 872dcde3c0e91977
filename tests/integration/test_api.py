"""The JSON API under /api/v1: tokens, stores, member registration, scoped reads and edits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import ApiToken, User
from portal.accounts.roles import Role
from portal.members.models import Member
from portal.testing.fixtures import PASSWORD

API = "/api/v1"


def count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model))


def assert_error(response, status: int, location: str | None = None, fields=()) -> dict:
    """An error body in the API's format, naming exactly ``fields`` under ``location``."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == status
    assert isinstance(body["status"], str)
    assert body["status"]
    if location is not None:
        errors = body["errors"][location]
        assert set(errors) == set(fields), errors
        for messages in errors.values():
            assert messages
            assert all(isinstance(m, str) and m for m in messages)
    return body


def registration(store, **changes):
    return {
        "full_name": "李秀英",
        "mobile": "13912345678",
        "store_id": store.id,
        "password": "a-long-secret",
        "consent": True,
        **changes,
    }


# --- tokens -------------------------------------------------------------------------------


def test_token_login_with_username_returns_a_working_token(client, staff):
    response = client.post(
        f"{API}/auth/tokens", json={"login": "staff", "password": PASSWORD, "name": "pos"}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["token"].startswith("hyp_")
    assert body["expires_at"]
    assert "password" not in body
    assert body["account"] == {
        "id": staff.id,
        "login": "staff",
        "display_name": "Staff",
        "roles": ["staff"],
    }

    me = client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["login"] == "staff"


def test_member_logs_in_with_mobile_in_any_notation(client, member):
    response = client.post(
        f"{API}/auth/tokens", json={"login": "138 0013 8000", "password": PASSWORD}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["account"]["id"] == member.user.id
    assert response.get_json()["account"]["roles"] == []


def test_token_only_its_digest_is_stored(client, db_session, staff):
    response = client.post(f"{API}/auth/tokens", json={"login": "staff", "password": PASSWORD})
    plain = response.get_json()["token"]
    digests = list(db_session.scalars(select(ApiToken.token_digest)))
    assert len(digests) == 1
    assert plain not in digests[0]


@pytest.mark.parametrize(
    "credentials",
    [
        {"login": "staff", "password": "wrong-password"},
        {"login": "nobody", "password": PASSWORD},
    ],
    ids=["wrong-password", "unknown-login"],
)
def test_token_login_failure_is_401_and_the_same_for_unknown_logins(client, staff, credentials):
    response = client.post(f"{API}/auth/tokens", json=credentials)
    body = assert_error(response, 401)
    assert body["status"] == "Wrong login or password."
    assert "token" not in body


def test_token_login_for_disabled_account_is_401(client, db_session, staff):
    staff.is_enabled = False
    db_session.commit()
    response = client.post(f"{API}/auth/tokens", json={"login": "staff", "password": PASSWORD})
    assert_error(response, 401)


def test_token_login_is_throttled_after_repeated_failures(app, client, staff):
    limit = app.config["PORTAL_LOGIN_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        response = client.post(f"{API}/auth/tokens", json={"login": "staff", "password": "nope"})
        assert response.status_code == 401
    # now even the right password is refused until the window passes
    response = client.post(f"{API}/auth/tokens", json={"login": "staff", "password": PASSWORD})
    assert_error(response, 429)
    assert int(response.headers["Retry-After"]) > 0


def test_throttle_lifts_after_the_window(app, client, clock, staff):
    limit = app.config["PORTAL_LOGIN_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        client.post(f"{API}/auth/tokens", json={"login": "staff", "password": "nope"})
    window = app.config["PORTAL_LOGIN_THROTTLE_WINDOW_MINUTES"]
    clock.advance(timedelta(minutes=window, seconds=1))
    response = client.post(f"{API}/auth/tokens", json={"login": "staff", "password": PASSWORD})
    assert response.status_code == 201


def test_token_request_names_each_missing_field(client):
    response = client.post(f"{API}/auth/tokens", json={})
    assert_error(response, 422, "json", {"login", "password"})


def test_me_describes_the_token_owner(client, api_token, store_manager):
    response = client.get(f"{API}/auth/me", headers=api_token(store_manager))
    assert response.status_code == 200
    assert response.get_json() == {
        "id": store_manager.id,
        "login": "manager",
        "display_name": "Manager",
        "roles": ["store_manager"],
    }


def test_revoking_the_current_token_ends_it_only(client, api_token, staff):
    first, second = api_token(staff), api_token(staff)
    response = client.delete(f"{API}/auth/tokens/current", headers=first)
    assert response.status_code == 204
    assert response.get_data() == b""
    assert_error(client.get(f"{API}/auth/me", headers=first), 401)
    assert_error(client.delete(f"{API}/auth/tokens/current", headers=first), 401)
    assert client.get(f"{API}/auth/me", headers=second).status_code == 200


def test_expired_token_no_longer_works(client, clock, api_token, staff):
    headers = api_token(staff)  # valid for one day
    clock.advance(timedelta(hours=23, minutes=59))
    assert client.get(f"{API}/auth/me", headers=headers).status_code == 200
    clock.advance(timedelta(minutes=1))
    response = client.get(f"{API}/auth/me", headers=headers)
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_of_a_disabled_account_stops_working(client, db_session, api_token, staff):
    headers = api_token(staff)
    staff.is_enabled = False
    db_session.commit()
    assert_error(client.get(f"{API}/auth/me", headers=headers), 401)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer hyp_not-a-real-token",
        "Basic c3RhZmY6cGFzc3dvcmQ=",
        "bearer" + " x" * 300,
        "Token hyp_abc",
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/auth/me"),
        ("delete", "/auth/tokens/current"),
        ("get", "/members/"),
        ("get", "/members/me"),
        ("get", "/members/1"),
        ("patch", "/members/1"),
    ],
)
def test_request_without_valid_token_is_401_with_www_authenticate(
    client, staff, member, method, path, authorization
):
    headers = {} if authorization is None else {"Authorization": authorization}
    kwargs = {"json": {}} if method == "patch" else {}
    response = getattr(client, method)(f"{API}{path}", headers=headers, **kwargs)
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_browser_session_cookie_does_not_authenticate_the_api(client, login, admin, member):
    login(admin)
    assert client.get("/members").status_code == 200  # the cookie works for pages ...
    for path in ("/auth/me", "/members/", "/members/me", f"/members/{member.id}"):
        assert_error(client.get(f"{API}{path}"), 401)  # ... never for the API
    response = client.patch(f"{API}/members/{member.id}", json={"full_name": "张伟华"})
    assert_error(response, 401)
    assert_error(client.delete(f"{API}/auth/tokens/current"), 401)


# --- stores -------------------------------------------------------------------------------


def test_stores_lists_only_open_stores_without_head_office(client, make_store, dummy_store):
    make_store(code="HQ", name="总部", is_head_office=True)
    make_store(code="CL01", name="已关闭店", is_active=False)
    other = make_store(code="AA01", name="鞍山店", address="鞍山市铁东区胜利路12号")
    response = client.get(f"{API}/stores/")
    assert response.status_code == 200
    body = response.get_json()
    assert [s["code"] for s in body] == ["AA01", "XA01"]  # ordered by code
    assert body[0] == {
        "id": other.id,
        "code": "AA01",
        "name": "鞍山店",
        "timezone": "Asia/Shanghai",
        "address": "鞍山市铁东区胜利路12号",
        "quiet_start": None,
        "quiet_end": None,
    }
    assert dummy_store.id == body[1]["id"]


def test_stores_needs_no_token(client):
    response = client.get(f"{API}/stores/")
    assert response.status_code == 200
    assert response.get_json() == []


# --- registration -------------------------------------------------------------------------


def test_registration_creates_member_and_login(client, db_session, dummy_store):
    response = client.post(f"{API}/members/", json=registration(dummy_store, email="LI@EXAMPLE.cn"))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["full_name"] == "李秀英"
    assert body["mobile"] == "+8613912345678"
    assert body["store_id"] == dummy_store.id
    assert body["store_name"] == "西安高新店"
    assert body["status"] == "registered"
    assert body["referrer_name"] is None
    assert "password" not in body
    member = db_session.get(Member, body["id"])
    assert member.user.login == "+8613912345678"
    assert member.consent_version

    token = client.post(
        f"{API}/auth/tokens", json={"login": "13912345678", "password": "a-long-secret"}
    )
    assert token.status_code == 201


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"full_name": "王先生"}, {"full_name"}),  # R2: a form of address, not a name
        ({"full_name": "Mr. Wang"}, {"full_name"}),
        ({"mobile": "1391234567"}, {"mobile"}),  # R2: ten digits
        ({"mobile": "02988886666"}, {"mobile"}),  # a landline is no mobile
        ({"email": "not-an-address"}, {"email"}),
        ({"password": "short"}, {"password"}),
        ({"password": "13912345678"}, {"password"}),
        ({"consent": False}, {"consent"}),
        ({"store_id": 999_999}, {"store_id"}),
        (
            {"full_name": "老王", "mobile": "123", "consent": False, "store_id": 999_999},
            {"full_name", "mobile", "consent", "store_id"},
        ),
    ],
)
def test_registration_names_each_wrong_field(client, db_session, dummy_store, changes, fields):
    members, users = count(db_session, Member), count(db_session, User)
    response = client.post(f"{API}/members/", json=registration(dummy_store, **changes))
    assert_error(response, 422, "json", fields)
    assert (count(db_session, Member), count(db_session, User)) == (members, users)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"full_name", "mobile", "store_id", "password", "consent"}),
        ({"nickname": "x"}, {"full_name", "mobile", "store_id", "password", "consent", "nickname"}),
    ],
)
def test_registration_reports_missing_and_unknown_fields(client, dummy_store, body, fields):
    assert_error(client.post(f"{API}/members/", json=body), 422, "json", fields)


def test_registration_refuses_head_office_and_closed_store(client, db_session, make_store):
    for store in (
        make_store(code="HQ", name="总部", is_head_office=True),
        make_store(code="CL01", name="关闭店", is_active=False),
    ):
        response = client.post(f"{API}/members/", json=registration(store))
        assert_error(response, 422, "json", {"store_id"})
    assert count(db_session, Member) == 0


def test_duplicate_mobile_in_same_store_is_422_without_naming_the_owner(
    client, db_session, member, dummy_store
):
    members, users = count(db_session, Member), count(db_session, User)
    response = client.post(
        f"{API}/members/",
        json=registration(dummy_store, mobile="+86 138 0013 8000", full_name="赵小红"),
    )
    body = assert_error(response, 422, "json", {"mobile"})
    text = response.get_data(as_text=True)
    assert member.full_name not in text
    assert str(member.id) not in body["errors"]["json"]["mobile"][0]
    assert (count(db_session, Member), count(db_session, User)) == (members, users)


def test_same_person_joins_another_store_with_their_password(
    client, db_session, member, other_store
):
    response = client.post(
        f"{API}/members/",
        json=registration(other_store, mobile="13800138000", full_name="王建国", password=PASSWORD),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert count(db_session, User) == 1
    assert count(db_session, Member) == 2


def test_registration_with_existing_login_but_wrong_password_is_refused(
    client, db_session, member, other_store
):
    response = client.post(
        f"{API}/members/",
        json=registration(other_store, mobile="13800138000", password="guess-guess"),
    )
    assert_error(response, 422, "json", {"password"})
    assert count(db_session, Member) == 1


# --- reading members ----------------------------------------------------------------------


def test_members_me_lists_own_records(client, api_token, make_member, other_store, member):
    make_member(store=other_store)  # same person, second store
    make_member(full_name="赵小红", mobile="13700137000")  # someone else
    response = client.get(f"{API}/members/me", headers=api_token(member.user))
    assert response.status_code == 200
    body = response.get_json()
    assert sorted(m["store_id"] for m in body) == sorted([member.store_id, other_store.id])
    assert {m["mobile"] for m in body} == {"+8613800138000"}


def test_members_me_is_empty_for_staff(client, api_token, staff):
    response = client.get(f"{API}/members/me", headers=api_token(staff))
    assert response.status_code == 200
    assert response.get_json() == []


def test_member_reads_own_record_in_full(client, api_token, member):
    response = client.get(f"{API}/members/{member.id}", headers=api_token(member.user))
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == member.id
    assert body["mobile"] == "+8613800138000"


def test_r10_another_members_record_is_404(client, api_token, make_member, member):
    other = make_member(full_name="赵小红", mobile="13700137000")
    response = client.get(f"{API}/members/{other.id}", headers=api_token(member.user))
    body = assert_error(response, 404)
    assert "赵小红" not in response.get_data(as_text=True)
    # the same answer as for an id that does not exist: existence is not confirmed
    missing = client.get(f"{API}/members/{other.id + 1000}", headers=api_token(member.user))
    assert assert_error(missing, 404) == body


def test_r10_staff_of_another_store_gets_404(client, api_token, make_user, other_store, member):
    outsider = make_user("outsider", Role.STORE_MANAGER, other_store)
    response = client.get(f"{API}/members/{member.id}", headers=api_token(outsider))
    assert_error(response, 404)
    assert member.full_name not in response.get_data(as_text=True)


def test_r10_staff_who_is_not_referrer_sees_masked_contacts(
    client, db_session, api_token, staff, member
):
    member.address = "西安市高新路25号3单元501室"
    member.email = "wang@example.cn"
    db_session.commit()
    response = client.get(f"{API}/members/{member.id}", headers=api_token(staff))
    assert response.status_code == 200
    body = response.get_json()
    assert body["full_name"] == "王建国"
    assert body["mobile"] == "138****8000"
    assert body["email"] is None
    assert body["address"] is None
    assert "13800138000" not in response.get_data(as_text=True)
    assert "wang@example.cn" not in response.get_data(as_text=True)


def test_r10_referrer_and_store_manager_see_full_contacts(
    client, db_session, api_token, staff, store_manager, member
):
    member.referrer_id = staff.id
    db_session.commit()
    for viewer in (staff, store_manager):
        response = client.get(f"{API}/members/{member.id}", headers=api_token(viewer))
        assert response.status_code == 200
        assert response.get_json()["mobile"] == "+8613800138000"
    assert response.get_json()["referrer_name"] == "Staff"


# --- editing members ----------------------------------------------------------------------


def test_member_updates_own_profile(client, db_session, api_token, member):
    response = client.patch(
        f"{API}/members/{member.id}",
        json={
            "full_name": "王建华",
            "email": "wang@example.cn",
            "address": "西安市高新路25号3单元501室",
            "birthday": "1980-05-17",
        },
        headers=api_token(member.user),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["full_name"] == "王建华"
    assert body["birthday"] == "1980-05-17"
    db_session.expire_all()
    stored = db_session.get(Member, member.id)
    assert stored.full_name == "王建华"
    assert stored.address == "西安市高新路25号3单元501室"


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"full_name": "张总"}, {"full_name"}),
        ({"address": "西安市"}, {"address"}),  # R2: a bare city is no address
        ({"address": "高新路"}, {"address"}),
        ({"birthday": "2099-01-01"}, {"birthday"}),  # in the future
        ({"birthday": "1800-01-01"}, {"birthday"}),
        ({"birthday": "next spring"}, {"birthday"}),  # R2: picked, never typed
        ({"email": "x@"}, {"email"}),
        ({"full_name": "李女士", "address": "长安县"}, {"full_name", "address"}),
        ({"mobile": "13900139000"}, {"mobile"}),  # not changeable here
        ({"full_name": None}, {"full_name"}),  # a name cannot be cleared
    ],
)
def test_r2_profile_errors_are_422_and_change_nothing(
    client, db_session, api_token, member, changes, fields
):
    response = client.patch(
        f"{API}/members/{member.id}", json=changes, headers=api_token(member.user)
    )
    assert_error(response, 422, "json", fields)
    db_session.expire_all()
    stored = db_session.get(Member, member.id)
    assert (stored.full_name, stored.address, stored.birthday, stored.email) == (
        "王建国",
        None,
        None,
        None,
    )


def test_null_clears_a_field_and_missing_keeps_it(client, db_session, api_token, member):
    headers = api_token(member.user)
    client.patch(
        f"{API}/members/{member.id}",
        json={"email": "wang@example.cn", "address": "西安市高新路25号3单元501室"},
        headers=headers,
    )
    response = client.patch(f"{API}/members/{member.id}", json={"email": None}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["email"] is None
    assert response.get_json()["address"] == "西安市高新路25号3单元501室"
    db_session.expire_all()
    assert db_session.get(Member, member.id).email is None


def test_patching_another_persons_record_is_404(client, db_session, api_token, make_member, member):
    other = make_member(full_name="赵小红", mobile="13700137000")
    response = client.patch(
        f"{API}/members/{other.id}", json={"full_name": "赵大红"}, headers=api_token(member.user)
    )
    assert_error(response, 404)
    db_session.expire_all()
    assert db_session.get(Member, other.id).full_name == "赵小红"


def test_staff_who_may_view_but_not_edit_gets_403(client, api_token, staff, member):
    response = client.patch(
        f"{API}/members/{member.id}", json={"full_name": "王建华"}, headers=api_token(staff)
    )
    assert_error(response, 403)


def test_store_manager_edits_a_member_of_their_store(client, api_token, store_manager, member):
    response = client.patch(
        f"{API}/members/{member.id}", json={"full_name": "王建华"}, headers=api_token(store_manager)
    )
    assert response.status_code == 200
    assert response.get_json()["full_name"] == "王建华"


# --- listing members ----------------------------------------------------------------------


@pytest.fixture
def crowd(make_member, other_store, clock):
    """Five members of the staff's store, two of another store, registered a minute apart."""
    mine = []
    for i, name in enumerate(["赵一鸣", "钱二丽", "孙三强", "李四海", "周五福"]):
        mine.append(make_member(full_name=name, mobile=f"1390000000{i}"))
        clock.advance(timedelta(minutes=1))
    theirs = [
        make_member(full_name=name, mobile=f"1370000000{i}", store=other_store)
        for i, name in enumerate(["吴六顺", "郑七星"])
    ]
    return mine, theirs


def test_staff_list_is_scoped_to_their_store(client, api_token, staff, crowd):
    mine, _theirs = crowd
    response = client.get(f"{API}/members/", headers=api_token(staff))
    assert response.status_code == 200
    body = response.get_json()
    assert [m["id"] for m in body["items"]] == [m.id for m in reversed(mine)]  # newest first
    assert body["next_cursor"] is None
    assert all("****" in m["mobile"] for m in body["items"])  # R10: staff see masked contacts


def test_staff_asking_for_another_store_gets_404(client, api_token, staff, other_store, crowd):
    response = client.get(f"{API}/members/?store={other_store.id}", headers=api_token(staff))
    assert_error(response, 404)


def test_member_without_role_lists_nothing(client, api_token, member, crowd):
    response = client.get(f"{API}/members/", headers=api_token(member.user))
    assert response.status_code == 200
    assert response.get_json()["items"] == []


def test_admin_lists_every_store_or_one(client, api_token, admin, other_store, crowd):
    mine, theirs = crowd
    headers = api_token(admin)
    everyone = client.get(f"{API}/members/?limit=100", headers=headers).get_json()["items"]
    assert len(everyone) == len(mine) + len(theirs)
    only = client.get(f"{API}/members/?store={other_store.id}", headers=headers).get_json()
    assert {m["id"] for m in only["items"]} == {m.id for m in theirs}


@pytest.mark.parametrize(("sort", "limit"), [("newest", 2), ("name", 2), ("newest", 1)])
def test_keyset_cursor_pages_through_everything_once(client, api_token, staff, crowd, sort, limit):
    mine, _theirs = crowd
    headers = api_token(staff)
    seen, cursor, pages = [], None, 0
    while True:
        url = f"{API}/members/?sort={sort}&limit={limit}"
        if cursor:
            url += f"&cursor={cursor}"
        body = client.get(url, headers=headers).get_json()
        assert len(body["items"]) <= limit
        seen += [m["id"] for m in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert pages < 10
    assert sorted(seen) == sorted(m.id for m in mine)
    assert len(seen) == len(set(seen))
    if sort == "newest":
        assert seen == [m.id for m in reversed(mine)]
    else:
        by_name = sorted(mine, key=lambda m: (m.full_name, m.id))
        assert seen == [m.id for m in by_name]


def test_status_filter(client, db_session, api_token, staff, crowd):
    mine, _theirs = crowd
    mine[0].status = "active"
    db_session.commit()
    body = client.get(f"{API}/members/?status=active", headers=api_token(staff)).get_json()
    assert [m["id"] for m in body["items"]] == [mine[0].id]


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "!!!", "W10", "WzEsMiwzXQ", "eyJhIjogMX0", "WyJ4IiwgInkiXQ", "a" * 501],
)
def test_bad_cursor_is_422(client, api_token, staff, crowd, cursor):
    response = client.get(f"{API}/members/?cursor={cursor}", headers=api_token(staff))
    assert_error(response, 422, "query", {"cursor"})


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("sort=oldest", "sort"),
        ("status=vip", "status"),
        ("store=abc", "store"),
        ("store=0", "store"),
        (f"store={2**64}", "store"),
    ],
)
def test_bad_list_arguments_are_422(client, api_token, staff, crowd, query, field):
    response = client.get(f"{API}/members/?{query}", headers=api_token(staff))
    assert_error(response, 422, "query", {field})


def test_unknown_query_arguments_are_ignored(client, api_token, staff, crowd):
    response = client.get(f"{API}/members/?page=2&_=123", headers=api_token(staff))
    assert response.status_code == 200


@pytest.mark.parametrize("limit", [1, 100])
def test_limit_bounds_are_accepted(client, api_token, staff, crowd, limit):
    response = client.get(f"{API}/members/?limit={limit}", headers=api_token(staff))
    assert response.status_code == 200
    assert len(response.get_json()["items"]) == min(limit, 5)
