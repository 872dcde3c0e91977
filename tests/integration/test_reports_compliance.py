"""The compliance report (R18, R19) on a hand-computed data set: the same figures on SQLite
and PostgreSQL, in the page, the CSV and the API; store scope and 404 for everyone else;
wrong months refused next to the field; a fixed number of queries."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import event

from portal.accounts.roles import Role
from portal.compliance.catalogue import Measure
from portal.compliance.models import (
    ComplianceCase,
    DecidedMeasure,
    Notice,
    Rectification,
    RectificationState,
)
from portal.extensions import db
from portal.reports import compliance as reports
from portal.testing.fixtures import START


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def dataset(db_session, dummy_store, other_store, make_member, compliance):
    """Both stores on Shanghai time; START is 10:00 on Monday 23 November there.

    XA01  A: opened 2026-10-31 16:30 UTC (= 1 Nov 00:30 local: November), decided 10 Nov:
             oral warning + mandatory training
          B: opened 15 Sep, decided 2026-10-31 15:59 UTC (= 23:59 local: October): suspension
          C: opened 20 Nov, open rectification due 20 Nov (overdue by 3 days)
          D: opened October 2025, before the default period (Dec 2025 .. Nov 2026)
    BJ01  E: opened 5 Nov, decided 6 Nov: revocation; rectifications due 23 Nov (today)
             and 2 Dec (9 days left), and one due 1 Nov already rectified (not listed)
    """
    xa = make_member("李雷", "13800000011", store=dummy_store)
    bj = make_member("韩梅梅", "13800000012", store=other_store)
    numbers = count(1)

    def case(store, member, opened, decided=None):
        row = ComplianceCase(
            number=f"HGAJ-2026-{next(numbers):06d}",
            store_id=store.id,
            member_id=member.id,
            subject="s",
            description="d",
            state="decided" if decided else "open",
            opened_by_id=compliance.id,
            created_at=opened,
            updated_at=decided or opened,
            decided_at=decided,
        )
        db_session.add(row)
        db_session.flush()
        return row

    def notice(row, kind, issued):
        doc = Notice(
            number=f"HG-2026-{next(numbers):06d}",
            kind=kind,
            case_id=row.id,
            member_id=row.member_id,
            store_id=row.store_id,
            reasons="r",
            issued_by_id=compliance.id,
            issued_at=issued,
            appeal_until=issued.date() + timedelta(days=15),
        )
        db_session.add(doc)
        db_session.flush()
        return doc

    def decide(row, *measures):
        doc = notice(row, "decision", row.decided_at)
        for measure in measures:
            db_session.add(
                DecidedMeasure(
                    notice_id=doc.id,
                    case_id=row.id,
                    member_id=row.member_id,
                    measure=measure,
                    level=list(Measure).index(measure),
                    decided_at=row.decided_at,
                )
            )

    def rectify(row, deadline, state=RectificationState.OPEN):
        doc = notice(row, "rectification", row.created_at)
        db_session.add(
            Rectification(
                notice_id=doc.id,
                case_id=row.id,
                requirement="report the change of capital",
                deadline=deadline,
                due_at=datetime.combine(deadline, datetime.min.time(), UTC) + timedelta(hours=16),
                state=state,
                created_at=row.created_at,
            )
        )
        return doc

    a = case(dummy_store, xa, at(2026, 10, 31, 16, 30), at(2026, 11, 10, 3))
    decide(a, Measure.ORAL_WARNING, Measure.MANDATORY_TRAINING)
    b = case(dummy_store, xa, at(2026, 9, 15, 2), at(2026, 10, 31, 15, 59))
    decide(b, Measure.SUSPENSION)
    c = case(dummy_store, xa, at(2026, 11, 20, 2))
    c_notice = rectify(c, date(2026, 11, 20))
    case(dummy_store, xa, at(2025, 10, 1, 2))
    e = case(other_store, bj, at(2026, 11, 5, 2), at(2026, 11, 6, 2))
    decide(e, Measure.REVOCATION)
    rectify(e, date(2026, 12, 2))
    rectify(e, date(2026, 11, 23))
    rectify(e, date(2026, 11, 1), RectificationState.RECTIFIED)
    db_session.commit()
    return {"c": c, "c_notice": c_notice}


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def figures(row) -> tuple[int, int, list[int]]:
    return row.opened, row.decided, list(row.measures.values())


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    sent: list[str] = []

    def note(conn, cursor, statement, *args) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def compliance_reads(sent: list[str]) -> list[str]:
    return [sql for sql in sent if "compliance_" in sql]


def last_12_months():
    return reports.default_months(date(2026, 11, 23))


def test_r18_cases_and_measures_per_month_in_the_store_zone(db_session, dataset, compliance):
    with statements() as sent:
        report = reports.case_report(db_session, actor=compliance, period=last_12_months())
    assert len(compliance_reads(sent)) == 1  # one UNION ALL: never one per month
    rows = {str(row.month): row for row in report.rows}
    assert list(rows) == ["2025-12", *(f"2026-{m:02d}" for m in range(1, 12))]
    # ladder order: oral, circular, training, suspension, revocation, compensation, referral
    assert figures(rows["2026-11"]) == (3, 2, [1, 0, 1, 0, 1, 0, 0])
    assert figures(rows["2026-10"]) == (0, 1, [0, 0, 0, 1, 0, 0, 0])
    assert figures(rows["2026-09"]) == (1, 0, [0] * 7)
    assert figures(report.total) == (4, 3, [1, 0, 1, 1, 1, 0, 0])


def test_r19_open_rectifications_by_due_date_paged(db_session, dataset, compliance):
    with statements() as sent:
        first = reports.open_rectifications(db_session, actor=compliance, now=START, limit=2)
    assert len(compliance_reads(sent)) == 3  # counts, the page, its notices: none per row
    assert [(r.deadline, r.days_left) for r in first.page.items] == [
        (date(2026, 11, 20), -3),
        (date(2026, 11, 23), 0),
    ]
    assert first.page.items[0].case_number == dataset["c"].number
    assert first.page.items[0].notice_number == dataset["c_notice"].number
    assert first.page.items[0].member_name == "李雷"
    assert [(w.week, w.count) for w in first.weeks] == [
        (None, 1),
        (date(2026, 11, 23), 1),
        (date(2026, 11, 30), 1),
    ]
    rest = reports.open_rectifications(
        db_session, actor=compliance, now=START, limit=2, cursor=first.page.next_cursor
    )
    assert [(r.deadline, r.days_left) for r in rest.page.items] == [(date(2026, 12, 2), 9)]
    assert rest.page.next_cursor is None
    assert rest.total == 3


def test_r18_page_csv_and_api_give_the_same_figures(login, client, api_token, dataset, hq_head):
    response = login(hq_head).get("/reports/compliance")
    assert response.status_code == 200
    page = text_of(response)
    assert page.count("<svg") == 2
    assert "<script" not in page
    assert "Suspension of the membership" in page
    assert "Overdue by 3 days" in page
    assert "Last day today" in page
    assert "9 days left" in page
    assert dataset["c"].number in page

    response = client.get("/reports/compliance.csv?from=2026-09&to=2026-11")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Month", "Cases opened", "Cases decided", "Oral warning"]
    assert [row[:3] for row in rows[1:]] == [
        ["2026-09", "1", "0"],
        ["2026-10", "0", "1"],
        ["2026-11", "3", "2"],
        ["All", "4", "3"],
    ]
    assert rows[3][3:] == ["1", "0", "1", "0", "1", "0", "0"]

    headers = api_token(hq_head)
    body = client.get("/api/v1/reports/compliance?from=2026-09&to=2026-11", headers=headers).json
    assert body["period"] == {"first": "2026-09", "last": "2026-11"}
    november = body["rows"][2]
    assert (november["month"], november["opened"], november["decided"]) == ("2026-11", 3, 2)
    assert [(m["measure"], m["level"], m["count"]) for m in november["measures"]][:3] == [
        ("oral_warning", 0, 1),
        ("written_circular", 1, 0),
        ("mandatory_training", 2, 1),
    ]
    assert body["total"]["month"] is None
    assert body["total"]["opened"] == 4
    body = client.get("/api/v1/reports/compliance/rectifications?limit=1", headers=headers).json
    assert [(i["deadline"], i["days_left"], i["overdue"]) for i in body["items"]] == [
        ("2026-11-20", -3, True)
    ]
    assert body["next_cursor"]
    assert body["total"] == 3
    assert body["weeks"][0] == {"week": None, "count": 1}


def test_r18_only_report_holders_in_their_stores(
    login, client, api_token, dataset, make_user, dummy_store, other_store, staff, finance
):
    local = make_user("compliance.xa", Role.COMPLIANCE, dummy_store)
    page = text_of(login(local).get("/reports/compliance"))
    assert dataset["c"].number in page  # XA01's case C
    assert "韩梅梅" not in page  # BJ01's member
    report = reports.case_report(db.session, actor=local, period=last_12_months())
    assert figures(report.total)[:2] == (3, 2)  # A, B, C opened in the period; A, B decided
    assert login(local).get(f"/reports/compliance?store_id={other_store.id}").status_code == 404
    headers = api_token(local)
    for url in (
        f"/api/v1/reports/compliance?store_id={other_store.id}",
        f"/api/v1/reports/compliance/rectifications?store_id={other_store.id}",
        "/api/v1/reports/compliance?store_id=99999",
    ):
        assert client.get(url, headers=headers).status_code == 404, url
    for outsider in (staff, finance):
        assert login(outsider).get("/reports/compliance").status_code == 404
        headers = api_token(outsider)
        assert client.get("/api/v1/reports/compliance", headers=headers).status_code == 404
        assert (
            client.get("/api/v1/reports/compliance/rectifications", headers=headers).status_code
            == 404
        )


def test_r18_wrong_months_are_refused_next_to_the_field(login, client, api_token, hq_head):
    hq = login(hq_head)
    headers = api_token(hq_head)
    for query, message in (
        ("from=2026-13", "Enter a month as YYYY-MM"),
        ("from=2026-11&to=2026-01", "The last month is before the first month."),
        ("from=2023-11&to=2026-11", "Choose a period of at most 36 months."),
    ):
        response = hq.get(f"/reports/compliance?{query}")
        assert response.status_code == 422, query
        assert '<p class="error" id="' in response.get_data(as_text=True)
        assert message in text_of(response)
        response = client.get(f"/api/v1/reports/compliance?{query}", headers=headers)
        assert response.status_code == 422, query
        assert message in str(response.json)
