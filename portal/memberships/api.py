"""Memberships over JSON (R15, R16)."""

from __future__ import annotations

from portal.api.blueprint import Blueprint

blp = Blueprint(
    "memberships_api", __name__, url_prefix="/memberships", description="Memberships (R15, R16)"
)
