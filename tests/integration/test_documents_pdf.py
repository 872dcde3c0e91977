"""portal.documents.pdf inside the portal: a page of the real layout as a PDF download (R25)."""

from __future__ import annotations

from io import BytesIO

import pytest
from flask import Flask, render_template
from pypdf import PdfReader
from werkzeug.http import parse_options_header

from portal.documents.pdf import pdf_response


def test_r25_a_portal_page_downloads_as_a_pdf_named_in_chinese(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with app.test_request_context("/privacy", headers={"Accept-Language": "en"}):
        html = render_template("web/privacy.html", version="2026-11")
        response = pdf_response(html, "隐私条款 2026-11.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition, options = parse_options_header(response.headers["Content-Disposition"])
    assert disposition == "inline"
    # RFC 5987: browsers save the UTF-8 name, older clients get the ASCII fallback
    assert "filename*=UTF-8''%E9%9A%90%E7%A7%81" in response.headers["Content-Disposition"]
    assert options["filename"] == "隐私条款 2026-11.pdf"

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    assert "Privacy terms" in text
    assert "Service records are kept for three years" in text
    # portal.css came from disk (none refused) and its print rules hid the portal's frame
    assert "refused to fetch" not in caplog.text
    assert "Log in" not in text
