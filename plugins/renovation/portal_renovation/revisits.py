"""R12: revisits after delivery, monthly during the first year and quarterly after that.

The plan is arithmetic on the delivery date (:func:`revisit_due`), never rows: a project
stores only its next due date, indexed for the due list. A revisit answers the earliest
due date not yet answered; a late revisit answers every date it is late for, so the next
one falls on the first due date after the day of the visit and the list never piles up.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import User
from portal.accounts.permissions import can, require, stores_in_scope
from portal.audit.services import record
from portal.errors import NotFound
from portal.events import emit
from portal.members.models import Member
from portal.notifications import services as notifications
from portal.notifications.models import Channel
from portal.pagination import Page, SortKey, paginate
from portal_renovation import checks, messages
from portal_renovation import permissions as p
from portal_renovation.followups import reminded as _reminded
from portal_renovation.models import Project, Revisit
from portal_renovation.months import add_months
from portal_renovation.services import staff_of_store

#: R12: monthly revisits during the first year
MONTHLY_REVISITS = 12
#: R12: then every quarter
QUARTER = 3
_NO_PROJECT = _l("No such project.")


def revisit_due(delivered_on: date, n: int) -> date:
    """R12: the due date of the ``n``-th revisit (from 1) of a project delivered that day."""
    if n < 1:
        raise ValueError("revisits count from 1")
    months = n if n <= MONTHLY_REVISITS else MONTHLY_REVISITS + QUARTER * (n - MONTHLY_REVISITS)
    return add_months(delivered_on, months)


def next_revisit_after(delivered_on: date, day: date | None) -> date:
    """R12: the first due date strictly after ``day`` (the first one when ``day`` is None).

    Steps through the plan: four dates a year after the first, so a few dozen steps even
    for a project revisited decades after its delivery."""
    n = 1
    while day is not None and revisit_due(delivered_on, n) <= day:
        n += 1
    return revisit_due(delivered_on, n)


def _member(session: Session, actor: User, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None or not can(actor, p.VIEW_SERVICE, member):
        raise NotFound(_l("No such customer."))
    require(actor, p.FOLLOW_UP, member)
    return member


def register_project(
    session: Session,
    *,
    actor: User,
    member_id: int,
    name: str,
    delivered_on: date | None,
    responsible_id: int,
) -> Project:
    """R12: a project delivered to a customer; its revisit plan starts from the delivery."""
    member = _member(session, actor, member_id)
    now = clock.now()
    errors: checks.Errors = {}
    title = checks.text(errors, "name", name, 120, required=True)
    today = checks.local_today(member.store, now)
    if not isinstance(delivered_on, date) or isinstance(delivered_on, datetime):
        errors["delivered_on"] = [_l("Pick a date from the calendar.")]
    elif delivered_on > today:
        errors["delivered_on"] = [_l("This day lies in the future.")]
    elif delivered_on.year < 2000:
        errors["delivered_on"] = [_l("Choose a day from 2000 on.")]
    person = next(
        (u for u in staff_of_store(session, member.store_id) if u.id == responsible_id), None
    )
    if person is None:
        errors["responsible_id"] = [_l("Choose an employee of this store.")]
    checks.raise_errors(errors)
    project = Project(
        store_id=member.store_id,
        member_id=member.id,
        name=title,
        delivered_on=delivered_on,
        responsible_id=person.id,
        # a project entered late starts with the first revisit not yet past
        next_revisit_on=next_revisit_after(delivered_on, None),
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(project)
    session.flush()
    record(
        session,
        actor=actor,
        action="renovation.project_registered",
        object_type="renovation_project",
        object_id=project.id,
        store_id=project.store_id,
        after={
            "name": title,
            "delivered_on": delivered_on.isoformat(),
            "responsible_id": person.id,
            "next_revisit_on": project.next_revisit_on.isoformat(),
        },
    )
    emit(
        session,
        "renovation.project_registered",
        project_id=project.id,
        member_id=member.id,
        store_id=member.store_id,
    )
    return project


def get_project(session: Session, *, actor: User | None, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None or not can(actor, p.VIEW_SERVICE, project):
        raise NotFound(_NO_PROJECT)
    return project


def record_revisit(
    session: Session,
    *,
    actor: User,
    project: Project,
    visited_on: date | None,
    score: int | None,
    note: str,
) -> Revisit:
    """R12: a revisit with the customer's satisfaction (1 to 5); the plan moves on."""
    if not can(actor, p.VIEW_SERVICE, project):
        raise NotFound(_NO_PROJECT)
    require(actor, p.FOLLOW_UP, project)
    now = clock.now()
    errors: checks.Errors = {}
    day = checks.past_day(
        errors, "visited_on", visited_on, today=checks.local_today(project.store, now)
    )
    if day is not None and day < project.delivered_on:
        errors["visited_on"] = [_l("A revisit comes after the delivery.")]
    checks.score(errors, "score", score)
    text = checks.text(errors, "note", note, 1000, required=True)
    checks.raise_errors(errors)
    revisit = Revisit(
        project_id=project.id,
        store_id=project.store_id,
        visited_on=day,
        due_on=project.next_revisit_on,
        score=score,
        note=text,
        recorded_by_id=actor.id,
        created_at=now,
    )
    session.add(revisit)
    before = project.next_revisit_on
    last = max(day, project.last_revisit_on) if project.last_revisit_on else day
    project.last_revisit_on = last
    project.next_revisit_on = next_revisit_after(project.delivered_on, last)
    session.flush()
    record(
        session,
        actor=actor,
        action="renovation.project_revisited",
        object_type="renovation_project",
        object_id=project.id,
        store_id=project.store_id,
        before={"next_revisit_on": before.isoformat()},
        after={
            "visited_on": day.isoformat(),
            "score": score,
            "next_revisit_on": project.next_revisit_on.isoformat(),
        },
    )
    emit(
        session,
        "renovation.project_revisited",
        project_id=project.id,
        store_id=project.store_id,
        score=score,
    )
    return revisit


def revisits_of(session: Session, project: Project) -> list[Revisit]:
    return list(
        session.scalars(
            select(Revisit)
            .where(Revisit.project_id == project.id)
            .order_by(Revisit.visited_on.desc(), Revisit.id.desc())
        )
    )


def projects_of(session: Session, member: Member) -> list[Project]:
    return list(
        session.scalars(
            select(Project).where(Project.member_id == member.id).order_by(Project.id.desc())
        )
    )


DUE_ORDER = [SortKey(Project.next_revisit_on), SortKey(Project.id)]


def due_revisits(
    session: Session,
    *,
    actor: User,
    store_id: int | None = None,
    due_by: date | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[Project]:
    """R12: delivered projects of the actor's stores, the earliest revisit due first."""
    scope = stores_in_scope(actor, p.VIEW_SERVICE)
    query = select(Project)
    if store_id is not None:
        if scope is not None and store_id not in scope:
            raise NotFound(_l("No such store."))
        query = query.where(Project.store_id == store_id)
    elif scope is not None:
        query = query.where(Project.store_id.in_(scope))
    if due_by is not None:
        query = query.where(Project.next_revisit_on <= due_by)
    return paginate(session, query, order=DUE_ORDER, cursor=cursor, limit=limit)


def remind_due(session: Session, *, now: datetime, limit: int = 500) -> int:
    """R12, tick: tell the responsible person of each project due today, once per due date."""
    horizon = date.fromordinal(now.date().toordinal() + 1)
    rows = session.scalars(
        select(Project)
        .where(Project.next_revisit_on <= horizon)
        .order_by(Project.next_revisit_on, Project.id)
        .limit(limit)
    )
    sent = 0
    for project in rows:
        if project.next_revisit_on > checks.local_today(project.store, now):
            continue
        key = f"{messages.REVISIT_DUE}:{project.id}:{project.next_revisit_on.isoformat()}"
        if not project.responsible.is_enabled or _reminded(session, key, project.responsible):
            continue
        made = notifications.notify(
            session,
            kind=messages.REVISIT_DUE,
            key=key,
            params={
                "customer": project.member.full_name,
                "project": project.name,
                "due": project.next_revisit_on.isoformat(),
            },
            user=project.responsible,
            channels=(Channel.PORTAL,),
            store_id=project.store_id,
        )
        sent += bool(made)
    return sent
