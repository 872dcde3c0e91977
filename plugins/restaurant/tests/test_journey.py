"""The restaurant journey in the browser: floor staff record two visits of a customer
(R22), the customer appears as a VIP candidate, and their referrer starts the VIP file."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portal.testing.fixtures import START

pytestmark = pytest.mark.e2e

MOBILE = "13955556666"


@pytest.fixture
def people(live_server: Any, live_data: Any) -> dict[str, str]:
    """A floor staff member and the referrer of a customer at a store of the journey."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.vip.testing import dummy_customer

    # the journey's dates are November 2026: the server's frozen clock stands at START
    live_data.clock.set(START)
    # a store of its own: R22 then applies there only, not at the other journeys' stores
    store_id = live_data.store("XA21", "西安钟楼店")
    floor = live_data.user("floor.li", "Li Na", "staff", store_id)
    referrer = live_data.user("referrer.wu", "Wu Gang", "staff", store_id)
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.login == referrer))
        dummy_customer(db.session, user, store_id=store_id, full_name="孙丽华", mobile=MOBILE)
        db.session.commit()
        db.session.remove()
    return {"floor": floor, "referrer": referrer}


def log_out(page: Page) -> None:
    page.get_by_role("banner").locator("form[action$='/logout'] button").click()
    expect(page.get_by_role("banner").locator("form[action$='/logout']")).to_have_count(0)


def test_staff_record_two_visits_and_the_referrer_starts_the_vip_file(
    page: Page, log_in: Any, people: dict[str, str]
) -> None:
    log_in(page, people["floor"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Visits").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Visits")
    page.get_by_role("link", name="Record a visit").click()
    page.get_by_label("Customer's phone number").fill(MOBILE)
    page.get_by_role("button", name="Find the customer").click()
    page.get_by_role("row").filter(has_text="孙丽华").get_by_role(
        "link", name="Record a visit"
    ).click()

    # the first visit: a walk-in table, at the time the form suggests (now)
    page.get_by_label("How the table was taken").select_option(label="Walk-in table")
    page.get_by_label("Guests").fill("3")
    page.get_by_label("Table", exact=True).fill("A12")
    page.get_by_role("button", name="Record the visit").click()
    expect(page.get_by_role("status").filter(has_text="The visit is recorded.")).to_be_visible()
    expect(page.get_by_text("Two visits in one month make a VIP candidate (R22).")).to_be_visible()

    # the second: a reservation earlier today, from the member page's section
    page.get_by_role("link", name="Record a visit").click()
    page.get_by_label("When").fill("2026-11-23T08:00")
    page.get_by_label("How the table was taken").select_option(label="Reservation")
    page.get_by_label("Guests").fill("6")
    page.get_by_label("Reservation number (optional)").fill("R-20261123-7")
    page.get_by_role("button", name="Record the visit").click()
    expect(page.get_by_text("VIP candidate (R22)", exact=True)).to_be_visible()

    # the floor staff see the candidate, and that only the referrer may start the file
    page.goto("/restaurant/candidates")
    row = page.locator("section[data-month='2026-11']").get_by_role("row").filter(has_text="孙丽华")
    expect(row.get_by_role("cell").nth(1)).to_have_text("2")
    expect(row).to_contain_text("Only Wu Gang, the customer's referrer, can start the VIP file")
    expect(row.get_by_role("button", name="Start VIP file")).to_have_count(0)
    log_out(page)

    log_in(page, people["referrer"])
    page.goto("/restaurant/candidates")
    row = page.locator("section[data-month='2026-11']").get_by_role("row").filter(has_text="孙丽华")
    row.get_by_role("button", name="Start VIP file").click()
    expect(page).to_have_url(re.compile(r"/vip/files/\d+/stage/1$"))
    expect(page.get_by_role("status").filter(has_text="The VIP file is started.")).to_be_visible()
    page.goto("/restaurant/candidates")
    expect(
        page.locator("section[data-month='2026-11']").get_by_role("row").filter(has_text="孙丽华")
    ).to_contain_text("Draft")
