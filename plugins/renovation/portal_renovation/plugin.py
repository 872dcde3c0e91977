"""The renovation vertical: complaints and repairs (R13, R14, R23-R25).

The hooks below are the plugin's whole contact surface with the core; the entry point
``renovation`` in the ``portal.plugins`` group names this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from portal import hookimpl
from portal.accounts.permissions import Permission, can
from portal.extensions import db
from portal.sla.policies import SlaPolicy
from portal_renovation import messages, models, services  # noqa: F401 - tables and texts
from portal_renovation import permissions as p
from portal_renovation.api import blp
from portal_renovation.policies import CONTACT_PROMISE
from portal_renovation.views import bp

PACKAGE_DIR = Path(__file__).parent


@hookimpl
def portal_blueprints() -> list[Blueprint]:
    return [bp, blp]


@hookimpl
def portal_translation_dirs() -> list[str]:
    return [str(PACKAGE_DIR / "translations")]


@hookimpl
def portal_migration_dirs() -> list[str]:
    return [str(PACKAGE_DIR / "migrations")]


@hookimpl
def portal_permissions() -> tuple[Permission, ...]:
    return p.PERMISSIONS


@hookimpl
def portal_sla_policies() -> list[SlaPolicy]:
    return [CONTACT_PROMISE]


@hookimpl
def portal_nav_items(user: Any) -> list[dict[str, Any]]:
    """Cases for everyone who reads them."""
    if user is None or not can(user, p.VIEW_CASE):
        return []
    return [{"label": _("Complaints and repairs"), "url": url_for("renovation.list_cases")}]


@hookimpl
def portal_dashboard_items(user: Any) -> list[dict[str, Any]]:
    """R13: the cases waiting on their owner; penalty notices for those who read them."""
    items: list[dict[str, Any]] = []
    if can(user, p.ACT_ON_CASE):
        waiting = len(services.waiting_on(db.session, user))
        mine = url_for("renovation.list_cases", owner="me")
        items.append(
            {
                "label": _("Cases waiting on me"),
                "url": mine,
                "counts": [(_("Open"), waiting, mine)],
            }
        )
        items.append(
            {"label": _("Log a complaint or repair"), "url": url_for("renovation.new_case")}
        )
    items.append({"label": _("Penalty notices"), "url": url_for("renovation.list_penalties")})
    return items


@hookimpl
def portal_member_sections(member: Any, viewer: Any) -> list[dict[str, Any]]:
    """The customer's cases not yet revisited, for staff who read the store's cases."""
    if not can(viewer, p.VIEW_CASE, member):
        return []
    html = render_template(
        "renovation/member_section.html",
        member=member,
        cases=services.open_cases_of(db.session, member),
        may_log=can(viewer, p.ACT_ON_CASE, member),
    )
    return [{"title": _("Complaints and repairs"), "html": Markup(html)}]  # noqa: S704
