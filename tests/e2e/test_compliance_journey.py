"""A compliance case in the browser (issue 6, R17-R21, R25): an officer opens a case against
a member firm, adds an evidence note and decides a written circular; the numbered notice
shows on the firm's page, the firm acknowledges it and appeals, the PDF answers as a PDF,
and the head of service dismisses the appeal.

The journey opens its own store; the accounts and the member firm are built through the
services, as an operator would.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portal.testing.fixtures import PASSWORD

pytestmark = pytest.mark.e2e

FIRM = "赵德明"
MOBILE = "13633445566"
NUMBER = re.compile(r"HG-\d{4}-\d{6}")


def _build(live_server: Any, live_data: Any) -> dict[str, Any]:
    """Store, compliance officer, head of service and a self-registered member firm."""
    from portal.extensions import db
    from portal.members.services import Registration, register_member

    store_id = live_data.store("HG01", "交易所会员二部")
    officer = live_data.user("hg_officer", "Officer He", "compliance")
    head = live_data.user("hg_head", "Head Han", "hq_head")
    with live_server.app.app_context():
        member = register_member(
            db.session,
            data=Registration(
                full_name=FIRM, mobile=MOBILE, store_id=store_id, password=PASSWORD, consent=True
            ),
            terms_version="test",
        )
        db.session.commit()
        member_id = member.id
        db.session.remove()
    return {"officer": officer, "head": head, "member_id": member_id}


def log_out(page: Page) -> None:
    page.get_by_role("banner").locator("form[action$='/logout'] button").click()


def test_officer_decides_a_circular_member_acknowledges_and_appeals_head_dismisses(
    page: Page, live_server: Any, live_data: Any, log_in: Any
) -> None:
    who = _build(live_server, live_data)

    # the officer opens the case from the case list, citing a prohibited act
    log_in(page, who["officer"])
    page.goto("/compliance/cases")
    page.get_by_role("link", name="Open a case").click()
    page.get_by_label("Member number").fill(str(who["member_id"]))
    page.get_by_label("Subject").fill("Trades without the traders' instruction")
    page.get_by_label("What was found").fill("Three accounts traded on 20 November without orders.")
    page.get_by_label(re.compile(r"^EX-P02 ·")).check()
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("status")).to_contain_text("opened")
    expect(page.locator(".proposal")).to_have_text("Written circular")

    page.get_by_label("Evidence note").fill("Call recordings of 20 November, no orders given.")
    page.get_by_role("button", name="Add the note").click()
    expect(page.locator("blockquote")).to_contain_text("Call recordings")

    # the decision form comes pre-filled with the ladder's proposal
    page.get_by_role("link", name="Decide").click()
    expect(page.get_by_label("Written circular")).to_be_checked()
    page.get_by_label("Reasons (printed on the notice)").fill("Established by the recordings.")
    page.get_by_role("button", name="Decide and issue the notice").click()
    expect(page.get_by_role("status")).to_contain_text("the notice is issued")
    notice_link = page.locator("section", has_text="Notices").get_by_role("link", name=NUMBER)
    number = notice_link.inner_text()
    log_out(page)

    # the member firm sees the notice on its page, acknowledges it and appeals
    log_in(page, MOBILE)
    page.goto(f"/members/{who['member_id']}")
    row = page.locator("section.notices tr", has_text=number)
    expect(row).to_contain_text("Not acknowledged")
    row.get_by_role("link", name="Open").click()
    expect(page.locator("article.notice h1")).to_contain_text(number)
    expect(page.locator("article.notice")).to_contain_text("Written circular")
    pdf = page.request.get(page.get_by_role("link", name="PDF").get_attribute("href"))
    assert pdf.ok
    assert pdf.headers["content-type"] == "application/pdf"
    page.get_by_role("button", name="Acknowledge receipt").click()
    expect(page.get_by_role("status")).to_contain_text("Receipt acknowledged")
    expect(page.get_by_role("button", name="Acknowledge receipt")).to_have_count(0)
    page.get_by_role("link", name="Appeal").click()
    page.get_by_label("Grounds of the appeal").fill("The orders were given by phone.")
    page.get_by_role("button", name="Lodge the appeal").click()
    expect(page.get_by_role("status")).to_contain_text("Appeal lodged")
    log_out(page)

    # the head of service (not the issuing officer) dismisses the appeal
    log_in(page, who["head"])
    page.goto("/compliance/appeals")
    page.locator("tr", has_text=number).get_by_role("link", name="Decide").click()
    page.get_by_label("Dismiss the appeal").check()
    page.get_by_label("Reasons").fill("No phone order is on record.")
    page.get_by_role("button", name="Decide the appeal").click()
    expect(page.get_by_role("status")).to_contain_text("the member is told")
    expect(page.locator("tr", has_text=number)).to_have_count(0)
