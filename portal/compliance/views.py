"""Pages of compliance: the violation catalogue (R17-R21), read-only for now."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required

from portal.compliance import services

bp = Blueprint("compliance", __name__, url_prefix="/compliance", template_folder="templates")


@bp.record_once
def _set_up(state: BlueprintSetupState) -> None:
    """Collect the catalogue at start-up, so a duplicate code fails at once."""
    services.init_app(state.app)


@bp.get("/catalogue")
@login_required
def show_catalogue() -> str:
    """Every violation of the enabled plugins, by kind, with the measures allowed (R18)."""
    sections = services.catalogue_for(current_user)
    return render_template("compliance/catalogue.html", sections=sections)
