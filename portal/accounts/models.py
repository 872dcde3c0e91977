from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.passwords import session_fingerprint
from portal.accounts.roles import Role
from portal.database import UTCDateTime
from portal.extensions import db
from portal.stores.models import Store


class User(UserMixin, db.Model):
    """Anyone who logs in: members who registered themselves and staff created by an admin."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what the person types to log in: a username, or a member's mobile in E.164
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    #: E.164; staff mobiles are what the R3 insider check compares against
    mobile: Mapped[str | None] = mapped_column(String(20), index=True)
    #: mainland resident identity number, normalized (R3 compares VIP files against it)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    #: preferred UI language; None follows the browser
    locale: Mapped[str | None] = mapped_column(String(16))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    #: a service account of an integration (a POS, a finance export): no password, no
    #: grants; what it may do is its :class:`Integration` scope
    is_integration: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user",
        foreign_keys="RoleGrant.user_id",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    #: an integration account's scope, loaded on first use (people never touch it)
    integration: Mapped[Integration | None] = relationship(
        foreign_keys="Integration.user_id", uselist=False, viewonly=True
    )

    def get_id(self) -> str:
        """The session's user id carries a password fingerprint (see ``_load_user``)."""
        return f"{self.id}.{session_fingerprint(self.password_hash)}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of disabled accounts
        return self.is_enabled

    def has_role(self, role: Role, store_id: int | None = None) -> bool:
        """Whether a grant of ``role`` covers ``store_id`` (a store-less grant covers all)."""
        return any(
            g.role == role and (g.store_id is None or store_id is None or g.store_id == store_id)
            for g in self.grants
        )

    @property
    def roles(self) -> set[Role]:
        return {Role(g.role) for g in self.grants}

    def __repr__(self) -> str:
        return f"<User {self.login}>"


class RoleGrant(db.Model):
    """A role held by a user, within one store or (store_id None) across all stores."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "store_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    store: Mapped[Store | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<RoleGrant {self.user_id} {self.role}@{self.store_id}>"


class LoginAttempt(db.Model):
    """Each login attempt, so throttling works across workers and restarts."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_login_at", "login", "attempted_at"),
        Index("ix_login_attempt_ip_at", "ip_address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    succeeded: Mapped[bool]
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<LoginAttempt {self.login} {self.succeeded}>"


class ApiToken(db.Model):
    """A bearer token for API clients; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id}>"


class Integration(db.Model):
    """An outside system (a POS, a reservation system, a finance export) acting through a
    service account, scoped to one store (or all) and to a set of actions."""

    __tablename__ = "integration"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the service account its tokens belong to; audit events name it
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(50), unique=True)
    #: None: every store (head-office exports)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id"), index=True)
    #: the action names it may take (core ``Action`` values and plugins' actions)
    actions: Mapped[list[str]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    store: Mapped[Store | None] = relationship(lazy="joined")
    #: its account's tokens, newest first (digests only: the plain values are gone)
    tokens: Mapped[list[ApiToken]] = relationship(
        primaryjoin="ApiToken.user_id == Integration.user_id",
        foreign_keys="ApiToken.user_id",
        order_by="(ApiToken.created_at.desc(), ApiToken.id.desc())",
        viewonly=True,
    )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<Integration {self.name}>"


class IdempotencyRecord(db.Model):
    """One account's ``Idempotency-Key`` on an API write: claimed in the write's own
    transaction, then completed with the response a retry is answered with."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of method, path, query and canonical body: a retry must match it
    fingerprint: Mapped[str] = mapped_column(String(64))
    #: None while the first request is in flight (or when its answer was lost)
    response_status: Mapped[int | None]
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"<IdempotencyRecord {self.account_id} {self.key}>"
