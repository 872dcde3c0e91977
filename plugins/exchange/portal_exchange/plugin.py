"""The exchange vertical: memberships, risk deposits and compliance (R15-R21).

A shell for now: an about page says what the vertical will offer. Its hooks are the
entry point ``exchange`` in the ``portal.plugins`` group.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, render_template

from portal import hookimpl

PACKAGE_DIR = Path(__file__).parent

bp = Blueprint("exchange", __name__, url_prefix="/exchange", template_folder="templates")


@bp.get("/about")
def show_about() -> str:
    """What the exchange plugin will offer; open to everybody."""
    return render_template("exchange/about.html")


@hookimpl
def portal_blueprints() -> list[Blueprint]:
    return [bp]


@hookimpl
def portal_translation_dirs() -> list[str]:
    return [str(PACKAGE_DIR / "translations")]
