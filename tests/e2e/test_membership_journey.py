"""A membership in the browser (issue 6, R15, R16, R21): a member firm applies from its page,
a reviewer approves it in the queue, finance records the deposit, the exchange revokes the
membership, the schedule shows 40% after four months and 60% after six, and finance marks
the first tranche paid when it falls due.

The journey opens its own store; the accounts, the member firm and the membership type are
built through the services, as an operator would; the server's frozen clock is moved.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from portal.memberships.refunds import add_months
from portal.testing.fixtures import PASSWORD

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRM = "陈志远"
MOBILE = "13722334455"


def _build(live_server: Any, live_data: Any) -> dict[str, Any]:
    """Store, reviewer, finance, a self-registered member firm, the exchange's type."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.members.services import Registration, register_member
    from portal.memberships.testing import dummy_type
    from portal.stores.models import Store

    store_id = live_data.store("HY01", "交易所会员部")
    reviewer = live_data.user("hy_reviewer", "Reviewer Hu", "store_manager", store_id)
    finance = live_data.user("hy_finance", "Finance Fang", "finance")
    with live_server.app.app_context():
        admin = db.session.scalar(select(User).where(User.login == live_server.admin_login))
        store = db.session.get(Store, store_id)
        dummy_type(db.session, admin=admin, store=store, code="exchange.member")
        register_member(
            db.session,
            data=Registration(
                full_name=FIRM, mobile=MOBILE, store_id=store_id, password=PASSWORD, consent=True
            ),
            terms_version="test",
        )
        db.session.commit()
        db.session.remove()
    return {"reviewer": reviewer, "finance": finance}


def log_out(page: Page) -> None:
    page.get_by_role("banner").locator("form[action$='/logout'] button").click()


def money(amount: str) -> re.Pattern[str]:
    return re.compile(re.escape(amount))


def test_member_applies_reviewer_approves_finance_pays_refunds_after_revocation(
    page: Page, live_server: Any, live_data: Any, log_in: Any
) -> None:
    who = _build(live_server, live_data)
    today = live_data.clock.now().astimezone(SHANGHAI).date()

    # the member firm applies from its own membership page
    log_in(page, MOBILE)
    page.goto("/memberships/mine")
    page.get_by_role("link", name="Apply for membership").click()
    page.get_by_label("Membership type").select_option(label="Exchange member unit")
    page.get_by_role("button", name="Apply for membership").click()
    expect(page.get_by_role("status")).to_contain_text("waits for a reviewer")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "applied")
    log_out(page)

    # the reviewer decides it in the queue, before its deadline
    log_in(page, who["reviewer"])
    page.goto("/memberships/queue")
    row = page.locator("tbody tr").filter(has_text=FIRM)
    row.get_by_role("link", name="Decide").click()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Confirm the decision").click()
    expect(page.locator(".membership-panel [data-status]")).to_have_attribute(
        "data-status", "active"
    )
    membership_url = page.url
    log_out(page)

    # finance records the risk deposit
    log_in(page, who["finance"])
    page.goto(membership_url)
    page.get_by_label("Received").select_option(label="Risk deposit received")
    page.get_by_label("Amount (CNY)").fill("100000.00")
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.locator("[data-deposit-held]")).to_have_text(money("100,000.00"))
    log_out(page)

    # the exchange revokes the membership (R21), after the confirmation box
    log_in(page, who["reviewer"])
    page.goto(membership_url)
    page.get_by_role("link", name="Revoke").click()
    page.get_by_label("Announced on").fill(today.isoformat())
    page.get_by_label("Reason").fill("R21: the membership was rented out")
    page.get_by_role("button", name="Revoke").click()
    expect(
        page.get_by_label("Revoke the membership (R21); the fees are kept (R16).")
    ).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Revoke the membership (R21); the fees are kept (R16).").check()
    page.get_by_label("Reason").fill("R21: the membership was rented out")
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator(".membership-panel [data-status]")).to_have_attribute(
        "data-status", "revoked"
    )
    # R16: 40% four months after the announcement, the other 60% six months after it
    first, second = add_months(today, 4), add_months(today, 6)
    schedule = page.locator("table.refund-schedule tbody tr")
    expect(schedule).to_have_count(2)
    expect(schedule.nth(0)).to_have_attribute("data-due", first.isoformat())
    expect(schedule.nth(0)).to_contain_text("40,000.00")
    expect(schedule.nth(1)).to_have_attribute("data-due", second.isoformat())
    expect(schedule.nth(1)).to_contain_text("60,000.00")
    log_out(page)

    # four months on, finance sees the first tranche due within 30 days and pays it once
    live_data.clock.advance(timedelta(days=(first - today).days - 10))
    log_in(page, who["finance"])
    page.goto("/memberships/refunds")
    row = page.locator("tbody tr").filter(has_text=FIRM)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("40,000.00")
    row.get_by_role("link", name="Mark paid").click()
    page.get_by_label("The refund was paid out.").check()
    page.get_by_role("button", name="Mark paid").click()
    expect(page.get_by_role("status")).to_contain_text("marked paid")
    expect(page.locator("tbody tr").filter(has_text=FIRM)).to_have_count(0)
