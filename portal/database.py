"""SQLAlchemy base class, shared column types and engine settings for both databases."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, scoped_session
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

# Stable constraint names so Alembic revisions are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: the largest id a column can hold: ids are PostgreSQL ``integer`` (32 bits); a larger
#: value in a URL, body or cursor names nothing and must not reach a query
MAX_ID = 2**31 - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC instants on every backend (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL for concurrent readers and enforced foreign keys; the busy timeout (a wait instead
    of 'database is locked') is the driver's ``timeout`` (``sqlite_connect_args``)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def render_migration_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Alembic writes our UTC type as the plain column type it stores as."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def engine_options(url: str, options: dict[str, Any], busy_timeout: float) -> dict[str, Any]:
    """The engine options for ``url``: SQLite connections get the busy timeout."""
    if not url.startswith("sqlite"):
        return options
    connect_args = {**options.get("connect_args", {}), "timeout": busy_timeout}
    return {**options, "connect_args": connect_args}


# --- the database is unavailable (answered 503, not 500) --------------------------------------

#: SQLite primary result codes meaning "not now", not "wrong": another writer held the lock
#: past the busy timeout (BUSY, LOCKED), the disk or ``max_page_count`` is full (FULL), the
#: file cannot be written or opened (IOERR, CANTOPEN)
_SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_CANTOPEN,
}
#: PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient resources (53100
#: disk full, 53300 too many connections)
_PG_UNAVAILABLE_CLASSES = {"08", "53"}
#: 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting up)
_PG_UNAVAILABLE_STATES = {"57P01", "57P02", "57P03"}


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot serve right now (a 503 and a retry), rather
    than that the statement or the code is wrong (a 500, a bug).

    The one place that decides it, for pages, the API and the tick runner: a dropped or
    refused connection, a server shutting down or starting, SQLite's busy and full errors,
    and a connection pool that stayed exhausted past its timeout.
    """
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_UNAVAILABLE
    if isinstance(orig, psycopg.Error):
        state = orig.sqlstate
        if state is None:  # refused, reset or closed before the server said anything
            return isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError)
        return state[:2] in _PG_UNAVAILABLE_CLASSES or state in _PG_UNAVAILABLE_STATES
    return False


def driver_message(exc: BaseException) -> object:
    """What the driver said about ``exc``, for the log: SQLAlchemy's own text carries the
    statement's parameters, which hold personal data (names, mobiles, password hashes)."""
    return getattr(exc, "orig", None) or exc


def remove_session(session: scoped_session[Any]) -> None:
    """End a request's or a command's session, also when the database has just gone away.

    The answer is already made by then. A server shutting down between the last statement
    and the closing rollback must not turn it into a 500. Whatever was committed stays
    committed, and whatever was not is lost with the connection. So an unavailable
    database is logged and the connection dropped; the pool opens a new one. Any other
    error is a bug and is raised.
    """
    try:
        session.remove()
    except SQLAlchemyError as exc:
        if not is_unavailable(exc):
            raise
        log.warning("database went away while closing the session: %s", driver_message(exc))
        with contextlib.suppress(SQLAlchemyError):
            session.registry().invalidate()
        session.registry.clear()
