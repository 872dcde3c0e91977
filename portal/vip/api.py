"""The vip package over JSON."""

from __future__ import annotations

from portal.api.blueprint import Blueprint

blp = Blueprint("vip_api", __name__, url_prefix="/vip", description="vip")
