"""Hostile input on every renovation route: 4xx (or the form again), never 500, nothing saved.

The core's hostile-input test leaves plugin routes to their plugin; this file covers ours,
and ``test_every_post_route_is_covered`` fails when a new POST route is not listed here.
With TESTING on an unhandled exception reaches the test, so a 500 fails loudly.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from portal_renovation import followups, revisits, services
from portal_renovation.models import (
    CaseEvent,
    CaseHandover,
    ClassedCustomer,
    ClassLead,
    FollowUp,
    PenaltyNotice,
    Project,
    RenovationCase,
    Revisit,
)
from sqlalchemy import func, select

from portal.accounts.roles import Role
from portal.sla.models import SlaTask
from portal.testing.fixtures import PASSWORD

LONG = "长" * 5_000 + "a" * 5_000
SCRIPT = '<script>alert("x")</script>'

#: values posted into every field of a form at once
FORM_VALUES: dict[str, str] = {
    "long": LONG,
    "script": SCRIPT,
    "sql": "' OR 1=1 --",
    "controls": "a\x01\x1b[31mb\x7f",
    "huge-int": str(2**64),
    "negative": "-1",
    "empty": "",
    "unicode": "🏠\u202e\ufeff",
    "percent-junk": "%00%ff%",
    "date-like": "2026-02-30T25:61",
    "nul": "ab\x00cd",
}
#: values put into every field of a JSON body at once
JSON_VALUES: dict[str, Any] = {
    "long": LONG,
    "script": SCRIPT,
    "nul": "ab\x00cd",
    "huge-int": 2**64,
    "negative-huge-int": -(2**64),
    "float": 1e308,
    "bool": True,
    "null": None,
    "list": ["x"],
    "object": {"$gt": ""},
    "empty": "",
    "lone-surrogate": "\ud800",
}
RAW_BODIES: dict[str, tuple[str, bytes]] = {
    "invalid-utf8": ("application/json", b'{"subject": "\xff\xfe"}'),
    "truncated": ("application/json", b'{"subject": '),
    "array": ("application/json", b'[{"subject": "x"}]'),
    "string": ("application/json", b'"hello"'),
    "deep-nesting": ("application/json", b"[" * 50_000 + b"]" * 50_000),
    "text-plain": ("text/plain", b'{"subject": "x"}'),
    "form-encoded": ("application/x-www-form-urlencoded", b"subject=x"),
}

#: HTML form routes, the fields each form has, who fills it in, which case of the world
FORMS: dict[str, tuple[list[str], str, str]] = {
    "/renovation/cases/new": (
        [
            "store_id",
            "member_id",
            "kind",
            "channel",
            "severity",
            "subject",
            "description",
            "project",
            "department",
            "earlier_number",
        ],
        "staff",
        "",
    ),
    "/renovation/cases/<int:case_id>/handover": (
        ["to_user_id", "reason", "confirm"],
        "staff",
        "open",
    ),
    "/renovation/cases/<int:case_id>/route": (
        ["responsible", "supervisor_id", "vendor_name", "repair_work"],
        "staff",
        "repair",
    ),
    "/renovation/cases/<int:case_id>/appointment": (["appointment_at"], "supervisor", "booked"),
    "/renovation/cases/<int:case_id>/close": (
        ["resolution", "confirmed_by", "method", "confirm"],
        "staff",
        "open",
    ),
    "/renovation/cases/<int:case_id>/revisit": (["score", "note"], "staff", "closed"),
    "/renovation/cases/<int:case_id>/penalty": (
        ["employee_id", "reason", "measure", "confirm"],
        "manager",
        "open",
    ),
    "/renovation/cases/<int:case_id>/contact": (["note"], "staff", "promise"),
    "/renovation/customers/<int:member_id>/class": (["customer_class", "region"], "staff", ""),
    "/renovation/customers/<int:member_id>/follow-up": (
        ["followed_up_on", "channel", "note"],
        "staff",
        "",
    ),
    "/renovation/leads": (["store_id", "region", "customer_class", "user_id"], "manager", ""),
    "/renovation/customers/<int:member_id>/projects/new": (
        ["name", "delivered_on", "responsible_id"],
        "staff",
        "",
    ),
    "/renovation/projects/<int:project_id>/revisit": (["visited_on", "score", "note"], "staff", ""),
}
#: a free-text note is valid whatever short text it holds: recording it is by design
VALID_FORM_POSTS = {("/renovation/cases/<int:case_id>/contact", k) for k in ("script", "sql")}
VALID_FORM_POSTS |= {
    ("/renovation/cases/<int:case_id>/contact", k)
    for k in ("huge-int", "negative", "percent-junk", "date-like", "unicode")
}

#: API POST routes: the body's fields, who sends it, which case
API_FORMS: dict[str, tuple[list[str], str, str]] = {
    "/api/v1/renovation/cases": (
        [
            "store_id",
            "member_id",
            "kind",
            "channel",
            "severity",
            "subject",
            "description",
            "project",
            "department",
            "earlier_number",
        ],
        "staff",
        "",
    ),
    "/api/v1/renovation/cases/<int:case_id>/handover": (["to_user_id", "reason"], "staff", "open"),
    "/api/v1/renovation/cases/<int:case_id>/route": (
        ["responsible", "supervisor_id", "vendor_name", "repair_work"],
        "staff",
        "repair",
    ),
    "/api/v1/renovation/cases/<int:case_id>/appointment": (
        ["appointment_at"],
        "supervisor",
        "booked",
    ),
    "/api/v1/renovation/cases/<int:case_id>/contact": (["note"], "staff", "promise"),
    "/api/v1/renovation/cases/<int:case_id>/close": (
        ["resolution", "confirmed_by", "method"],
        "staff",
        "open",
    ),
    "/api/v1/renovation/cases/<int:case_id>/revisit": (["score", "note"], "staff", "closed"),
    "/api/v1/renovation/cases/<int:case_id>/penalties": (
        ["employee_id", "reason", "measure"],
        "manager",
        "open",
    ),
    "/api/v1/renovation/customers/<int:member_id>/class": (
        ["customer_class", "region"],
        "staff",
        "",
    ),
    "/api/v1/renovation/customers/<int:member_id>/follow-ups": (
        ["followed_up_on", "channel", "note"],
        "staff",
        "",
    ),
    "/api/v1/renovation/leads": (
        ["store_id", "region", "customer_class", "user_id"],
        "manager",
        "",
    ),
    "/api/v1/renovation/customers/<int:member_id>/projects": (
        ["name", "delivered_on", "responsible_id"],
        "staff",
        "",
    ),
    "/api/v1/renovation/projects/<int:project_id>/revisits": (
        ["visited_on", "score", "note"],
        "staff",
        "",
    ),
}
VALID_API_POSTS = {("/api/v1/renovation/cases/<int:case_id>/contact", "script")}

REFUSED = (400, 403, 404, 409, 413, 415, 422)


@pytest.fixture
def world(
    db_session, staff, store_manager, supervisor, make_case, make_user, dummy_store, customer
):
    """A case in every state a form needs, and who acts on each."""
    gone = make_user("gone", Role.STAFF, dummy_store, display_name="已离职工长")
    gone.is_enabled = False  # R23: the responsible supervisor has left
    db_session.commit()
    cases = {
        "open": make_case(),
        "repair": make_case(kind="repair"),
        "booked": make_case(kind="repair"),
        "promise": make_case(kind="repair"),
        "closed": make_case(),
    }
    services.route_repair(
        db_session,
        actor=staff,
        case=cases["booked"],
        responsible="supervisor",
        supervisor_id=supervisor.id,
    )
    services.route_repair(
        db_session,
        actor=staff,
        case=cases["promise"],
        responsible="supervisor",
        supervisor_id=gone.id,
    )
    services.close_case(
        db_session,
        actor=staff,
        case=cases["closed"],
        resolution="r",
        confirmed_by="王建国",
        method="signed",
    )
    followups.class_customer(
        db_session, actor=staff, member_id=customer.id, customer_class="A", region=""
    )
    project = revisits.register_project(
        db_session,
        actor=staff,
        member_id=customer.id,
        name="项目",
        delivered_on=date(2026, 10, 1),
        responsible_id=staff.id,
    )
    db_session.commit()
    return {
        "member_id": customer.id,
        "project_id": project.id,
        "cases": {k: v.id for k, v in cases.items()},
        "people": {"staff": staff, "manager": store_manager, "supervisor": supervisor},
    }


def _snapshot(db_session) -> tuple:
    db_session.expire_all()
    counts = tuple(
        db_session.scalar(select(func.count()).select_from(model))
        for model in (
            RenovationCase,
            CaseEvent,
            CaseHandover,
            PenaltyNotice,
            SlaTask,
            ClassedCustomer,
            ClassLead,
            FollowUp,
            Project,
            Revisit,
        )
    )
    service = tuple(
        db_session.execute(
            select(
                ClassedCustomer.customer_class,
                ClassedCustomer.region,
                ClassedCustomer.next_due_on,
                Project.next_revisit_on,
            ).join(Project, Project.member_id == ClassedCustomer.member_id)
        ).all()
    )
    rows = tuple(
        db_session.execute(
            select(
                RenovationCase.id,
                RenovationCase.state,
                RenovationCase.owner_id,
                RenovationCase.route,
                RenovationCase.appointment_at,
            ).order_by(RenovationCase.id)
        ).all()
    )
    return counts, rows, service


def _url(rule: str, world: dict, case: str) -> str:
    return (
        rule.replace("<int:case_id>", str(world["cases"].get(case, 0)))
        .replace("<int:member_id>", str(world["member_id"]))
        .replace("<int:project_id>", str(world["project_id"]))
    )


def _client(app, person: str, world: dict):
    """A client of its own logged in as ``person`` of the world (made once per test)."""
    clients = world.setdefault("clients", {})
    if person not in clients:
        client = app.test_client()
        user = world["people"][person]
        response = client.post("/login", data={"login": user.login, "password": PASSWORD})
        assert response.status_code == 302
        clients[person] = client
    return clients[person]


def _rules(app, prefix: str) -> set[str]:
    return {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(prefix) and "POST" in (rule.methods or ())
    }


def test_every_post_route_is_covered(app):
    pages = _rules(app, "renovation.") | _rules(app, "renovation_service.")
    api = _rules(app, "renovation_api.") | _rules(app, "renovation_service_api.")
    assert pages == set(FORMS)
    assert api == set(API_FORMS)


@pytest.mark.parametrize("kind", sorted(FORM_VALUES))
def test_html_forms_refuse_hostile_values(app, db_session, world, kind):
    value = FORM_VALUES[kind]
    for rule, (fields, person, case) in sorted(FORMS.items(), key=lambda f: "contact" in f[0]):
        before = _snapshot(db_session)
        data = dict.fromkeys(fields, value) | {"unknown_field": value}
        response = _client(app, person, world).post(_url(rule, world, case), data=data)
        where = (rule, kind, response.status_code)
        assert response.status_code in (*REFUSED, 302), where
        if (rule, kind) in VALID_FORM_POSTS:
            continue
        assert response.status_code in REFUSED, where
        assert _snapshot(db_session) == before, where


def test_html_forms_refuse_json_bodies(app, db_session, world):
    """Pages take HTML forms; a JSON body is the wrong content type (415), not a 500."""
    before = _snapshot(db_session)
    for rule, (fields, person, case) in FORMS.items():
        response = _client(app, person, world).post(
            _url(rule, world, case), json=dict.fromkeys(fields, "x")
        )
        assert response.status_code == 415, (rule, response.status_code)
    assert _snapshot(db_session) == before


@pytest.mark.parametrize("kind", sorted(JSON_VALUES))
def test_api_bodies_refuse_hostile_values(app, client, api_token, db_session, world, kind):
    value = JSON_VALUES[kind]
    for rule, (fields, person, case) in sorted(API_FORMS.items(), key=lambda f: "contact" in f[0]):
        before = _snapshot(db_session)
        response = client.post(
            _url(rule, world, case),
            data=json.dumps(dict.fromkeys(fields, value)),  # ASCII: a lone surrogate stays escaped
            content_type="application/json",
            headers=api_token(world["people"][person]),
        )
        where = (rule, kind, response.status_code)
        if (rule, kind) in VALID_API_POSTS:
            assert response.status_code == 200, where
            continue
        assert response.status_code in REFUSED, where
        assert _snapshot(db_session) == before, where


@pytest.mark.parametrize("kind", sorted(RAW_BODIES))
def test_api_refuses_malformed_bodies(client, api_token, db_session, world, kind):
    content_type, body = RAW_BODIES[kind]
    before = _snapshot(db_session)
    for rule, (_fields, person, case) in API_FORMS.items():
        response = client.post(
            _url(rule, world, case),
            data=body,
            content_type=content_type,
            headers=api_token(world["people"][person]),
        )
        assert response.status_code in REFUSED, (rule, kind, response.status_code)
    assert _snapshot(db_session) == before


def test_a_wrong_idempotency_key_is_refused(client, api_token, world, dummy_store, customer):
    body = {
        "store_id": dummy_store.id,
        "member_id": customer.id,
        "kind": "repair",
        "channel": "call",
        "severity": "minor",
        "subject": "x",
        "description": "y",
    }
    headers = api_token(world["people"]["staff"])
    for key in ("has space", "长", "x" * 65):
        response = client.post(
            "/api/v1/renovation/cases", json=body, headers={**headers, "Idempotency-Key": key}
        )
        assert response.status_code == 422, key


@pytest.mark.parametrize(
    "query",
    [
        "state=<script>",
        "severity=%00",
        "store=99999999999999999999",
        "store=abc",
        "owner=<b>",
        "sort=drop",
        "cursor=not-a-cursor",
        "cursor=" + "A" * 5000,
        "cursor=WzEsMl0",
    ],
)
def test_list_pages_refuse_hostile_query_strings(app, client, api_token, world, query):
    staff_client = _client(app, "staff", world)
    for url in (
        "/renovation/cases",
        "/renovation/penalties",
        "/renovation/follow-ups",
        "/renovation/revisits",
    ):
        response = staff_client.get(f"{url}?{query}")
        assert response.status_code in (200, 400, 404, 422), (url, query, response.status_code)
    for url in (
        "/api/v1/renovation/cases",
        "/api/v1/renovation/penalties",
        "/api/v1/renovation/follow-ups/due",
        "/api/v1/renovation/revisits/due",
    ):
        response = client.get(f"{url}?{query}", headers=api_token(world["people"]["staff"]))
        assert response.status_code in (200, 400, 404, 422), (url, query, response.status_code)


@pytest.mark.parametrize("bad_id", [0, 2**31, 2**63, 2**70])
def test_ids_out_of_range_are_404(app, client, api_token, world, bad_id):
    staff_client = _client(app, "staff", world)
    for url in (
        f"/renovation/cases/{bad_id}",
        f"/renovation/cases/{bad_id}/close",
        f"/renovation/cases/{bad_id}/repair-notice",
        f"/renovation/penalties/{bad_id}",
        f"/renovation/customers/{bad_id}",
        f"/renovation/customers/{bad_id}/class",
        f"/renovation/projects/{bad_id}",
    ):
        assert staff_client.get(url).status_code == 404, url
    headers = api_token(world["people"]["staff"])
    assert client.get(f"/api/v1/renovation/cases/{bad_id}", headers=headers).status_code == 404


def test_scripts_saved_as_data_are_escaped(app, db_session, world, make_case, clock):
    case = make_case(subject=SCRIPT, description=SCRIPT, project=SCRIPT)
    clock.advance(timedelta(minutes=1))
    staff_client = _client(app, "staff", world)
    for url in ("/renovation/cases", f"/renovation/cases/{case.id}"):
        body = staff_client.get(url).get_data(as_text=True)
        assert SCRIPT not in body, url
        assert "&lt;script&gt;" in body, url
