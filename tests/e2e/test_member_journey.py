"""A visitor registers as a member, comes back, and reads the portal in both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.e2e

FULL_NAME = "王建国"
MOBILE = "139 1234 5678"


def record_value(page: Page, term: str) -> Locator:
    """The value next to ``term`` on a record page (``<dt>term</dt><dd>value</dd>``)."""
    return page.locator("dl.record").locator(
        f"xpath=dt[normalize-space()='{term}']/following-sibling::dd[1]"
    )


def switch_language(page: Page, language: str) -> None:
    """Pick ``language`` in the header's selector and submit it, whatever the UI language."""
    selector = page.get_by_role("banner").locator("form").filter(has=page.get_by_role("combobox"))
    selector.get_by_role("combobox").select_option(label=language)
    selector.get_by_role("button").click()


def fill_registration(page: Page, *, full_name: str, mobile: str, store: str) -> None:
    page.get_by_label("Full name", exact=True).fill(full_name)
    page.get_by_label("Mobile number", exact=True).fill(mobile)
    page.get_by_label("Store", exact=True).select_option(label=store)
    page.get_by_label("Password", exact=True).fill("correct-horse-battery")
    page.get_by_label("Repeat the password", exact=True).fill("correct-horse-battery")
    page.get_by_label("I accept the privacy terms").check()
    page.get_by_role("button", name="Register").click()


def test_visitor_registers_logs_in_again_and_switches_language(
    page: Page, live_server: Any
) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Huiyuan Portal")
    page.get_by_role("link", name="Register as a member").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register as a member")

    # R2: an honorific instead of a name and a 10-digit mobile are refused, next to the fields
    fill_registration(page, full_name="王先生", mobile="1391234567", store=live_server.store_name)
    full_name = page.get_by_label("Full name", exact=True)
    mobile = page.get_by_label("Mobile number", exact=True)
    expect(full_name).to_have_attribute("aria-invalid", "true")
    expect(full_name).to_have_accessible_description(re.compile(r"full name", re.IGNORECASE))
    expect(mobile).to_have_attribute("aria-invalid", "true")
    expect(mobile).to_have_accessible_description(re.compile(r"11 digits"))
    expect(full_name).to_have_value("王先生")  # what was typed stays to be corrected

    fill_registration(page, full_name=FULL_NAME, mobile=MOBILE, store=live_server.store_name)
    expect(page).to_have_url(re.compile(r"/members/\d+$"))
    expect(page.get_by_role("status")).to_contain_text(live_server.store_name)
    expect(page.get_by_role("heading", level=1)).to_have_text("My membership")
    expect(record_value(page, "Name")).to_have_text(FULL_NAME)
    expect(record_value(page, "Status")).to_have_text("Registered")
    expect(record_value(page, "Store")).to_have_text(live_server.store_name)
    expect(record_value(page, "Referrer")).to_have_text("Not assigned yet")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_have_text("You have logged out.")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Mobile number or username").fill(MOBILE)
    page.get_by_label("Password", exact=True).fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("My membership")
    expect(page.get_by_role("link", name=live_server.store_name)).to_be_visible()
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")

    switch_language(page, "简体中文")
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(heading).not_to_have_text("My membership")
    expect(heading).not_to_be_empty()

    switch_language(page, "English")
    expect(html).to_have_attribute("lang", "en")
    expect(heading).to_have_text("My membership")
