"""Tables of the renovation vertical: complaint and repair cases (R13, R14, R23-R25)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
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
    CaseState.OPEN: _l("In progress"),
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


# --- R11: customer classes and follow-ups ---------------------------------------------------


class CustomerClass(LabelledEnum):
    """R11: A (key customers), B and C, each followed up at its own rhythm."""

    A = "A"
    B = "B"
    C = "C"

    @property
    def cadence_months(self) -> int:
        """R11: A at least monthly, B quarterly, C twice a year."""
        return {CustomerClass.A: 1, CustomerClass.B: 3, CustomerClass.C: 6}[self]


class FollowUpChannel(LabelledEnum):
    CALL = "call"
    VISIT = "visit"
    MESSAGE = "message"


LABELS.update(
    {
        CustomerClass.A: _l("A (key customer, monthly)"),
        CustomerClass.B: _l("B (quarterly)"),
        CustomerClass.C: _l("C (twice a year)"),
        FollowUpChannel.CALL: _l("Call"),
        FollowUpChannel.VISIT: _l("Visit"),
        FollowUpChannel.MESSAGE: _l("Text or WeChat message"),
    }
)


class ClassedCustomer(db.Model):
    """R11: a customer's class and region, and when the next follow-up is due.

    ``next_due_on`` follows from the last follow-up (or the classing) and the class; it is
    stored, indexed, so the due list is a range read and not a computation per customer.
    """

    __tablename__ = "renovation_classed_customer"
    __table_args__ = (
        Index("ix_renovation_classed_customer_due", "store_id", "next_due_on", "member_id"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    customer_class: Mapped[str] = mapped_column(String(1))
    #: a district within the store ("曲江新区"); "" is the store as a whole
    region: Mapped[str] = mapped_column(String(60), default="")
    classed_on: Mapped[date] = mapped_column(Date)
    last_follow_up_on: Mapped[date | None] = mapped_column(Date)
    next_due_on: Mapped[date] = mapped_column(Date)
    classed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(lazy="joined")
    store: Mapped[Store] = relationship(lazy="joined")

    @property
    def klass(self) -> CustomerClass:
        return CustomerClass(self.customer_class)

    def __repr__(self) -> str:
        return f"<ClassedCustomer {self.member_id} {self.customer_class} due {self.next_due_on}>"


class ClassLead(db.Model):
    """R11: the named person responsible for one class of customers in one region."""

    __tablename__ = "renovation_class_lead"
    __table_args__ = (UniqueConstraint("store_id", "region", "customer_class"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    region: Mapped[str] = mapped_column(String(60), default="")
    customer_class: Mapped[str] = mapped_column(String(1))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    store: Mapped[Store] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ClassLead {self.store_id}/{self.region}/{self.customer_class} {self.user_id}>"


class FollowUp(db.Model):
    """R11: one follow-up of a classed customer: when, how, what was said."""

    __tablename__ = "renovation_follow_up"
    __table_args__ = (Index("ix_renovation_follow_up_member", "member_id", "followed_up_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    followed_up_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(1000))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: a client's key for retrying the same recording safely (API ``Idempotency-Key``)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    recorded_by: Mapped[User] = relationship(lazy="joined")

    @property
    def follow_up_channel(self) -> FollowUpChannel:
        return FollowUpChannel(self.channel)

    def __repr__(self) -> str:
        return f"<FollowUp {self.member_id} {self.followed_up_on}>"


# --- R12: revisits after delivery -----------------------------------------------------------


class Project(db.Model):
    """R12: a delivered renovation project; its revisits are due on a computed plan.

    Only the next due date is stored (indexed for the due list); the plan itself, monthly
    in the first year and quarterly after, is arithmetic on ``delivered_on``.
    """

    __tablename__ = "renovation_project"
    __table_args__ = (
        Index("ix_renovation_project_due", "store_id", "next_revisit_on", "id"),
        Index("ix_renovation_project_member", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    #: the site address or contract the project is known by
    name: Mapped[str] = mapped_column(String(120))
    delivered_on: Mapped[date] = mapped_column(Date)
    #: who revisits the customer
    responsible_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    last_revisit_on: Mapped[date | None] = mapped_column(Date)
    next_revisit_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(lazy="joined")
    store: Mapped[Store] = relationship(lazy="joined")
    responsible: Mapped[User] = relationship(foreign_keys=[responsible_id], lazy="joined")

    def __repr__(self) -> str:
        return f"<Project {self.id} delivered {self.delivered_on}>"


class Revisit(db.Model):
    """R12: one revisit of a delivered project, with the customer's satisfaction (1-5)."""

    __tablename__ = "renovation_revisit"
    __table_args__ = (Index("ix_renovation_revisit_project", "project_id", "visited_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("renovation_project.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    #: the plan's due date this revisit answered
    due_on: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(1000))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    recorded_by: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Revisit {self.project_id} {self.visited_on}>"
