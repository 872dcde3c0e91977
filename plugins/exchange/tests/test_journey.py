"""A compliance officer reads the exchange's terms and finds a violation's measures in the
catalogue, in the browser (R15-R18)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_officer_goes_from_the_exchange_page_to_the_catalogue(
    page: Page, live_data: Any, log_in: Any
) -> None:
    officer = live_data.user("compliance.wu", "Wu Jing", "compliance")
    log_in(page, officer)

    page.goto("/exchange/about")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exchange memberships")
    terms = page.locator("#rights-and-obligations")
    expect(terms.get_by_role("listitem")).to_have_count(12)
    expect(page.locator("#refunds")).to_contain_text("40% of the deposit 4 months")

    page.get_by_role("main").get_by_role("link", name="Violation catalogue").click()
    expect(page).to_have_url(re.compile(r"/compliance/catalogue$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Violation catalogue")
    for section in ("Prohibited acts", "Serious violations", "Fee failures"):
        expect(page.get_by_role("heading", level=2, name=re.compile(section))).to_be_visible()
    expect(page.locator("section#prohibited_act tbody tr")).to_have_count(12)
    expect(page.locator("section#serious tbody tr")).to_have_count(8)
    fees = page.locator("tr#EX-F02")
    expect(fees).to_contain_text("Not paying the exchange's fees on time")
    expect(fees.get_by_role("listitem")).to_have_text(["Oral warning", "Mandatory training"])

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Violation catalogue"
    ).click()
    expect(page).to_have_url(re.compile(r"/compliance/catalogue$"))
