"""R17-R21: the violation catalogue page and API, and the membership collectors (R15, R16)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal import hookimpl
from portal.accounts.operator import ShellOperator
from portal.accounts.roles import Role
from portal.compliance import services as compliance
from portal.compliance.catalogue import Measure, Violation, ViolationKind
from portal.extensions import db
from portal.memberships import services as memberships
from portal.memberships.policies import (
    WHOLE_AT_ANNOUNCEMENT,
    RefundPolicy,
    RefundTranche,
    RightsAndObligations,
)
from portal.plugins import registry

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


class Extra:
    """A throwaway vertical with one entry of its own, one type and one refund policy."""

    @hookimpl
    def portal_violation_catalogue(self):
        return [
            Violation(
                "XX-01",
                "Selling tickets twice",
                ViolationKind.FEES,
                frozenset({Measure.ORAL_WARNING}),
            )
        ]

    @hookimpl
    def portal_rights_and_obligations(self, membership_type):
        if membership_type == "extra.club":
            return RightsAndObligations(rights=("Dine",), obligations=("Pay",))
        return None

    @hookimpl
    def portal_refund_policy(self, membership_type, ended_by):
        if membership_type == "extra.club":
            return RefundPolicy((RefundTranche(1, Decimal(1)),))
        return None


class Copycat:
    @hookimpl
    def portal_violation_catalogue(self):
        return [Violation("EX-P01", "Mine too", ViolationKind.SERIOUS, frozenset({"revocation"}))]


class Broken:
    @hookimpl
    def portal_violation_catalogue(self):
        raise RuntimeError("database of rules unreachable")


@pytest.fixture
def extra(app):
    plugins = app.extensions["portal.plugins"]
    plugins.register(Extra(), "extra")
    compliance.reload_catalogue(app)
    yield
    plugins.unregister("extra")
    compliance.reload_catalogue(app)


def _set_enabled(name: str, enabled: bool) -> None:
    registry.set_enabled(db.session, actor=ShellOperator("cli:test"), name=name, enabled=enabled)
    db.session.commit()


# --- collectors ---------------------------------------------------------------------------


def test_r17_the_catalogue_holds_the_exchange_entries_in_kind_order(app):
    entries = compliance.catalogue()
    kinds = [v.kind for v in entries]
    assert kinds == sorted(kinds, key=list(ViolationKind).index)
    assert sum(v.kind is ViolationKind.PROHIBITED_ACT for v in entries) == 12
    assert sum(v.kind is ViolationKind.SERIOUS for v in entries) == 8
    assert compliance.get_violation("EX-S03").kind is ViolationKind.SERIOUS
    with pytest.raises(KeyError):
        compliance.get_violation("NOPE-1")


def test_r17_a_plugin_reusing_a_code_fails_to_register_and_the_first_keeps_it(app):
    plugins = app.extensions["portal.plugins"]
    plugins.register(Copycat(), "copycat")
    try:
        table = compliance.reload_catalogue(app)
        assert table.owners["EX-P01"] == "exchange"
        assert "EX-P01 is used by exchange and copycat" in plugins.plugins["copycat"].error
        assert not plugins.is_enabled("copycat")
        assert plugins.is_enabled("exchange")
    finally:
        plugins.unregister("copycat")
        compliance.reload_catalogue(app)


def test_r17_a_failing_plugin_is_logged_and_the_others_still_count(app, caplog):
    plugins = app.extensions["portal.plugins"]
    plugins.register(Broken(), "broken")
    try:
        table = compliance.reload_catalogue(app)
        assert "EX-P01" in table.violations
        assert "plugin broken failed to register" in caplog.text
        assert "database of rules unreachable" in plugins.plugins["broken"].error
    finally:
        plugins.unregister("broken")
        compliance.reload_catalogue(app)


def test_r17_a_disabled_plugins_entries_leave_the_catalogue_but_keep_their_codes(app, extra):
    assert "XX-01" in {v.code for v in compliance.catalogue()}
    _set_enabled("extra", False)
    assert "XX-01" not in {v.code for v in compliance.catalogue()}
    assert compliance.get_violation("XX-01").title == "Selling tickets twice"
    _set_enabled("extra", True)
    assert "XX-01" in {v.code for v in compliance.catalogue()}


def test_r15_rights_come_from_the_enabled_plugin_that_knows_the_type(app, extra):
    assert memberships.rights_and_obligations("extra.club").rights == ("Dine",)
    with force_locale("zh_Hans"):
        terms = memberships.rights_and_obligations("exchange.member")
        assert str(terms.rights[0]) == "依据交易所各项规章制度开展业务"
        assert len(terms.rights) == 6
        assert len(terms.obligations) == 6
    assert memberships.rights_and_obligations("nobody.knows") is None
    _set_enabled("extra", False)
    assert memberships.rights_and_obligations("extra.club") is None


def test_r16_the_refund_policy_falls_back_to_the_whole_deposit_at_the_announcement(app, extra):
    exchange = memberships.refund_policy("exchange.member", "revocation")
    assert [(t.months_after, t.share) for t in exchange.tranches] == [
        (4, Decimal("0.40")),
        (6, Decimal("0.60")),
    ]
    assert not exchange.refund_fees_on_revocation
    assert memberships.refund_policy("extra.club", "member").tranches[0].months_after == 1
    assert memberships.refund_policy("nobody.knows", "member") is WHOLE_AT_ANNOUNCEMENT
    _set_enabled("exchange", False)
    assert memberships.refund_policy("exchange.member", "member") is WHOLE_AT_ANNOUNCEMENT
    with pytest.raises(ValueError, match="EndedBy"):
        memberships.refund_policy("exchange.member", "expelled")


# --- page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COMPLIANCE, Role.ADMIN, Role.HQ_SERVICE, Role.HQ_HEAD])
def test_r17_compliance_head_office_and_admins_read_the_catalogue(client, make_user, login, role):
    login(make_user("reader", role))
    response = client.get("/compliance/catalogue", headers=EN)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1>Violation catalogue</h1>" in body
    assert "Prohibited acts" in body
    assert "Grounds for revocation" in body
    assert '<tr id="EX-P12">' in body
    assert '<tr id="EX-V05">' in body
    assert "Referral to the judicial authorities" in body
    assert 'href="/compliance/catalogue"' in body  # the navigation entry


def test_r17_store_people_are_refused_the_catalogue(client, staff, store_manager, login):
    for user in (staff, store_manager):
        login(user)
        response = client.get("/compliance/catalogue", headers=EN)
        assert response.status_code == 403
        assert 'href="/compliance/catalogue"' not in client.get("/", headers=EN).get_data(
            as_text=True
        )
        client.post("/logout")


def test_r17_visitors_are_sent_to_log_in(client):
    response = client.get("/compliance/catalogue")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_r17_members_are_refused_the_catalogue(client, member, login):
    login(member.user)
    assert client.get("/compliance/catalogue").status_code == 403


def test_r17_the_catalogue_speaks_chinese_with_the_regulations_wording(client, compliance, login):
    login(compliance)
    body = client.get("/compliance/catalogue", headers=ZH).get_data(as_text=True)
    assert "<h1>违规事项目录</h1>" in body
    assert "禁止事项" in body
    assert "撤销会员资格" in body
    assert "向交易商承诺收益" in body
    assert "Promising returns to traders" not in body


def test_r17_a_disabled_plugins_entries_are_not_shown(client, compliance, login, extra):
    login(compliance)
    assert '<tr id="XX-01">' in client.get("/compliance/catalogue").get_data(as_text=True)
    _set_enabled("extra", False)
    assert '<tr id="XX-01">' not in client.get("/compliance/catalogue").get_data(as_text=True)


# --- API ----------------------------------------------------------------------------------


def test_r17_the_api_lists_the_catalogue_with_the_ladder(client, compliance, api_token):
    response = client.get("/api/v1/compliance/catalogue", headers={**api_token(compliance), **EN})
    assert response.status_code == 200
    entries = response.get_json()
    assert len(entries) == len({e["code"] for e in entries}) == 31
    p02 = next(e for e in entries if e["code"] == "EX-P02")
    assert p02["kind"] == "prohibited_act"
    assert p02["title"].startswith("Trading without the trader's instruction")
    assert [m["key"] for m in p02["measures"]] == [
        m.value for m in Measure if m is not Measure.ORAL_WARNING
    ]
    fees = next(e for e in entries if e["code"] == "EX-F02")
    assert [m["key"] for m in fees["measures"]] == ["oral_warning", "mandatory_training"]


def test_r17_the_api_speaks_the_callers_language(client, admin, api_token):
    response = client.get("/api/v1/compliance/catalogue", headers={**api_token(admin), **ZH})
    revocation = next(e for e in response.get_json() if e["code"] == "EX-V01")
    assert revocation["measures"] == [{"key": "revocation", "label": "撤销会员资格"}]


def test_r17_the_api_refuses_others_and_anonymous_callers(client, staff, api_token):
    assert client.get("/api/v1/compliance/catalogue").status_code == 401
    response = client.get("/api/v1/compliance/catalogue", headers=api_token(staff))
    assert response.status_code == 403


def test_r17_the_catalogue_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/compliance/catalogue"]["get"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert {"200", "403"} <= set(operation["responses"])


class Sloppy:
    @hookimpl
    def portal_rights_and_obligations(self, membership_type):
        return {"rights": ["Dine"]}

    @hookimpl
    def portal_refund_policy(self, membership_type, ended_by):
        return [(4, "0.4"), (6, "0.6")]


def test_r16_an_answer_of_the_wrong_type_is_refused_loudly(app, register_plugin):
    register_plugin(Sloppy(), "sloppy")
    with pytest.raises(TypeError, match="portal_rights_and_obligations must return Rights"):
        memberships.rights_and_obligations("sloppy.club")
    with pytest.raises(TypeError, match="portal_refund_policy must return RefundPolicy, not list"):
        memberships.refund_policy("sloppy.club", "member")


def test_r17_the_api_lists_one_section_and_refuses_an_unknown_kind(client, compliance, api_token):
    headers = api_token(compliance)
    response = client.get("/api/v1/compliance/catalogue?kind=fees", headers=headers)
    assert [e["code"] for e in response.get_json()] == ["EX-F01", "EX-F02", "EX-F03"]
    response = client.get("/api/v1/compliance/catalogue?kind=<script>", headers=headers)
    assert response.status_code == 422
    assert "kind" in response.get_json()["errors"]["query"]


HOSTILE = ["x" * 10_000, "<script>alert(1)</script>", "a\x00b", str(2**80), "%zz%00"]


@pytest.mark.parametrize("value", HOSTILE)
def test_r17_hostile_input_on_the_catalogue_is_refused_without_an_error(
    client, compliance, api_token, login, value
):
    headers = api_token(compliance)
    login(compliance)
    page = client.get("/compliance/catalogue", query_string={"kind": value, "q": value})
    assert page.status_code in (200, 400)
    listing = client.get(
        "/api/v1/compliance/catalogue", query_string={"kind": value}, headers=headers
    )
    assert listing.status_code in (400, 422)
    assert "<script>alert" not in listing.get_data(as_text=True)


def test_r17_the_catalogue_takes_no_writes(client, compliance, api_token, login):
    login(compliance)
    assert client.post("/compliance/catalogue", data={"code": "EX-P01"}).status_code in (400, 405)
    response = client.post(
        "/api/v1/compliance/catalogue",
        data="<x/>",
        content_type="text/xml",
        headers=api_token(compliance),
    )
    assert response.status_code == 405
