"""The VIP lifecycle in the browser (issue 4): a staff member, a store manager, a deputy on
leave cover and head office each walk their part.

Each journey opens its own store, so the queues of one journey do not hold another's files.
The data the user does not type (accounts, other people's files) is built through the
services; the server's frozen clock is moved and ``tick`` run where time must pass.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from portal.testing.fixtures import PASSWORD
from portal.vip.testing import ID_NUMBERS

pytestmark = pytest.mark.e2e

#: the zone of the stores and of the leave form (the deployment's default)
SHANGHAI = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def flash(page: Page, text: str) -> Locator:
    return page.get_by_role("status").filter(has_text=text)


def nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()


def log_out(page: Page) -> None:
    page.get_by_role("banner").locator("form[action$='/logout'] button").click()
    expect(page.get_by_role("banner").locator("form[action$='/logout']")).to_have_count(0)


def record_value(page: Page, term: str) -> Locator:
    """The value next to ``term`` in the first record list (``<dt>term</dt><dd>…</dd>``)."""
    return page.locator("dl.record").first.locator(
        f"xpath=dt[normalize-space()='{term}']/following-sibling::dd[1]"
    )


def deadline(page: Page, what: str) -> Locator:
    """The row of the SLA deadlines table whose first cell is ``what``."""
    return page.locator("table.sla-deadlines tbody tr").filter(
        has=page.get_by_role("cell", name=what, exact=True)
    )


def queue_row(page: Page, name: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def local_input(at: Any) -> str:
    """An instant as a ``datetime-local`` value in Shanghai time."""
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


# --- 1. staff ---------------------------------------------------------------------------------


def test_staff_enters_a_customer_fills_both_stages_and_submits(
    page: Page, live_data: Any, log_in: Any
) -> None:
    store = live_data.store("XA11", "西安曲江店")
    staff = live_data.user("staff.zhou", "Zhou Min", "staff", store)
    live_data.user("manager.qu", "Qu Hong", "store_manager", store)

    log_in(page, staff)
    page.get_by_role("link", name="Enter a new customer").click()
    expect(heading(page)).to_have_text("New customer")
    page.get_by_label("Full name", exact=True).fill("李秀英")
    page.get_by_label("Mobile number", exact=True).fill("138 2926 0001")
    page.get_by_role("button", name="Enter customer").click()
    expect(page).to_have_url(re.compile(r"/members/\d+$"))
    expect(flash(page, "The customer is entered.")).to_be_visible()

    nav(page, "VIP files")
    expect(heading(page)).to_have_text("My VIP files")
    page.get_by_role("link", name="Start a VIP file").click()
    page.get_by_role("row").filter(has_text="李秀英").get_by_role(
        "link", name="Start the VIP file"
    ).click()
    expect(heading(page)).to_have_text("Start a VIP file")
    expect(page.get_by_text("Start the VIP file of 李秀英")).to_be_visible()
    page.get_by_role("button", name="Start the VIP file").click()

    # stage 1, prefilled from the member record; a landline as the contact is refused (R2)
    expect(heading(page)).to_contain_text("Stage 1: identity and contact")
    expect(flash(page, "Fill in stage 1")).to_be_visible()
    expect(page.get_by_label("Full name", exact=True)).to_have_value("李秀英")
    mobile = page.get_by_label("Mobile number", exact=True)
    mobile.fill("029-8888 6666")
    page.get_by_label("Resident identity number").fill(ID_NUMBERS[3])
    page.get_by_label("Employer").fill("陕西曲江文化旅游集团有限公司")
    page.get_by_label("Address", exact=True).fill("西安市雁塔区芙蓉西路88号2单元1201室")
    page.get_by_role("button", name="Save and go to stage 2").click()
    expect(mobile).to_have_attribute("aria-invalid", "true")
    expect(mobile).to_have_accessible_description(re.compile(r"mobile, not a landline"))
    expect(page.get_by_label("Employer")).to_have_value("陕西曲江文化旅游集团有限公司")

    mobile.fill("138 2926 0001")
    page.get_by_role("button", name="Save and go to stage 2").click()
    expect(heading(page)).to_contain_text("Stage 2: relationship")
    page.get_by_label("Birthday", exact=True).fill("1979-03-08")
    page.get_by_label("Dining and service preferences").fill("清淡, 不吃香菜; 喜欢二楼包间")
    page.get_by_label("Preferred contact time").select_option(label="Evening (18:00-21:00)")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url(re.compile(r"/vip/files/\d+$"))
    expect(record_value(page, "Status")).to_have_text("Draft")
    for stage in ("Stage 1: identity and contact", "Stage 2: relationship"):
        expect(page.get_by_role("heading", name=stage)).to_contain_text("Complete")

    page.get_by_role("link", name="Submit for review").click()
    expect(heading(page)).to_contain_text("Submit for review")
    expect(page.get_by_text("review (12 hours)")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()

    expect(page).to_have_url(re.compile(r"/vip/files/\d+$"))
    expect(flash(page, "reviews it within 12 hours")).to_be_visible()
    expect(record_value(page, "Status")).to_have_text("Waiting for review")
    due = deadline(page, "Deadline")
    expect(due).to_contain_text("in 12 hours")
    expect(page.get_by_role("link", name="Edit stage 1")).to_have_count(0)


# --- 2. store manager ------------------------------------------------------------------------


def test_store_manager_returns_then_approves_and_staff_records_consumption(
    page: Page, live_data: Any, log_in: Any
) -> None:
    store = live_data.store("XA12", "西安小寨店")
    staff = live_data.user("staff.sun", "Sun Li", "staff", store)
    manager = live_data.user("manager.ma", "Ma Jun", "store_manager", store)
    live_data.submitted_file(
        staff, store_id=store, full_name="赵丽华", mobile="13829260002", id_number=ID_NUMBERS[1]
    )
    waiting = live_data.submitted_file(
        staff, store_id=store, full_name="钱小红", mobile="13829260003", id_number=ID_NUMBERS[2]
    )
    reason = "Give the employer's full registered name, not the brand."

    # the manager's queue: the file with its time left; read it, then return it
    log_in(page, manager)
    nav(page, "Reviews")
    expect(heading(page)).to_have_text("VIP reviews")
    row = queue_row(page, "赵丽华")
    expect(row).to_contain_text("Sun Li")
    expect(row).to_contain_text("12 h 00 min left")
    row.get_by_role("link", name="赵丽华").click()
    expect(record_value(page, "Status")).to_have_text("Waiting for review")
    page.get_by_role("link", name="Decide", exact=True).click()
    expect(heading(page)).to_contain_text("Decide the VIP file")
    page.get_by_label("Decision").select_option(label="Return for correction")
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Confirm the decision").click()
    expect(page).to_have_url(re.compile(r"/vip/review$"))
    expect(flash(page, "the clock is paused")).to_be_visible()
    expect(queue_row(page, "赵丽华")).to_have_count(0)
    log_out(page)

    # the referrer reads the reason two hours later, corrects and resubmits
    live_data.clock.advance(2 * H)
    log_in(page, staff)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^Messages")
    ).click()
    expect(heading(page)).to_have_text("Messages")
    expect(page.get_by_role("row").filter(has_text="赵丽华")).to_contain_text(
        f"returned to you for correction. Reason: {reason}"
    )
    nav(page, "VIP files")
    files = page.get_by_role("row").filter(has_text="赵丽华")
    expect(files).to_contain_text("Returned for correction")
    files.get_by_role("link", name="赵丽华").click()
    expect(record_value(page, "Status")).to_have_text("Returned for correction")
    expect(record_value(page, "Reason")).to_have_text(reason)
    page.get_by_role("link", name="Edit stage 1").click()
    expect(page.get_by_role("status").filter(has_text="Returned for correction")).to_contain_text(
        reason
    )
    page.get_by_label("Employer").fill("西安小寨饮食服务集团有限公司")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(flash(page, "Saved.")).to_be_visible()
    page.get_by_role("link", name="Submit for review").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(record_value(page, "Status")).to_have_text("Waiting for review")
    expect(record_value(page, "Submissions")).to_have_text("2")
    timeline = page.locator("ol.sla-timeline")
    expect(timeline.get_by_role("listitem").filter(has_text="Clock paused")).to_contain_text(reason)
    expect(timeline.get_by_role("listitem").filter(has_text="Clock resumed")).to_contain_text(
        "Sun Li"
    )
    log_out(page)

    # the manager approves the corrected file
    log_in(page, manager)
    nav(page, "Reviews")
    queue_row(page, "赵丽华").get_by_role("link", name="Decide").click()
    page.get_by_label("Decision").select_option(label="Approve")
    page.get_by_role("button", name="Confirm the decision").click()
    expect(flash(page, "The file is approved")).to_be_visible()
    expect(queue_row(page, "赵丽华")).to_have_count(0)
    expect(queue_row(page, "钱小红")).to_be_visible()
    log_out(page)

    # the referrer records what the new VIP spent
    log_in(page, staff)
    nav(page, "VIP files")
    page.get_by_role("link", name="赵丽华").click()
    expect(record_value(page, "Status")).to_have_text("Approved")
    expect(record_value(page, "Decided")).to_contain_text("Ma Jun")
    page.get_by_role("link", name="Record consumption").click()
    expect(heading(page)).to_contain_text("Record consumption")
    page.get_by_label("Amount (CNY)").fill("1288.00")
    page.get_by_label("Note").fill("Birthday dinner, ten guests")
    page.get_by_role("button", name="Record consumption").click()
    expect(flash(page, "Consumption recorded.")).to_be_visible()
    spent = page.locator("#consumption").get_by_role("row").filter(has_text="Birthday dinner")
    expect(spent).to_contain_text(re.compile(r"1,?288\.00"))
    expect(spent).to_contain_text("Sun Li")

    # R5: a file still waiting for review takes no consumption
    nav(page, "VIP files")
    page.get_by_role("link", name="钱小红").click()
    expect(record_value(page, "Status")).to_have_text("Waiting for review")
    expect(page.get_by_role("link", name="Record consumption")).to_have_count(0)
    page.goto(f"/vip/files/{waiting}/consumption")
    expect(page.get_by_role("alert")).to_contain_text(
        "Consumption can be recorded for approved VIPs only (R5)"
    )
    expect(page.get_by_label("Amount (CNY)")).to_have_count(0)


# --- 3. deputy on leave cover (in Chinese) ------------------------------------------------------


def test_deputy_on_leave_cover_decides_the_stores_reviews(
    page: Page, browser: Browser, base_url: str, live_data: Any, log_in: Any
) -> None:
    store = live_data.store("XA13", "西安钟楼店")
    staff = live_data.user("staff.guo", "Guo Qiang", "staff", store)
    manager = live_data.user("manager.he", "He Yun", "store_manager", store)
    deputy = live_data.user("deputy.lin", "Lin Tao", "staff", store)
    now = live_data.clock.now()

    # the manager records two days of leave with Lin Tao as the deputy
    log_in(page, manager)
    page.get_by_role("link", name="Leave and deputies").click()
    expect(heading(page)).to_have_text("Leave and deputies")
    page.get_by_label("Away from").fill(local_input(now))
    page.get_by_label("Back on").fill(local_input(now + 48 * H))
    page.get_by_label("Deputy", exact=True).select_option(label="Lin Tao")
    page.get_by_label("Reason (optional)").fill("Annual leave")
    page.get_by_role("button", name="Record leave").click()
    expect(flash(page, "Leave recorded.")).to_be_visible()
    expect(
        page.locator("#mine").get_by_role("row").filter(has_text="Annual leave")
    ).to_contain_text("Lin Tao")
    log_out(page)
    live_data.submitted_file(
        staff, store_id=store, full_name="孙志强", mobile="13829260004", id_number=ID_NUMBERS[3]
    )

    # the deputy reads the portal in Chinese (the browser asks for it): locators that do
    # not depend on the translation state of the new pages, checks on translated words
    context = browser.new_context(base_url=base_url, locale="zh-CN")
    try:
        zh = context.new_page()
        zh.goto("/login")
        expect(zh.locator("html")).to_have_attribute("lang", "zh-Hans")
        zh.locator("input[name=login]").fill(deputy)
        zh.locator("input[name=password]").fill(PASSWORD)
        zh.locator("main form button[type=submit]").click()
        expect(zh).to_have_url(re.compile(r"/home$"))
        expect(zh.get_by_role("button", name="退出登录")).to_be_visible()
        zh.get_by_role("navigation").locator("a[href$='/vip/review']").click()
        row = queue_row(zh, "孙志强")
        expect(row).to_contain_text("Guo Qiang")
        row.locator("a[href$='/decide']").click()
        expect(zh.locator("html")).to_have_attribute("lang", "zh-Hans")
        expect(heading(zh)).to_contain_text("孙志强")
        zh.locator("select[name=decision]").select_option("approve")
        zh.locator("main form button[type=submit]").click()
        expect(zh).to_have_url(re.compile(r"/vip/review$"))
        expect(zh.get_by_role("status")).to_be_visible()
        expect(queue_row(zh, "孙志强")).to_have_count(0)

        # after the leave, a new file of the store is no longer in the deputy's queue
        live_data.clock.advance(49 * H)
        live_data.submitted_file(
            staff, store_id=store, full_name="周婷", mobile="13829260005", id_number=ID_NUMBERS[4]
        )
        zh.goto("/vip/review")
        expect(zh.locator("main table tbody td[colspan]")).to_be_visible()  # an empty queue
        expect(zh.get_by_role("link", name="周婷", exact=True)).to_have_count(0)
        expect(zh.get_by_role("navigation").locator("a[href$='/vip/review']")).to_have_count(0)
    finally:
        context.close()

    # ... but the manager, back from leave, has it
    log_in(page, manager)
    nav(page, "Reviews")
    expect(queue_row(page, "周婷")).to_contain_text("12 h 00 min left")
    expect(queue_row(page, "孙志强")).to_have_count(0)
    log_out(page)

    # the referrer reads who decided while the manager was away
    log_in(page, staff)
    nav(page, "VIP files")
    page.get_by_role("link", name="孙志强").click()
    expect(record_value(page, "Status")).to_have_text("Approved")
    expect(record_value(page, "Decided")).to_contain_text("Lin Tao")


# --- 4. head office ---------------------------------------------------------------------------


def test_head_office_takes_over_overdue_reviews_and_sees_the_breach(
    page: Page, live_data: Any, log_in: Any
) -> None:
    store = live_data.store("XA14", "西安大雁塔店")
    staff = live_data.user("staff.feng", "Feng Yu", "staff", store)
    manager = live_data.user("manager.tang", "Tang Li", "store_manager", store)
    hq = live_data.user("hq.wang", "Wang Fang", "hq_service")
    live_data.submitted_file(
        staff, store_id=store, full_name="吴国栋", mobile="13829260006", id_number=ID_NUMBERS[0]
    )
    live_data.submitted_file(
        staff, store_id=store, full_name="郑雅文", mobile="13829260007", id_number=ID_NUMBERS[1]
    )

    # nobody decides for 13 hours; cron's tick records the breach and escalates (R5)
    live_data.clock.advance(13 * H)
    live_data.tick()

    log_in(page, hq)
    nav(page, "Reviews")
    expect(page.get_by_role("link", name=re.compile(r"^Overdue \(\d+\)$"))).to_be_visible()
    late = queue_row(page, "吴国栋")
    expect(late).to_contain_text("西安大雁塔店")
    expect(late).to_contain_text("1 h 00 min overdue")
    expect(queue_row(page, "郑雅文")).to_contain_text("overdue")

    # hand the first back to the store manager, with a reason
    late.get_by_role("link", name="吴国栋").click()
    panel = page.locator("#review")
    expect(panel).to_contain_text("Deadline missed")
    expect(panel).to_contain_text("Escalated to head office")
    expect(deadline(page, "Deadline")).to_contain_text("passed")
    panel.get_by_role("link", name="Reassign").click()
    page.get_by_label("Hand to").select_option(label="Tang Li")
    page.get_by_label("Why").fill("The manager is back in the store today.")
    page.get_by_role("button", name="Hand over").click()
    expect(flash(page, "Task handed to Tang Li.")).to_be_visible()
    expect(
        page.locator("ol.sla-timeline").get_by_role("listitem").filter(has_text="Reassigned")
    ).to_contain_text("The manager is back in the store today.")

    # decide the second one at head office
    nav(page, "Reviews")
    queue_row(page, "郑雅文").get_by_role("link", name="Decide").click()
    page.get_by_label("Decision").select_option(label="Approve")
    page.get_by_role("button", name="Confirm the decision").click()
    expect(flash(page, "The file is approved")).to_be_visible()

    # R7: a spot check of the store's approved VIPs; the store reads the finding
    nav(page, "Spot checks")
    page.get_by_role("link", name="Draw a sample").click()
    page.get_by_label("Store", exact=True).select_option(label="西安大雁塔店")
    page.get_by_label("Files per store").fill("1")
    page.get_by_role("button", name="Draw the sample").click()
    expect(flash(page, "Spot check drawn.")).to_be_visible()
    expect(heading(page)).to_have_text("Spot check of 西安大雁塔店")
    item = page.locator("section").filter(has=page.get_by_role("link", name="郑雅文"))
    item.get_by_label("Issue found").check()
    item.get_by_label("Notes").fill("The employer's licence copy is missing.")
    item.get_by_role("button", name="Record the finding").click()
    expect(flash(page, "Finding recorded.")).to_be_visible()
    expect(item).to_contain_text("Issue found")
    spot_check = page.url.split("#")[0]

    # the SLA report counts both breaches; one is still open
    nav(page, "SLA report")
    expect(heading(page)).to_have_text("SLA report")
    report = page.locator("table.report tbody").get_by_role("row").filter(has_text="西安大雁塔店")
    cells = report.get_by_role("cell")
    expect(cells.nth(1)).to_have_text("1")  # decided
    expect(cells.nth(2)).to_have_text("0.0 %")  # within SLA
    expect(cells.nth(5)).to_have_text("2")  # breaches
    expect(cells.nth(6)).to_have_text("1")  # of which still open
    log_out(page)

    log_in(page, manager)
    nav(page, "Spot checks")
    checks = page.get_by_role("row").filter(has_text="西安大雁塔店")
    expect(checks).to_contain_text("1 / 1")
    checks.get_by_role("link").click()
    expect(page).to_have_url(spot_check)
    item = page.locator("section").filter(has=page.get_by_role("link", name="郑雅文"))
    expect(item).to_contain_text("Issue found")
    expect(item).to_contain_text("The employer's licence copy is missing.")
    expect(item.get_by_role("button", name="Record the finding")).to_have_count(0)


def test_account_opening_filed_by_the_store_opened_by_head_office_activated_by_the_store(
    page: Page, live_data: Any, log_in: Any
) -> None:
    store = live_data.store("XA15", "西安南门店")
    live_data.user("staff.yang", "Yang Xue", "staff", store)
    manager = live_data.user("manager.luo", "Luo Bin", "store_manager", store)
    hq = live_data.user("hq.wang", "Wang Fang", "hq_service")

    log_in(page, manager)
    nav(page, "Accounts for VIPs")
    page.get_by_role("link", name="Request an account").click()
    expect(heading(page)).to_have_text("Request a dedicated customer account")
    page.get_by_label("Employee who will use the account").select_option(label="Yang Xue")
    page.get_by_label("Purpose").fill("A WeChat work account to serve the store's VIPs.")
    page.get_by_role("button", name="Send the request to head office").click()
    expect(flash(page, "sent to head office")).to_be_visible()
    number = record_value(page, "Number").inner_text()
    expect(record_value(page, "Status")).to_have_text("Requested")
    expect(page.get_by_text("Head office opens the account by")).to_be_visible()
    log_out(page)

    log_in(page, hq)
    nav(page, "Accounts for VIPs")
    page.get_by_role("link", name="Head-office queue").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=number, exact=True))
    expect(row).to_contain_text("西安南门店")
    expect(row).to_contain_text("12 h 0 min")
    row.get_by_role("link", name="Open the account", exact=True).click()
    page.get_by_label("Account identifier").fill("WX-XA15-0001")
    page.get_by_role("button", name="Open the account and tell the store").click()
    expect(flash(page, "Account opened")).to_be_visible()
    expect(record_value(page, "Status")).to_have_text("Opened")
    log_out(page)

    log_in(page, manager)
    nav(page, "Accounts for VIPs")
    page.get_by_role("link", name=number, exact=True).click()
    expect(record_value(page, "Account identifier")).to_have_text("WX-XA15-0001")
    page.get_by_role("link", name="Activate the account").click()
    expect(heading(page)).to_contain_text("WX-XA15-0001")
    page.get_by_role("button", name="Activate the account").click()
    expect(flash(page, "Account activated.")).to_be_visible()
    expect(record_value(page, "Status")).to_have_text("Activated")
    expect(record_value(page, "Activated by")).to_contain_text("Luo Bin")
