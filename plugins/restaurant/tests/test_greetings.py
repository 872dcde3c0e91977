"""Customer care: birthday and wedding-anniversary greetings on the day in the store's zone,
once per member, occasion and year, through the outbox (quiet hours included)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

from portal_restaurant import greetings
from portal_restaurant.models import GreetingDay
from sqlalchemy import func, select

from portal.extensions import db
from portal.members.models import MemberStatus
from portal.notifications import messages
from portal.notifications.models import Channel, Notification, NotificationStatus

from .conftest import local


def celebrate(db_session: Any, member: Any, **dates: date) -> Any:
    for name, value in dates.items():
        setattr(member, name, value)
    db_session.commit()
    return member


def greetings_of(db_session: Any, member: Any) -> list[Notification]:
    return list(
        db_session.scalars(
            select(Notification)
            .where(Notification.recipient_member_id == member.id)
            .order_by(Notification.kind, Notification.channel)
        )
    )


def test_a_birthday_is_greeted_once_on_the_day_in_the_stores_zone(db_session, clock, member):
    celebrate(db_session, member, birthday=date(1985, 11, 24))
    # 23:30 on 23 November in Xi'an: not yet
    assert greetings.queue_greetings(db_session, now=local(2026, 11, 23, 23, 30)) == 0
    # 00:10 on 24 November in Xi'an is 16:10 UTC on the 23rd
    now = local(2026, 11, 24, 0, 10).astimezone(UTC)
    assert now.day == 23
    clock.set(now)
    assert greetings.queue_greetings(db_session, now=now) == 1
    db_session.commit()
    assert greetings.queue_greetings(db_session, now=now + timedelta(minutes=1)) == 0
    rows = greetings_of(db_session, member)
    assert {(row.kind, row.channel) for row in rows} == {
        ("restaurant.birthday", Channel.PORTAL),
        ("restaurant.birthday", Channel.SMS),
    }
    sms = next(row for row in rows if row.channel == Channel.SMS)
    # quiet hours (21:00-08:00 by default): the text message waits for 08:00 local
    assert sms.status == NotificationStatus.PENDING
    assert sms.not_before == local(2026, 11, 24, 8, 0)
    assert sms.dedupe_key == f"restaurant.birthday:{member.id}:2026"
    assert "Happy birthday, 王建国!" in messages.render(sms, "en")
    assert "生日快乐" in messages.render(sms, "zh_Hans")


def test_a_birthday_and_a_wedding_anniversary_on_one_day_are_two_greetings(db_session, member):
    celebrate(db_session, member, birthday=date(1985, 6, 1), wedding_anniversary=date(2010, 6, 1))
    assert greetings.queue_greetings(db_session, now=local(2027, 6, 1, 9)) == 2
    kinds = {row.kind for row in greetings_of(db_session, member)}
    assert kinds == {"restaurant.birthday", "restaurant.wedding_anniversary"}


def test_29_february_is_greeted_on_28_february_in_a_common_year(db_session, member):
    celebrate(db_session, member, birthday=date(1992, 2, 29))
    assert greetings.queue_greetings(db_session, now=local(2027, 2, 27, 9)) == 0
    assert greetings.queue_greetings(db_session, now=local(2027, 2, 28, 9)) == 1
    assert greetings.queue_greetings(db_session, now=local(2027, 3, 1, 9)) == 0
    assert greetings.queue_greetings(db_session, now=local(2028, 2, 28, 9)) == 0
    assert greetings.queue_greetings(db_session, now=local(2028, 2, 29, 9)) == 1


def test_closed_records_and_the_head_office_are_not_greeted(db_session, member):
    celebrate(db_session, member, birthday=date(1985, 11, 24))
    member.status = MemberStatus.CLOSED
    db_session.commit()
    assert greetings.queue_greetings(db_session, now=local(2026, 11, 24, 9)) == 0


def test_a_repeated_day_claim_sends_nothing_twice(db_session, member):
    """Even when the day's claim is lost (a restore, a manual reset), the outbox key holds."""
    celebrate(db_session, member, birthday=date(1985, 11, 24))
    now = local(2026, 11, 24, 9)
    greetings.queue_greetings(db_session, now=now)
    db_session.commit()
    db_session.query(GreetingDay).delete()
    db_session.commit()
    greetings.queue_greetings(db_session, now=now)
    db_session.commit()
    assert len(greetings_of(db_session, member)) == 2  # portal + sms, once each


def test_two_tick_runners_at_once_greet_once(app, db_session, member):
    celebrate(db_session, member, birthday=date(1985, 11, 24))
    member_id = member.id
    db_session.remove()
    now = local(2026, 11, 24, 9)
    barrier = threading.Barrier(2, timeout=30)
    results: list[Any] = []

    def tick() -> None:
        with app.app_context():
            try:
                barrier.wait()
                results.append(greetings.queue_greetings(db.session, now=now))
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                results.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results, key=str) == [0, 1], results
    total = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.recipient_member_id == member_id)
    )
    assert total == 2


def test_the_tick_hook_queues_greetings(app, db_session, member):
    celebrate(db_session, member, birthday=date(1985, 11, 24))
    from portal_restaurant import plugin

    assert plugin.portal_tick(session=db_session, now=local(2026, 11, 24, 9)) == 1


def test_the_manager_sees_the_weeks_greetings(db_session, login, store_manager, make_member):
    soon = make_member(full_name="李秀英", mobile="13811112222")
    celebrate(db_session, soon, wedding_anniversary=date(2015, 11, 25))
    today = make_member(full_name="张伟", mobile="13811113333")
    celebrate(db_session, today, birthday=date(1990, 11, 23))
    later = make_member(full_name="刘洋", mobile="13811114444")
    celebrate(db_session, later, birthday=date(1990, 12, 24))
    client = login(store_manager)
    page = client.get("/restaurant/greetings")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "张伟" in text
    assert "Due today" in text
    assert "李秀英" not in text
    day = client.get("/restaurant/greetings?day=2026-11-25").get_data(as_text=True)
    assert "李秀英" in day
    assert "Wedding anniversary" in day
    assert client.get("/restaurant/greetings?day=2026-12-24").status_code == 404
    assert client.get("/restaurant/greetings?day=nonsense").status_code == 404
    greetings.queue_greetings(db_session, now=datetime(2026, 11, 23, 2, tzinfo=UTC))
    db_session.commit()
    assert "Queued" in client.get("/restaurant/greetings").get_data(as_text=True)


def test_staff_have_no_greetings_page(login, staff):
    assert login(staff).get("/restaurant/greetings").status_code == 404


def test_the_greeting_day_is_the_stores(db_session, make_store, make_member):
    """A store in New York greets on New York's day."""
    far = make_store(code="NY01", name="纽约店", timezone="America/New_York")
    member = make_member(full_name="陈静", mobile="13811115555", store=far)
    celebrate(db_session, member, birthday=date(1990, 11, 24))
    # 09:00 on 24 November in Shanghai is still 23 November in New York
    assert greetings.queue_greetings(db_session, now=local(2026, 11, 24, 9)) == 0
    assert greetings.queue_greetings(db_session, now=local(2026, 11, 24, 14)) == 1


def test_api_lists_a_days_greetings(client, api_token, db_session, store_manager, make_member):
    today = make_member(full_name="张伟", mobile="13811113333")
    celebrate(db_session, today, birthday=date(1990, 11, 23))
    headers = api_token(store_manager)
    answer = client.get("/api/v1/restaurant/greetings", headers=headers)
    assert answer.status_code == 200, answer.json
    assert answer.json["day"] == "2026-11-23"
    assert answer.json["items"] == [
        {
            "member_id": today.id,
            "full_name": "张伟",
            "day": "2026-11-23",
            "occasions": ["birthday"],
            "queued": False,
        }
    ]
    later = client.get("/api/v1/restaurant/greetings?day=2026-11-29", headers=headers)
    assert later.json["items"] == []
    outside = client.get("/api/v1/restaurant/greetings?day=2026-11-30", headers=headers)
    assert outside.status_code == 404


def test_api_greetings_are_for_managers(client, api_token, staff):
    answer = client.get("/api/v1/restaurant/greetings", headers=api_token(staff))
    assert answer.status_code == 404
