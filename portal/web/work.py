"""The staff home page's "your work" panel: what waits for whom, and where to act on it."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _

from portal import clock
from portal.accounts.models import User
from portal.accounts.permissions import Action, can
from portal.extensions import db
from portal.sla import services as sla
from portal.vip import services as vip


def may_review(user: User) -> bool:
    """Store managers, head office, and anyone standing in for someone on leave (R5)."""
    return (
        can(user, Action.REVIEW_VIP_FILE)
        or can(user, Action.REASSIGN_TASK)
        or bool(sla.covering(db.session, user, now=clock.now()))
    )


def work_links(user: User) -> list[dict[str, Any]]:
    """Links to the user's work, with the review queue's counts where they review."""
    links: list[dict[str, Any]] = []
    if may_review(user):
        counts = vip.queue_counts(db.session, actor=user)
        links.append(
            {
                "label": _("VIP files waiting for review"),
                "url": url_for("vip.review_queue"),
                "counts": [
                    (_("All"), counts[vip.Bucket.ALL], url_for("vip.review_queue")),
                    (
                        _("Due soon"),
                        counts[vip.Bucket.DUE_SOON],
                        url_for("vip.review_queue", bucket="due_soon"),
                    ),
                    (
                        _("Overdue"),
                        counts[vip.Bucket.OVERDUE],
                        url_for("vip.review_queue", bucket="overdue"),
                    ),
                ],
            }
        )
    if can(user, Action.START_VIP_FILE):
        links.append({"label": _("My VIP files"), "url": url_for("vip.list_files")})
    if can(user, Action.ENTER_CUSTOMER):
        links.append({"label": _("Enter a new customer"), "url": url_for("ownership.new_customer")})
    if can(user, Action.RESOLVE_OWNERSHIP) or can(user, Action.ENTER_CUSTOMER):
        links.append(
            {"label": _("Customers claimed twice"), "url": url_for("ownership.list_conflicts")}
        )
    if can(user, Action.HAND_OVER_CUSTOMERS):
        links.append(
            {
                "label": _("Hand over customers of departed staff"),
                "url": url_for("ownership.handover"),
            }
        )
    if can(user, Action.MANAGE_LEAVE) or sla.covering(db.session, user, now=clock.now()):
        links.append({"label": _("Leave and deputies"), "url": url_for("sla.leave_page")})
    if can(user, Action.VIEW_SLA_REPORT):
        links.append({"label": _("Customers per referrer"), "url": url_for("ownership.report")})
    links += _membership_and_compliance_links(user)
    links.extend(
        current_app.extensions["portal.plugins"].collect("portal_dashboard_items", user=user)
    )
    return links


def _membership_and_compliance_links(user: User) -> list[dict[str, Any]]:
    """R15-R19: where reviewers, finance and compliance find their queues."""
    links: list[dict[str, Any]] = []
    if can(user, Action.REVIEW_MEMBERSHIP):
        links.append(
            {
                "label": _("Membership applications waiting for review"),
                "url": url_for("memberships.application_queue"),
            }
        )
    if can(user, Action.MANAGE_DEPOSITS):
        links.append({"label": _("Deposit refunds due"), "url": url_for("memberships.refunds_due")})
    if can(user, Action.MANAGE_CASES):
        links.append({"label": _("Compliance cases"), "url": url_for("compliance.list_cases")})
    if can(user, Action.DECIDE_APPEAL):
        links.append(
            {"label": _("Appeals against notices"), "url": url_for("compliance.appeal_queue")}
        )
    return links
