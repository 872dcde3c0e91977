"""R22 qualification: two visits in one calendar month of the store make a VIP candidate;
the referrer (R8) starts the VIP file from the candidates page."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from portal_restaurant import months, plugin, services
from portal_restaurant.models import Visit
from sqlalchemy import delete

from portal.accounts.roles import Role
from portal.errors import Conflict
from portal.testing.fixtures import START
from portal.vip import services as vip
from portal.vip.models import VipFile
from portal.vip.testing import dummy_customer

from .conftest import SHANGHAI, local

NOVEMBER = date(2026, 11, 1)
OCTOBER = date(2026, 10, 1)


def test_r22_two_visits_in_the_month_make_a_candidate(db_session, staff, customer, visit):
    visit(staff, customer, at=local(2026, 11, 2))
    found = services.qualification(db_session, member=customer, month=NOVEMBER)
    assert (found.visits, found.previous_visits, found.qualifies) == (1, 0, False)
    visit(staff, customer, at=local(2026, 11, 20))
    assert services.qualification(db_session, member=customer, month=NOVEMBER).qualifies


def test_r22_octobers_visits_still_qualify_on_the_first_of_november(
    db_session, staff, customer, visit
):
    visit(staff, customer, at=local(2026, 10, 3))
    visit(staff, customer, at=local(2026, 10, 30))
    found = services.qualification(db_session, member=customer, month=NOVEMBER)
    assert (found.visits, found.previous_visits) == (0, 2)
    assert found.qualifies
    assert not services.qualification(
        db_session, member=customer, month=date(2026, 12, 1)
    ).qualifies


def test_r22_one_visit_in_each_of_two_months_is_not_enough(db_session, staff, customer, visit):
    visit(staff, customer, at=local(2026, 10, 31, 23, 59))
    visit(staff, customer, at=local(2026, 11, 1, 0, 0))
    found = services.qualification(db_session, member=customer, month=NOVEMBER)
    assert (found.visits, found.previous_visits, found.qualifies) == (1, 1, False)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    month=st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 10, 1)).map(months.first_of),
    seconds=st.integers(min_value=1, max_value=6 * 3600),
)
def test_r22_visits_either_side_of_a_local_month_boundary_count_for_their_own_month(
    db_session, staff, customer, clock, month, seconds
):
    """A visit just after local midnight on the 1st (16:xx UTC the day before) counts for
    the new month; one just before it for the old month."""
    db_session.execute(delete(Visit))
    db_session.commit()
    boundary = months.month_bounds(month, SHANGHAI)[0]
    assert boundary.astimezone(SHANGHAI).day == 1
    assert boundary.astimezone(UTC).hour == 16
    clock.set(boundary + timedelta(days=40))
    for at in (boundary + timedelta(seconds=seconds - 1), boundary - timedelta(seconds=seconds)):
        services.record_visit(
            db_session,
            actor=staff,
            member=customer,
            data=services.VisitData(visited_at=at, source="walk_in", party_size=1),
        )
    db_session.commit()
    assert services.visits_in_month(db_session, member=customer, month=month) == 1
    previous = months.previous_month(month)
    assert services.visits_in_month(db_session, member=customer, month=previous) == 1
    clock.set(START)


def test_r22_the_hook_lets_a_candidate_start_and_says_why_it_refuses_others(
    app, db_session, staff, customer, visit
):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        visit(staff, customer, at=local(2026, 11, 5))
        refusal = plugin.portal_vip_qualifies(member=customer, store=customer.store, month=NOVEMBER)
        assert isinstance(refusal, str)
        assert "R22" in refusal
        assert "visits found: 1 in 2026-11, 0 in 2026-10." in refusal
        visit(staff, customer, at=local(2026, 11, 6))
        assert plugin.portal_vip_qualifies(member=customer, store=customer.store, month=NOVEMBER)


def test_r22_refuses_to_start_the_file_of_a_customer_without_two_visits(
    db_session, staff, customer, visit, dummy_store
):
    newcomer = dummy_customer(db_session, staff, store_id=dummy_store.id, mobile="13900003333")
    visit(staff, customer, at=local(2026, 11, 5))  # the store records visits: R22 applies
    with pytest.raises(Conflict) as refused:
        vip.start_file(db_session, actor=staff, member=newcomer)
    assert "R22" in str(refused.value.message)
    db_session.rollback()
    assert db_session.query(VipFile).count() == 0


def test_r22_applies_where_visits_are_recorded_or_where_the_setting_says(
    app, db_session, staff, customer, other_store, visit
):
    def verdict() -> object:
        with app.test_request_context():
            return plugin.portal_vip_qualifies(
                member=customer, store=customer.store, month=NOVEMBER
            )

    assert verdict() is None  # the store has never recorded a visit: no opinion
    try:
        app.config["PORTAL_RESTAURANT"] = {"r22_stores": "all"}
        assert "R22" in verdict()
        app.config["PORTAL_RESTAURANT"] = {"r22_stores": ["BJ01"]}
        assert verdict() is None
        app.config["PORTAL_RESTAURANT"] = {"r22_stores": ["XA01"]}
        assert "R22" in verdict()
    finally:
        app.config.pop("PORTAL_RESTAURANT", None)
    visit(staff, customer, at=local(2026, 11, 5))
    assert "R22" in verdict()


def test_r22_setting_of_one_store_code_or_a_wrong_shape_is_read_as_meant(app, db_session, customer):
    """``r22_stores = "XA01"`` means that store; a ``restaurant = ...`` that is no table
    is no setting, not an error 500 on every VIP file."""

    def verdict() -> object:
        with app.test_request_context():
            return plugin.portal_vip_qualifies(
                member=customer, store=customer.store, month=NOVEMBER
            )

    try:
        app.config["PORTAL_RESTAURANT"] = {"r22_stores": "XA01"}
        assert "R22" in verdict()
        app.config["PORTAL_RESTAURANT"] = {"r22_stores": "BJ01"}
        assert verdict() is None
        app.config["PORTAL_RESTAURANT"] = "all"
        assert verdict() is None
    finally:
        app.config.pop("PORTAL_RESTAURANT", None)


def test_candidates_page_lists_this_month_and_last_and_the_referrer_starts_the_file(
    login, db_session, staff, customer, visit
):
    visit(staff, customer, at=local(2026, 11, 2))
    visit(staff, customer, at=local(2026, 11, 9))
    client = login(staff)
    page = client.get("/restaurant/candidates")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-month="2026-11"' in text
    assert 'data-month="2026-10"' in text
    assert "王建国" in text
    assert "Start VIP file" in text
    started = client.post(f"/restaurant/candidates/{customer.id}/vip-file")
    assert started.status_code == 302
    file = db_session.query(VipFile).one()
    assert started.headers["Location"].endswith(f"/vip/files/{file.id}/stage/1")
    again = client.get("/restaurant/candidates").get_data(as_text=True)
    assert 'data-status="draft"' in again


def test_others_are_told_only_the_referrer_may_start_the_file(
    login, db_session, make_user, dummy_store, staff, customer, visit
):
    visit(staff, customer, at=local(2026, 11, 2))
    visit(staff, customer, at=local(2026, 11, 9))
    colleague = make_user("staff2", Role.STAFF, dummy_store, display_name="赵敏")
    client = login(colleague)
    page = client.get("/restaurant/candidates").get_data(as_text=True)
    assert "Only Staff, the customer's referrer, can start the VIP file (R8)." in page
    refused = client.post(f"/restaurant/candidates/{customer.id}/vip-file")
    assert refused.status_code == 403
    assert "Only the customer&#39;s referrer can start their VIP file" in refused.get_data(
        as_text=True
    )
    assert db_session.query(VipFile).count() == 0


def test_a_chosen_month_lists_only_it_and_a_wrong_month_is_422(login, staff, customer, visit):
    visit(staff, customer, at=local(2026, 10, 2))
    visit(staff, customer, at=local(2026, 10, 9))
    client = login(staff)
    october = client.get("/restaurant/candidates?month=2026-10").get_data(as_text=True)
    assert 'data-month="2026-10"' in october
    assert 'data-month="2026-11"' not in october
    wrong = client.get("/restaurant/candidates?month=2026-13")
    assert wrong.status_code == 422
    assert "Enter a month as YYYY-MM." in wrong.get_data(as_text=True)


def test_an_older_months_candidates_get_no_button_r22_would_refuse(login, staff, customer, visit):
    """R22 starts a file from this month's or last month's visits: September's diners are
    listed on 23 November, but a "Start VIP file" button would only be refused."""
    visit(staff, customer, at=local(2026, 9, 2))
    visit(staff, customer, at=local(2026, 9, 9))
    client = login(staff)
    september = client.get("/restaurant/candidates?month=2026-09").get_data(as_text=True)
    assert customer.full_name in september
    assert f"/restaurant/candidates/{customer.id}/vip-file" not in september
    assert "A VIP file starts from the visits of this month or last month (R22)." in september


def test_api_candidates_of_a_month(
    client, api_token, db_session, staff, customer, visit, hq_service, dummy_store, other_store
):
    other = dummy_customer(db_session, staff, store_id=dummy_store.id, mobile="13900002222")
    db_session.commit()
    visit(staff, customer, at=local(2026, 10, 2))
    visit(staff, customer, at=local(2026, 10, 9))
    visit(staff, other, at=local(2026, 10, 9))
    answer = client.get("/api/v1/restaurant/candidates?month=2026-10", headers=api_token(staff))
    assert answer.status_code == 200, answer.json
    assert answer.json["month"] == "2026-10"
    assert [(c["member_id"], c["visits"]) for c in answer.json["items"]] == [(customer.id, 2)]
    assert answer.json["items"][0]["vip_file_id"] is None
    this_month = client.get("/api/v1/restaurant/candidates", headers=api_token(staff))
    assert this_month.json["month"] == "2026-11"
    assert this_month.json["items"] == []
    # head office spans both stores: it names the one it means
    unnamed = client.get("/api/v1/restaurant/candidates", headers=api_token(hq_service))
    assert unnamed.status_code == 422
    named = client.get(
        f"/api/v1/restaurant/candidates?month=2026-10&store_id={dummy_store.id}",
        headers=api_token(hq_service),
    )
    assert len(named.json["items"]) == 1
    wrong = client.get("/api/v1/restaurant/candidates?month=10-2026", headers=api_token(staff))
    assert wrong.status_code == 422


def test_the_dashboard_counts_todays_visits_and_this_months_candidates(
    app, login, staff, customer, visit
):
    visit(staff, customer, at=START - timedelta(hours=1))
    visit(staff, customer, at=START - timedelta(days=3))
    with app.test_request_context():
        items = plugin.portal_dashboard_items(user=staff)
    counts = {label: number for label, number, _url in items[0]["counts"]}
    assert counts == {"Visits today at 西安高新店": 1, "Candidates this month at 西安高新店": 1}
    home = login(staff).get("/home").get_data(as_text=True)
    assert "Visits today at 西安高新店: 1" in home
    assert "Candidates this month at 西安高新店: 1" in home


def test_the_nav_shows_visits_to_staff_only(app, staff, member):
    with app.test_request_context():
        assert plugin.portal_nav_items(user=staff)[0]["url"] == "/restaurant/visits"
        assert plugin.portal_nav_items(user=member.user) == []
        assert plugin.portal_nav_items(user=None) == []
