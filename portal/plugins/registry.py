"""The plugin registry: which loaded plugins are enabled, for every worker at once.

Every installed plugin (that ``PORTAL_PLUGINS`` lets through) loads at start-up: Flask
cannot unregister blueprints and several workers cannot be re-synchronized. *Enabled* is
a row in ``plugin_state`` (no row: enabled), read where hooks are called
(:meth:`PluginManager.caller`) and where a plugin's routes are served, so disabling on the
admin page or with ``flask portal plugins disable NAME`` takes effect in every worker on
its next request, without a restart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask import Flask, current_app, g, has_app_context, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.permissions import Action, require
from portal.audit.services import record
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.plugins.manager import PluginInfo, PluginManager
from portal.plugins.models import PluginState

if TYPE_CHECKING:
    from portal.accounts.models import User

log = logging.getLogger(__name__)

#: ``flask.g`` key of the request's enabled plugins: one query per request at most
_CACHE = "portal_plugins_enabled"


def _manager() -> PluginManager:
    return current_app.extensions["portal.plugins"]


def _disabled_rows(session: Session) -> set[str]:
    return set(session.scalars(select(PluginState.name).where(PluginState.enabled.is_(False))))


def enabled_plugins(session: Session) -> set[str]:
    """Names of the plugins that loaded and are not disabled.

    Within a request the answer is kept in ``flask.g``, so a request asks the database
    once however many hooks it calls; outside requests (CLI, ``tick``) each call asks.
    A plugin that failed to load is never enabled.
    """
    if has_request_context():
        cached = g.get(_CACHE)
        if cached is not None:
            return set(cached)
    loaded = {name for name, info in _manager().plugins.items() if info.loaded}
    enabled = frozenset(loaded - _disabled_rows(session))
    if has_request_context():
        setattr(g, _CACHE, enabled)
    return set(enabled)


def _forget() -> None:
    if has_app_context():
        g.pop(_CACHE, None)


def disabled_now() -> set[str]:
    """The loaded plugins disabled right now: what :class:`PluginManager` leaves out.

    Read through a session of its own, as committed data: hooks are also called after a
    commit (events), when the request's session cannot query. Before the registry table
    exists (a database not migrated yet) every plugin counts as enabled.
    """
    if not has_app_context() or "sqlalchemy" not in current_app.extensions:
        return set()
    if has_request_context() and g.get(_CACHE) is not None:
        return _loaded() - g.get(_CACHE)
    from portal.extensions import db

    try:
        with Session(db.engine) as session:
            return _loaded() - enabled_plugins(session)
    except DBAPIError:
        if inspect(db.engine).has_table(PluginState.__tablename__):
            raise
        log.warning("plugin_state does not exist yet (run flask portal setup): all enabled")
        return set()


def _loaded() -> set[str]:
    return {name for name, info in _manager().plugins.items() if info.loaded}


@dataclass(frozen=True)
class PluginStatus:
    """A plugin as the admin page, the API and ``plugins list`` show it."""

    name: str
    version: str | None
    hooks: list[str]
    loaded: bool
    error: str | None
    enabled: bool
    changed_at: datetime | None
    changed_by: str | None  # the login of whoever changed it last; None: never changed

    @property
    def error_summary(self) -> str | None:
        """The last line of the error (of a traceback: the exception)."""
        return self.error.strip().splitlines()[-1] if self.error else None


def plugin_statuses(session: Session) -> list[PluginStatus]:
    """Every plugin the portal knows of (loaded or failed), by name."""
    states = {state.name: state for state in session.scalars(select(PluginState))}
    enabled = enabled_plugins(session)
    return [_status(info, states.get(info.name), enabled) for info in _sorted_infos()]


def plugin_status(session: Session, name: str) -> PluginStatus:
    """One plugin; NotFound for a name the portal does not know."""
    info = _manager().plugins.get(name)
    if info is None:
        raise NotFound(_l("No such plugin."))
    return _status(info, session.get(PluginState, name), enabled_plugins(session))


def _sorted_infos() -> list[PluginInfo]:
    return sorted(_manager().plugins.values(), key=lambda info: info.name)


def _status(info: PluginInfo, state: PluginState | None, enabled: set[str]) -> PluginStatus:
    changed_by = None
    if state is not None:
        changed_by = state.changed_by.login if state.changed_by is not None else "cli"
    return PluginStatus(
        name=info.name,
        version=info.version,
        hooks=list(info.hooks),
        loaded=info.loaded,
        error=info.error,
        enabled=info.name in enabled,
        changed_at=state.changed_at if state is not None else None,
        changed_by=changed_by,
    )


def set_enabled(session: Session, *, actor: User, name: str, enabled: bool) -> PluginStatus:
    """Enable or disable the plugin ``name`` for every worker (admins, the shell operator).

    Unknown name: NotFound. A plugin that failed to load cannot be enabled (its hooks and
    pages are not there): ValidationFailed naming the reason. Setting the state it already
    has changes nothing and records nothing. Audited as ``plugin.enabled`` /
    ``plugin.disabled``.
    """
    require(actor, Action.MANAGE_PLUGINS)
    manager = _manager()
    info = manager.plugins.get(name)
    if info is None:
        raise NotFound(_l("No such plugin."))
    if enabled and not info.loaded:
        raise ValidationFailed.single(
            "name",
            _l(
                "The plugin %(name)s failed to load, so it cannot be enabled. Fix the error "
                "shown with it and restart the portal.",
                name=name,
            ),
        )
    state = session.get(PluginState, name)
    was_enabled = info.loaded and (state is None or state.enabled)
    if was_enabled == enabled:
        return plugin_status(session, name)
    if state is None:
        # the first change of this plugin: two admins at once must not both insert its row
        try:
            with session.begin_nested():
                state = PluginState(name=name, enabled=was_enabled, changed_at=clock.now())
                session.add(state)
                session.flush()
        except IntegrityError:
            raise Conflict(
                _l("Someone else changed this plugin at the same moment. Reload and try again.")
            ) from None
    record(
        session,
        actor=actor,
        action="plugin.enabled" if enabled else "plugin.disabled",
        object_type="plugin",
        object_id=name,
        before={"enabled": was_enabled},
        after={"enabled": enabled},
    )
    state.enabled = enabled
    state.changed_at = clock.now()
    state.changed_by_id = actor.id
    session.flush()
    _forget()
    return plugin_status(session, name)


def init_app(app: Flask, plugins: PluginManager) -> None:
    """Make the manager skip disabled plugins, and forget the cache after each request."""
    plugins.disabled = disabled_now

    @app.teardown_request
    def _forget_enabled(exc: BaseException | None) -> None:
        g.pop(_CACHE, None)
