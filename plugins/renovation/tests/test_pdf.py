"""The printable notices as PDF: same template, same scope, Chinese kept as text (R23-R25)."""

from __future__ import annotations

from io import BytesIO

import pytest
from portal_renovation import services
from portal_renovation.models import PenaltyNotice
from pypdf import PdfReader


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_r23_r25_the_repair_notice_downloads_as_a_pdf_of_its_printable_page(
    client, login, staff, dummy_repair, db_session
):
    services.route_repair(
        db_session,
        actor=staff,
        case=dummy_repair,
        responsible="vendor",
        vendor_name="欧派橱柜",
        repair_work="更换门铰链",
    )
    db_session.commit()
    login(staff)
    page = client.get(f"/renovation/cases/{dummy_repair.id}/repair-notice")
    assert f"/renovation/cases/{dummy_repair.id}/repair-notice.pdf" in page.get_data(as_text=True)

    response = client.get(f"/renovation/cases/{dummy_repair.id}/repair-notice.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "inline; filename=ZXWX-2026-000001.pdf"
    text = _text(response.data)
    for shown in ("ZXWX-2026-000001", "欧派橱柜", "更换门铰链", "王建国", "橱柜门脱落"):
        assert shown in text
    # the portal around the notice (navigation, language form) is left out, as in print
    assert staff.display_name not in text


def test_r23_a_case_without_a_repair_notice_has_no_pdf(client, login, staff, dummy_repair):
    login(staff)
    assert client.get(f"/renovation/cases/{dummy_repair.id}/repair-notice.pdf").status_code == 404


@pytest.fixture
def notice(db_session, store_manager, staff, dummy_case) -> PenaltyNotice:
    """A penalty notice the store manager issued to ``staff``."""
    notice = services.issue_penalty(
        db_session,
        actor=store_manager,
        case=dummy_case,
        employee_id=staff.id,
        reason="推诿客户",
        measure="罚款200元",
    )
    db_session.commit()
    return notice


def test_r24_r25_the_penalty_notice_pdf_is_for_its_readers_only(
    client, login, staff, colleague, notice
):
    url = f"/renovation/penalties/{notice.id}.pdf"
    login(colleague)
    assert client.get(url).status_code == 404
    client.post("/logout")
    login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    text = _text(response.data)
    assert notice.number in text
    assert "推诿客户" in text


def test_r24_r25_the_api_hands_out_the_same_pdf_to_the_same_readers(
    client, api_token, staff, colleague, notice
):
    url = f"/api/v1/renovation/penalties/{notice.id}.pdf"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=api_token(colleague)).status_code == 404
    response = client.get(url, headers=api_token(staff))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "推诿客户" in _text(response.data)
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/renovation/penalties/{penalty_id}.pdf"]["get"]
    assert "application/pdf" in operation["responses"]["200"]["content"]
