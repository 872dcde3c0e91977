"""The application factory."""

from __future__ import annotations

import os
import re
import traceback
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as portal_config
from portal.audit.context import Origin, current_origin
from portal.clock import Clock
from portal.database import engine_options, remove_session, render_migration_item
from portal.extensions import babel, csrf, db, login_manager, migrate
from portal.plugins.manager import PluginManager

PACKAGE_DIR = Path(__file__).parent
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class PortalSessionInterface(SecureCookieSessionInterface):
    """Session cookies get the Secure flag whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


@migrate.configure
def _with_plugin_migrations(config: Any) -> Any:
    """Alembic reads core's revisions and every loaded plugin's own branch (their
    ``portal_migration_dirs()``), so ``upgrade heads`` migrates core and plugins at once."""
    dirs = [str(PACKAGE_DIR / "migrations" / "versions")]
    dirs += current_app.extensions.get("portal.migration_dirs", [])
    config.set_main_option("version_locations", os.pathsep.join(dirs))
    return config


def translations_dir() -> Path:
    """Catalogs ship inside the wheel; in a checkout they live at the repository's top."""
    bundled = PACKAGE_DIR / "translations"
    return bundled if bundled.is_dir() else PACKAGE_DIR.parent / "translations"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the portal: settings, extensions, plugins, blueprints."""
    instance_path = (test_config or {}).get("PORTAL_INSTANCE_PATH") or os.environ.get(
        "PORTAL_INSTANCE_PATH"
    )
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # a pooled connection the server dropped (restart, failover) is replaced, not used
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.update(portal_config.load_settings(Path(app.instance_path), os.environ))
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        float(app.config["PORTAL_SQLITE_BUSY_TIMEOUT"]),
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = portal_config.ensure_secret_key(Path(app.instance_path))
    app.extensions["portal.clock"] = app.config.get("PORTAL_CLOCK") or Clock()
    app.session_interface = PortalSessionInterface()
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if app.config["PORTAL_TRUSTED_PROXIES"]:
        n = app.config["PORTAL_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    plugins = PluginManager()
    plugins.discover(app.config["PORTAL_PLUGINS"])
    if app.testing:
        plugins.check_pending()  # a hook implementation without a spec fails tests loudly
    app.extensions["portal.plugins"] = plugins

    _init_extensions(app, plugins)
    _register_blueprints(app, plugins)
    _register_request_hooks(app)
    _refuse_disabled_plugins(app, plugins)

    from portal import cli

    cli.init_app(app, plugins)
    return app


def _init_extensions(app: Flask, plugins: PluginManager) -> None:
    from portal import i18n

    db.init_app(app)
    # runs before Flask-SQLAlchemy's own teardown (the later registered runs first), which
    # then finds the session already removed
    app.teardown_appcontext(lambda exc: remove_session(db.session))
    migrate.init_app(
        app,
        db,
        directory=str(PACKAGE_DIR / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
    )
    # every loaded plugin's, disabled ones too: a disabled plugin's tables still exist
    app.extensions["portal.migration_dirs"] = plugins.contributions("portal_migration_dirs")
    login_manager.init_app(app)
    csrf.init_app(app)
    # every loaded plugin's, disabled ones too: catalogs cannot be added later. Catalogs
    # are merged in order, the later winning a msgid both translate: the core's comes
    # last, so a plugin's wording never changes the core's pages.
    translation_dirs = plugins.contributions("portal_translation_dirs")
    translation_dirs.append(str(translations_dir()))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_dirs)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_locale=app.config["PORTAL_DEFAULT_LOCALE"],
        default_timezone=app.config["PORTAL_DEFAULT_TIMEZONE"],
    )
    i18n.init_app(app)
    from portal.accounts import permissions
    from portal.plugins import registry

    registry.init_app(app, plugins)
    permissions.init_app(app, plugins)
    # Models must be imported before anything inspects the metadata (migrations, tests).
    from portal import models  # noqa: F401


def _register_blueprints(app: Flask, plugins: PluginManager) -> None:
    from portal.accounts.views import bp as accounts_bp
    from portal.api import init_api, register_plugin_blueprint
    from portal.audit.views import bp as audit_bp
    from portal.compliance.views import bp as compliance_bp
    from portal.members.ownership_views import bp as ownership_bp
    from portal.members.views import bp as members_bp
    from portal.memberships.views import bp as memberships_bp
    from portal.notifications.views import bp as notifications_bp
    from portal.openings.views import bp as openings_bp
    from portal.plugins.views import bp as plugins_bp
    from portal.reports.views import bp as reports_bp
    from portal.sla.views import bp as sla_bp
    from portal.spotchecks.views import bp as spotchecks_bp
    from portal.stores.views import bp as stores_bp
    from portal.vip.views import bp as vip_bp
    from portal.web.errors import register_error_handlers
    from portal.web.views import bp as web_bp

    for blueprint in (
        web_bp,
        accounts_bp,
        members_bp,
        ownership_bp,
        stores_bp,
        audit_bp,
        sla_bp,
        notifications_bp,
        vip_bp,
        openings_bp,
        spotchecks_bp,
        reports_bp,
        plugins_bp,
        compliance_bp,
        memberships_bp,
    ):
        app.register_blueprint(blueprint)
    init_api(app)
    # Every loaded plugin's blueprints, each recorded with its plugin: Flask cannot take a
    # blueprint back, so a disabled plugin's routes answer 404 (_refuse_disabled_plugins).
    owners: dict[str, str] = {}
    for plugin_name, blueprints in plugins.collect_by_plugin("portal_blueprints"):
        for blueprint in blueprints:
            try:
                register_plugin_blueprint(app, blueprint)
            except Exception:  # a name the core or another plugin took, a broken route
                plugins.fail(plugin_name, traceback.format_exc())
                break
            owners[blueprint.name] = plugin_name
    app.extensions["portal.plugin_blueprints"] = owners
    register_error_handlers(app)


def _refuse_disabled_plugins(app: Flask, plugins: PluginManager) -> None:
    owners: dict[str, str] = app.extensions["portal.plugin_blueprints"]

    @app.before_request
    def _disabled_plugin_is_not_found() -> None:
        """A disabled plugin's pages, API and static files answer 404, in every worker
        on its next request (the registry table is read, at most once a request)."""
        if not request.blueprint:
            return
        owner = owners.get(request.blueprint.split(".", 1)[0])
        if owner is not None and not plugins.is_enabled(owner):
            abort(404)


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _bind_origin() -> None:
        supplied = request.headers.get("X-Request-ID", "")
        g.request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        g.origin_token = current_origin.set(Origin(g.request_id, request.remote_addr))

    @app.teardown_request
    def _unbind_origin(exc: BaseException | None) -> None:
        token = g.pop("origin_token", None)
        if token is not None:
            current_origin.reset(token)

    @app.after_request
    def _security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response
