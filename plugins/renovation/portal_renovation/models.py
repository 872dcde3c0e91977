"""Tables of the renovation vertical: complaint and repair cases (R13, R14, R23-R25)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.database import UTCDateTime
from portal.extensions import db
from portal.members.models import Member
from portal.stores.models import Store


class LabelledEnum(StrEnum):
    """An enum whose members carry a translated label from the class's ``LABELS``."""

    @property
    def label(self) -> str:
        return str(LABELS[self])


class CaseKind(LabelledEnum):
    COMPLAINT = "complaint"
    REPAIR = "repair"


class CaseChannel(LabelledEnum):
    """R14: every call, letter and visit is recorded."""

    CALL = "call"
    LETTER = "letter"
    VISIT = "visit"


class Severity(LabelledEnum):
    """R14: complaints are classed by severity; serious ones are handled at once."""

    MINOR = "minor"
    NORMAL = "normal"
    SERIOUS = "serious"

    @property
    def rank(self) -> int:
        """Sort key: the most serious first when the list sorts by severity."""
        return {Severity.MINOR: 1, Severity.NORMAL: 2, Severity.SERIOUS: 3}[self]


class CaseState(LabelledEnum):
    #: logged; the owner works on it
    OPEN = "open"
    #: a repair handed to its supervisor or vendor, or promised contact (R23)
    ROUTED = "routed"
    #: the customer confirmed the resolution (R24); the revisit is due (R14)
    CLOSED = "closed"
    #: revisited after the resolution (R14); nothing is left to do
    REVISITED = "revisited"


#: states in which the owner still acts on the case
ACTIVE_STATES = (CaseState.OPEN, CaseState.ROUTED)


class Route(LabelledEnum):
    """R23: where a repair request goes."""

    #: the responsible site supervisor calls the customer and agrees a time
    SUPERVISOR = "supervisor"
    #: the material vendor is responsible: a numbered repair notice is sent
    VENDOR = "vendor"
    #: the responsible supervisor has left: contact is promised within 48 hours
    PROMISE = "promise"


class ConfirmationMethod(LabelledEnum):
    """How the customer confirmed the resolution (R24)."""

    SIGNED = "signed"
    ON_SITE = "on_site"
    PHONE = "phone"


LABELS: dict[StrEnum, Any] = {
    CaseKind.COMPLAINT: _l("Complaint"),
    CaseKind.REPAIR: _l("Repair request"),
    CaseChannel.CALL: _l("Call"),
    CaseChannel.LETTER: _l("Letter"),
    CaseChannel.VISIT: _l("Visit"),
    Severity.MINOR: _l("Minor"),
    Severity.NORMAL: _l("Normal"),
    Severity.SERIOUS: _l("Serious"),
    CaseState.OPEN: _l("Open"),
    CaseState.ROUTED: _l("Routed"),
    CaseState.CLOSED: _l("Closed, revisit due"),
    CaseState.REVISITED: _l("Revisited"),
    Route.SUPERVISOR: _l("Site supervisor"),
    Route.VENDOR: _l("Material vendor"),
    Route.PROMISE: _l("Contact promised within 48 hours"),
    ConfirmationMethod.SIGNED: _l("Signed confirmation sheet"),
    ConfirmationMethod.ON_SITE: _l("Confirmed on site"),
    ConfirmationMethod.PHONE: _l("Confirmed by phone"),
}


class RenovationCase(db.Model):
    """A complaint or repair request: the tracking sheet (投诉跟踪单) of R24, numbered (R25)."""

    __tablename__ = "renovation_case"
    __table_args__ = (
        # the store's list, newest first; by severity
        Index("ix_renovation_case_store_created", "store_id", "created_at", "id"),
        Index("ix_renovation_case_store_severity", "store_id", "severity_rank", "created_at", "id"),
        # R13: what waits on an owner
        Index("ix_renovation_case_owner_state", "owner_id", "state", "created_at", "id"),
        # the customer's cases (member page, R24 earlier case)
        Index("ix_renovation_case_member", "member_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: R25: e.g. ZXKF-2026-000123 (装修客服, the renovation customer-work department)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    #: the customer, a member of the store
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    #: the project (site address or contract) the case is about, when there is one
    project: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    #: Severity.rank, stored so the list sorts by it through an index
    severity_rank: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000))
    #: the department responsible for a complaint (R24), as the desk names it
    department: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(16), default=CaseState.OPEN)
    #: R13: the first employee who received it, until a recorded handover
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: R24: the earlier complaint on the same matter; set, the case went to the head
    earlier_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("renovation_case.id"), index=True
    )
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: R23 routing of a repair
    route: Mapped[str | None] = mapped_column(String(16))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    vendor_name: Mapped[str | None] = mapped_column(String(120))
    #: R25: the repair notice sent to the vendor, e.g. ZXWX-2026-000007
    repair_notice_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    repair_work: Mapped[str | None] = mapped_column(String(500))
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: R24: the resolution and the customer's confirmation (R26: the signature is required)
    resolution: Mapped[str | None] = mapped_column(String(1000))
    confirmed_by: Mapped[str | None] = mapped_column(String(50))
    confirmation_method: Mapped[str | None] = mapped_column(String(16))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: R14: the revisit after the resolution
    revisit_score: Mapped[int | None] = mapped_column(Integer)
    revisit_note: Mapped[str | None] = mapped_column(String(1000))
    revisited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revisited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: a client's key for retrying the same logging safely (API ``Idempotency-Key``)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    store: Mapped[Store] = relationship(lazy="joined")
    member: Mapped[Member] = relationship(lazy="joined")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined")
    logged_by: Mapped[User] = relationship(foreign_keys=[logged_by_id])
    supervisor: Mapped[User | None] = relationship(foreign_keys=[supervisor_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    revisited_by: Mapped[User | None] = relationship(foreign_keys=[revisited_by_id])
    earlier_case: Mapped[RenovationCase | None] = relationship(remote_side=[id])

    @property
    def case_kind(self) -> CaseKind:
        return CaseKind(self.kind)

    @property
    def case_channel(self) -> CaseChannel:
        return CaseChannel(self.channel)

    @property
    def case_severity(self) -> Severity:
        return Severity(self.severity)

    @property
    def case_state(self) -> CaseState:
        return CaseState(self.state)

    @property
    def case_route(self) -> Route | None:
        return Route(self.route) if self.route else None

    @property
    def confirmation_label(self) -> str:
        return (
            ConfirmationMethod(self.confirmation_method).label if self.confirmation_method else ""
        )

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    def __repr__(self) -> str:
        return f"<RenovationCase {self.number} {self.state}>"


class CaseEvent(db.Model):
    """One line of a case's timeline: what happened, who did it, when."""

    __tablename__ = "renovation_case_event"
    __table_args__ = (Index("ix_renovation_case_event_case", "case_id", "occurred_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("renovation_case.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: logged, escalated, handed_over, routed, appointment, contacted, closed, revisited, penalty
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: plain values the timeline shows (numbers, names, reasons)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<CaseEvent {self.case_id} {self.kind}>"


class CaseHandover(db.Model):
    """R13: the record of a case passing from one owner to another, and why."""

    __tablename__ = "renovation_handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("renovation_case.id", ondelete="CASCADE"), index=True
    )
    from_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    #: who recorded it: the owner, or the store manager for someone absent
    by_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    handed_over_at: Mapped[datetime] = mapped_column(UTCDateTime)

    from_user: Mapped[User] = relationship(foreign_keys=[from_user_id])
    to_user: Mapped[User] = relationship(foreign_keys=[to_user_id])
    by_user: Mapped[User] = relationship(foreign_keys=[by_user_id])

    def __repr__(self) -> str:
        return f"<CaseHandover {self.case_id} {self.from_user_id}->{self.to_user_id}>"


class PenaltyNotice(db.Model):
    """R24: the penalty notice (处罚通知单) a complaint can end in, numbered (R25)."""

    __tablename__ = "renovation_penalty"
    __table_args__ = (
        Index("ix_renovation_penalty_employee", "employee_id", "issued_at", "id"),
        Index("ix_renovation_penalty_store", "store_id", "issued_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: R25: e.g. ZXCF-2026-000002 (装修处罚)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("renovation_case.id"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    #: the responsible employee; they read their own notices
    employee_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(1000))
    measure: Mapped[str] = mapped_column(String(500))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case: Mapped[RenovationCase] = relationship(lazy="joined")
    store: Mapped[Store] = relationship(lazy="joined")
    employee: Mapped[User] = relationship(foreign_keys=[employee_id], lazy="joined")
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])

    def __repr__(self) -> str:
        return f"<PenaltyNotice {self.number}>"
