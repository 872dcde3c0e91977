"""What the top navigation shows to whom."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, url_for
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.accounts.permissions import Action, can
from portal.extensions import db
from portal.notifications.services import unread_count
from portal.web.work import may_review


def unread_messages(user: User) -> int:
    """The user's unread in-portal messages, counted once a request: the badge and the
    inbox both show it."""
    key = f"portal_unread_{user.id}"
    if key not in g:
        setattr(g, key, unread_count(db.session, user))
    return int(g.get(key))


def nav_items(user: User | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if user is None:
        items.append({"label": _("Register"), "url": url_for("members.register")})
        return items
    items.append({"label": _("Home"), "url": url_for("web.dashboard")})
    items.append(
        {
            "label": _("Messages"),
            "url": url_for("notifications.inbox"),
            "badge": unread_messages(user) or None,
        }
    )
    if can(user, Action.LIST_MEMBERS):
        items.append({"label": _("Members"), "url": url_for("members.list_members")})
    if can(user, Action.VIEW_MEMBERSHIP):
        items.append({"label": _("Memberships"), "url": url_for("memberships.list_memberships")})
    if can(user, Action.MANAGE_DEPOSITS):
        items.append({"label": _("Refunds due"), "url": url_for("memberships.refunds_due")})
    if can(user, Action.MANAGE_MEMBERSHIP_TYPES):
        items.append({"label": _("Membership types"), "url": url_for("memberships.list_types")})
    if can(user, Action.START_VIP_FILE):
        items.append({"label": _("VIP files"), "url": url_for("vip.list_files")})
    if may_review(user):
        items.append({"label": _("Reviews"), "url": url_for("vip.review_queue")})
    if can(user, Action.MANAGE_STORES):
        items.append({"label": _("Stores"), "url": url_for("stores.list_stores")})
    if can(user, Action.MANAGE_USERS):
        items.append({"label": _("Accounts"), "url": url_for("accounts.list_accounts")})
        items.append(
            {"label": _("Integrations"), "url": url_for("accounts.integrations.list_integrations")}
        )
    if can(user, Action.REQUEST_ACCOUNT) or can(user, Action.OPEN_ACCOUNT):
        items.append({"label": _("Accounts for VIPs"), "url": url_for("openings.list_requests")})
    if can(user, Action.VIEW_SPOT_CHECKS) or can(user, Action.SPOT_CHECK):
        items.append({"label": _("Spot checks"), "url": url_for("spotchecks.list_checks")})
    if can(user, Action.VIEW_SLA_REPORT):
        items.append({"label": _("SLA report"), "url": url_for("reports.sla_report")})
    if can(user, Action.VIEW_CASES):
        items.append({"label": _("Compliance cases"), "url": url_for("compliance.list_cases")})
    if can(user, Action.VIEW_COMPLIANCE_REPORT):
        items.append({"label": _("Compliance report"), "url": url_for("reports.compliance_report")})
    if can(user, Action.VIEW_CATALOGUE):
        items.append(
            {"label": _("Violation catalogue"), "url": url_for("compliance.show_catalogue")}
        )
    if can(user, Action.MANAGE_PLUGINS):
        items.append({"label": _("Plugins"), "url": url_for("plugins.list_plugins")})
    if can(user, Action.VIEW_AUDIT):
        items.append({"label": _("Audit log"), "url": url_for("audit.list_events")})
    plugins = current_app.extensions["portal.plugins"]
    items.extend(plugins.collect("portal_nav_items", user=user))
    return items
