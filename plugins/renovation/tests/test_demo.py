"""The renovation demo on top of the core's (``flask portal setup``): every flow has
something to show at XA01, and the vertical's pages answer its logins."""

from __future__ import annotations

from portal_renovation.models import (
    CaseState,
    ClassedCustomer,
    ClassLead,
    PenaltyNotice,
    Project,
    RenovationCase,
    Route,
)
from sqlalchemy import func, select

#: every demo login's password (the README's table)
DEMO_PASSWORD = "huiyuan-demo"
PAGES = [
    "/renovation/cases",
    "/renovation/penalties",
    "/renovation/follow-ups",
    "/renovation/revisits",
    "/renovation/leads",
]


def test_the_demo_shows_every_renovation_flow(app, runner, db_session):
    result = runner.invoke(args=["portal", "setup"])
    assert result.exit_code == 0, result.output
    cases = list(db_session.scalars(select(RenovationCase).order_by(RenovationCase.id)))
    routes = {c.route for c in cases}
    assert {Route.SUPERVISOR, Route.VENDOR, Route.PROMISE} <= routes
    assert any(c.escalated_at and c.state == CaseState.CLOSED for c in cases)
    assert db_session.scalar(select(func.count(PenaltyNotice.id))) == 1
    assert db_session.scalar(select(func.count(ClassedCustomer.member_id))) >= 2
    assert db_session.scalar(select(func.count(ClassLead.id))) == 3
    assert db_session.scalar(select(func.count(Project.id))) == 2
    for login in ("manager.xa", "staff.xa", "hq.service"):
        client = app.test_client()
        response = client.post("/login", data={"login": login, "password": DEMO_PASSWORD})
        assert response.status_code == 302
        for url in PAGES:
            assert client.get(url).status_code == 200, (login, url)
        for case in cases:
            assert client.get(f"/renovation/cases/{case.id}").status_code == 200, (login, case)
