"""R26 for the renovation desk: how long its service records are kept.

A complaint or repair case is a service record once it is revisited (R14: nothing is
left to do); the clock starts at the revisit. A case about a delivered project still on
file is tied to that product and kept for its lifetime, as are cases a penalty notice or
a later complaint on the same matter (R24) points at. Follow-ups (R11) are service
records from the day they happened. Revisits (R12) belong to their delivered project and
are kept with it: no policy here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Table, and_, exists, or_, select
from sqlalchemy.orm import aliased

from portal.records.retention import RetentionPolicy
from portal_renovation.models import CaseState, FollowUp, PenaltyNotice, Project, RenovationCase


def _revisited(t: Table) -> ColumnElement[bool]:
    return t.c.state == str(CaseState.REVISITED)


def _tied_to_a_product_or_record(t: Table) -> ColumnElement[bool]:
    later = aliased(RenovationCase)
    project = exists(
        select(Project.id).where(Project.member_id == t.c.member_id, Project.name == t.c.project)
    )
    penalty = exists(select(PenaltyNotice.id).where(PenaltyNotice.case_id == t.c.id))
    complaint = exists(select(later.id).where(later.earlier_case_id == t.c.id))
    return or_(and_(t.c.project.is_not(None), project), penalty, complaint)


CASES = RetentionPolicy(
    key="renovation_cases",
    label=_l("Revisited complaint and repair cases, with their timelines and handovers"),
    table=RenovationCase.__table__,
    clock="revisited_at",
    finished=_revisited,
    exempt=_tied_to_a_product_or_record,
    exempt_reason=_l(
        "about a delivered project still on file, or named by a penalty notice or a later complaint"
    ),
)

FOLLOW_UPS = RetentionPolicy(
    key="renovation_follow_ups",
    label=_l("Follow-ups of classed customers"),
    table=FollowUp.__table__,
    clock="followed_up_on",
)

POLICIES = (CASES, FOLLOW_UPS)
