"""The notifications package over JSON."""

from __future__ import annotations

from portal.api.blueprint import Blueprint

blp = Blueprint(
    "notifications_api", __name__, url_prefix="/notifications", description="notifications"
)
