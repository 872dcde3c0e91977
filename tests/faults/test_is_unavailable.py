"""Which database errors are "unavailable" (503, try again) and which are bugs (500):
``portal.database.is_unavailable``, for the cases the fault tests cannot provoke."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from portal.database import is_unavailable


def _sqlite(code: int, message: str) -> sqlite3.Error:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    return error


@pytest.mark.parametrize(
    "orig",
    [
        psycopg.OperationalError("connection failed: Connection refused"),
        psycopg.errors.lookup("08006")("connection failure"),
        psycopg.errors.lookup("53100")("could not extend file: No space left on device"),
        psycopg.errors.lookup("53300")("sorry, too many clients already"),
        psycopg.errors.lookup("57P01")("terminating connection due to administrator command"),
        psycopg.errors.lookup("57P03")("the database system is starting up"),
        _sqlite(sqlite3.SQLITE_BUSY, "database is locked"),
        _sqlite(517, "database is locked"),  # SQLITE_BUSY_SNAPSHOT, an extended code
        _sqlite(sqlite3.SQLITE_FULL, "database or disk is full"),
        _sqlite(sqlite3.SQLITE_IOERR, "disk I/O error"),
    ],
    ids=repr,
)
def test_unavailable(orig: Exception) -> None:
    assert is_unavailable(OperationalError("SELECT 1", {}, orig))


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT", {}, psycopg.errors.lookup("23505")("duplicate key")),
        ProgrammingError("SELECT", {}, psycopg.errors.lookup("42P01")("no such table")),
        OperationalError("SELECT", {}, _sqlite(sqlite3.SQLITE_ERROR, "no such column: x")),
        ValueError("not a database error"),
    ],
    ids=repr,
)
def test_a_bug_stays_a_bug(error: Exception) -> None:
    assert not is_unavailable(error)


def test_a_dropped_connection_and_an_exhausted_pool_are_unavailable() -> None:
    dropped = DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
    assert is_unavailable(dropped)
    assert is_unavailable(PoolTimeout("QueuePool limit of size 5 overflow 10 reached"))
