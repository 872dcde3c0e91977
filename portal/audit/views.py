"""Browsing the audit log. There is deliberately no way to edit or delete an event."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accounts.permissions import Action, require
from portal.audit.forms import AuditFilterForm
from portal.audit.models import AuditEvent
from portal.audit.services import AuditFilter, filtered_events
from portal.extensions import db
from portal.i18n import zone_of
from portal.pagination import SortKey, paginate
from portal.stores.forms import store_choices
from portal.stores.services import all_stores

bp = Blueprint("audit", __name__, template_folder="templates", url_prefix="/admin/audit")

NEWEST_FIRST = [SortKey(AuditEvent.occurred_at, True), SortKey(AuditEvent.id, True)]


@bp.get("/")
@login_required
def list_events() -> str | tuple[str, int]:
    """Audit events, newest first, filtered by action, actor, object, store and dates."""
    require(current_user, Action.VIEW_AUDIT, hide=True)
    form = AuditFilterForm(request.args)
    form.store.choices = store_choices(all_stores(db.session), _("All stores"), with_code=True)
    valid = form.validate()
    zone = zone_of(None)
    flt = (
        AuditFilter(
            action=form.action.data or None,
            actor_label=form.actor.data or None,
            object_type=form.object_type.data or None,
            object_id=form.object_id.data or None,
            store_id=form.store.data or None,
            since=datetime.combine(form.since.data, time(), zone) if form.since.data else None,
            until=(
                datetime.combine(form.until.data + timedelta(days=1), time(), zone)
                if form.until.data
                else None
            ),
        )
        if valid
        else AuditFilter()
    )
    page = paginate(
        db.session,
        filtered_events(flt),
        order=NEWEST_FIRST,
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    return render_template("audit/list.html", page=page, form=form), 200 if valid else 422
