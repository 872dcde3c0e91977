"""The renovation vertical: customer classes, revisits, complaints and repairs (R11-R14, R23-R24).

A shell for now: an about page says what the vertical will offer. Its hooks are the
entry point ``renovation`` in the ``portal.plugins`` group.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, render_template

from portal import hookimpl

PACKAGE_DIR = Path(__file__).parent

bp = Blueprint("renovation", __name__, url_prefix="/renovation", template_folder="templates")


@bp.get("/about")
def show_about() -> str:
    """What the renovation plugin will offer; open to everybody."""
    return render_template("renovation/about.html")


@hookimpl
def portal_blueprints() -> list[Blueprint]:
    return [bp]


@hookimpl
def portal_translation_dirs() -> list[str]:
    return [str(PACKAGE_DIR / "translations")]
