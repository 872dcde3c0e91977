"""The sla package over JSON."""

from __future__ import annotations

from portal.api.blueprint import Blueprint

blp = Blueprint("sla_api", __name__, url_prefix="/sla", description="sla")
