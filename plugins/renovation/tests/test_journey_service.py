"""The service-rhythm journey in the browser: the store manager names the responsible
person of class A, the desk classes a customer and records a follow-up (R11), registers
the delivered project and records its first revisit (R12)."""

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
    store_id = live_data.store("ZX02", "高新装饰店")
    desk = live_data.user("desk.wu", "Wu Fang", "staff", store_id)
    manager = live_data.user("manager.zx02", "He Jun", "store_manager", store_id)
    with live_server.app.app_context():
        member = register_member(
            db.session,
            data=Registration(
                full_name="周建华",
                mobile="13977778888",
                store_id=store_id,
                password=live_server.password,
                consent=True,
            ),
            terms_version="test",
        )
        db.session.commit()
        member_id = member.id
        db.session.remove()
    return {"desk": desk, "manager": manager, "member_id": member_id, "store": "高新装饰店"}


def log_out(page: Page) -> None:
    page.get_by_role("banner").locator("form[action$='/logout'] button").click()
    expect(page.get_by_role("banner").locator("form[action$='/logout']")).to_have_count(0)


def test_service_rhythm_journey(page: Page, people: dict[str, Any], log_in: Any) -> None:
    # R11: the manager names the responsible person of class A for the whole store
    log_in(page, people["manager"])
    page.goto("/renovation/leads")
    page.get_by_label("Store").select_option(label=people["store"])
    page.get_by_label("Class").select_option("A")
    page.get_by_label("Responsible person").select_option(label=f"Wu Fang · {people['store']}")
    page.get_by_role("button", name="Name the responsible person").click()
    expect(page.get_by_role("status").filter(has_text="Responsible person named.")).to_be_visible()
    log_out(page)

    # R11: the desk classes the customer from the customer's page and follows up
    log_in(page, people["desk"])
    page.goto(f"/members/{people['member_id']}")
    page.get_by_role("link", name="Class, follow-ups and revisits").click()
    page.get_by_role("link", name="Put in a class").click()
    page.get_by_label("A (key customer, monthly)").check()
    page.get_by_label("Region").fill("高新区")
    page.get_by_role("button", name="Save the class").click()
    expect(page.locator("[data-next-due]")).to_have_text("Dec 23, 2026")
    page.get_by_role("link", name="Record a follow-up").click()
    page.get_by_label("Visit", exact=True).check()
    page.get_by_label("Note").fill("上门了解入住情况")
    page.get_by_role("button", name="Record the follow-up").click()
    expect(page.get_by_role("cell", name="上门了解入住情况")).to_be_visible()
    page.goto("/renovation/follow-ups")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="周建华"))
    expect(row).to_contain_text("Wu Fang")

    # R12: the delivered project and its first revisit
    page.goto(f"/renovation/customers/{people['member_id']}")
    page.get_by_role("link", name="Register a delivered project").click()
    page.get_by_label("Project (site or contract)").fill("高新一号 8-1-101")
    page.get_by_label("Delivered on").fill("2026-10-23")
    page.get_by_role("button", name="Register the project").click()
    expect(page.locator("[data-next-revisit]")).to_have_text("Nov 23, 2026")
    page.get_by_role("link", name="Record a revisit").click()
    page.get_by_label("4", exact=True).check()
    page.get_by_label("Note").fill("客户对工程质量满意")
    page.get_by_role("button", name="Record the revisit").click()
    expect(page.locator("[data-next-revisit]")).to_have_text("Dec 23, 2026")
    expect(page.get_by_role("cell", name="客户对工程质量满意")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/renovation/projects/\d+$"))
