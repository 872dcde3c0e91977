"""Pages of the notifications package: one's in-portal messages, and the admins' outbox."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.i18n import current_language
from portal.notifications import messages, services
from portal.notifications.forms import InboxFilterForm, OutboxFilterForm
from portal.notifications.models import Channel, NotificationStatus
from portal.web.navigation import unread_messages

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.get("/notifications")
@login_required
def inbox() -> str:
    """The user's in-portal messages, newest first; unread ones stand out."""
    form = InboxFilterForm(request.args)
    page = services.inbox(
        db.session,
        user=current_user,
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
        unread_only=bool(form.unread.data),
    )
    language = current_language()
    return render_template(
        "notifications/inbox.html",
        page=page,
        form=form,
        texts={n.id: messages.render(n, language) for n in page.items},
        unread=unread_messages(current_user),
    )


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int) -> Response:
    """Mark one message read (someone else's answers 404)."""
    services.mark_read(db.session, user=current_user, notification_id=notification_id)
    db.session.commit()
    return redirect(url_for("notifications.inbox"))


@bp.post("/notifications/read-all")
@login_required
def mark_all_read() -> Response:
    """Mark every message read."""
    count = services.mark_all_read(db.session, user=current_user)
    db.session.commit()
    flash(ngettext("%(num)d message marked read.", "%(num)d messages marked read.", count), "info")
    return redirect(url_for("notifications.inbox"))


@bp.get("/admin/outbox")
@login_required
def outbox() -> tuple[str, int]:
    """Admins: messages waiting, failed or sent, by channel, a page at a time."""
    form = OutboxFilterForm(request.args)
    valid = form.validate()
    status = (
        NotificationStatus(form.status.data)
        if valid and form.status.data
        else NotificationStatus.PENDING
    )
    channel = Channel(form.channel.data) if valid and form.channel.data else None
    page = services.outbox(
        db.session,
        actor=current_user,
        status=status,
        channel=channel,
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    language = current_language()
    return render_template(
        "notifications/outbox.html",
        page=page,
        form=form,
        texts={n.id: messages.render(n, language) for n in page.items},
        masked={n.id: services.masked_address(n) for n in page.items},
    ), 200 if valid else 422
