"""An integration in the browser (issue 7): the administrator registers a till for one
store with two permissions, issues its token (shown once), the till looks members up over
the API with it, sees only its store, and stops at 401 once the administrator revokes it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portal.testing.fixtures import PASSWORD

pytestmark = pytest.mark.e2e

CUSTOMER = "孙立平"
MOBILE = "13655667788"


def _build(live_server: Any, live_data: Any) -> dict[str, Any]:
    """A store with one self-registered member, a store elsewhere, and an administrator."""
    from portal.extensions import db
    from portal.members.services import Registration, register_member

    store_id = live_data.store("IN01", "集成测试店")
    live_data.store("IN02", "集成对照店")
    admin = live_data.user("in_admin", "Admin In", "admin")
    with live_server.app.app_context():
        member = register_member(
            db.session,
            data=Registration(
                full_name=CUSTOMER,
                mobile=MOBILE,
                store_id=store_id,
                password=PASSWORD,
                consent=True,
            ),
            terms_version="test",
        )
        db.session.commit()
        member_id = member.id
        db.session.remove()
    return {"admin": admin, "member_id": member_id}


def test_admin_issues_a_till_token_the_till_reads_its_store_then_is_revoked(
    page: Page, live_server: Any, live_data: Any, log_in: Any
) -> None:
    who = _build(live_server, live_data)
    log_in(page, who["admin"])
    page.get_by_role("navigation").get_by_role("link", name="Integrations").click()
    page.get_by_role("link", name="New integration").click()
    page.get_by_label("Name", exact=True).fill("Journey till")
    page.get_by_label("Store", exact=True).select_option(label="IN01 · 集成测试店")
    page.get_by_label("List and look up members").check()
    page.get_by_label("Read members", exact=True).check()
    page.get_by_role("button", name="Create integration").click()
    expect(page.locator("h1")).to_contain_text("Journey till")

    page.get_by_label("Valid for (days)").fill("30")
    page.get_by_role("button", name="Issue a new token").click()
    plain = page.locator("#plain-token").inner_text()
    assert plain.startswith("hyp_")
    page.get_by_role("link", name="Done").click()
    expect(page.locator("body")).not_to_contain_text(plain)

    bearer = {"Authorization": f"Bearer {plain}"}
    listed = page.request.get("/api/v1/members/", headers=bearer)
    assert listed.ok
    assert [m["id"] for m in listed.json()["items"]] == [who["member_id"]]
    assert page.request.get(f"/api/v1/members/{who['member_id']}", headers=bearer).ok

    page.get_by_role("link", name="Revoke integration").click()
    page.get_by_role("button", name="Revoke integration").click()
    expect(page.locator("dl.record")).to_contain_text("Revoked on")
    assert page.request.get("/api/v1/members/", headers=bearer).status == 401
