"""Where the current change comes from (request id, client address).

The web layer fills it per request; services read it through ``record`` without
touching the request object.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    request_id: str | None = None
    ip_address: str | None = None


current_origin: ContextVar[Origin | None] = ContextVar("portal_audit_origin", default=None)
