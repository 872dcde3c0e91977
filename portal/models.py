"""Import every core model so SQLAlchemy's metadata is complete (Alembic, tests)."""

from portal.accounts.models import ApiToken, LoginAttempt, RoleGrant, User
from portal.audit.models import AuditEvent
from portal.compliance import models as compliance_models
from portal.members.models import Member
from portal.memberships import models as memberships_models
from portal.notifications import models as notifications_models
from portal.openings import models as openings_models
from portal.plugins import models as plugins_models
from portal.records import models as records_models
from portal.sla import models as sla_models
from portal.spotchecks import models as spotchecks_models
from portal.stores.models import Store
from portal.vip import models as vip_models

__all__ = [
    "ApiToken",
    "AuditEvent",
    "LoginAttempt",
    "Member",
    "RoleGrant",
    "Store",
    "User",
    "compliance_models",
    "memberships_models",
    "notifications_models",
    "openings_models",
    "plugins_models",
    "records_models",
    "sla_models",
    "spotchecks_models",
    "vip_models",
]
