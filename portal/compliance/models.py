"""Compliance tables (R17-R21, R25): cases, measures, notices, rectifications, appeals.

Reports read these rows directly: every decided measure is one ``compliance_measure`` row
with its ladder level and ``decided_at``, every rectification one row with its due date.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.accounts.models import User
from portal.compliance.catalogue import Measure
from portal.database import UTCDateTime
from portal.extensions import db
from portal.members.models import Member
from portal.stores.models import Store


class LabelledEnum(StrEnum):
    """An enum whose members carry a translated label from ``LABELS``."""

    @property
    def label(self) -> str:
        return str(LABELS[self])


class CaseState(LabelledEnum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    DECIDED = "decided"
    CLOSED = "closed"


class NoticeKind(LabelledEnum):
    #: the decision of measures along the R18 ladder (处理决定书)
    DECISION = "decision"
    #: a decision whose only measure is the written circular (通报)
    CIRCULAR = "circular"
    #: R19: rectify by the deadline (整改通知书)
    RECTIFICATION = "rectification"


class RectificationState(LabelledEnum):
    OPEN = "open"
    RECTIFIED = "rectified"
    NOT_RECTIFIED = "not_rectified"


class AppealState(LabelledEnum):
    LODGED = "lodged"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


LABELS: dict[StrEnum, Any] = {
    CaseState.OPEN: _l("Open"),
    CaseState.INVESTIGATING: _l("Under investigation"),
    CaseState.DECIDED: _l("Decided"),
    CaseState.CLOSED: _l("Closed"),
    NoticeKind.DECISION: _l("Decision notice"),
    NoticeKind.CIRCULAR: _l("Circular"),
    NoticeKind.RECTIFICATION: _l("Rectification notice"),
    RectificationState.OPEN: _l("Waiting for the deadline"),
    RectificationState.RECTIFIED: _l("Rectified"),
    RectificationState.NOT_RECTIFIED: _l("Not rectified"),
    AppealState.LODGED: _l("Appeal lodged"),
    AppealState.UPHELD: _l("Appeal upheld"),
    AppealState.DISMISSED: _l("Appeal dismissed"),
}


class ComplianceCase(db.Model):
    """A case compliance opens against a member (R17-R21), numbered (R25)."""

    __tablename__ = "compliance_case"
    __table_args__ = (
        Index("ix_compliance_case_created", "created_at", "id"),
        Index("ix_compliance_case_state", "state", "created_at", "id"),
        Index("ix_compliance_case_member", "member_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: R25: e.g. HGAJ-2026-000001 (合规案件)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    #: the member's membership when the case was opened, if it had one
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(4000))
    #: R18: compensation must be at least this
    illicit_gain: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    state: Mapped[str] = mapped_column(String(16), default=CaseState.OPEN)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    store: Mapped[Store] = relationship(lazy="joined")
    member: Mapped[Member] = relationship(lazy="joined")
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    violations: Mapped[list[CaseViolation]] = relationship(
        order_by="CaseViolation.code", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def case_state(self) -> CaseState:
        return CaseState(self.state)

    @property
    def codes(self) -> list[str]:
        return [v.code for v in self.violations]

    def __repr__(self) -> str:
        return f"<ComplianceCase {self.number} {self.state}>"


class CaseViolation(db.Model):
    """A catalogue violation a case cites (its code; the catalogue holds the rest)."""

    __tablename__ = "compliance_case_violation"
    __table_args__ = (Index("ix_compliance_case_violation_code", "code", "case_id"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("compliance_case.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    #: ViolationKind at the time the case cited it (filters by kind without the catalogue)
    kind: Mapped[str] = mapped_column(String(24))

    def __repr__(self) -> str:
        return f"<CaseViolation {self.case_id} {self.code}>"


class CaseEvent(db.Model):
    """One line of a case's timeline."""

    __tablename__ = "compliance_case_event"
    __table_args__ = (Index("ix_compliance_case_event_case", "case_id", "occurred_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("compliance_case.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: opened, note, attachment, investigating, decided, rectification, rectified, closed ...
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<CaseEvent {self.case_id} {self.kind}>"


class CaseNote(db.Model):
    """An evidence note of the investigation."""

    __tablename__ = "compliance_case_note"
    __table_args__ = (Index("ix_compliance_case_note_case", "case_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("compliance_case.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(4000))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<CaseNote {self.case_id} {self.id}>"


class CaseAttachment(db.Model):
    """Evidence kept in the database (backed up with it); ``content`` loads only on download."""

    __tablename__ = "compliance_case_attachment"
    __table_args__ = (Index("ix_compliance_case_attachment_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("compliance_case.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    uploaded_by: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<CaseAttachment {self.case_id} {self.filename}>"


class Notice(db.Model):
    """A numbered document addressed to the member (R25): decision, circular, rectification."""

    __tablename__ = "compliance_notice"
    __table_args__ = (
        Index("ix_compliance_notice_member", "member_id", "issued_at", "id"),
        Index("ix_compliance_notice_case", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: R25: <department>-<year>-<sequence>, e.g. HG-2026-000001
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int] = mapped_column(ForeignKey("compliance_case.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    #: the reasons as the officer wrote them (printed on the notice)
    reasons: Mapped[str] = mapped_column(String(4000))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the last day (store's calendar) on which the member may appeal
    appeal_until: Mapped[date] = mapped_column(Date)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    case: Mapped[ComplianceCase] = relationship(lazy="joined")
    member: Mapped[Member] = relationship(lazy="joined")
    store: Mapped[Store] = relationship(lazy="joined")
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    measures: Mapped[list[DecidedMeasure]] = relationship(
        order_by="DecidedMeasure.level", lazy="selectin", viewonly=True
    )
    rectification: Mapped[Rectification | None] = relationship(
        lazy="selectin", viewonly=True, uselist=False
    )
    appeal: Mapped[Appeal | None] = relationship(lazy="selectin", viewonly=True, uselist=False)

    @property
    def notice_kind(self) -> NoticeKind:
        return NoticeKind(self.kind)

    def __repr__(self) -> str:
        return f"<Notice {self.number}>"


class DecidedMeasure(db.Model):
    """One measure of a decision (R18), a row per measure for the reports."""

    __tablename__ = "compliance_measure"
    __table_args__ = (
        Index("ix_compliance_measure_decided", "decided_at", "measure"),
        Index("ix_compliance_measure_member", "member_id", "decided_at"),
        UniqueConstraint("notice_id", "measure"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("compliance_notice.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("compliance_case.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    measure: Mapped[str] = mapped_column(String(24))
    #: the measure's rank on the R18 ladder (0 oral warning ... 6 referral)
    level: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: compensation (R18: at least the illicit gain)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    offset_against_deposit: Mapped[bool] = mapped_column(default=False)
    #: an upheld appeal lifted it (R18 effects end where they can)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def ladder_measure(self) -> Measure:
        return Measure(self.measure)

    def __repr__(self) -> str:
        return f"<DecidedMeasure {self.notice_id} {self.measure}>"


class Rectification(db.Model):
    """R19: a rectification ordered by a notice, due at the end of its deadline day."""

    __tablename__ = "compliance_rectification"
    __table_args__ = (Index("ix_compliance_rectification_due", "state", "due_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("compliance_notice.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("compliance_case.id"), index=True)
    requirement: Mapped[str] = mapped_column(String(2000))
    deadline: Mapped[date] = mapped_column(Date)
    #: the end of ``deadline`` in the store's zone, as an instant (the SLA task's due_at)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=RectificationState.OPEN)
    outcome_note: Mapped[str | None] = mapped_column(String(2000))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def rectification_state(self) -> RectificationState:
        return RectificationState(self.state)

    def __repr__(self) -> str:
        return f"<Rectification {self.notice_id} {self.state}>"


class Appeal(db.Model):
    """The member's appeal against a notice (one per notice), decided by someone else."""

    __tablename__ = "compliance_appeal"
    __table_args__ = (Index("ix_compliance_appeal_state", "state", "lodged_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("compliance_notice.id"), unique=True)
    grounds: Mapped[str] = mapped_column(String(4000))
    lodged_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=AppealState.LODGED)
    decision_reasons: Mapped[str | None] = mapped_column(String(4000))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notice: Mapped[Notice] = relationship(lazy="joined", viewonly=True)
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def appeal_state(self) -> AppealState:
        return AppealState(self.state)

    def __repr__(self) -> str:
        return f"<Appeal {self.notice_id} {self.state}>"
