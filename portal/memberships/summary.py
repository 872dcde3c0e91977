"""What a membership looks like to its reader on a given day (R15, R16): status, period,
rights and obligations (resting while suspended), fees paid, deposit held and refunds.
The member's page, the membership pages and the API all show this one summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.accounts.permissions import Action, can
from portal.members.models import Member
from portal.memberships import ledger, lifecycle, types
from portal.memberships.models import Membership, MembershipPeriod
from portal.memberships.policies import RightsAndObligations
from portal.memberships.status import MembershipStatus


@dataclass(frozen=True)
class Summary:
    membership: Membership
    on: date
    status: MembershipStatus
    period: MembershipPeriod | None
    terms: RightsAndObligations | None
    #: R18: the rights rest until this day (included)
    suspended_until: date | None
    balance: ledger.Balance

    @property
    def rights_suspended(self) -> bool:
        return self.suspended_until is not None


def summarize(session: Session, membership: Membership, on: date | None = None) -> Summary:
    day = on or lifecycle.today(membership)
    return Summary(
        membership=membership,
        on=day,
        status=lifecycle.status_of(membership, day),
        period=lifecycle.current_period(membership, day),
        terms=types.terms_of(membership.type),
        suspended_until=lifecycle.suspended_until(membership, day),
        balance=ledger.balance_of(session, membership),
    )


@dataclass(frozen=True)
class MemberPanel:
    """The membership panel of a member's page: what ``viewer`` may see and do."""

    summary: Summary | None
    may_apply: bool


def member_panel(session: Session, *, viewer: User, member: Member) -> MemberPanel | None:
    """R15: the member's own membership for the member and for staff who may read
    memberships of its store; None for anyone else (the panel is not shown)."""
    own = member.user_id == viewer.id
    if not (own or can(viewer, Action.VIEW_MEMBERSHIP, member)):
        return None
    membership = lifecycle.current_membership(session, member)
    summary = summarize(session, membership) if membership is not None else None
    free = summary is None or summary.status not in lifecycle.LIVE
    may_apply = free and (own or can(viewer, Action.APPLY_MEMBERSHIP, member))
    return MemberPanel(summary, may_apply)
