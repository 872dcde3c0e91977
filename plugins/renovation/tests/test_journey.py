"""The complaint journey in the browser: the desk logs a repair and routes it to the vendor,
logs a complaint, a second complaint on it escalates, the desk closes it with the customer's
confirmation and revisits, and the store manager issues a penalty notice the employee reads
(R13, R14, R23, R24, R25)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portal.testing.fixtures import START

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(live_server: Any, live_data: Any) -> dict[str, Any]:
    """A store of its own with a desk employee, a manager and a customer."""
    from portal.extensions import db
    from portal.members.services import Registration, register_member

    # the journey's dates are those of START: other journeys may have moved the clock
    live_server.app.extensions["portal.clock"].set(START)
    store_id = live_data.store("ZX01", "曲江装饰店")
    desk = live_data.user("desk.zhou", "Zhou Min", "staff", store_id)
    manager = live_data.user("manager.qin", "Qin Hao", "store_manager", store_id)
    with live_server.app.app_context():
        member = register_member(
            db.session,
            data=Registration(
                full_name="孙丽华",
                mobile="13966667777",
                store_id=store_id,
                password=live_server.password,
                consent=True,
            ),
            terms_version="test",
        )
        db.session.commit()
        member_id = member.id
        db.session.remove()
    return {"desk": desk, "manager": manager, "member_id": member_id}


def heading(page: Page) -> Any:
    return page.get_by_role("heading", level=1)


def log_out(page: Page) -> None:
    page.get_by_role("banner").locator("form[action$='/logout'] button").click()
    expect(page.get_by_role("banner").locator("form[action$='/logout']")).to_have_count(0)


def log_case(page: Page, member_id: int, kind: str, channel: str, subject: str) -> None:
    page.goto(f"/members/{member_id}")
    page.get_by_role("link", name="Log a complaint or repair").click()
    page.get_by_label(kind, exact=True).check()
    page.get_by_label(channel, exact=True).check()
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("What the customer said").fill(f"{subject} 客户要求尽快处理")


def test_complaint_journey(page: Page, people: dict[str, Any], log_in: Any) -> None:
    log_in(page, people["desk"])

    # R14, R25: a repair request, numbered, owned by the desk (R13)
    log_case(page, people["member_id"], "Repair request", "Call", "橱柜门脱落")
    page.get_by_role("button", name="Log the case").click()
    expect(heading(page)).to_have_text(re.compile(r"Repair request ZXKF-\d{4}-\d{6}"))
    expect(page.locator("[data-owner]")).to_have_text("Zhou Min")

    # R23: the vendor is responsible: a numbered repair notice
    page.get_by_role("link", name="Route the repair").click()
    page.get_by_label("The material vendor").check()
    page.get_by_label("Vendor", exact=True).fill("欧派橱柜")
    page.get_by_label("What the vendor repairs").fill("更换橱柜门铰链")
    page.get_by_role("button", name="Route the repair").click()
    expect(page.get_by_role("status").filter(has_text="Repair routed.")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"Repair notice ZXWX-")).click()
    expect(heading(page)).to_have_text(re.compile(r"Repair notice ZXWX-\d{4}-\d{6}"))
    expect(page.get_by_text("欧派橱柜")).to_be_visible()

    # R14: a serious complaint, then a second one on the same matter (R24)
    log_case(page, people["member_id"], "Complaint", "Visit", "施工噪音扰民")
    page.get_by_label("Serious").check()
    page.get_by_role("button", name="Log the case").click()
    first_url = page.url
    page.get_by_role("link", name="Log a second complaint on this matter").click()
    page.get_by_label("Call", exact=True).check()
    page.get_by_label("Subject").fill("施工噪音仍未解决")
    page.get_by_label("What the customer said").fill("客户再次来电投诉噪音")
    page.get_by_role("button", name="Log the case").click()
    expect(page.locator("dl.record .escalated")).to_have_text("Escalated to the department head")

    # R24: closed with the customer's signed confirmation, then revisited (R14)
    page.get_by_role("link", name="Close with the customer's confirmation").click()
    page.get_by_label("Resolution", exact=True).fill("调整施工时间为每日9点至17点")
    page.get_by_label("Customer's signature (name as signed)").fill("孙丽华")
    page.get_by_label("Signed confirmation sheet").check()
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text("Tick the box to confirm.")).to_be_visible()  # the confirmation
    page.get_by_label("The customer confirmed the resolution; close the case.").check()
    page.get_by_role("button", name="Close the case").click()
    expect(page.locator("[data-state]").first).to_have_text("Closed, revisit due")
    page.get_by_role("link", name="Record the revisit").click()
    page.get_by_label("5", exact=True).check()
    page.get_by_label("Note", exact=True).fill("客户表示满意")
    page.get_by_role("button", name="Record the revisit").click()
    expect(page.locator("[data-state]").first).to_have_text("Revisited")
    log_out(page)

    # R24: the store manager issues a penalty notice for the first complaint
    log_in(page, people["manager"])
    page.goto(first_url)
    page.get_by_role("link", name="Issue a penalty notice").click()
    page.get_by_label("Responsible employee").select_option(label="Zhou Min")
    page.get_by_label("Reason", exact=True).fill("未及时处理客户投诉")
    page.get_by_label("Measure", exact=True).fill("书面警告")
    page.get_by_label("Issue this penalty notice; the employee reads it.").check()
    page.get_by_role("button", name="Issue the penalty notice").click()
    expect(page.get_by_role("status").filter(has_text="Penalty notice issued.")).to_be_visible()
    log_out(page)

    # the employee reads their notice
    log_in(page, people["desk"])
    page.goto("/renovation/penalties")
    page.get_by_role("link", name=re.compile(r"ZXCF-\d{4}-\d{6}")).click()
    expect(heading(page)).to_have_text(re.compile(r"Penalty notice ZXCF-\d{4}-\d{6}"))
    expect(page.get_by_text("书面警告")).to_be_visible()
