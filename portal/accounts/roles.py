from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    """Staff roles granted by an admin. Being a member comes from member records, not a grant."""

    STAFF = "staff"
    STORE_MANAGER = "store_manager"
    HQ_SERVICE = "hq_service"
    #: head of head-office service: the last step of an escalation chain (R5, R6)
    HQ_HEAD = "hq_head"
    COMPLIANCE = "compliance"
    #: head-office finance: fees and deposits received, refunds paid (R16)
    FINANCE = "finance"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])

    @property
    def needs_store(self) -> bool:
        """Store roles act inside one store; head-office roles may be scoped or span all."""
        return self in (Role.STAFF, Role.STORE_MANAGER)


ROLE_LABELS = {
    Role.STAFF: _l("Staff"),
    Role.STORE_MANAGER: _l("Store manager"),
    Role.HQ_SERVICE: _l("Head-office service"),
    Role.HQ_HEAD: _l("Head of service"),
    Role.COMPLIANCE: _l("Compliance"),
    Role.FINANCE: _l("Finance"),
    Role.ADMIN: _l("Administrator"),
}
