"""The restaurant vertical: VIP visits and the monthly VIP qualification (R22).

A shell for now: an about page says what the vertical will offer. Its hooks are the
entry point ``restaurant`` in the ``portal.plugins`` group.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, render_template

from portal import hookimpl

PACKAGE_DIR = Path(__file__).parent

bp = Blueprint("restaurant", __name__, url_prefix="/restaurant", template_folder="templates")


@bp.get("/about")
def show_about() -> str:
    """What the restaurant plugin will offer; open to everybody."""
    return render_template("restaurant/about.html")


@hookimpl
def portal_blueprints() -> list[Blueprint]:
    return [bp]


@hookimpl
def portal_translation_dirs() -> list[str]:
    return [str(PACKAGE_DIR / "translations")]
