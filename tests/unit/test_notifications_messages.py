"""The message registry and the retry schedule, without a database."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from flask_babel import lazy_gettext as _l

from portal.notifications import messages, services
from portal.notifications.models import Channel, recipient_key


def test_define_accepts_the_same_text_again_but_not_another():
    messages.define("test.unit.same", _l("Hello %(name)s."))
    messages.define("test.unit.same", _l("Hello %(name)s."))  # a module imported twice
    with pytest.raises(ValueError, match="already defined"):
        messages.define("test.unit.same", _l("Goodbye %(name)s."))
    assert messages.is_defined("test.unit.same")
    assert not messages.is_defined("test.unit.never")


def test_recipient_key_is_never_null():
    assert recipient_key(user_id=5) == "u:5"
    assert recipient_key(member_id=7) == "m:7"
    with pytest.raises(ValueError, match="user or a member"):
        recipient_key()


def test_retry_delay_doubles_up_to_two_hours():
    delays = [services.retry_delay(n) for n in range(1, 10)]
    assert delays[:4] == [timedelta(minutes=m) for m in (2, 4, 8, 16)]
    assert all(a <= b for a, b in itertools.pairwise(delays))
    assert max(delays) == services.LONGEST_RETRY


def test_channel_labels_exist_for_every_channel():
    assert {c.value for c in Channel} == {"portal", "sms", "email", "call"}
    for channel in Channel:
        assert channel.label
