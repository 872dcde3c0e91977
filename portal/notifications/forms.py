"""Forms of the notifications pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField

from portal.notifications.models import Channel, NotificationStatus
from portal.web.forms import PortalForm


class InboxFilterForm(PortalForm):
    class Meta:
        csrf = False

    unread = BooleanField(_l("Unread only"))


class OutboxFilterForm(PortalForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(s.value, s.label) for s in NotificationStatus],
        default=NotificationStatus.PENDING.value,
    )
    channel = SelectField(
        _l("Channel"),
        choices=[SelectChoice("", _l("All channels"))]
        + [SelectChoice(c.value, c.label) for c in Channel],
        default="",
    )
