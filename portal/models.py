"""Import every core model so SQLAlchemy's metadata is complete (Alembic, tests)."""

from portal.accounts.models import ApiToken, LoginAttempt, RoleGrant, User
from portal.audit.models import AuditEvent
from portal.members.models import Member
from portal.stores.models import Store

__all__ = ["ApiToken", "AuditEvent", "LoginAttempt", "Member", "RoleGrant", "Store", "User"]
