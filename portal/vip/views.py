"""Pages of the vip package."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("vip", __name__, template_folder="templates")
