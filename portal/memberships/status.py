"""A membership's status on a given day, computed from its facts (R15, R16, R21).

Pure: no database, no clock. Nothing stores the status, so no nightly job can leave it
stale: a suspension ends on its last day and a period runs out by itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from portal.memberships.policies import EndedBy


class MembershipStatus(StrEnum):
    #: waiting for a reviewer
    APPLIED = "applied"
    REJECTED = "rejected"
    #: approved, its first period starts later
    APPROVED = "approved"
    ACTIVE = "active"
    #: R18: the rights rest until the suspension's last day
    SUSPENDED = "suspended"
    #: the last period ran out without a renewal
    LAPSED = "lapsed"
    #: ended at the member's request, announced by the exchange
    ENDED = "ended"
    #: terminated by the exchange's announcement
    TERMINATED = "terminated"
    #: R21
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    MembershipStatus.APPLIED: _l("Waiting for review"),
    MembershipStatus.REJECTED: _l("Rejected"),
    MembershipStatus.APPROVED: _l("Approved, not started"),
    MembershipStatus.ACTIVE: _l("Active"),
    MembershipStatus.SUSPENDED: _l("Suspended"),
    MembershipStatus.LAPSED: _l("Lapsed"),
    MembershipStatus.ENDED: _l("Ended"),
    MembershipStatus.TERMINATED: _l("Terminated"),
    MembershipStatus.REVOKED: _l("Revoked"),
}

_END_STATUS = {
    EndedBy.MEMBER: MembershipStatus.ENDED,
    EndedBy.ANNOUNCEMENT: MembershipStatus.TERMINATED,
    EndedBy.REVOCATION: MembershipStatus.REVOKED,
}

#: an end can no longer be announced, nor anything else done, in these
FINAL = frozenset(
    {
        MembershipStatus.REJECTED,
        MembershipStatus.ENDED,
        MembershipStatus.TERMINATED,
        MembershipStatus.REVOKED,
    }
)


@dataclass(frozen=True)
class Span:
    """Days from ``starts_on`` to ``ends_on``, both included."""

    starts_on: date
    ends_on: date

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Facts:
    """What the status is computed from."""

    decision: str | None
    periods: tuple[Span, ...] = ()
    suspensions: tuple[Span, ...] = ()
    ended_on: date | None = None
    ended_by: str | None = None


def compute_status(facts: Facts, on: date) -> MembershipStatus:
    """The status on day ``on``: the decision first, then an announced end (from its day
    on), then a suspension over a running period, then the periods."""
    if facts.decision is None:
        return MembershipStatus.APPLIED
    if facts.decision == "rejected":
        return MembershipStatus.REJECTED
    if facts.ended_on is not None and on >= facts.ended_on:
        return _END_STATUS[EndedBy(facts.ended_by)]
    if any(period.covers(on) for period in facts.periods):
        if any(suspension.covers(on) for suspension in facts.suspensions):
            return MembershipStatus.SUSPENDED
        return MembershipStatus.ACTIVE
    if not facts.periods or on < min(p.starts_on for p in facts.periods):
        return MembershipStatus.APPROVED
    return MembershipStatus.LAPSED


def suspension_on(suspensions: Iterable[Span], on: date) -> Span | None:
    """The suspension running on ``on`` that lasts longest (its end is when rights return)."""
    running = [s for s in suspensions if s.covers(on)]
    return max(running, key=lambda s: s.ends_on) if running else None
