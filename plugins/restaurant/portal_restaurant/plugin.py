"""The restaurant vertical: visits (R22), VIP consumption of approved VIPs (R5), the
monthly VIP qualification (R22) and greetings on birthdays and wedding anniversaries.

Its hooks are the entry point ``restaurant`` in the ``portal.plugins`` group. Every hook
is a thin adapter: the rules live in ``services`` and ``greetings``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session

from portal import hookimpl
from portal.accounts.models import User
from portal.accounts.permissions import Permission, can, stores_in_scope
from portal.errors import NotFound
from portal.extensions import db
from portal.members.models import Member
from portal.stores.models import Store
from portal_restaurant import demo, greetings, services
from portal_restaurant.api import blp as api_blp
from portal_restaurant.permissions import (
    PERMISSIONS,
    RECORD_VISIT,
    VIEW_CANDIDATES,
    VIEW_GREETINGS,
    VIEW_VISITS,
)
from portal_restaurant.views import bp

PACKAGE_DIR = Path(__file__).parent
#: the dashboard counts per store only for people working in a few stores; head office
#: gets the links (a count over every store on each home page would not stay cheap)
DASHBOARD_STORES = 3


@hookimpl
def portal_blueprints() -> list[Blueprint]:
    return [bp, api_blp]


@hookimpl
def portal_translation_dirs() -> list[str]:
    return [str(PACKAGE_DIR / "translations")]


@hookimpl
def portal_migration_dirs() -> list[str]:
    return [str(PACKAGE_DIR / "migrations")]


@hookimpl
def portal_permissions() -> Iterable[Permission]:
    return PERMISSIONS


@hookimpl
def portal_nav_items(user: User | None) -> list[dict[str, Any]]:
    if user is None or not can(user, VIEW_VISITS):
        return []
    return [{"label": _("Visits"), "url": url_for("restaurant.list_visits")}]


@hookimpl
def portal_dashboard_items(user: User) -> list[dict[str, Any]]:
    """Today's visits and this month's candidates, per store for store staff."""
    items: list[dict[str, Any]] = []
    if can(user, VIEW_VISITS):
        items.append({"label": _("Visits"), "url": url_for("restaurant.list_visits")})
    if can(user, VIEW_CANDIDATES):
        items.append({"label": _("VIP candidates"), "url": url_for("restaurant.list_candidates")})
    if can(user, VIEW_GREETINGS):
        items.append(
            {"label": _("Greetings this week"), "url": url_for("restaurant.list_greetings")}
        )
    scope = stores_in_scope(user, VIEW_VISITS)
    if not items or scope is None or not 0 < len(scope) <= DASHBOARD_STORES:
        return items
    stores = services.stores_for(db.session, user, VIEW_VISITS)
    counts = []
    for store in stores:
        counts.append(
            (
                _("Visits today at %(store)s", store=store.name),
                services.visits_today(db.session, store=store),
                url_for("restaurant.list_visits", store=store.id),
            )
        )
        if can(user, VIEW_CANDIDATES, store):
            counts.append(
                (
                    _("Candidates this month at %(store)s", store=store.name),
                    services.candidates_count(
                        db.session, store=store, month=services.this_month(store)
                    ),
                    url_for("restaurant.list_candidates", store=store.id),
                )
            )
    items[0]["counts"] = counts
    return items


@hookimpl
def portal_member_sections(member: Member, viewer: User) -> list[dict[str, Any]]:
    """R22: the customer's visits this month and last, and whether they qualify."""
    if viewer is None:
        return []
    try:
        visits = services.member_visits(db.session, actor=viewer, member=member)
    except NotFound:
        return []
    html = render_template(
        "restaurant/member_section.html",
        member=member,
        qualification=services.qualification(db.session, member=member),
        visits=visits,
        may_record=can(viewer, RECORD_VISIT, member),
    )
    return [{"title": _("Restaurant visits"), "html": Markup(html)}]  # noqa: S704 - rendered


@hookimpl
def portal_vip_qualifies(member: Member, store: Store, month: date) -> bool | str | None:
    """R22: a VIP file starts for a customer with two visits in ``month`` or the month
    before (October's dinners still count on 1 November); no opinion at stores where R22
    does not apply (see ``services.r22_applies``)."""
    settings = current_app.config.get("PORTAL_RESTAURANT")
    if not isinstance(settings, dict):
        settings = {}  # no ``[restaurant]`` table in portal.toml
    if not services.r22_applies(db.session, store=store, setting=settings.get("r22_stores")):
        return None
    found = services.qualification(db.session, member=member, month=month)
    return True if found.qualifies else services.refusal(found)


@hookimpl
def portal_demo_data(session: Session) -> None:
    """Visits at XA01 for the demo: a VIP candidate, a near miss, an approved VIP's dinner."""
    demo.add_demo_visits(session)


@hookimpl
def portal_tick(session: Session, now: datetime) -> int:
    """Customer care: queue today's birthday and wedding-anniversary greetings."""
    return greetings.queue_greetings(session, now=now)
