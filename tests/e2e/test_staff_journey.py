"""An administrator logs in and reaches the account administration."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_admin_logs_in_and_opens_accounts(page: Page, live_server: Any) -> None:
    page.goto("/login")
    page.get_by_label("Mobile number or username").fill(live_server.admin_login)
    page.get_by_label("Password", exact=True).fill(live_server.password)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Admin")
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    expect(page).to_have_url(re.compile(r"/admin/accounts"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts")
    expect(page.get_by_role("link", name=live_server.admin_login, exact=True)).to_be_visible()
