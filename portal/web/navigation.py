"""What the top navigation shows to whom."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.accounts.permissions import Action, can


def nav_items(user: User | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if user is None:
        items.append({"label": _("Register"), "url": url_for("members.register")})
        return items
    items.append({"label": _("Home"), "url": url_for("web.dashboard")})
    if can(user, Action.LIST_MEMBERS):
        items.append({"label": _("Members"), "url": url_for("members.list_members")})
    if can(user, Action.MANAGE_STORES):
        items.append({"label": _("Stores"), "url": url_for("stores.list_stores")})
    if can(user, Action.MANAGE_USERS):
        items.append({"label": _("Accounts"), "url": url_for("accounts.list_accounts")})
    if can(user, Action.VIEW_AUDIT):
        items.append({"label": _("Audit log"), "url": url_for("audit.list_events")})
    plugins = current_app.extensions["portal.plugins"]
    items.extend(plugins.collect("portal_nav_items", user=user))
    return items
