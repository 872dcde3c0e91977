"""Compliance pages, on both databases: the case list, the case page with evidence, the
decision's confirmation step, the printable notice and its PDF, the member's side."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.compliance import cases, decisions
from portal.compliance.models import ComplianceCase, Notice
from portal.extensions import db
from portal.memberships.testing import active_membership, dummy_type
from portal.testing.fixtures import PASSWORD

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def dummy_case(db_session, compliance, member):
    case = cases.open_case(
        db_session,
        actor=compliance,
        data=cases.NewCase(
            member_id=member.id,
            codes=["EX-S01"],
            subject="Funds raised under the membership",
            description="Found in the audit of November.",
        ),
    )
    db_session.commit()
    return case


def test_case_list_filters_by_state_kind_and_member(app, client, login, dummy_case, member):
    login(dummy_case.opened_by)
    listed = client.get("/compliance/cases?state=open&kind=serious").get_data(as_text=True)
    assert dummy_case.number in listed
    assert dummy_case.number not in client.get("/compliance/cases?kind=fees").get_data(as_text=True)
    other = client.get(f"/compliance/cases?member={member.id + 1}").get_data(as_text=True)
    assert dummy_case.number not in other
    assert client.get("/compliance/cases?state=bogus&member=x&cursor=zz").status_code == 422


def test_open_case_page_refuses_a_missing_member_next_to_the_field(client, login, compliance):
    login(compliance)
    response = client.post(
        "/compliance/cases/new",
        data={
            "member_id": "999",
            "codes": ["EX-P02"],
            "subject": "x",
            "description": "y",
        },
    )
    assert response.status_code == 422
    assert "No member has this number." in response.get_data(as_text=True)
    assert db.session.scalar(select(ComplianceCase.id)) is None


def test_attachments_are_allow_listed_sniffed_and_downloaded_as_attachments(
    client, login, db_session, dummy_case
):
    login(dummy_case.opened_by)
    url = f"/compliance/cases/{dummy_case.id}"
    fake = client.post(
        f"{url}/attachments",
        data={"file": (io.BytesIO(b"MZ\x90"), "evil.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Attach a PDF, PNG, JPEG, DOCX or XLSX file." in fake.get_data(as_text=True)
    client.post(
        f"{url}/attachments",
        data={"file": (io.BytesIO(PNG), "凭证.png")},
        content_type="multipart/form-data",
    )
    files = cases.attachments(db_session, dummy_case)
    assert [f.filename for f in files] == ["凭证.png"]
    download = client.get(f"{url}/attachments/{files[0].id}")
    assert download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert db_session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "compliance.attachment_read")
    )


def test_r18_suspension_asks_for_confirmation_then_the_member_sees_and_acknowledges(
    client, login, db_session, dummy_case, member, admin, dummy_store, store_manager
):
    mtype = dummy_type(db_session, admin=admin, store=dummy_store)
    active_membership(db_session, member=member, mtype=mtype, reviewer=store_manager)
    db_session.commit()
    login(dummy_case.opened_by)
    url = f"/compliance/cases/{dummy_case.id}/decision"
    assert "Suspension of the membership" in client.get(url).get_data(as_text=True)
    data = {
        "measures": ["suspension"],
        "reasons": "Illegal fund-raising under the membership.",
        "override_reason": "",
        "starts_on": "2026-11-24",
        "ends_on": "2027-02-23",
    }
    unconfirmed = client.post(url, data=data)
    assert unconfirmed.status_code == 422
    assert "I confirm: this suspends or revokes the membership." in unconfirmed.get_data(
        as_text=True
    )
    assert db_session.scalar(select(Notice.id)) is None
    done = client.post(url, data={**data, "confirm": "y"})
    assert done.status_code == 302, done.get_data(as_text=True)
    notice = db_session.scalar(select(Notice))
    assert notice.number == "HG-2026-000001"

    client.post("/logout")
    client.post("/login", data={"login": member.user.login, "password": PASSWORD})
    own = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert "HG-2026-000001" in own
    assert "Not acknowledged" in own or "未签收" in own
    page = client.get(f"/compliance/notices/{notice.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "暂停会员资格" in text or "Suspension" in text
    ack = client.post(
        f"/compliance/notices/{notice.id}/acknowledgement",
    )
    assert ack.status_code == 302
    db_session.expire_all()
    assert db_session.get(Notice, notice.id).acknowledged_at is not None
    pdf = client.get(f"/compliance/notices/{notice.id}.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert decisions.proposal_for(db_session, dummy_case).basis.value == "first"
    assert date(2026, 11, 24) == notice.measures[0].starts_on
