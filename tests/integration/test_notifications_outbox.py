"""The notification outbox: once per event, quiet hours, delivery, retries, languages."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import hookimpl
from portal.errors import NotFound
from portal.extensions import db
from portal.notifications import messages
from portal.notifications import services as notifications
from portal.notifications.models import Channel, Notification, NotificationStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")

# an msgid the zh_Hans catalog translates, so the language of the text can be told apart
messages.define("test.welcome", _l("Welcome! You are now registered with %(store)s."))
WELCOME_EN = "Welcome! You are now registered with 西安高新店."
WELCOME_ZH = "欢迎！您已成功注册为西安高新店的会员。"  # noqa: RUF001 - the catalog's punctuation
messages.define("test.plain", _l("Store saved."))


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Notification))


@pytest.fixture
def register_plugin(app):
    plugins = app.extensions["portal.plugins"]
    names: list[str] = []

    def register(plugin: object, name: str) -> object:
        plugins.register(plugin, name)
        names.append(name)
        return plugin

    yield register
    for name in names:
        plugins.unregister(name)


class RecordingSender:
    """Answers ``result`` (or raises it) and remembers what it was asked to send."""

    def __init__(self, result=True, channels=("sms", "email", "call")):
        self.result = result
        self.channels = channels
        self.sent: list[tuple[int, str, str | None, str]] = []

    @hookimpl
    def portal_notification_send(self, notification, text):
        if notification.channel not in self.channels:
            return None
        self.sent.append((notification.id, notification.channel, notification.address, text))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.fixture
def referrer(make_user, dummy_store):
    return make_user("li.na", None, None, mobile="13912345678", email="li.na@example.com")


def notify_referrer(session, user, *, key="event:1", channels=(Channel.PORTAL, Channel.SMS), **kw):
    return notifications.notify(
        session,
        kind="test.welcome",
        params={"store": "西安高新店"},
        key=key,
        user=user,
        channels=channels,
        **kw,
    )


# --- once per event -------------------------------------------------------------------------


def test_the_same_event_twice_notifies_once(db_session, referrer, dummy_store):
    first = notify_referrer(db_session, referrer, store_id=dummy_store.id)
    db_session.commit()
    again = notify_referrer(db_session, referrer, store_id=dummy_store.id)
    db_session.commit()
    assert [n.id for n in again] == [n.id for n in first]
    assert count(db_session) == 2  # portal + sms
    other_event = notify_referrer(db_session, referrer, key="event:2", store_id=dummy_store.id)
    assert {n.id for n in other_event}.isdisjoint({n.id for n in first})
    assert count(db_session) == 4


def test_the_same_event_twice_in_one_transaction_notifies_once(db_session, referrer):
    first = notify_referrer(db_session, referrer)
    again = notify_referrer(db_session, referrer)
    db_session.commit()
    assert first == again
    assert count(db_session) == 2


def test_two_transactions_at_once_notify_once(app, db_session, referrer, dummy_store):
    """Two workers handle the same event: the second waits for the first, then adds nothing."""
    user_id, store_id = referrer.id, dummy_store.id
    first = Session(db.engine)
    results: dict[str, object] = {}

    def second_worker() -> None:
        with app.app_context(), Session(db.engine) as second:
            try:
                user = second.get(type(referrer), user_id)
                rows = notify_referrer(second, user, store_id=store_id)
                second.commit()
                results["ids"] = [n.id for n in rows]
            except Exception as exc:  # reported to the test below
                results["error"] = exc

    try:
        user = first.get(type(referrer), user_id)
        mine = notify_referrer(first, user, store_id=store_id)  # inserted, not committed
        thread = threading.Thread(target=second_worker)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive()  # it waits for the first transaction's row
        first.commit()
        thread.join(timeout=20)
        assert not thread.is_alive()
        assert "error" not in results, results.get("error")
        assert results["ids"] == [n.id for n in mine]
    finally:
        first.close()
    assert count(db_session) == 2


def test_recipients_are_kept_apart(db_session, referrer, make_user, member):
    other = make_user("zhao", None, None, mobile="13700000001")
    notify_referrer(db_session, referrer)
    notify_referrer(db_session, other)
    notifications.notify(
        db_session, kind="test.plain", key="event:1", member=member, channels=[Channel.SMS]
    )
    db_session.commit()
    assert count(db_session) == 5


def test_addresses_come_from_the_recipient_and_channels_without_one_are_skipped(
    db_session, make_user, member
):
    no_contacts = make_user("wu.li", None, None)
    rows = notifications.notify(
        db_session,
        kind="test.plain",
        key="k",
        user=no_contacts,
        channels=list(Channel),
    )
    assert [n.channel for n in rows] == ["portal"]
    rows = notifications.notify(
        db_session, kind="test.plain", key="k", member=member, channels=list(Channel)
    )
    by_channel = {n.channel: n for n in rows}
    assert set(by_channel) == {"portal", "sms", "call"}  # the member has no e-mail
    assert by_channel["sms"].address == member.mobile
    assert by_channel["portal"].recipient_user_id == member.user_id  # the member's own login
    assert by_channel["sms"].recipient_member_id == member.id
    assert by_channel["sms"].store_id == member.store_id  # the member's store by default


def test_notify_refuses_unknown_kinds_and_non_plain_params(db_session, referrer):
    with pytest.raises(ValueError, match="no text"):
        notifications.notify(db_session, kind="test.nothing", key="k", user=referrer)
    with pytest.raises(TypeError, match="plain values"):
        notifications.notify(
            db_session, kind="test.plain", key="k", user=referrer, params={"when": object()}
        )
    with pytest.raises(ValueError, match="exactly one"):
        notifications.notify(db_session, kind="test.plain", key="k")


# --- quiet hours ----------------------------------------------------------------------------


def at(zone, *args) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)


def test_sms_at_three_in_shanghai_waits_until_eight_but_the_portal_message_shows_at_once(
    db_session, clock, referrer, dummy_store, login, client
):
    clock.set(at(SHANGHAI, 2026, 11, 24, 3, 0))
    rows = notify_referrer(db_session, referrer, channels=list(Channel), store_id=dummy_store.id)
    db_session.commit()
    by_channel = {n.channel: n for n in rows}
    assert by_channel["sms"].not_before == at(SHANGHAI, 2026, 11, 24, 8, 0)
    assert by_channel["call"].not_before == at(SHANGHAI, 2026, 11, 24, 8, 0)
    assert by_channel["email"].not_before == clock.now()  # e-mail does not ring
    assert by_channel["portal"].status == NotificationStatus.SENT
    assert notifications.unread_count(db_session, referrer) == 1
    # the in-portal message is in the inbox at 03:00 already
    page = login(referrer).get("/notifications").get_data(as_text=True)
    assert "西安高新店" in page
    # at 03:00 only the e-mail goes; at 08:00 the text message and the call follow
    assert notifications.deliver_due(db_session, now=clock.now()) == 1
    clock.set(at(SHANGHAI, 2026, 11, 24, 7, 59))
    assert notifications.deliver_due(db_session, now=clock.now()) == 0
    clock.set(at(SHANGHAI, 2026, 11, 24, 8, 0))
    assert notifications.deliver_due(db_session, now=clock.now()) == 2


def test_quiet_hours_follow_the_store_time_zone(db_session, clock, referrer, make_store):
    new_york = make_store(code="NY01", name="New York", timezone="America/New_York")
    # 03:00 in Shanghai is 14:00 in New York: no waiting for the New York store
    clock.set(at(SHANGHAI, 2026, 11, 24, 3, 0))
    (sms,) = notify_referrer(db_session, referrer, channels=[Channel.SMS], store_id=new_york.id)
    assert sms.not_before == clock.now()
    clock.set(at(NEW_YORK, 2026, 11, 24, 23, 30))
    (sms,) = notify_referrer(
        db_session, referrer, key="event:2", channels=[Channel.SMS], store_id=new_york.id
    )
    assert sms.not_before == at(NEW_YORK, 2026, 11, 25, 8, 0)


def test_a_store_sets_its_own_quiet_hours_or_none(db_session, clock, referrer, make_store):
    late = make_store(code="LT01", name="Late", quiet_start=time(23), quiet_end=time(7))
    never = make_store(code="NV01", name="Never", quiet_start=time(0), quiet_end=time(0))
    clock.set(at(SHANGHAI, 2026, 11, 24, 22, 0))
    (sms,) = notify_referrer(db_session, referrer, channels=[Channel.SMS], store_id=late.id)
    assert sms.not_before == clock.now()  # 22:00 is before this store's 23:00
    clock.set(at(SHANGHAI, 2026, 11, 24, 23, 30))
    (sms,) = notify_referrer(
        db_session, referrer, key="e2", channels=[Channel.SMS], store_id=late.id
    )
    assert sms.not_before == at(SHANGHAI, 2026, 11, 25, 7, 0)
    (sms,) = notify_referrer(
        db_session, referrer, key="e3", channels=[Channel.SMS], store_id=never.id
    )
    assert sms.not_before == clock.now()


def test_the_deployment_default_applies_without_a_store_and_can_be_switched_off(
    app, db_session, clock, referrer, monkeypatch
):
    clock.set(at(SHANGHAI, 2026, 11, 24, 21, 30))  # the default zone is Asia/Shanghai
    (sms,) = notify_referrer(db_session, referrer, channels=[Channel.SMS])
    assert sms.not_before == at(SHANGHAI, 2026, 11, 25, 8, 0)
    monkeypatch.setitem(app.config, "PORTAL_QUIET_HOURS", "")
    (sms,) = notify_referrer(db_session, referrer, key="e2", channels=[Channel.SMS])
    assert sms.not_before == clock.now()


# --- delivery -------------------------------------------------------------------------------


def test_deliver_due_sends_only_due_messages_through_the_plugin_sender(
    db_session, clock, referrer, dummy_store, register_plugin
):
    sender = register_plugin(RecordingSender(), "test-sender")
    clock.set(at(SHANGHAI, 2026, 11, 24, 3, 0))
    notify_referrer(db_session, referrer, channels=[Channel.SMS, Channel.EMAIL], key="night")
    clock.set(at(SHANGHAI, 2026, 11, 24, 14, 0))
    notify_referrer(db_session, referrer, channels=[Channel.SMS], key="day")
    db_session.commit()
    clock.set(at(SHANGHAI, 2026, 11, 24, 14, 1))
    # the night's SMS waited until 08:00, so all three are due now
    assert notifications.deliver_due(db_session, now=clock.now()) == 3
    db_session.commit()
    assert sorted(channel for _id, channel, _a, _t in sender.sent) == ["email", "sms", "sms"]
    assert all(text == WELCOME_EN for *_, text in sender.sent)
    assert {a for _i, _c, a, _t in sender.sent} == {"+8613912345678", "li.na@example.com"}
    statuses = db_session.scalars(select(Notification.status)).all()
    assert set(statuses) == {"sent"}
    assert notifications.deliver_due(db_session, now=clock.now()) == 0  # nothing twice
    assert len(sender.sent) == 3


def test_messages_not_yet_due_stay_in_the_outbox(db_session, clock, referrer):
    clock.set(at(SHANGHAI, 2026, 11, 24, 3, 0))
    (sms,) = notify_referrer(db_session, referrer, channels=[Channel.SMS])
    db_session.commit()
    assert notifications.deliver_due(db_session, now=clock.now()) == 0
    assert sms.status == "pending"


def test_without_a_sender_the_log_is_the_sender(db_session, clock, referrer, caplog):
    clock.set(at(SHANGHAI, 2026, 11, 24, 12, 0))
    (sms,) = notify_referrer(db_session, referrer, channels=[Channel.SMS])
    with caplog.at_level(logging.INFO, logger="portal.notifications"):
        assert notifications.deliver_due(db_session, now=clock.now()) == 1
    db_session.commit()
    assert sms.status == "sent"
    assert sms.sent_at == clock.now()
    logged = [r.getMessage() for r in caplog.records if r.name == "portal.notifications"]
    assert any("+8613912345678" in m and "西安高新店" in m for m in logged)


def test_a_sender_for_another_channel_leaves_the_message_to_the_log(
    db_session, clock, referrer, register_plugin
):
    sender = register_plugin(RecordingSender(channels=("email",)), "email-only")
    clock.set(at(SHANGHAI, 2026, 11, 24, 12, 0))
    (sms,) = notify_referrer(db_session, referrer, channels=[Channel.SMS])
    assert notifications.deliver_due(db_session, now=clock.now()) == 1
    assert sender.sent == []
    assert sms.status == "sent"


@pytest.mark.parametrize("failure", [False, ConnectionError("gateway down")])
def test_a_failing_sender_is_retried_with_back_off_then_given_up(
    db_session, clock, referrer, register_plugin, failure
):
    sender = register_plugin(RecordingSender(result=failure), "failing-sender")
    clock.set(at(SHANGHAI, 2026, 11, 24, 10, 0))
    (email,) = notify_referrer(db_session, referrer, channels=[Channel.EMAIL])
    db_session.commit()
    waits = []
    for attempt in range(1, notifications.MAX_ATTEMPTS + 1):
        assert notifications.deliver_due(db_session, now=clock.now()) == 1
        db_session.commit()
        assert email.attempts == attempt
        assert email.last_error
        if attempt < notifications.MAX_ATTEMPTS:
            assert email.status == "pending"
            waits.append(email.not_before - clock.now())
            # not again before the back-off is over
            assert notifications.deliver_due(db_session, now=clock.now()) == 0
            clock.set(email.not_before)
    assert email.status == "failed"
    assert waits == [notifications.retry_delay(n) for n in range(1, notifications.MAX_ATTEMPTS)]
    assert waits[1] == 2 * waits[0]
    assert len(sender.sent) == notifications.MAX_ATTEMPTS
    if isinstance(failure, Exception):
        assert "gateway down" in email.last_error
    clock.advance(timedelta(days=1))
    assert notifications.deliver_due(db_session, now=clock.now()) == 0  # failed stays failed


def test_a_retry_at_night_waits_for_the_morning(db_session, clock, referrer, register_plugin):
    register_plugin(RecordingSender(result=False), "failing-sender")
    clock.set(at(SHANGHAI, 2026, 11, 24, 20, 59))
    (sms,) = notify_referrer(db_session, referrer, channels=[Channel.SMS])
    assert notifications.deliver_due(db_session, now=clock.now()) == 1
    assert sms.not_before == at(SHANGHAI, 2026, 11, 25, 8, 0)  # 21:01 is quiet


def test_a_recovered_sender_sends_on_the_next_attempt(db_session, clock, referrer, register_plugin):
    sender = register_plugin(RecordingSender(result=False), "flaky-sender")
    clock.set(at(SHANGHAI, 2026, 11, 24, 10, 0))
    (sms,) = notify_referrer(db_session, referrer, channels=[Channel.SMS])
    notifications.deliver_due(db_session, now=clock.now())
    sender.result = True
    clock.set(sms.not_before)
    assert notifications.deliver_due(db_session, now=clock.now()) == 1
    assert (sms.status, sms.attempts, sms.last_error) == ("sent", 2, None)


def test_two_ticks_never_send_one_message_twice(app, db_session, clock, referrer, register_plugin):
    """On PostgreSQL the second tick skips the rows the first one holds (SKIP LOCKED)."""
    sender = register_plugin(RecordingSender(), "test-sender")
    clock.set(at(SHANGHAI, 2026, 11, 24, 10, 0))
    for n in range(5):
        notify_referrer(db_session, referrer, key=f"event:{n}", channels=[Channel.SMS])
    db_session.commit()
    with Session(db.engine) as first, Session(db.engine) as second:
        assert notifications.deliver_due(first, now=clock.now()) == 5
        if db.engine.dialect.name == "postgresql":
            # the first tick has not committed yet: its rows are locked, not visible as free
            assert notifications.deliver_due(second, now=clock.now()) == 0
            first.commit()
        else:
            first.commit()  # SQLite serializes writers; the second tick comes after
            assert notifications.deliver_due(second, now=clock.now()) == 0
        second.commit()
    assert len(sender.sent) == 5


def test_deliver_due_honours_its_limit(db_session, clock, referrer):
    clock.set(at(SHANGHAI, 2026, 11, 24, 10, 0))
    for n in range(5):
        notify_referrer(db_session, referrer, key=f"event:{n}", channels=[Channel.SMS])
    assert notifications.deliver_due(db_session, now=clock.now(), limit=3) == 3
    assert notifications.deliver_due(db_session, now=clock.now(), limit=3) == 2


# --- languages ------------------------------------------------------------------------------


def test_each_recipient_reads_the_message_in_their_language(
    db_session, clock, make_user, register_plugin
):
    sender = register_plugin(RecordingSender(), "test-sender")
    chinese = make_user("wang.fang", None, None, mobile="13900000001")
    english = make_user("john", None, None, mobile="13900000002")
    chinese.locale, english.locale = "zh_Hans", "en"
    for user in (chinese, english):
        notifications.notify(
            db_session,
            kind="test.welcome",
            params={"store": "西安高新店"},
            key="welcome",
            user=user,
            channels=[Channel.PORTAL, Channel.SMS],
        )
    db_session.commit()
    texts = {
        n.recipient_user_id: messages.render(n)
        for n in db_session.scalars(select(Notification).where(Notification.channel == "portal"))
    }
    assert texts[chinese.id] == WELCOME_ZH
    assert texts[english.id] == WELCOME_EN
    notifications.deliver_due(db_session, now=clock.now())
    sent = {address: text for _id, _c, address, text in sender.sent}
    assert sent["+8613900000001"] == WELCOME_ZH
    assert sent["+8613900000002"] == WELCOME_EN


def test_render_takes_an_explicit_language_and_survives_bad_rows(db_session, referrer):
    (portal,) = notify_referrer(db_session, referrer, channels=[Channel.PORTAL])
    assert messages.render(portal, "zh_Hans") == WELCOME_ZH
    assert messages.render(portal, "klingon") == messages.render(portal)  # unsupported: ignored
    portal.kind = "test.removed.kind"
    assert messages.render(portal, "en") == "You have a new message."
    portal.kind, portal.params = "test.welcome", {}
    assert messages.render(portal, "en") == "You have a new message."


# --- the inbox ------------------------------------------------------------------------------


def test_inbox_pages_newest_first_and_marks_read(db_session, clock, referrer, make_user):
    other = make_user("zhao", None, None)
    for n in range(5):
        notify_referrer(db_session, referrer, key=f"event:{n}", channels=[Channel.PORTAL])
        clock.advance(timedelta(minutes=1))
    (not_mine,) = notify_referrer(db_session, other, channels=[Channel.PORTAL])
    db_session.commit()
    first = notifications.inbox(db_session, user=referrer, cursor=None, limit=3)
    second = notifications.inbox(db_session, user=referrer, cursor=first.next_cursor, limit=3)
    keys = [n.dedupe_key for n in first.items + second.items]
    assert keys == [f"event:{n}" for n in (4, 3, 2, 1, 0)]
    assert second.next_cursor is None
    assert notifications.unread_count(db_session, referrer) == 5
    notifications.mark_read(db_session, user=referrer, notification_id=first.items[0].id)
    assert notifications.unread_count(db_session, referrer) == 4
    unread = notifications.inbox(db_session, user=referrer, cursor=None, limit=10, unread_only=True)
    assert len(unread.items) == 4
    with pytest.raises(NotFound):
        notifications.mark_read(db_session, user=referrer, notification_id=not_mine.id)
    assert notifications.mark_all_read(db_session, user=referrer) == 4
    assert notifications.unread_count(db_session, referrer) == 0
    assert notifications.unread_count(db_session, other) == 1
