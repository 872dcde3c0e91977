"""Pages of the sla package."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sla", __name__, template_folder="templates")
