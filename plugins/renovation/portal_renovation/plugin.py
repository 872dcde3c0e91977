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
from sqlalchemy.orm import Session

from portal import clock, hookimpl
from portal.accounts.permissions import Permission, can
from portal.extensions import db
from portal.records.retention import RetentionPolicy
from portal.sla.policies import SlaPolicy
from portal_renovation import checks, demo, followups, messages, models, revisits, services  # noqa: F401
from portal_renovation import permissions as p
from portal_renovation.api import blp
from portal_renovation.models import CaseState, Severity
from portal_renovation.policies import CONTACT_PROMISE
from portal_renovation.retention import POLICIES as RETENTION_POLICIES
from portal_renovation.service_api import blp as service_blp
from portal_renovation.service_views import bp as service_bp
from portal_renovation.views import bp

PACKAGE_DIR = Path(__file__).parent
#: the home page counts due work up to this many
DUE_CAP = 99


@hookimpl
def portal_blueprints() -> list[Blueprint]:
    return [bp, service_bp, blp, service_blp]


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
def portal_retention_policies() -> tuple[RetentionPolicy, ...]:
    """R26: revisited cases not tied to a delivered project, and follow-ups."""
    return RETENTION_POLICIES


@hookimpl
def portal_nav_items(user: Any) -> list[dict[str, Any]]:
    """Cases for everyone who reads them."""
    if user is None or not can(user, p.VIEW_CASE):
        return []
    return [
        {"label": _("Complaints and repairs"), "url": url_for("renovation.list_cases")},
        {"label": _("Follow-ups"), "url": url_for("renovation_service.due_follow_ups")},
    ]


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
                "counts": [(_("In progress"), waiting, mine)],
            }
        )
        items.append(
            {"label": _("Log a complaint or repair"), "url": url_for("renovation.new_case")}
        )
    if can(user, p.MANAGE_CASE):
        # R14: serious cases are handled at once; the department head keeps them in view
        serious = services.list_cases(
            db.session,
            actor=user,
            flt=services.CaseFilter(state=CaseState.OPEN, severity=Severity.SERIOUS),
            limit=DUE_CAP,
        )
        url = url_for("renovation.list_cases", state="open", severity="serious")
        items.append(
            {
                "label": _("Serious cases still open"),
                "url": url,
                "counts": [(_("In progress"), _capped(serious), url)],
            }
        )
    if can(user, p.FOLLOW_UP):
        today = checks.local_today(None, clock.now())
        follow = followups.due_list(
            db.session, actor=user, flt=followups.DueFilter(due_by=today), limit=DUE_CAP
        )
        visits = revisits.due_revisits(db.session, actor=user, due_by=today, limit=DUE_CAP)
        due_follow = url_for("renovation_service.due_follow_ups", due="y")
        due_visits = url_for("renovation_service.due_revisits", due="y")
        items.append(
            {
                "label": _("Follow-ups and revisits due"),
                "url": due_follow,
                "counts": [
                    (_("Follow-ups"), _capped(follow), due_follow),
                    (_("Revisits"), _capped(visits), due_visits),
                ],
            }
        )
    items.append({"label": _("Penalty notices"), "url": url_for("renovation.list_penalties")})
    return items


def _capped(page: Any) -> int | str:
    """A count for the panel, never a full COUNT(*): past one page it reads "99+"."""
    return f"{DUE_CAP}+" if page.next_cursor else len(page.items)


@hookimpl
def portal_member_sections(member: Any, viewer: Any) -> list[dict[str, Any]]:
    """Staff who read the store's cases see the customer's class, next revisits and open
    cases; the customer sees their own cases and when they are next revisited."""
    staff_view = can(viewer, p.VIEW_CASE, member)
    own = viewer is not None and member.user_id is not None and viewer.id == member.user_id
    if not (staff_view or own):
        return []
    html = render_template(
        "renovation/member_section.html",
        member=member,
        cases=services.open_cases_of(db.session, member),
        classing=followups.classing_of(db.session, member) if staff_view else None,
        projects=revisits.projects_of(db.session, member),
        staff_view=staff_view,
        may_log=can(viewer, p.ACT_ON_CASE, member),
    )
    return [{"title": _("Renovation service"), "html": Markup(html)}]  # noqa: S704


@hookimpl
def portal_on_event(event: Any) -> None:
    """R23: a broken 48-hour promise shows in the case's timeline. The event arrives after
    the tick committed, so the line is written in a transaction of its own."""
    data = event.data
    if event.name != "sla.breached" or data.get("subject_type") != services.SUBJECT_TYPE:
        return
    with Session(db.engine) as session:
        if services.note_broken_promise(session, case_id=data["subject_id"]):
            session.commit()


@hookimpl
def portal_demo_data(session: Any) -> None:
    """Cases in every state, classed customers and delivered projects at XA01."""
    demo.add_demo_data(session)


@hookimpl
def portal_tick(session: Any, now: Any) -> int:
    """R11, R12: remind the responsible persons of follow-ups and revisits due today."""
    return followups.remind_due(session, now=now) + revisits.remind_due(session, now=now)
