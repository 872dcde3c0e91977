"""The SLA report (R5, R6) on a hand-computed data set: the same figures on SQLite and
PostgreSQL, in the page, the CSV and the API; a chart without scripts."""

from __future__ import annotations

import csv
import html
import io
from datetime import timedelta

import pytest

from portal.accounts.roles import Role
from portal.reports import services
from portal.sla.models import EventKind, SlaTask, SlaTaskEvent
from portal.testing.fixtures import START

H = 3600.0


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def dataset(db_session, dummy_store, other_store, store_manager, make_user, hq_service):
    """Store XA01 (reviewer: manager), store BJ01 (reviewer: other.manager).

    XA01 vip_review decided in: 1, 2, 3, 4 h; 10 h with 5 h paused (= 5 h); 14 h (late).
      -> median 3.5 h, p90 4.5th rank = 5 + 0.5 * 9 = 9.5 h, within 5/6
      breaches: the late one (decided) + one still open -> 2, 1 open
    BJ01 vip_review decided in 6 and 8 h -> median 7 h, p90 7.8 h, within 2/2, no breach
    Outside the report: a task decided 40 days ago; an account_opening task (other policy).
    """
    other_manager = make_user("other.manager", Role.STORE_MANAGER, other_store)
    subject = iter(range(1, 1000))

    def task(store, reviewer, hours, *, days_ago=1, policy="vip_review", paused=0.0, late=False):
        completed = START - timedelta(days=days_ago)
        started = completed - timedelta(hours=hours)
        row = SlaTask(
            policy=policy,
            subject_type="test",
            subject_id=next(subject),
            store_id=store.id,
            title="t",
            state="done",
            started_at=started,
            due_at=started + timedelta(hours=12 + paused),
            escalation_level=0,
            completed_at=completed,
            completed_by_id=reviewer.id,
            outcome="approved",
            within_sla=not late,
            breached_at=started + timedelta(hours=12) if late else None,
            created_at=started,
            updated_at=completed,
        )
        db_session.add(row)
        db_session.flush()
        if paused:
            pause_at = started + timedelta(hours=2)
            db_session.add_all(
                [
                    SlaTaskEvent(task_id=row.id, at=pause_at, kind=EventKind.PAUSED),
                    SlaTaskEvent(
                        task_id=row.id,
                        at=pause_at + timedelta(hours=paused),
                        kind=EventKind.RESUMED,
                    ),
                ]
            )
        return row

    for hours in (1, 2, 3, 4):
        task(dummy_store, store_manager, hours)
    task(dummy_store, store_manager, 10, paused=5)
    task(dummy_store, store_manager, 14, late=True)
    task(other_store, other_manager, 6)
    task(other_store, other_manager, 8)
    task(dummy_store, store_manager, 1, days_ago=40)
    task(dummy_store, hq_service, 2, policy="account_opening")
    started = START - timedelta(hours=20)
    db_session.add(
        SlaTask(
            policy="vip_review",
            subject_type="test",
            subject_id=next(subject),
            store_id=dummy_store.id,
            title="open",
            state="open",
            started_at=started,
            due_at=started + timedelta(hours=12),
            escalation_level=1,
            breached_at=started + timedelta(hours=12),
            created_at=started,
            updated_at=started,
        )
    )
    db_session.commit()
    return {"other_manager": other_manager}


def figures(row):
    return (
        row.decided,
        row.within_sla,
        row.median_seconds,
        row.p90_seconds,
        row.breaches,
        row.open_breaches,
    )


def test_r5_report_per_store_matches_the_hand_computed_figures(
    db_session, dataset, hq_service, dummy_store, other_store
):
    report = services.sla_report(
        db_session,
        actor=hq_service,
        period=services.default_period(START.date()),
        policy="vip_review",
    )
    rows = {row.key: row for row in report.rows}
    assert figures(rows[dummy_store.id]) == (6, 5, 3.5 * H, 9.5 * H, 2, 1)
    assert rows[dummy_store.id].within_share == pytest.approx(5 / 6)
    assert figures(rows[other_store.id]) == (2, 2, 7 * H, pytest.approx(7.8 * H), 0, 0)
    # all stores: 1 2 3 4 5 6 8 14 -> median 4.5, p90 rank 6.3 -> 8 + 0.3 * 6 = 9.8
    assert figures(report.total) == (8, 7, 4.5 * H, pytest.approx(9.8 * H), 2, 1)


def test_r5_report_per_reviewer(db_session, dataset, hq_service, store_manager):
    report = services.sla_report(
        db_session,
        actor=hq_service,
        period=services.default_period(START.date()),
        policy="vip_review",
        group_by=services.GroupBy.REVIEWER,
    )
    rows = {row.key: row for row in report.rows}
    assert figures(rows[store_manager.id]) == (6, 5, 3.5 * H, 9.5 * H, 1, 0)
    assert figures(rows[dataset["other_manager"].id])[:2] == (2, 2)
    assert figures(rows[None]) == (0, 0, None, None, 1, 1)  # the breach nobody decided yet


def test_r6_report_of_account_opening_only(db_session, dataset, hq_service, dummy_store):
    report = services.sla_report(
        db_session,
        actor=hq_service,
        period=services.default_period(START.date()),
        policy="account_opening",
    )
    assert [(r.key, r.decided, r.median_seconds) for r in report.rows] == [
        (dummy_store.id, 1, 2 * H)
    ]


def test_r5_managers_see_only_their_stores(
    login, client, api_token, dataset, store_manager, dummy_store, other_store
):
    page = text_of(login(store_manager).get("/reports/sla?policy=vip_review"))
    assert dummy_store.name in page
    assert other_store.name not in page
    assert login(store_manager).get(f"/reports/sla?store={other_store.id}").status_code == 404
    headers = api_token(store_manager)
    assert (
        client.get(f"/api/v1/reports/sla?store={other_store.id}", headers=headers).status_code
        == 404
    )


def test_r5_staff_have_no_report(login, staff):
    assert login(staff).get("/reports/sla").status_code == 404


def test_r5_report_page_has_the_table_and_an_svg_chart_without_scripts(login, dataset, hq_service):
    response = login(hq_service).get("/reports/sla?policy=vip_review")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<svg" in page
    assert "<script" not in page
    assert "3:30" in page  # XA01's median, hours:minutes
    assert "9:30" in page  # XA01's 90th percentile
    assert "83.3 %" in page
    assert "script-src" not in response.headers["Content-Security-Policy"]


def test_r5_csv_has_the_same_figures(login, dataset, hq_service, dummy_store):
    response = login(hq_service).get("/reports/sla.csv?policy=vip_review")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    by_label = {row[0]: row for row in rows[1:]}
    assert by_label[dummy_store.name][1:] == ["6", "5", "0.8333", "3.50", "9.50", "2", "1"]
    assert by_label["All"][1:3] == ["8", "7"]


def test_r5_api_gives_the_same_figures(client, api_token, dataset, hq_service, dummy_store):
    response = client.get(
        "/api/v1/reports/sla?policy=vip_review&group=store", headers=api_token(hq_service)
    )
    assert response.status_code == 200, response.json
    rows = {row["key"]: row for row in response.json["rows"]}
    row = rows[dummy_store.id]
    assert (row["decided"], row["within_sla"], row["breaches"], row["open_breaches"]) == (
        6,
        5,
        2,
        1,
    )
    assert row["median_seconds"] == 3.5 * H
    assert row["p90_seconds"] == 9.5 * H
    assert response.json["period"] == {"start": "2026-10-25", "end": "2026-11-23"}


def test_r5_period_filters(login, client, api_token, db_session, dataset, hq_service):
    hq = login(hq_service)
    response = hq.get("/reports/sla?start=2026-11-20&end=2026-11-01")
    assert response.status_code == 422
    older = services.sla_report(
        db_session,
        actor=hq_service,
        period=services.Period(
            START.date() - timedelta(days=45), START.date() - timedelta(days=35)
        ),
        policy="vip_review",
    )
    assert older.total.decided == 1
    response = client.get(
        "/api/v1/reports/sla?start=2026-11-20&end=2026-11-01", headers=api_token(hq_service)
    )
    assert response.status_code == 422


def test_r5_a_period_with_breaches_but_no_decision_still_renders(
    login, db_session, hq_service, dummy_store
):
    started = START - timedelta(hours=20)
    db_session.add(
        SlaTask(
            policy="vip_review",
            subject_type="test",
            subject_id=1,
            store_id=dummy_store.id,
            title="open",
            state="open",
            started_at=started,
            due_at=started + timedelta(hours=12),
            escalation_level=1,
            breached_at=started + timedelta(hours=12),
            created_at=started,
            updated_at=started,
        )
    )
    db_session.commit()
    response = login(hq_service).get("/reports/sla")
    assert response.status_code == 200
    assert "<svg" in response.get_data(as_text=True)
