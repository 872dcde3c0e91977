"""VIP files: two-stage drafts (R4), R2 VIP strictness, no insiders (R3), the 12-hour
review with one decision per file (R5), and consumption of approved VIPs only (R5).

The review clock is the SLA engine's (``portal.sla``): a submission starts (or resumes) a
``vip_review`` task, a return for correction pauses it, a decision completes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import phonenumbers
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload, selectinload

from portal import clock, events
from portal.accounts.models import RoleGrant, User
from portal.accounts.permissions import Action, can, require
from portal.accounts.roles import Role
from portal.audit.services import diff, record
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.events import emit
from portal.i18n import local_datetime, zone_of
from portal.idempotency import check_key
from portal.members import ownership
from portal.members import validators as v
from portal.members.models import Member, MemberStatus
from portal.members.plugin_rules import apply_plugin_rules
from portal.money import parse_amount
from portal.notifications import messages
from portal.notifications import services as notifications
from portal.notifications.models import Channel
from portal.pagination import Page, SortKey, paginate
from portal.sla import services as sla
from portal.sla.models import SlaTask, TaskState
from portal.sla.policies import Target
from portal.vip import fields as f
from portal.vip.models import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    Consumption,
    VipFile,
    VipStatus,
)

#: the SLA policy of the review (R5) and the subject type its tasks carry
POLICY = "vip_review"
SUBJECT = "vip_file"

#: roles whose holders are company staff: none of them may become a VIP (R3)
STAFF_ROLES = tuple(Role)

MAX_REASON_LENGTH = 500
MAX_NOTE_LENGTH = 200
#: how far the tab counts of the review queue go before they show "99+"
COUNT_CAP = 99

messages.define(
    "vip.submitted", _l("The VIP file of %(name)s is waiting for your review (%(store)s).")
)
messages.define("vip.approved", _l("The VIP file of %(name)s was approved."))
messages.define("vip.rejected", _l("The VIP file of %(name)s was rejected. Reason: %(reason)s"))
messages.define(
    "vip.returned",
    _l("The VIP file of %(name)s was returned to you for correction. Reason: %(reason)s"),
)


# --- reading -------------------------------------------------------------------------------


def task_of(session: Session, file: VipFile) -> Any:
    """The file's open (or paused) review task, if any."""
    return sla.open_task_for(session, SUBJECT, file.id)


def is_referrer(actor: User | None, file: VipFile) -> bool:
    return actor is not None and actor.is_enabled and file.referrer_id == actor.id


def may_view(session: Session, actor: User | None, file: VipFile) -> bool:
    """The referrer, the store's managers and head office (R10), and whoever may decide
    the review now (a deputy on leave cover, an assignee)."""
    if actor is None or not actor.is_enabled:
        return False
    if is_referrer(actor, file) or can(actor, Action.VIEW_VIP_FILE, file):
        return True
    return may_decide(session, actor, file)


def may_decide(session: Session, actor: User | None, file: VipFile) -> bool:
    """Whether ``actor`` may decide the file now (R5: manager, deputy on cover, HQ after
    escalation); only submitted files are decided."""
    if actor is None or file.status != VipStatus.SUBMITTED:
        return False
    if actor.id == file.referrer_id:
        return False  # four eyes: see require_decider
    task = task_of(session, file)
    return task is not None and bool(sla.can_decide(session, actor, task))


def may_edit(actor: User | None, file: VipFile) -> bool:
    return (
        is_referrer(actor, file)
        and can(actor, Action.START_VIP_FILE, file)
        and file.status in EDITABLE_STATUSES
    )


def get_file(session: Session, *, actor: User | None, file_id: int) -> VipFile:
    """A VIP file the actor may see; anything else answers NotFound (R10)."""
    file = session.get(VipFile, file_id)
    if file is None or not may_view(session, actor, file):
        raise NotFound(_l("No such VIP file."))
    return file


def open_file(session: Session, *, actor: User | None, file_id: int) -> VipFile:
    """R10: a file opened in full; a read by anyone but its referrer is logged."""
    file = get_file(session, actor=actor, file_id=file_id)
    if not is_referrer(actor, file):
        record(
            session,
            actor=actor,
            action="vip.file_read",
            object_type="vip_file",
            object_id=file.id,
            store_id=file.store_id,
        )
    return file


def open_file_of(session: Session, member: Member) -> VipFile | None:
    """The member's file in progress (draft, submitted or returned), if any."""
    return session.scalar(
        select(VipFile).where(VipFile.member_id == member.id, VipFile.status.in_(OPEN_STATUSES))
    )


def approved_file_of(session: Session, member: Member) -> VipFile | None:
    return session.scalar(
        select(VipFile)
        .where(VipFile.member_id == member.id, VipFile.status == VipStatus.APPROVED)
        .order_by(VipFile.decided_at.desc(), VipFile.id.desc())
        .limit(1)
    )


# --- R4: starting and filling in a file -------------------------------------------------------


def start_file(session: Session, *, actor: User, member: Member) -> VipFile:
    """R4: the referrer starts the VIP file of a customer they refer; stage 1 (and the
    anniversaries of stage 2) are prefilled from the member record.

    A customer not yet in the portal is first entered through ``ownership.enter_customer``
    (R8), which makes the actor their referrer.
    """
    require(actor, Action.START_VIP_FILE, member, hide=not can(actor, Action.VIEW_MEMBER, member))
    if member.referrer_id != actor.id:
        raise PermissionDenied(_l("Only the customer's referrer can start their VIP file (R8)."))
    if member.status == MemberStatus.CLOSED:
        raise Conflict(_l("This member record is closed."))
    existing = open_file_of(session, member)
    if existing is not None:
        raise Conflict(_l("This customer already has a VIP file in progress."))
    if approved_file_of(session, member) is not None:
        raise Conflict(_l("This customer is already an approved VIP."))
    today = _today(member)
    _require_qualification(member, today.replace(day=1))

    data: dict[str, Any] = {}
    known = {
        "full_name": member.full_name,
        "mobile": member.mobile,
        "email": member.email,
        "address": member.address,
        "birthday": member.birthday,
        "wedding_anniversary": member.wedding_anniversary,
    }
    specs = f.all_fields()
    for name, raw in known.items():
        if name not in specs or f.is_empty(raw):
            continue
        try:
            data[name] = f.check_value(specs[name][1], raw, today=today)
        except v.InvalidValue:
            continue  # e.g. a landline or a vague address: the referrer enters a better one
    now = clock.now()
    file = VipFile(
        store_id=member.store_id,
        member_id=member.id,
        referrer_id=actor.id,
        status=VipStatus.DRAFT,
        data={k: val for k, val in data.items() if val is not None},
        id_number=None,
        round=0,
        version=1,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(file)
            session.flush()
    except IntegrityError:
        # a concurrent start for the same customer won (one open file per member)
        raise Conflict(_l("This customer already has a VIP file in progress.")) from None
    record(
        session,
        actor=actor,
        action="vip.started",
        object_type="vip_file",
        object_id=file.id,
        store_id=file.store_id,
        after={"member_id": member.id, "fields": sorted(file.data)},
    )
    emit(session, "vip.started", vip_file_id=file.id, member_id=member.id, store_id=file.store_id)
    return file


def _require_qualification(member: Member, month: date) -> None:
    """A vertical's VIP qualification (``portal_vip_qualifies``, R22 for restaurants)."""
    from flask import current_app

    plugins = current_app.extensions["portal.plugins"]
    verdict = plugins.caller("portal_vip_qualifies")(member=member, store=member.store, month=month)
    if verdict is None or verdict is True:
        return
    if verdict is False:
        verdict = _l("This customer does not meet the store's VIP qualification yet.")
    raise Conflict(verdict)


def save_draft(
    session: Session,
    *,
    actor: User,
    file: VipFile,
    values: Mapping[str, Any],
    expected_version: int | None = None,
) -> VipFile:
    """R4: save some fields of a draft (or of a returned file). Only filled fields are
    checked (R2, VIP strictness); an empty value clears the field. Any wrong value is
    reported next to its field and nothing is saved."""
    _require_editable(actor, file)
    if expected_version is not None and expected_version != file.version:
        raise _stale()
    specs = f.all_fields()
    today = _today(file.member)
    errors: dict[str, list[object]] = {}
    cleaned: dict[str, Any] = {}
    for name, raw in values.items():
        if name not in specs:
            errors.setdefault(name, []).append(_l("Unknown field."))
            continue
        try:
            cleaned[name] = f.check_value(specs[name][1], raw, today=today)
        except v.InvalidValue as exc:
            errors.setdefault(name, []).append(exc.message)
    if errors:
        raise ValidationFailed(errors)

    data = dict(file.data or {})
    for name, value in cleaned.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    _old, new = diff(file.data or {}, data)
    removed = [k for k in (file.data or {}) if k not in data]
    if not new and not removed:
        return file
    file.data = data
    file.id_number = data.get("id_number")
    file.version += 1
    file.updated_at = clock.now()
    session.flush()
    record(
        session,
        actor=actor,
        action="vip.draft_saved",
        object_type="vip_file",
        object_id=file.id,
        store_id=file.store_id,
        # only which fields changed: the values are the customer's personal data (R10)
        after={"changed": sorted(set(new) | set(removed)), "version": file.version},
    )
    return file


def completeness(file: VipFile) -> dict[int, list[str]]:
    """R4: the names of the required fields still empty, per stage (empty lists: complete)."""
    data = file.data or {}
    missing: dict[int, list[str]] = {}
    for stage in f.STAGES:
        specs = f.template(stage)
        names = [s.name for s in specs if s.required and f.is_empty(data.get(s.name))]
        stage_names = {s.name for s in specs}
        for first, second in f.PAIRS:
            # an anniversary without its name (or the reverse) is half an entry
            for have, need in ((first, second), (second, first)):
                if (
                    need in stage_names
                    and not f.is_empty(data.get(have))
                    and f.is_empty(data.get(need))
                    and need not in names
                ):
                    names.append(need)
        missing[stage] = names
    return missing


def is_complete(file: VipFile) -> bool:
    return not any(completeness(file).values())


# --- R3, R4: submission -------------------------------------------------------------------------


def submit(session: Session, *, actor: User, file: VipFile) -> VipFile:
    """R4: submit a file complete in both stages for the 12-hour review (R5).

    Every value is checked again with the VIP strictness (R2; a plugin's field rules may
    have changed since the draft was saved), the person must not be company staff (R3),
    then the review task starts, or resumes when a returned file comes back.
    """
    _require_editable(actor, file)
    missing = completeness(file)
    if any(missing.values()):
        specs = f.all_fields()
        raise ValidationFailed(
            {
                name: [
                    _l(
                        "Stage %(stage)d: %(field)s is required before the file can be submitted.",
                        stage=stage,
                        field=specs[name][1].label,
                    )
                ]
                for stage, names in missing.items()
                for name in names
            }
        )
    data = _recheck(file)
    _refuse_insiders(session, data)
    apply_plugin_rules(data, strictness="vip")

    task = task_of(session, file)
    resumed = task is not None
    if task is None:
        task = sla.start_task(
            session,
            policy=POLICY,
            subject_type=SUBJECT,
            subject_id=file.id,
            store_id=file.store_id,
            actor=actor,
            title=data.get("full_name") or file.member.full_name,
        )
    elif task.state == TaskState.PAUSED:
        sla.resume_task(session, task, actor=actor)  # returned files keep their time left

    before = _state(file)
    now = clock.now()
    file.data = data
    file.id_number = data.get("id_number")
    file.status = VipStatus.SUBMITTED
    file.round += 1
    file.submitted_at = now
    file.decided_at = None
    file.decided_by_id = None
    file.decision_reason = None
    file.version += 1
    file.updated_at = now
    session.flush()
    record(
        session,
        actor=actor,
        action="vip.resubmitted" if resumed else "vip.submitted",
        object_type="vip_file",
        object_id=file.id,
        store_id=file.store_id,
        before=before,
        after=_state(file),
    )
    emit(session, "vip.submitted", vip_file_id=file.id, store_id=file.store_id, round=file.round)
    for decider in deciders(session, file, task):
        notifications.notify(
            session,
            kind="vip.submitted",
            params={"name": file.full_name, "store": file.store.name},
            key=f"vip.submitted:{file.id}:{file.round}",
            user=decider,
            channels=(Channel.PORTAL,),
            store_id=file.store_id,
        )
    return file


def _recheck(file: VipFile) -> dict[str, Any]:
    """R2: every stored value through its field's check again; errors per field."""
    specs = f.all_fields()
    today = _today(file.member)
    errors: dict[str, list[object]] = {}
    data: dict[str, Any] = {}
    for name, raw in (file.data or {}).items():
        if name not in specs:
            data[name] = raw  # a field of a plugin since disabled: kept, not checked
            continue
        try:
            value = f.check_value(specs[name][1], raw, today=today)
        except v.InvalidValue as exc:
            errors.setdefault(name, []).append(exc.message)
            continue
        if value is not None:
            data[name] = value
    if errors:
        raise ValidationFailed(errors)
    return data


def _refuse_insiders(session: Session, data: Mapping[str, Any]) -> None:
    """R3: staff of the company cannot become VIPs. The person is refused when their
    mobile, other telephone or identity number is that of an account holding any staff
    role, in any store (disabled accounts are former staff and no longer count)."""
    phones = {
        name: data[name] for name in ("mobile", "other_phone") if not f.is_empty(data.get(name))
    }
    staff = (
        select(User.id)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(User.is_enabled.is_(True), RoleGrant.role.in_([str(r) for r in STAFF_ROLES]))
    )
    errors: dict[str, list[object]] = {}
    for name, phone in phones.items():
        if session.scalar(staff.where(User.mobile == phone).limit(1)) is not None:
            errors[name] = [
                _l(
                    "This number belongs to a staff account: staff of the company cannot "
                    "become VIPs (R3)."
                )
            ]
    id_number = data.get("id_number")
    if id_number and session.scalar(staff.where(User.id_number == id_number).limit(1)):
        errors["id_number"] = [
            _l(
                "This identity number belongs to a staff account: staff of the company "
                "cannot become VIPs (R3)."
            )
        ]
    if errors:
        raise ValidationFailed(errors)


def deciders(session: Session, file: VipFile, task: SlaTask) -> list[User]:
    """Who may decide the file now: the store's managers, or their deputies during leave,
    an assignee, escalated head office (R5), as the SLA engine names them."""
    return list(sla.recipients(session, task, Target.DECIDERS, now=clock.now()))


# --- R5: the decision ---------------------------------------------------------------------------


class Outcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"


def approve(
    session: Session,
    *,
    actor: User,
    file: VipFile,
    expected_version: int | None = None,
    reason: str | None = None,
) -> VipFile:
    """R5: approve a submitted file; the customer becomes an active VIP member."""
    return _decide(session, actor, file, Outcome.APPROVED, reason, expected_version)


def reject(
    session: Session,
    *,
    actor: User,
    file: VipFile,
    reason: str,
    expected_version: int | None = None,
) -> VipFile:
    """R5: reject a submitted file, with the reason the referrer will read."""
    return _decide(session, actor, file, Outcome.REJECTED, reason, expected_version)


def return_for_correction(
    session: Session,
    *,
    actor: User,
    file: VipFile,
    reason: str,
    expected_version: int | None = None,
) -> VipFile:
    """R5: send the file back to its referrer; the review clock stops until resubmission."""
    return _decide(session, actor, file, Outcome.RETURNED, reason, expected_version)


_NEW_STATUS = {
    Outcome.APPROVED: VipStatus.APPROVED,
    Outcome.REJECTED: VipStatus.REJECTED,
    Outcome.RETURNED: VipStatus.RETURNED,
}


def _decide(
    session: Session,
    actor: User,
    file: VipFile,
    outcome: Outcome,
    reason: str | None,
    expected_version: int | None,
) -> VipFile:
    """One decision per submission, however many reviewers press the button at once.

    The change is a compare-and-set UPDATE on the file's status: on PostgreSQL the
    second transaction waits for the first and then matches no row; on SQLite writers
    are serialized. The loser is told who decided and when, and writes nothing.
    """
    text = " ".join((reason or "").split())
    if outcome is not Outcome.APPROVED and not text:
        raise ValidationFailed.single("reason", _l("Give the reason the referrer will read."))
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationFailed.single(
            "reason", _l("At most %(count)d characters.", count=MAX_REASON_LENGTH)
        )
    if file.status != VipStatus.SUBMITTED:
        raise not_waiting(file)
    task = task_of(session, file)
    try:
        if task is None or task.state != TaskState.OPEN:
            raise Conflict(_l("This file is not waiting for a review."))
        require_decider(session, actor=actor, task=task, file=file)
    except Conflict:
        # decided by someone else since this session read the file: say who and when
        session.refresh(file)
        raise not_waiting(file) from None

    now = clock.now()
    before = _state(file)
    condition = [VipFile.id == file.id, VipFile.status == VipStatus.SUBMITTED]
    if expected_version is not None:
        condition.append(VipFile.version == expected_version)
    result = session.execute(
        update(VipFile)
        .where(*condition)
        .values(
            status=_NEW_STATUS[outcome],
            decided_at=now,
            decided_by_id=actor.id,
            decision_reason=text or None,
            version=VipFile.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(file)
    if result.rowcount != 1:
        if file.status == VipStatus.SUBMITTED:
            raise _stale()  # resubmitted since the reviewer opened it
        raise not_waiting(file)

    if outcome is Outcome.RETURNED:
        sla.pause_task(session, task, actor=actor, reason=text)
    else:
        sla.complete_task(session, task, actor=actor, outcome=str(outcome))
    record(
        session,
        actor=actor,
        action=f"vip.{outcome}",
        object_type="vip_file",
        object_id=file.id,
        store_id=file.store_id,
        before=before,
        after=_state(file),
    )
    if outcome is Outcome.APPROVED:
        _make_active(session, actor, file)
        _store_contacts(session, actor, file)
    emit(
        session,
        f"vip.{outcome}",
        vip_file_id=file.id,
        member_id=file.member_id,
        store_id=file.store_id,
    )
    channels = (Channel.PORTAL, Channel.SMS)
    notifications.notify(
        session,
        kind=f"vip.{outcome}",
        params={"name": file.full_name, "reason": text},
        key=f"vip.{outcome}:{file.id}:{file.round}",
        user=file.referrer,
        channels=channels,
        store_id=file.store_id,
    )
    return file


def not_waiting(file: VipFile) -> Conflict:
    """Why a file cannot be decided now, naming who decided it and when (R5)."""
    if file.status == VipStatus.RETURNED and file.decided_by is not None and file.decided_at:
        return Conflict(
            _l(
                "This file was already returned for correction by %(name)s at %(time)s.",
                name=file.decided_by.display_name,
                time=LazyString(local_datetime, file.decided_at, file.store),
            )
        )
    if file.decided_by is not None and file.decided_at is not None:
        return Conflict(
            _l(
                "This file was already decided by %(name)s at %(time)s.",
                name=file.decided_by.display_name,
                time=LazyString(local_datetime, file.decided_at, file.store),
            )
        )
    return Conflict(_l("This file is not waiting for a review."))


def require_decider(session: Session, *, actor: User, task: Any, file: VipFile) -> None:
    """R5: raise unless ``actor`` may decide the review ``task`` now (the SLA engine knows
    the manager, the deputy on leave cover, the assignee and escalated head office).

    Four eyes: nobody reviews a file of a customer they refer themselves; a manager's own
    referrals go to their deputy or head office like any file the manager cannot decide.
    """
    sla.require_decider(session, actor, task)
    if actor.id == file.referrer_id:
        raise PermissionDenied(_l("You referred this customer; another reviewer decides the file."))


def _stale() -> Conflict:
    return Conflict(_l("The file changed since you opened it. Open it again and review it anew."))


def _make_active(session: Session, actor: User, file: VipFile) -> None:
    """R5: an approved VIP's member record becomes active."""
    member = file.member
    if member.status == MemberStatus.ACTIVE:
        return
    before = member.status
    member.status = MemberStatus.ACTIVE
    member.updated_at = clock.now()
    record(
        session,
        actor=actor,
        action="member.status_changed",
        object_type="member",
        object_id=member.id,
        store_id=member.store_id,
        before={"status": before},
        after={"status": member.status, "vip_file_id": file.id},
    )
    emit(session, "member.updated", member_id=member.id, store_id=member.store_id)


def file_contacts(file: VipFile) -> list[tuple[str, str]]:
    """The file's contact methods as (ContactKind value, normalized value) pairs (R8)."""
    data = file.data or {}
    found: list[tuple[str, str]] = []
    for name in ("mobile", "other_phone"):
        number = data.get(name)
        if not number:
            continue
        kind = phonenumbers.number_type(phonenumbers.parse(number, None))
        found.append(("mobile" if kind in v.MOBILE_TYPES else "landline", number))
    if data.get("email"):
        found.append(("email", str(data["email"]).lower()))
    if data.get("wechat"):
        found.append(("wechat", data["wechat"]))
    return found


def _store_contacts(session: Session, actor: User, file: VipFile) -> None:
    """R8: the approved file's contacts become the customer's, unique in the store.

    A deputy on leave cover may be plain staff who cannot edit member records; the
    contacts are then stored in the name of the referrer, who entered them.
    """
    member = file.member
    existing = [(c.kind, c.value) for c in member.contacts]
    contacts = list(dict.fromkeys([*existing, *file_contacts(file)]))
    writer = actor if can(actor, Action.EDIT_MEMBER, member) else file.referrer
    ownership.set_contacts(session, actor=writer, member=member, contacts=contacts)


# --- R5: consumption ------------------------------------------------------------------------------


def record_consumption(
    session: Session,
    *,
    actor: User,
    file_or_member: VipFile | Member,
    amount: Decimal | str,
    occurred_at: datetime,
    note: str | None = None,
    idempotency_key: str | None = None,
) -> Consumption:
    """R5: consumption is recorded for approved VIPs only. With ``idempotency_key`` the
    same recording sent twice is stored once (the first one is returned)."""
    if isinstance(file_or_member, Member):
        member = file_or_member
        require(actor, Action.RECORD_CONSUMPTION, member, hide=True)
        file = approved_file_of(session, member)
        if file is None:
            raise Conflict(
                _l(
                    "Consumption can be recorded for approved VIPs only (R5); this customer "
                    "is not one."
                )
            )
    else:
        file = file_or_member
        require(actor, Action.RECORD_CONSUMPTION, file, hide=not may_view(session, actor, file))
        if file.status != VipStatus.APPROVED:
            raise Conflict(
                _l(
                    "Consumption can be recorded for approved VIPs only (R5); this file is "
                    "%(status)s.",
                    status=LazyString(lambda: VipStatus(file.status).label),
                )
            )
    key = check_key(idempotency_key)
    if key is not None:
        existing = session.scalar(select(Consumption).where(Consumption.idempotency_key == key))
        if existing is not None:
            return _replayed(existing, file, actor)
    value = parse_amount(amount)
    errors: dict[str, list[object]] = {}
    if value is None:
        errors["amount"] = [_l("Enter an amount above zero, with at most two decimals.")]
    now = clock.now()
    if occurred_at.tzinfo is None:
        errors["occurred_at"] = [_l("Give the time with its time zone.")]
    elif occurred_at > now + timedelta(minutes=5):
        errors["occurred_at"] = [_l("This time lies in the future.")]
    text = " ".join((note or "").split()) or None
    if text is not None and len(text) > MAX_NOTE_LENGTH:
        errors["note"] = [_l("At most %(count)d characters.", count=MAX_NOTE_LENGTH)]
    if errors:
        raise ValidationFailed(errors)
    assert value is not None
    row = Consumption(
        vip_file_id=file.id,
        member_id=file.member_id,
        store_id=file.store_id,
        amount=value,
        occurred_at=occurred_at,
        recorded_by_id=actor.id,
        note=text,
        idempotency_key=key,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # the same key arrived twice at once: the other request stored it
        existing = session.scalar(select(Consumption).where(Consumption.idempotency_key == key))
        if existing is None:
            raise
        return _replayed(existing, file, actor)
    record(
        session,
        actor=actor,
        action="vip.consumption_recorded",
        object_type="vip_file",
        object_id=file.id,
        store_id=file.store_id,
        after={
            "consumption_id": row.id,
            "amount": str(row.amount),
            "occurred_at": occurred_at.isoformat(),
        },
    )
    emit(
        session,
        "vip.consumption_recorded",
        consumption_id=row.id,
        vip_file_id=file.id,
        member_id=file.member_id,
        store_id=file.store_id,
    )
    return row


def _replayed(existing: Consumption, file: VipFile, actor: User) -> Consumption:
    if existing.vip_file_id != file.id or existing.recorded_by_id != actor.id:
        raise Conflict(_l("This idempotency key was already used for another recording."))
    return existing


def consumptions(
    session: Session, *, file: VipFile, cursor: str | None = None, limit: int = 25
) -> Page[Consumption]:
    """The file's consumption, newest first (the caller has loaded the file through
    ``get_file``, which checked the reader)."""
    query = (
        select(Consumption)
        .where(Consumption.vip_file_id == file.id)
        .options(selectinload(Consumption.recorded_by))
    )
    return paginate(
        session,
        query,
        order=[SortKey(Consumption.occurred_at, True), SortKey(Consumption.id, True)],
        cursor=cursor,
        limit=limit,
    )


# --- lists ------------------------------------------------------------------------------------


def my_files(
    session: Session,
    *,
    actor: User,
    status: VipStatus | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[VipFile]:
    """The files the actor started as referrer, most recently changed first."""
    query = select(VipFile).where(VipFile.referrer_id == actor.id)
    if status is not None:
        query = query.where(VipFile.status == status)
    return paginate(
        session,
        query,
        order=[SortKey(VipFile.updated_at, True), SortKey(VipFile.id, True)],
        cursor=cursor,
        limit=limit,
    )


class Bucket(StrEnum):
    ALL = "all"
    #: the last quarter of the window (R5)
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class QueueItem:
    file: VipFile
    task: Any
    #: negative once overdue
    time_left: timedelta
    bucket: Bucket


@dataclass(frozen=True)
class QueueScope:
    """Who may decide which files, worked out once for a page and its tab counts: the
    grants, leave and deputies behind it cost several queries (R5)."""

    actor_id: int
    now: datetime
    #: the stores holding a task the actor may decide; None: every store
    stores: set[int] | None
    decidable: Any


def queue_scope(session: Session, actor: User, now: datetime | None = None) -> QueueScope:
    """The actor's review scope at ``now`` (default: the clock's now)."""
    now = now or clock.now()
    decision = sla.decision_scope(session, actor, now=now)
    return QueueScope(
        actor_id=actor.id, now=now, stores=decision.stores, decidable=decision.condition
    )


def _queue_query(scope: QueueScope) -> Any:
    query = (
        select(SlaTask)
        .join(
            VipFile,
            and_(SlaTask.subject_type == SUBJECT, SlaTask.subject_id == VipFile.id),
        )
        .where(
            SlaTask.policy == POLICY,
            SlaTask.state == TaskState.OPEN,
            VipFile.status == VipStatus.SUBMITTED,
            VipFile.referrer_id != scope.actor_id,  # four eyes (require_decider)
            scope.decidable,
        )
    )
    if scope.stores is not None:
        query = query.where(SlaTask.store_id.in_(sorted(scope.stores)))
    return query


def _in_bucket(query: Any, bucket: Bucket, now: datetime) -> Any:
    if bucket is Bucket.OVERDUE:
        return query.where(SlaTask.due_at <= now)
    if bucket is Bucket.DUE_SOON:
        return query.where(
            SlaTask.due_at > now, SlaTask.due_at <= sla.due_soon_before(POLICY, now=now)
        )
    return query


def review_queue(
    session: Session,
    *,
    actor: User,
    bucket: Bucket = Bucket.ALL,
    cursor: str | None = None,
    limit: int = 25,
    scope: QueueScope | None = None,
) -> Page[QueueItem]:
    """R5: the submitted files the actor may decide, the nearest deadline first, each with
    its time left. ``bucket`` keeps the due-soon (last quarter) or overdue ones; ``scope``
    (from :func:`queue_scope`) spares working out the actor's scope again."""
    scope = scope or queue_scope(session, actor)
    now = scope.now
    query = _in_bucket(_queue_query(scope), bucket, now)
    page = paginate(
        session,
        query,
        order=[SortKey(SlaTask.due_at), SortKey(SlaTask.id)],
        cursor=cursor,
        limit=limit,
    )
    ids = [task.subject_id for task in page.items]
    files = {
        file.id: file
        for file in session.scalars(
            select(VipFile)
            .where(VipFile.id.in_(ids))
            # the page shows the referrers' names, never their grants
            .options(selectinload(VipFile.referrer).options(lazyload(User.grants)))
        )
    }
    soon = sla.due_soon_before(POLICY, now=now)
    items = []
    for task in page.items:
        if task.due_at <= now:
            kind = Bucket.OVERDUE
        elif task.due_at <= soon:
            kind = Bucket.DUE_SOON
        else:
            kind = Bucket.ALL
        items.append(QueueItem(files[task.subject_id], task, task.due_at - now, kind))
    return Page(items=items, next_cursor=page.next_cursor)


def queue_counts(
    session: Session, *, actor: User, scope: QueueScope | None = None
) -> dict[Bucket, int]:
    """How many files each tab holds, counted up to ``COUNT_CAP + 1`` (shown as 99+):
    a count never walks a large store's whole queue on every page. The three counts go
    to the database as one statement."""
    scope = scope or queue_scope(session, actor)
    base = _queue_query(scope)
    buckets = list(Bucket)
    counts = [
        select(func.count())
        .select_from(
            _in_bucket(base, bucket, scope.now)
            .with_only_columns(SlaTask.id)
            .limit(COUNT_CAP + 1)
            .subquery()
        )
        .scalar_subquery()
        for bucket in buckets
    ]
    row = session.execute(select(*counts)).one()
    return {bucket: int(n or 0) for bucket, n in zip(buckets, row, strict=True)}


@events.on("member.referrer_changed")
def _follow_customer(session: Session, event: events.Event, actor: Any) -> None:
    member = session.get(Member, event.data["member_id"])
    if member is not None:
        reassign_referrer(session, actor=actor, member=member)


def reassign_referrer(session: Session, *, actor: User | None, member: Member) -> int:
    """R9: the customer's files follow them to their new referrer (after a handover or a
    conflict decision). Returns how many files moved."""
    files = list(
        session.scalars(
            select(VipFile).where(
                VipFile.member_id == member.id, VipFile.referrer_id != member.referrer_id
            )
        )
    )
    if member.referrer_id is None:
        return 0
    for file in files:
        before = file.referrer_id
        file.referrer_id = member.referrer_id
        file.version += 1
        file.updated_at = clock.now()
        record(
            session,
            actor=actor,
            action="vip.referrer_changed",
            object_type="vip_file",
            object_id=file.id,
            store_id=file.store_id,
            before={"referrer_id": before},
            after={"referrer_id": file.referrer_id},
        )
    return len(files)


# --- helpers --------------------------------------------------------------------------------------


def _require_editable(actor: User, file: VipFile) -> None:
    if not is_referrer(actor, file):
        if can(actor, Action.VIEW_VIP_FILE, file):
            raise PermissionDenied(_l("Only the referrer fills in the VIP file."))
        raise NotFound(_l("No such VIP file."))
    require(actor, Action.START_VIP_FILE, file)
    if file.status not in EDITABLE_STATUSES:
        raise Conflict(
            _l(
                "This file is %(status)s; it can no longer be changed.",
                status=LazyString(lambda: VipStatus(file.status).label),
            )
        )


def _state(file: VipFile) -> dict[str, Any]:
    return {
        "status": file.status,
        "round": file.round,
        "version": file.version,
        "decision_reason": file.decision_reason,
        "decided_by_id": file.decided_by_id,
    }


def _today(member: Member) -> date:
    return clock.now().astimezone(zone_of(member.store)).date()
