"""Numbered notices (R25): issuing, reading, rendering in the member's language, the
appeal window and the member's acknowledgement.

A notice's number is ``<department>-<year>-<sequence>`` (``[compliance] department``,
default HG; the year of the store's calendar), drawn from the one atomic counter of
``portal.records.numbering``, so two officers issuing at once never share one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import User
from portal.accounts.permissions import Action, can
from portal.audit.services import record
from portal.compliance import messages
from portal.compliance.cases import add_event, year_of
from portal.compliance.models import ComplianceCase, Notice, NoticeKind
from portal.compliance.settings import appeal_days, department
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.events import emit
from portal.i18n import zone_of
from portal.members.models import Member
from portal.notifications import services as notifications
from portal.pagination import Page, SortKey, paginate
from portal.records.numbering import next_number

SUBJECT_TYPE = "compliance_notice"
_NOT_FOUND = _l("No such notice.")


# --- the appeal window (pure) ---------------------------------------------------------------


def appeal_last_day(issued_at: datetime, zone: ZoneInfo, days: int) -> date:
    """The last day to appeal: ``days`` calendar days after the day of issue, both counted
    in the store's zone (a notice issued at 23:30 local time was issued that day)."""
    return issued_at.astimezone(zone).date() + timedelta(days=days)


def within_appeal_window(last_day: date, now: datetime, zone: ZoneInfo) -> bool:
    """Whether an appeal at ``now`` is in time: it is still the last day, or earlier, at
    the store."""
    return now.astimezone(zone).date() <= last_day


# --- issuing --------------------------------------------------------------------------------


def issue_notice(
    session: Session,
    *,
    actor: User,
    case: ComplianceCase,
    kind: NoticeKind,
    reasons: str,
    idempotency_key: str | None = None,
) -> Notice:
    """Number and store a notice of ``case`` to its member (R25); the member hears of it
    (outbox) and ``penalty.issued`` (or ``compliance.rectification_issued``) is emitted.
    The caller authorized and validated."""
    now = clock.now()
    notice = Notice(
        number=next_number(session, prefix=department(), year=year_of(case, now)),
        kind=kind.value,
        case_id=case.id,
        member_id=case.member_id,
        store_id=case.store_id,
        reasons=reasons,
        issued_by_id=actor.id,
        issued_at=now,
        appeal_until=appeal_last_day(now, zone_of(case.store), appeal_days()),
        idempotency_key=idempotency_key,
    )
    session.add(notice)
    session.flush()
    add_event(session, case, "notice", actor, number=notice.number, notice_kind=kind.value)
    record(
        session,
        actor=actor,
        action="compliance.notice_issued",
        object_type=SUBJECT_TYPE,
        object_id=notice.id,
        store_id=case.store_id,
        after={
            "number": notice.number,
            "kind": kind.value,
            "case": case.number,
            "member_id": case.member_id,
            "appeal_until": notice.appeal_until.isoformat(),
        },
    )
    notifications.notify(
        session,
        kind=messages.NOTICE_ISSUED,
        key=f"{messages.NOTICE_ISSUED}:{notice.id}",
        params={"number": notice.number, "until": notice.appeal_until.isoformat()},
        member=case.member,
    )
    event = (
        "compliance.rectification_issued" if kind is NoticeKind.RECTIFICATION else "penalty.issued"
    )
    emit(
        session,
        event,
        actor=actor,
        notice_id=notice.id,
        number=notice.number,
        kind=kind.value,
        case_id=case.id,
        member_id=case.member_id,
        store_id=case.store_id,
    )
    return notice


def replayed(session: Session, *, actor: User, key: str | None) -> Notice | None:
    """The notice an earlier request with this ``Idempotency-Key`` issued, if any."""
    if key is None:
        return None
    existing = session.scalar(select(Notice).where(Notice.idempotency_key == key))
    if existing is not None and existing.issued_by_id != actor.id:
        raise Conflict(_l("This idempotency key was used for another request."))
    return existing


# --- reading --------------------------------------------------------------------------------


def is_addressee(actor: User | None, notice: Notice) -> bool:
    """The member the notice is addressed to (through their own login)."""
    return actor is not None and actor.is_enabled and notice.member.user_id == actor.id


def may_read(actor: User | None, notice: Notice) -> bool:
    return is_addressee(actor, notice) or can(actor, Action.VIEW_CASES, notice)


def get_notice(session: Session, *, actor: User | None, notice_id: int) -> Notice:
    """A notice its member or a case reader may read; else 404."""
    notice = session.get(Notice, notice_id)
    if notice is None or not may_read(actor, notice):
        raise NotFound(_NOT_FOUND)
    return notice


def notices_of_case(session: Session, case: ComplianceCase) -> list[Notice]:
    return list(
        session.scalars(select(Notice).where(Notice.case_id == case.id).order_by(Notice.id))
    )


def notices_of_member(
    session: Session, *, actor: User, member: Member, limit: int = 50
) -> list[Notice]:
    """The member's notices, newest first, for the member themselves and case readers
    (empty for anyone else: the member page's section)."""
    if member.user_id != actor.id and not can(actor, Action.VIEW_CASES, member):
        return []
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.member_id == member.id)
            .order_by(Notice.issued_at.desc(), Notice.id.desc())
            .limit(limit)
        )
    )


NOTICE_ORDER = [SortKey(Notice.issued_at, True), SortKey(Notice.id, True)]


def list_notices(
    session: Session, *, actor: User, cursor: str | None = None, limit: int = 25
) -> Page[Notice]:
    """Notices the actor reads: every one for case readers, their own for a member."""
    query = select(Notice)
    if not can(actor, Action.VIEW_CASES):
        query = query.join(Member, Member.id == Notice.member_id).where(Member.user_id == actor.id)
    return paginate(session, query, order=NOTICE_ORDER, cursor=cursor, limit=limit)


# --- acknowledging --------------------------------------------------------------------------


def acknowledge(session: Session, *, actor: User, notice: Notice) -> None:
    """The member confirms having received the notice, once (audited, date shown)."""
    if not may_read(actor, notice):
        raise NotFound(_NOT_FOUND)
    if not is_addressee(actor, notice):
        raise PermissionDenied(_l("Only the member it is addressed to acknowledges a notice."))
    now = clock.now()
    result = session.execute(
        update(Notice)
        .where(Notice.id == notice.id, Notice.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(notice)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_l("This notice was acknowledged already."))
    add_event(session, notice.case, "acknowledged", actor, number=notice.number)
    record(
        session,
        actor=actor,
        action="compliance.notice_acknowledged",
        object_type=SUBJECT_TYPE,
        object_id=notice.id,
        store_id=notice.store_id,
        before={"acknowledged_at": None},
        after={"acknowledged_at": now.isoformat()},
    )
    emit(
        session,
        "compliance.notice_acknowledged",
        notice_id=notice.id,
        number=notice.number,
        member_id=notice.member_id,
    )


# --- rendering ------------------------------------------------------------------------------


def member_locale(notice: Notice) -> str:
    """The language of the member's account, else the deployment's default (zh_Hans)."""
    user = notice.member.user
    locales: list[str] = current_app.config["PORTAL_LOCALES"]
    if user is not None and user.locale in locales:
        return user.locale
    return str(current_app.config["PORTAL_DEFAULT_LOCALE"])


def render_document(notice: Notice) -> Markup:
    """The notice itself, in the member's language: the one template both the printable
    page and the PDF show, so they never drift."""
    with force_locale(member_locale(notice)):
        return Markup(  # noqa: S704 - a rendered, autoescaped template
            render_template("compliance/_notice.html", notice=notice)
        )


def pdf_filename(notice: Notice) -> str:
    return f"{notice.number}.pdf"


def printable_page(notice: Notice) -> str:
    """The notice page as the PDF lays it out: the same template as the page, wholly in
    the member's language."""
    with force_locale(member_locale(notice)):
        return render_template(
            "compliance/notice.html", notice=notice, document=render_document(notice), actions=None
        )
