"""Compliance cases (R17-R21, R25): opening, evidence notes and attachments, investigation,
closing, the list and the timeline.

Every function authorizes the actor on the case (outside VIEW_CASES it answers 404),
validates, writes the change with a timeline line and an audit event, and leaves the
commit to the caller. Steps two officers may take at once are compare-and-set updates:
the second hears 409.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import User
from portal.accounts.permissions import Action, can, require, stores_in_scope
from portal.audit.services import record
from portal.compliance import services as catalogue
from portal.compliance.catalogue import Violation, ViolationKind
from portal.compliance.models import (
    CaseAttachment,
    CaseEvent,
    CaseNote,
    CaseState,
    CaseViolation,
    ComplianceCase,
)
from portal.compliance.settings import department
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.events import emit
from portal.i18n import zone_of
from portal.idempotency import check_key
from portal.members.models import Member
from portal.memberships import lifecycle
from portal.money import parse_amount
from portal.pagination import Page, SortKey, paginate
from portal.records.numbering import next_number

Errors = dict[str, list[object]]

SUBJECT_TYPE = "compliance_case"
#: attachments: at most this many bytes each
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
#: allowed extensions and the magic bytes their content must start with
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
}
#: C0 controls but tab and line breaks, DEL, lone surrogates
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_NOT_FOUND = _l("No such case.")
REQUIRED = _l("This field is required.")


# --- shared checks and records --------------------------------------------------------------


def clean_text(errors: Errors, field: str, value: str | None, maximum: int) -> str:
    """A required text, stripped; empty, too long or holding control characters is noted."""
    cleaned = (value or "").strip()
    if not cleaned:
        errors.setdefault(field, []).append(REQUIRED)
    elif len(cleaned) > maximum:
        errors.setdefault(field, []).append(_l("At most %(n)d characters.", n=maximum))
    elif _CONTROL.search(cleaned):
        errors.setdefault(field, []).append(_l("Remove control characters from the text."))
    return cleaned


def raise_errors(errors: Errors) -> None:
    if errors:
        raise ValidationFailed(errors)


def year_of(case: ComplianceCase, at: datetime) -> int:
    """R25 numbers count per year of the store's calendar."""
    return at.astimezone(zone_of(case.store)).year


def add_event(
    session: Session, case: ComplianceCase, kind: str, actor: User | None, **data: Any
) -> None:
    """One line of the case's timeline."""
    session.add(
        CaseEvent(
            case_id=case.id,
            occurred_at=clock.now(),
            kind=kind,
            actor_id=actor.id if actor else None,
            data=data,
        )
    )


def audit(
    session: Session,
    case: ComplianceCase,
    *,
    actor: User,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any],
) -> None:
    record(
        session,
        actor=actor,
        action=action,
        object_type=SUBJECT_TYPE,
        object_id=case.id,
        store_id=case.store_id,
        before=before,
        after=after,
    )


def transition(
    session: Session, case: ComplianceCase, *, from_states: tuple[str, ...], **values: Any
) -> None:
    """Change the case only if it is still in one of ``from_states`` and unchanged since it
    was loaded: of two officers acting at once one succeeds, the other gets 409."""
    result = session.execute(
        update(ComplianceCase)
        .where(
            ComplianceCase.id == case.id,
            ComplianceCase.state.in_(from_states),
            ComplianceCase.state == case.state,
            ComplianceCase.updated_at == case.updated_at,
        )
        .values(updated_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(case)
        raise Conflict(_l("This case changed meanwhile; look at it again."))
    session.refresh(case)


# --- reading --------------------------------------------------------------------------------


def get_case(session: Session, *, actor: User | None, case_id: int) -> ComplianceCase:
    """A case the actor may read (compliance, head of service, admin); else 404."""
    case = session.get(ComplianceCase, case_id)
    if case is None or not can(actor, Action.VIEW_CASES, case):
        raise NotFound(_NOT_FOUND)
    return case


def require_manager(actor: User, case: ComplianceCase) -> None:
    """NotFound outside VIEW_CASES; PermissionDenied for readers who do not manage cases."""
    if not can(actor, Action.VIEW_CASES, case):
        raise NotFound(_NOT_FOUND)
    require(actor, Action.MANAGE_CASES, case)


def violations_of(case: ComplianceCase) -> list[Violation]:
    """The catalogue entries the case cites (a disabled plugin's codes still resolve)."""
    return [catalogue.get_violation(code) for code in case.codes]


def timeline(session: Session, case: ComplianceCase) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.occurred_at, CaseEvent.id)
        )
    )


def notes(session: Session, case: ComplianceCase) -> list[CaseNote]:
    return list(
        session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id))
    )


def attachments(session: Session, case: ComplianceCase) -> list[CaseAttachment]:
    return list(
        session.scalars(
            select(CaseAttachment)
            .where(CaseAttachment.case_id == case.id)
            .order_by(CaseAttachment.id)
        )
    )


class CaseSort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"


SORTS: dict[CaseSort, list[SortKey]] = {
    CaseSort.NEWEST: [SortKey(ComplianceCase.created_at, True), SortKey(ComplianceCase.id, True)],
    CaseSort.OLDEST: [SortKey(ComplianceCase.created_at), SortKey(ComplianceCase.id)],
}


@dataclass(frozen=True)
class CaseFilter:
    state: CaseState | None = None
    member_id: int | None = None
    kind: ViolationKind | None = None


def in_scope(actor: User, action: Action, column: Any) -> Any:
    """The condition limiting ``column`` (a store id) to the stores the actor may take
    ``action`` in (True for every store); PermissionDenied for someone with none."""
    scope = stores_in_scope(actor, action)
    if scope is None:
        return true()
    if not scope:
        raise PermissionDenied(_l("You are not allowed to do this."))
    return column.in_(scope)


def _filtered(actor: User, flt: CaseFilter) -> Select[tuple[ComplianceCase]]:
    query = select(ComplianceCase).where(
        in_scope(actor, Action.VIEW_CASES, ComplianceCase.store_id)
    )
    if flt.state is not None:
        query = query.where(ComplianceCase.state == flt.state)
    if flt.member_id is not None:
        query = query.where(ComplianceCase.member_id == flt.member_id)
    if flt.kind is not None:
        cited = select(CaseViolation.case_id).where(CaseViolation.kind == flt.kind)
        query = query.where(ComplianceCase.id.in_(cited))
    return query


def list_cases(
    session: Session,
    *,
    actor: User,
    flt: CaseFilter = CaseFilter(),
    sort: CaseSort = CaseSort.NEWEST,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[ComplianceCase]:
    """Cases of the actor's stores filtered by state, member and violation kind, one keyset
    page at a time."""
    return paginate(session, _filtered(actor, flt), order=SORTS[sort], cursor=cursor, limit=limit)


# --- opening --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCase:
    member_id: int
    codes: list[str]
    subject: str
    description: str
    #: R18: the illicit gain found, as typed ("12000.50"); compensation must reach it
    illicit_gain: str | None = None


def _cited(errors: Errors, codes: list[str]) -> list[Violation]:
    offered = {v.code: v for v in catalogue.catalogue()}
    chosen = list(dict.fromkeys(code.strip().upper() for code in codes if code and code.strip()))
    if not chosen:
        errors.setdefault("codes", []).append(_l("Cite at least one violation."))
        return []
    unknown = [code[:20] for code in chosen if code not in offered]
    if unknown:
        errors.setdefault("codes", []).append(
            _l("Not in the catalogue: %(codes)s", codes=", ".join(unknown))
        )
        return []
    return [offered[code] for code in chosen]


def parse_gain(errors: Errors, field: str, raw: str | None) -> Decimal | None:
    """An optional CNY amount, refused with a message when it is not one."""
    text = (raw or "").strip()
    if not text:
        return None
    amount = parse_amount(text)
    if amount is None:
        errors.setdefault(field, []).append(
            _l("Give an amount in yuan with at most two decimals, e.g. 1200.50.")
        )
    return amount


def open_case(
    session: Session, *, actor: User, data: NewCase, idempotency_key: str | None = None
) -> ComplianceCase:
    """Open a numbered case (R25) against a member, citing catalogue violations (R17-R21).

    The member's current membership, if any, is recorded with it. With
    ``idempotency_key`` the same request twice opens one case.
    """
    require(actor, Action.MANAGE_CASES)
    key = check_key(idempotency_key)
    if key is not None:
        existing = session.scalar(
            select(ComplianceCase).where(ComplianceCase.idempotency_key == key)
        )
        if existing is not None:
            if existing.opened_by_id != actor.id:
                raise Conflict(_l("This idempotency key was used for another request."))
            return existing
    errors: Errors = {}
    member = session.get(Member, data.member_id) if data.member_id else None
    if member is None or not can(actor, Action.MANAGE_CASES, member):
        errors["member_id"] = [_l("No member has this number.")]
        member = None
    violations = _cited(errors, data.codes)
    subject = clean_text(errors, "subject", data.subject, 200)
    description = clean_text(errors, "description", data.description, 4000)
    gain = parse_gain(errors, "illicit_gain", data.illicit_gain)
    raise_errors(errors)
    membership = lifecycle.current_membership(session, member)
    now = clock.now()
    case = ComplianceCase(
        number="",
        store_id=member.store_id,
        member_id=member.id,
        membership_id=membership.id if membership is not None else None,
        subject=subject,
        description=description,
        illicit_gain=gain,
        state=CaseState.OPEN,
        opened_by_id=actor.id,
        idempotency_key=key,
        created_at=now,
        updated_at=now,
        violations=[CaseViolation(code=v.code, kind=v.kind.value) for v in violations],
    )
    case.store = member.store
    case.number = next_number(session, prefix=f"{department()}AJ", year=year_of(case, now))
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:
        existing = session.scalar(
            select(ComplianceCase).where(ComplianceCase.idempotency_key == key)
        )
        if key is None or existing is None:
            raise
        return existing
    add_event(session, case, "opened", actor, codes=case.codes)
    audit(session, case, actor=actor, action="compliance.case_opened", after=snapshot(case))
    emit(
        session,
        "compliance.case_opened",
        case_id=case.id,
        member_id=member.id,
        store_id=case.store_id,
        codes=case.codes,
    )
    return case


def snapshot(case: ComplianceCase) -> dict[str, Any]:
    return {
        "number": case.number,
        "state": case.state,
        "member_id": case.member_id,
        "membership_id": case.membership_id,
        "codes": case.codes,
        "subject": case.subject,
        "illicit_gain": str(case.illicit_gain) if case.illicit_gain is not None else None,
    }


# --- investigating --------------------------------------------------------------------------

ACTIVE = (CaseState.OPEN, CaseState.INVESTIGATING)


def require_active(case: ComplianceCase) -> None:
    if case.state not in ACTIVE:
        raise Conflict(_l("This case is decided or closed."))


def start_investigation(session: Session, *, actor: User, case: ComplianceCase) -> None:
    """The officer starts investigating (open -> investigating)."""
    require_manager(actor, case)
    if case.state != CaseState.OPEN:
        raise Conflict(_l("Only an open case goes under investigation."))
    transition(session, case, from_states=(CaseState.OPEN,), state=CaseState.INVESTIGATING)
    add_event(session, case, "investigating", actor)
    audit(
        session,
        case,
        actor=actor,
        action="compliance.investigating",
        before={"state": CaseState.OPEN.value},
        after={"state": case.state},
    )


def add_note(session: Session, *, actor: User, case: ComplianceCase, text: str) -> CaseNote:
    """An evidence note on an active case."""
    require_manager(actor, case)
    require_active(case)
    errors: Errors = {}
    cleaned = clean_text(errors, "text", text, 4000)
    raise_errors(errors)
    note = CaseNote(case_id=case.id, text=cleaned, author_id=actor.id, created_at=clock.now())
    session.add(note)
    session.flush()
    add_event(session, case, "note", actor)
    audit(session, case, actor=actor, action="compliance.note_added", after={"text": cleaned})
    return note


def sniff_type(filename: str, content: bytes) -> str | None:
    """The content type of an allowed attachment, or None: the extension must be on the
    list and the content must start the way files of that type do."""
    extension = PurePath(filename).suffix.lower().lstrip(".")
    allowed = ATTACHMENT_TYPES.get(extension)
    if allowed is None:
        return None
    content_type, magics = allowed
    return content_type if content.startswith(magics) else None


def add_attachment(
    session: Session, *, actor: User, case: ComplianceCase, filename: str, content: bytes
) -> CaseAttachment:
    """Evidence attached to an active case: PDF, PNG, JPEG, DOCX or XLSX, at most 5 MB,
    its type checked by extension and by its first bytes."""
    require_manager(actor, case)
    require_active(case)
    errors: Errors = {}
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    if not name or len(name) > 200 or _CONTROL.search(name):
        errors["file"] = [_l("Give the file a name of at most 200 characters.")]
    elif not content:
        errors["file"] = [_l("The file is empty.")]
    elif len(content) > MAX_ATTACHMENT_BYTES:
        errors["file"] = [_l("A file may hold at most 5 MB.")]
    content_type = sniff_type(name, content) if not errors else None
    if not errors and content_type is None:
        errors["file"] = [_l("Attach a PDF, PNG, JPEG, DOCX or XLSX file.")]
    raise_errors(errors)
    attachment = CaseAttachment(
        case_id=case.id,
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by_id=actor.id,
        created_at=clock.now(),
    )
    session.add(attachment)
    session.flush()
    add_event(session, case, "attachment", actor, filename=name)
    audit(
        session,
        case,
        actor=actor,
        action="compliance.attachment_added",
        after={"filename": name, "size": len(content), "sha256": attachment.sha256},
    )
    return attachment


def get_attachment(
    session: Session, *, actor: User, case: ComplianceCase, attachment_id: int
) -> CaseAttachment:
    """An attachment of a case the actor reads; its download is audited (evidence)."""
    attachment = session.get(CaseAttachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound(_l("No such attachment."))
    audit(
        session,
        case,
        actor=actor,
        action="compliance.attachment_read",
        after={"attachment_id": attachment.id, "filename": attachment.filename},
    )
    return attachment


def close_case(session: Session, *, actor: User, case: ComplianceCase, reason: str) -> None:
    """Close a case: decided (its notices stand) or dropped during investigation."""
    require_manager(actor, case)
    if case.state == CaseState.CLOSED:
        raise Conflict(_l("This case is closed."))
    errors: Errors = {}
    cleaned = clean_text(errors, "reason", reason, 1000)
    raise_errors(errors)
    before = case.state
    transition(
        session,
        case,
        from_states=(*ACTIVE, CaseState.DECIDED),
        state=CaseState.CLOSED,
        closed_at=clock.now(),
    )
    add_event(session, case, "closed", actor, reason=cleaned)
    audit(
        session,
        case,
        actor=actor,
        action="compliance.case_closed",
        before={"state": before},
        after={"state": case.state, "reason": cleaned},
    )
    emit(session, "compliance.case_closed", case_id=case.id, store_id=case.store_id)
