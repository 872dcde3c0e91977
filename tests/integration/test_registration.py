"""R1 self-registration through the HTML form, with the R2 checks shown next to each field."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.members.models import Member
from portal.testing.fixtures import PASSWORD


@pytest.fixture
def form(dummy_store):
    def fill(**changes):
        data = {
            "full_name": "李娜",
            "mobile": "139 1234 5678",
            "email": "lina@example.com",
            "store_id": str(dummy_store.id),
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "consent": "y",
        }
        data.update(changes)
        return {k: v for k, v in data.items() if v is not None}

    return fill


def field_errors(response) -> dict[str, list[str]]:
    text = response.get_data(as_text=True)
    errors: dict[str, list[str]] = {}
    for name, message in re.findall(r'<p class="error" id="([\w-]+)-error">([^<]*)</p>', text):
        errors.setdefault(name, []).append(html.unescape(message))
    return errors


def count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model))


def test_r1_form_offers_only_open_stores(client, dummy_store, make_store):
    make_store(code="CL01", name="已关闭门店", is_active=False)
    make_store(code="HQ", name="总部", is_head_office=True)
    page = client.get("/register").get_data(as_text=True)
    assert "西安高新店" in page
    assert "已关闭门店" not in page
    assert "总部" not in page


def test_r1_registration_logs_in_and_shows_own_page(client, form, db_session, dummy_store):
    response = client.post("/register", data=form())
    assert response.status_code == 302
    member = db_session.scalar(select(Member))
    assert response.headers["Location"] == f"/members/{member.id}"
    assert (member.full_name, member.mobile, member.email) == (
        "李娜",
        "+8613912345678",
        "lina@example.com",
    )
    assert member.status == "registered"
    assert member.consent_version == client.application.config["PORTAL_PRIVACY_TERMS_VERSION"]
    assert member.user.login == "+8613912345678"
    assert member.user.locale == "en"

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "My membership" in page
    assert "Welcome! You are now registered with 西安高新店." in page
    assert 'data-status="registered"' in page
    assert "西安高新店" in page
    assert "Not assigned yet" in page  # the referrer, until the store assigns one
    assert "139 1234 5678" in page  # the owner sees the full number
    assert "Rights and obligations" in page


def test_r1_registered_member_can_log_in_again(client, form):
    client.post("/register", data=form())
    client.post("/logout")
    response = client.post("/login", data={"login": "13912345678", "password": PASSWORD})
    assert response.status_code == 302


def actions(db_session) -> list[str]:
    return list(db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_r1_registration_is_audited(client, form, db_session, dummy_store):
    client.post("/register", data=form())
    member = db_session.scalar(select(Member))
    assert actions(db_session) == ["store.created", "account.created", "member.registered"]
    created, registered = db_session.scalars(
        select(AuditEvent)
        .where(AuditEvent.store_id.is_(None) | (AuditEvent.object_type == "member"))
        .order_by(AuditEvent.id)
    )
    assert created.action == "account.created"
    assert created.actor_id == member.user_id
    assert registered.action == "member.registered"
    assert registered.object_id == str(member.id)
    assert registered.store_id == dummy_store.id
    assert registered.after["mobile"] == "+8613912345678"
    assert registered.request_id == created.request_id is not None
    assert registered.ip_address == "127.0.0.1"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"full_name": "王先生"}, "full_name", "not a form of address"),
        ({"full_name": "Mr. Wang"}, "full_name", "without a title"),
        ({"full_name": "老王"}, "full_name", "not a nickname"),
        ({"mobile": "12345678901"}, "mobile", "11 digits"),
        ({"mobile": "1391234567"}, "mobile", "11 digits"),
        ({"mobile": "029-88886666"}, "mobile", "not a mobile number"),
        ({"mobile": "400-800-8888"}, "mobile", "not a mobile number"),
        ({"email": "lina@"}, "email", "not a valid e-mail"),
        ({"password": "short", "password_confirm": "short"}, "password", "at least 8"),
        (
            {"password": "13912345678", "password_confirm": "13912345678"},
            "password",
            "must not be your mobile",
        ),
        ({"password_confirm": "something-else"}, "password_confirm", "passwords differ"),
        ({"consent": None}, "consent", "accept the privacy terms"),
        ({"full_name": ""}, "full_name", "required"),
    ],
)
def test_r2_each_error_is_shown_next_to_its_field_and_nothing_is_saved(
    client, form, db_session, changes, field, message
):
    response = client.post("/register", data=form(**changes))
    assert response.status_code == 422
    errors = field_errors(response)
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert count(db_session, Member) == count(db_session, User) == 0
    assert actions(db_session) == ["store.created"]
    assert client.get("/home").status_code == 302  # not logged in


def test_r2_all_wrong_fields_are_reported_at_once(client, form, db_session):
    response = client.post(
        "/register",
        data=form(full_name="张总", mobile="12345678901", email="nope", consent=None),
    )
    assert response.status_code == 422
    assert set(field_errors(response)) == {"full_name", "mobile", "email", "consent"}
    assert count(db_session, Member) == 0


def test_r2_entered_values_are_kept_after_an_error(client, form):
    response = client.post("/register", data=form(full_name="王先生"))
    text = response.get_data(as_text=True)
    assert 'value="139 1234 5678"' in text
    assert PASSWORD not in text  # passwords are never echoed


@pytest.mark.parametrize("store", ["closed", "head office", "missing", "none"])
def test_r1_closed_store_or_head_office_cannot_be_chosen(
    client, form, make_store, db_session, store
):
    ids = {
        "closed": make_store(code="CL01", is_active=False).id,
        "head office": make_store(code="HQ", is_head_office=True).id,
        "missing": 9999,
        "none": 0,
    }
    response = client.post("/register", data=form(store_id=str(ids[store])))
    assert response.status_code == 422
    assert list(field_errors(response)) == ["store_id"]
    assert count(db_session, Member) == 0


def test_r1_same_mobile_twice_at_one_store_is_refused_without_naming_the_owner(
    client, form, make_member, db_session
):
    member = make_member(full_name="赵丽颖", mobile="13800138000")
    response = client.post("/register", data=form(full_name="李娜", mobile="+86 138-0013-8000"))
    assert response.status_code == 422
    errors = field_errors(response)
    assert list(errors) == ["mobile"]
    assert "already registered with this store" in errors["mobile"][0]
    text = response.get_data(as_text=True)
    assert member.full_name not in text
    assert count(db_session, Member) == 1


def test_r8_same_mobile_joins_another_store_with_the_accounts_password(
    client, form, member, other_store, db_session
):
    response = client.post(
        "/register",
        data=form(full_name="王建国", mobile="13800138000", store_id=str(other_store.id)),
    )
    assert response.status_code == 302
    records = db_session.scalars(select(Member).where(Member.user_id == member.user_id)).all()
    assert {m.store_id for m in records} == {member.store_id, other_store.id}
    assert count(db_session, User) == 1

    home = client.get("/home").get_data(as_text=True)
    assert "西安高新店" in home
    assert "北京朝阳店" in home


def test_r8_joining_another_store_with_a_wrong_password_is_refused(
    client, form, make_member, other_store, db_session
):
    member = make_member(full_name="赵丽颖", mobile="13800138000")
    response = client.post(
        "/register",
        data=form(
            mobile="13800138000",
            store_id=str(other_store.id),
            password="another-password",
            password_confirm="another-password",
        ),
    )
    assert response.status_code == 422
    errors = field_errors(response)
    assert list(errors) == ["password"]
    assert "already has an account" in errors["password"][0]
    assert member.full_name not in response.get_data(as_text=True)
    assert count(db_session, Member) == 1
    assert client.get("/home").status_code == 302
