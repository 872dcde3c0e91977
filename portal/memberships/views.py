"""Pages of memberships (R15, R16)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("memberships", __name__, url_prefix="/memberships", template_folder="templates")
