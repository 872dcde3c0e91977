"""The plugin registry: which loaded plugins are enabled (issue 5, DESIGN: Plugins)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.database import UTCDateTime
from portal.extensions import db


class PluginState(db.Model):
    """One row per plugin an operator enabled or disabled; no row means enabled.

    Every installed plugin loads at start-up (Flask cannot unregister blueprints); this
    flag is read where hooks are called and routes served, so a change reaches every
    worker without a restart.
    """

    __tablename__ = "plugin_state"

    #: the entry point's name, as in PORTAL_PLUGINS
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool]
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: None when the shell operator changed it (``flask portal plugins ...``)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    changed_by: Mapped[User | None] = relationship()
