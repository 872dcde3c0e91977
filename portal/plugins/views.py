"""The admin page of plugins: every plugin with its status, enabled or disabled at will."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.accounts.forms import ConfirmForm
from portal.accounts.permissions import Action, require
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.plugins import registry

bp = Blueprint("plugins", __name__, template_folder="templates", url_prefix="/admin/plugins")


@bp.get("/")
@login_required
def list_plugins() -> str:
    """Every plugin: version, hooks, loaded or failed (with its error), enabled or not."""
    require(current_user, Action.MANAGE_PLUGINS, hide=True)
    return render_template("plugins/list.html", plugins=registry.plugin_statuses(db.session))


@bp.route("/<name>/enable", methods=["GET", "POST"])
@login_required
def enable_plugin(name: str) -> str | Response | tuple[str, int]:
    """Confirm, then enable the plugin for every worker."""
    return _change(name, enabled=True)


@bp.route("/<name>/disable", methods=["GET", "POST"])
@login_required
def disable_plugin(name: str) -> str | Response | tuple[str, int]:
    """Confirm, then disable the plugin for every worker."""
    return _change(name, enabled=False)


def _change(name: str, *, enabled: bool) -> str | Response | tuple[str, int]:
    require(current_user, Action.MANAGE_PLUGINS, hide=True)
    plugin = registry.plugin_status(db.session, name)
    form = ConfirmForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            registry.set_enabled(db.session, actor=current_user, name=name, enabled=enabled)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = [str(message) for messages in exc.errors.values() for message in messages]
        else:
            db.session.commit()
            if enabled:
                flash(_("The plugin %(name)s is enabled.", name=name), "info")
            else:
                flash(_("The plugin %(name)s is disabled.", name=name), "info")
            return redirect(url_for("plugins.list_plugins"))
    page = render_template(
        "plugins/confirm.html", plugin=plugin, enabled=enabled, form=form, errors=errors
    )
    return (page, 422) if errors else page
