"""Plugins over JSON: what is installed, and enabling or disabling one (admins)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from portal.accounts.permissions import Action, require
from portal.api.auth import BEARER, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.schema import Schema
from portal.extensions import db
from portal.plugins import registry
from portal.plugins.registry import PluginStatus

blp = Blueprint("plugins_api", __name__, url_prefix="/plugins", description="Plugins")


class PluginSchema(Schema):
    name = ma.fields.String(
        metadata={"description": "The entry point's name", "example": "restaurant"}
    )
    version = ma.fields.String(allow_none=True, metadata={"description": "Distribution version"})
    hooks = ma.fields.List(ma.fields.String(), metadata={"description": "Hooks it implements"})
    loaded = ma.fields.Boolean(metadata={"description": "False when it failed to load"})
    enabled = ma.fields.Boolean(
        metadata={"description": "Its hooks are called and its pages served (every worker)"}
    )
    error = ma.fields.String(
        allow_none=True, metadata={"description": "Why it did not load (a traceback)"}
    )
    changed_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "When it was last enabled or disabled"}
    )
    changed_by = ma.fields.String(
        allow_none=True, metadata={"description": "Login of whoever changed it; cli: the shell"}
    )


@blp.route("/", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, PluginSchema(many=True))
@blp.alt_response(403, description="Only admins see the plugins")
def list_plugins() -> list[PluginStatus]:
    """Every plugin: name, version, hooks, loaded, enabled, and its load error if any."""
    require(token_user(), Action.MANAGE_PLUGINS)
    return registry.plugin_statuses(db.session)


def _change(name: str, *, enabled: bool) -> Any:
    require(token_user(), Action.MANAGE_PLUGINS, hide=True)
    status = registry.set_enabled(db.session, actor=token_user(), name=name, enabled=enabled)
    db.session.commit()
    return status


@blp.route("/<name>/enable", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, PluginSchema)
@blp.alt_response(404, description="No such plugin, or the caller is not an admin")
@blp.alt_response(422, description="The plugin failed to load; `errors.json.name` says why")
def enable_plugin(name: str) -> Any:
    """Enable a plugin in every worker at once (no restart); enabling twice changes nothing."""
    return _change(name, enabled=True)


@blp.route("/<name>/disable", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, PluginSchema)
@blp.alt_response(404, description="No such plugin, or the caller is not an admin")
def disable_plugin(name: str) -> Any:
    """Disable a plugin in every worker at once: its hooks are skipped, its routes 404."""
    return _change(name, enabled=False)
