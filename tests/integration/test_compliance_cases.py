"""Compliance cases through the API, on both databases (R17-R21, R25): from opening to a
numbered notice, acknowledgement and appeal, the ladder's proposal, R19 and the effects."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.compliance.models import DecidedMeasure
from portal.memberships import lifecycle
from portal.memberships.models import EntryKind, LedgerEntry
from portal.memberships.status import MembershipStatus
from portal.memberships.testing import active_membership, dummy_type
from portal.notifications.models import Notification
from portal.sla.models import SlaTask

API = "/api/v1/compliance"


@pytest.fixture
def officer(api_token, compliance):
    return api_token(compliance)


@pytest.fixture
def membership(db_session, member, admin, dummy_store, store_manager, finance):
    mtype = dummy_type(db_session, admin=admin, store=dummy_store)
    membership = active_membership(
        db_session, member=member, mtype=mtype, reviewer=store_manager, finance=finance
    )
    db_session.commit()
    return membership


def _ledger(session, membership, kind):
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.membership_id == membership.id, LedgerEntry.kind == kind)
            .order_by(LedgerEntry.id)
        )
    )


def _open(client, headers, member, codes, gain=None):
    body = {
        "member_id": member.id,
        "codes": codes,
        "subject": "Trades without instruction",
        "description": "Three accounts traded on 2026-11-20 without the traders' orders.",
        "illicit_gain": gain,
    }
    response = client.post(f"{API}/cases", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _decide(client, headers, case_id, **body):
    body.setdefault("reasons", "Established by the evidence notes.")
    return client.post(f"{API}/cases/{case_id}/decision", json=body, headers=headers)


def test_r18_r25_case_to_numbered_notice_acknowledged_appealed_and_dismissed(
    client, db_session, officer, api_token, member, make_member, hq_head
):
    case = _open(client, officer, member, ["EX-P02"])
    assert case["number"] == "HGAJ-2026-000001"
    assert case["proposal"] == {"measures": ["written_circular"], "basis": "first"}
    noted = client.post(
        f"{API}/cases/{case['id']}/notes", json={"text": "Call logs"}, headers=officer
    )
    assert noted.status_code == 201

    issued = _decide(client, officer, case["id"], measures=["written_circular"])
    assert issued.status_code == 201, issued.get_json()
    notice = issued.get_json()
    assert notice["number"] == "HG-2026-000001"
    assert notice["kind"] == "circular"
    assert notice["appeal_until"] == "2026-12-08"  # 15 calendar days after 23 November
    assert client.get(f"{API}/cases/{case['id']}", headers=officer).get_json()["state"] == "decided"
    told = db_session.scalars(
        select(Notification).where(Notification.kind == "compliance.notice_issued")
    )
    assert [n.recipient_member_id for n in told] == [member.id]

    holder = api_token(member.user)
    mine = client.get(f"{API}/notices", headers=holder).get_json()["items"]
    assert [n["number"] for n in mine] == ["HG-2026-000001"]
    ack = client.post(f"{API}/notices/{notice['id']}/acknowledgement", headers=holder)
    assert ack.status_code == 200
    assert ack.get_json()["acknowledged_at"]
    assert (
        client.post(f"{API}/notices/{notice['id']}/acknowledgement", headers=holder).status_code
        == 409
    )
    appeal = client.post(
        f"{API}/notices/{notice['id']}/appeal",
        json={"grounds": "The orders were given by phone."},
        headers=holder,
    )
    assert appeal.status_code == 201
    appeal_id = appeal.get_json()["id"]

    own = client.post(
        f"{API}/appeals/{appeal_id}/decision",
        json={"outcome": "dismissed", "reasons": "x"},
        headers=officer,
    )
    assert own.status_code == 403  # the issuing officer does not decide the appeal
    head = api_token(hq_head)
    assert [a["id"] for a in client.get(f"{API}/appeals", headers=head).get_json()["items"]] == [
        appeal_id
    ]
    dismissed = client.post(
        f"{API}/appeals/{appeal_id}/decision",
        json={"outcome": "dismissed", "reasons": "No phone record exists."},
        headers=head,
    )
    assert dismissed.status_code == 200
    assert dismissed.get_json()["state"] == "dismissed"
    assert db_session.scalar(
        select(Notification.id).where(Notification.kind == "compliance.appeal_dismissed")
    )
    actions = set(db_session.scalars(select(AuditEvent.action)))
    assert {
        "compliance.case_opened",
        "compliance.note_added",
        "compliance.decided",
        "compliance.notice_issued",
        "compliance.notice_acknowledged",
        "compliance.appeal_lodged",
        "compliance.appeal_dismissed",
    } <= actions
    # the member reads the notice, not the case; another member reads neither
    assert client.get(f"{API}/cases/{case['id']}", headers=holder).status_code == 404
    other = api_token(make_member(full_name="李建华", mobile="13900139000").user)
    assert client.get(f"{API}/notices/{notice['id']}", headers=other).status_code == 404


def test_r18_repeat_proposes_higher_and_another_choice_needs_a_reason(client, officer, member):
    first = _open(client, officer, member, ["EX-P02"])
    assert _decide(client, officer, first["id"], measures=["written_circular"]).status_code == 201
    second = _open(client, officer, member, ["EX-P02"])
    assert second["proposal"]["measures"] == ["mandatory_training"]
    assert second["proposal"]["basis"] == "repeat"
    refused = _decide(client, officer, second["id"], measures=["written_circular"])
    assert refused.status_code == 422
    assert "override_reason" in refused.get_json()["errors"]["json"]
    not_allowed = _decide(
        client, officer, second["id"], measures=["oral_warning"], override_reason="x"
    )
    assert "measures" in not_allowed.get_json()["errors"]["json"]
    chosen = _decide(
        client,
        officer,
        second["id"],
        measures=["written_circular"],
        override_reason="First relapse in years",
    )
    assert chosen.status_code == 201


def test_r20_fee_failure_proposes_warning_talk_and_training(client, officer, member):
    case = _open(client, officer, member, ["EX-F02"])
    assert case["proposal"] == {"measures": ["oral_warning", "mandatory_training"], "basis": "fees"}


def test_r18_compensation_is_at_least_the_illicit_gain_and_offsets_the_deposit(
    client, db_session, officer, member, membership
):
    case = _open(client, officer, member, ["EX-P06"], gain="12000.50")
    assert "compensation" in case["proposal"]["measures"]
    measures = case["proposal"]["measures"]
    low = _decide(client, officer, case["id"], measures=measures, compensation="12000.49")
    assert "compensation" in low.get_json()["errors"]["json"]
    ok = _decide(
        client, officer, case["id"], measures=measures, compensation="12000.50", offset_deposit=True
    )
    assert ok.status_code == 201, ok.get_json()
    row = db_session.scalar(select(DecidedMeasure).where(DecidedMeasure.measure == "compensation"))
    assert row.amount == Decimal("12000.50")
    assert row.offset_against_deposit
    db_session.expire_all()
    offsets = _ledger(db_session, membership, EntryKind.OFFSET)
    assert [(e.amount, e.source) for e in offsets] == [
        (Decimal("12000.50"), f"notice:{ok.get_json()['number']}")
    ]


def test_r18_suspension_suspends_the_membership_for_its_period(
    client, db_session, officer, member, membership
):
    case = _open(client, officer, member, ["EX-S01"])
    start, end = date(2026, 11, 24), date(2026, 12, 23)
    response = _decide(
        client,
        officer,
        case["id"],
        measures=["suspension"],
        override_reason="Serious: suspend at once",
        starts_on=start.isoformat(),
        ends_on=end.isoformat(),
    )
    assert response.status_code == 201, response.get_json()
    db_session.expire_all()
    assert lifecycle.is_suspended(membership, start)
    assert lifecycle.is_suspended(membership, end)
    assert not lifecycle.is_suspended(membership, end + timedelta(days=1))


def test_r19_rectification_runs_on_the_sla_and_failing_it_revokes_with_the_refund_schedule(
    client, db_session, clock, officer, api_token, compliance, member, membership
):
    case = _open(client, officer, member, ["EX-R01"])
    early = client.post(
        f"{API}/cases/{case['id']}/rectification",
        json={
            "requirement": "Report the new legal representative in writing.",
            "deadline": "2026-11-23",
        },
        headers=officer,
    )
    assert "deadline" in early.get_json()["errors"]["json"]
    key = {**officer, "Idempotency-Key": "rect-1"}
    body = {
        "requirement": "Report the new legal representative in writing.",
        "deadline": "2026-11-30",
    }
    issued = client.post(f"{API}/cases/{case['id']}/rectification", json=body, headers=key)
    again = client.post(f"{API}/cases/{case['id']}/rectification", json=body, headers=key)
    assert issued.status_code == again.status_code == 201
    assert issued.get_json()["id"] == again.get_json()["id"]
    notice = issued.get_json()
    assert notice["kind"] == "rectification"
    # due at the end of 30 November in Shanghai: 16:00 UTC
    assert notice["rectification"]["due_at"] == "2026-11-30T16:00:00+00:00"
    task = db_session.scalar(select(SlaTask).where(SlaTask.policy == "compliance_rectification"))
    assert task.due_at.isoformat() == "2026-11-30T16:00:00+00:00"
    blocked = _decide(client, officer, case["id"], measures=["revocation"])
    assert blocked.status_code == 409
    outcome = {"rectified": False, "note": "Nothing was reported."}
    too_soon = client.post(
        f"{API}/cases/{case['id']}/rectification/outcome", json=outcome, headers=officer
    )
    assert too_soon.status_code == 422
    clock.advance(timedelta(days=8))
    officer = api_token(compliance)  # test tokens last a day
    recorded = client.post(
        f"{API}/cases/{case['id']}/rectification/outcome", json=outcome, headers=officer
    )
    assert recorded.status_code == 200
    assert recorded.get_json()["proposal"] == {"measures": ["revocation"], "basis": "not_rectified"}
    revoked = _decide(client, officer, case["id"], measures=["revocation"])
    assert revoked.status_code == 201, revoked.get_json()
    db_session.expire_all()
    assert lifecycle.status_of(membership, date(2026, 12, 2)) is MembershipStatus.REVOKED
    scheduled = [
        (e.amount, e.due_on) for e in _ledger(db_session, membership, EntryKind.REFUND_SCHEDULED)
    ]
    assert scheduled == [
        (Decimal("40000.00"), date(2027, 4, 1)),
        (Decimal("60000.00"), date(2027, 6, 1)),
    ]


def test_appeal_after_the_window_is_refused_with_its_date(
    client, clock, officer, api_token, member
):
    case = _open(client, officer, member, ["EX-P02"])
    notice = _decide(client, officer, case["id"], measures=["written_circular"]).get_json()
    clock.advance(timedelta(days=16))
    late = client.post(
        f"{API}/notices/{notice['id']}/appeal",
        json={"grounds": "Late."},
        headers={**api_token(member.user), "Accept-Language": "en"},
    )
    assert late.status_code == 422
    assert "Dec 8, 2026" in str(late.get_json()["errors"])
