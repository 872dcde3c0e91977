"""The JSON API under /api/v1 and its generated OpenAPI document (flask-smorest)."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, send_from_directory
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response

from portal.extensions import csrf

API_PREFIX = "/api/v1"

docs_bp = Blueprint(
    "api",
    __name__,
    url_prefix=API_PREFIX,
    template_folder="templates",
    static_folder="static",
    static_url_path="/docs/static",
)


@docs_bp.get("/docs")
def docs() -> str:
    """A browsable page for the OpenAPI document (Swagger UI, served locally, no CDN)."""
    return render_template("api/docs.html")


@docs_bp.get("/docs/swagger-ui/<path:filename>")
def swagger_assets(filename: str) -> Response:
    return send_from_directory(swagger_ui_path, filename)


def init_api(app: Flask) -> None:
    from portal.accounts.api import blp as auth_blp
    from portal.accounts.integrations_api import blp as integrations_blp
    from portal.compliance.api import blp as compliance_blp
    from portal.members.api import blp as members_blp
    from portal.memberships.api import blp as memberships_blp
    from portal.notifications.api import blp as notifications_blp
    from portal.openings.api import blp as openings_blp
    from portal.plugins.api import blp as plugins_blp
    from portal.reports.api import blp as reports_blp
    from portal.sla.api import blp as sla_blp
    from portal.spotchecks.api import blp as spotchecks_blp
    from portal.stores.api import blp as stores_blp
    from portal.vip.api import blp as vip_blp

    app.config.update(
        API_TITLE="Huiyuan Portal API",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Members, stores and accounts of Huiyuan Portal."},
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A token from POST /api/v1/auth/tokens.",
                    }
                }
            },
        },
    )
    api = Api(app)  # one per app: a module-level Api would keep the last app alive
    app.extensions["portal.api"] = api
    for blp in (
        auth_blp,
        stores_blp,
        members_blp,
        memberships_blp,
        sla_blp,
        notifications_blp,
        vip_blp,
        openings_blp,
        spotchecks_blp,
        reports_blp,
        plugins_blp,
        compliance_blp,
        integrations_blp,
    ):
        _register_api_blueprint(api, blp)
    app.register_blueprint(docs_bp)


def _register_api_blueprint(api: Api, blp: ApiBlueprint) -> None:
    csrf.exempt(blp)  # bearer tokens, never cookies: no cross-site request can use them
    api.register_blueprint(blp, url_prefix=f"{API_PREFIX}{blp.url_prefix or ''}")


def register_plugin_blueprint(app: Flask, blueprint: Blueprint) -> None:
    """A plugin's pages go to the app; its flask-smorest blueprints join ``/api/v1`` and
    the OpenAPI document like the core's."""
    if isinstance(blueprint, ApiBlueprint):
        _register_api_blueprint(app.extensions["portal.api"], blueprint)
    else:
        app.register_blueprint(blueprint)
