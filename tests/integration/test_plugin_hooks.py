"""The hooks a vertical builds on: each is called where its contract says, and only for
enabled plugins."""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from portal import hookimpl
from portal.accounts.operator import ShellOperator
from portal.accounts.permissions import (
    Permission,
    can,
    collect_plugin_permissions,
    require,
    stores_in_scope,
)
from portal.accounts.roles import Role
from portal.errors import Conflict, PermissionDenied, ValidationFailed
from portal.events import Event
from portal.members.models import Member
from portal.members.services import Registration, register_member
from portal.plugins import manager
from portal.plugins.manager import PluginManager
from portal.plugins.registry import set_enabled
from portal.sla.runner import run_once
from portal.testing.fixtures import PASSWORD, make_app
from portal.vip import services as vip
from portal.vip.testing import dummy_customer, dummy_vip_file

RENOVATION_TRANSLATIONS = (
    Path(__file__).parents[2] / "plugins/renovation/portal_renovation/translations"
)


def _disable(db_session: Any, name: str) -> None:
    set_enabled(db_session, actor=ShellOperator("test"), name=name, enabled=False)  # type: ignore[arg-type]
    db_session.commit()


# --- portal_permissions -----------------------------------------------------------------------


class Visits:
    @hookimpl
    def portal_permissions(self) -> list[Permission]:
        return [Permission("visits.record", frozenset({Role.STAFF}))]


def _manager_with(plugin: object, name: str) -> PluginManager:
    plugins = PluginManager()
    plugins.register(plugin, name)
    return plugins


def test_a_plugin_action_is_checked_like_a_core_one_within_the_store(
    app, staff, store_manager, dummy_store, other_store, monkeypatch
):
    declared = collect_plugin_permissions(_manager_with(Visits(), "visits"))
    monkeypatch.setitem(app.extensions, "portal.permissions", declared)
    here, there = (
        type("Visit", (), {"store_id": dummy_store.id}),
        type("Visit", (), {"store_id": other_store.id}),
    )
    assert can(staff, "visits.record", here)
    assert not can(staff, "visits.record", there)  # a store-bound grant covers its store only
    assert not can(store_manager, "visits.record", here)
    assert stores_in_scope(staff, "visits.record") == {dummy_store.id}
    with pytest.raises(PermissionDenied):
        require(store_manager, "visits.record", here)


def test_an_action_nobody_declared_is_a_programming_error(app, staff):
    with pytest.raises(KeyError, match="no permission declares"):
        can(staff, "visits.undeclared")


@pytest.mark.parametrize(
    ("permission", "message"),
    [
        (Permission("other.record", frozenset({Role.STAFF})), "must start with visits."),
        ("visits.record", "must return Permission items"),
    ],
)
def test_a_permission_outside_the_plugins_namespace_fails_the_plugin_alone(permission, message):
    class Wrong:
        @hookimpl
        def portal_permissions(self) -> list[object]:
            return [permission]

    class Good:
        @hookimpl
        def portal_permissions(self) -> list[Permission]:
            return [Permission("good.record", frozenset({Role.STAFF}))]

    plugins = _manager_with(Wrong(), "visits")
    plugins.register(Good(), "good")
    assert collect_plugin_permissions(plugins) == {"good.record": frozenset({Role.STAFF})}
    assert message in (plugins.plugins["visits"].error or "")
    assert not plugins.pm.has_plugin("visits")
    assert plugins.plugins["good"].loaded


# --- API blueprints ---------------------------------------------------------------------------


@pytest.fixture
def install_plugin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """``install_plugin(name, source)``: an installed plugin whose module is ``source``."""
    installed = manager.entry_points
    fakes: list[EntryPoint] = []
    monkeypatch.setattr(manager, "entry_points", lambda group: [*installed(group=group), *fakes])

    def install(name: str, source: str) -> str:
        package = tmp_path / f"{name}_site"
        package.mkdir()
        (package / f"portal_{name}_plugin.py").write_text(textwrap.dedent(source))
        monkeypatch.syspath_prepend(str(package))
        fakes.append(
            EntryPoint(name=name, value=f"portal_{name}_plugin", group=manager.ENTRY_POINT_GROUP)
        )
        return name

    return install


def _app_with(tmp_path: Path, *names: str) -> Flask:
    return make_app(
        f"sqlite:///{tmp_path / 'p.db'}", tmp_path / "instance", PORTAL_PLUGINS=list(names)
    )


def test_a_plugin_failing_while_it_registers_is_shown_failed_and_the_portal_starts(
    install_plugin, tmp_path
):
    install_plugin(
        "clumsy",
        """
        from flask import Blueprint
        from portal import hookimpl

        bp = Blueprint("clumsy", __name__, url_prefix="/clumsy")

        @bp.get("/")
        def page():
            return "clumsy"

        @hookimpl
        def portal_blueprints():
            return [bp]

        @hookimpl
        def portal_translation_dirs():
            raise RuntimeError("catalogs misplaced")

        @hookimpl
        def portal_nav_items(user):
            return [{"label": "Clumsy", "url": "/clumsy/"}]
        """,
    )
    install_plugin(
        "clash",
        """
        from flask import Blueprint
        from portal import hookimpl

        @hookimpl
        def portal_blueprints():
            return [Blueprint("members", __name__)]  # the core's blueprint name
        """,
    )
    app = _app_with(tmp_path, "clumsy", "clash")
    plugins = app.extensions["portal.plugins"]
    assert "catalogs misplaced" in plugins.plugins["clumsy"].error
    assert "members" in plugins.plugins["clash"].error
    assert not plugins.is_enabled("clumsy")
    with app.test_request_context():
        assert plugins.collect("portal_nav_items", user=None) == []
    assert app.test_client().get("/healthz").status_code == 200


@pytest.fixture
def api_plugin(install_plugin: Any) -> str:
    """An installed plugin ``tally`` serving one JSON endpoint through flask-smorest."""
    return install_plugin(
        "tally",
        '''
            import marshmallow as ma

            from portal import hookimpl
            from portal.api.blueprint import Blueprint
            from portal.api.schema import Schema

            api = Blueprint("tally_api", __name__, url_prefix="/tally", description="Tally")


            class TallySchema(Schema):
                count = ma.fields.Integer(required=True)


            @api.route("/", methods=["GET"])
            @api.response(200, TallySchema)
            def show_tally():
                """How many there are."""
                return {"count": 3}


            @hookimpl
            def portal_blueprints():
                return [api]
            ''',
    )


def test_a_plugins_api_blueprint_joins_api_v1_and_the_openapi_document(api_plugin, tmp_path):
    app = _app_with(tmp_path, "tally")
    client = app.test_client()
    assert client.get("/api/v1/tally/").get_json() == {"count": 3}
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/tally/" in spec["paths"]
    assert "Tally" in spec["components"]["schemas"]
    assert app.extensions["portal.plugin_blueprints"]["tally_api"] == "tally"


# --- portal_dashboard_items -------------------------------------------------------------------


class Dashboard:
    @hookimpl
    def portal_dashboard_items(self, user: Any) -> list[dict[str, Any]]:
        return [
            {"label": f"Tables for {user.login}", "url": "/tables", "counts": [("Free", 4, "/t")]}
        ]


def test_dashboard_items_follow_the_cores_on_the_staff_home_page(
    client, login, staff, register_plugin, db_session
):
    register_plugin(Dashboard(), "dashboard")
    body = login(staff).get("/home").get_data(as_text=True)
    assert "Tables for staff" in body
    assert 'href="/t"' in body
    _disable(db_session, "dashboard")
    assert "Tables for staff" not in client.get("/home").get_data(as_text=True)


# --- portal_validate_member ------------------------------------------------------------------


class NoGmail:
    @hookimpl
    def portal_validate_member(self, data: dict[str, Any], strictness: str) -> Any:
        if strictness == "member" and (data.get("email") or "").endswith("@gmail.com"):
            return {"email": ["No foreign mail here."]}
        return None


def test_a_plugins_member_rule_refuses_registration_and_saves_nothing(
    db_session, dummy_store, register_plugin
):
    register_plugin(NoGmail(), "nogmail")
    data = Registration(
        full_name="王建国",
        mobile="13800138000",
        store_id=dummy_store.id,
        password=PASSWORD,
        consent=True,
        email="wang@gmail.com",
    )
    with pytest.raises(ValidationFailed) as refused:
        register_member(db_session, data=data, terms_version="test")
    db_session.rollback()
    assert refused.value.errors == {"email": ["No foreign mail here."]}
    assert db_session.scalar(select(func.count()).select_from(Member)) == 0


def test_a_plugins_member_rule_sees_profile_edits(client, login, member, register_plugin):
    register_plugin(NoGmail(), "nogmail")
    response = login(member.user).post(
        f"/members/{member.id}/edit",
        data={"full_name": member.full_name, "email": "wang@gmail.com"},
    )
    assert response.status_code == 422
    assert "No foreign mail here." in response.get_data(as_text=True)


# --- portal_vip_qualifies ---------------------------------------------------------------------


class TwoVisits:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.asked: list[tuple[int, int, date]] = []

    @hookimpl
    def portal_vip_qualifies(self, member: Any, store: Any, month: date) -> Any:
        self.asked.append((member.id, store.id, month))
        return self.answer


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (False, "does not meet the store's VIP qualification"),
        ("Two visits a month make a VIP (R22).", "Two visits a month"),
    ],
)
def test_a_vertical_refuses_a_vip_file_for_a_customer_who_does_not_qualify(
    db_session, staff, dummy_store, register_plugin, clock, answer, message
):
    judge = TwoVisits(answer)
    register_plugin(judge, "judge")
    customer = dummy_customer(db_session, staff, store_id=dummy_store.id)
    with pytest.raises(Conflict, match=message):
        vip.start_file(db_session, actor=staff, member=customer)
    # 02:00 UTC on 23 November is 10:00 in Shanghai: the month is November
    assert judge.asked == [(customer.id, dummy_store.id, date(2026, 11, 1))]


def test_a_customer_who_qualifies_gets_a_file(db_session, staff, dummy_store, register_plugin):
    register_plugin(TwoVisits(True), "judge")
    customer = dummy_customer(db_session, staff, store_id=dummy_store.id)
    assert vip.start_file(db_session, actor=staff, member=customer).id


def test_a_disabled_vertical_is_not_asked(db_session, staff, dummy_store, register_plugin):
    register_plugin(TwoVisits(False), "judge")
    _disable(db_session, "judge")
    customer = dummy_customer(db_session, staff, store_id=dummy_store.id)
    assert vip.start_file(db_session, actor=staff, member=customer).id


# --- portal_tick and sla.breached ------------------------------------------------------------


class Ticker:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.ticks: list[Any] = []
        self.heard: list[Event] = []

    @hookimpl
    def portal_tick(self, session: Any, now: Any) -> int:
        self.ticks.append(now)
        if self.fail:
            session.add(Member(store_id=1, full_name="half", mobile="1", status="x"))
            raise RuntimeError("tick bug")
        return 2

    @hookimpl
    def portal_on_event(self, event: Event) -> None:
        self.heard.append(event)


def test_tick_runs_every_enabled_plugin_and_survives_one_failing(
    db_session, register_plugin, clock, caplog
):
    good, bad = Ticker(), Ticker(fail=True)
    register_plugin(good, "good")
    register_plugin(bad, "bad")
    result = run_once()
    assert result.plugin_work == 2
    assert good.ticks == [clock.now()]
    assert bad.ticks == [clock.now()]
    assert "plugin bad failed in portal_tick" in caplog.text
    assert db_session.scalar(select(func.count()).select_from(Member)) == 0  # rolled back
    _disable(db_session, "good")
    assert run_once().plugin_work == 0


def test_a_missed_review_deadline_reaches_plugins_as_sla_breached(
    db_session, staff, store_manager, dummy_store, register_plugin, clock
):
    listener = Ticker()
    register_plugin(listener, "listener")
    customer = dummy_customer(db_session, staff, store_id=dummy_store.id)
    file = dummy_vip_file(db_session, staff, customer)
    db_session.commit()
    clock.advance(timedelta(hours=13))
    run_once()
    breached = [e for e in listener.heard if e.name == "sla.breached"]
    assert len(breached) == 1
    assert breached[0].data["subject_type"] == "vip_file"
    assert breached[0].data["subject_id"] == file.id
    assert breached[0].data["store_id"] == dummy_store.id
    run_once()
    assert len([e for e in listener.heard if e.name == "sla.breached"]) == 1


def test_the_cores_wording_wins_where_a_plugin_translates_the_same_message(app):
    """Catalogs merge into one: the renovation plugin says 单据 for "Case" on its tracking
    sheets, the core 案件 for compliance cases; the core's pages keep the core's word."""
    with (RENOVATION_TRANSLATIONS / "zh_Hans/LC_MESSAGES/messages.po").open("rb") as po:
        plugin_catalog = read_po(po)
    assert plugin_catalog["Case"].string == "单据"
    with app.test_request_context(), force_locale("zh_Hans"):
        assert gettext("Case") == "案件"
