"""Backups of the portal's database in the database's own format, and their restore.

SQLite: a page-by-page copy through SQLite's online backup API, consistent while the
portal keeps writing. PostgreSQL: ``pg_dump --format=custom``, restored with
``pg_restore`` in a single transaction. Either file holds the ``alembic_version`` table,
so a restore knows which schema the backup has. Nothing here prompts or prints: the CLI
asks and shows the progress reported through ``progress(done, total)``.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, column, inspect, select, table
from sqlalchemy.engine import URL

from portal.errors import DomainError

#: reports ``(done, total)`` of a long step: pages copied, or tables dumped and restored
Progress = Callable[[int, int], None]

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
#: pages a restore copies between two progress reports (4 MB at the default page size)
SQLITE_PAGES_PER_STEP = 1024
#: the table Alembic keeps its revisions in; present in every migrated database
VERSION_TABLE = "alembic_version"


class BackupError(DomainError):
    """A backup or restore that cannot go on; the message says why and what to do."""


def _ignore_progress(done: int, total: int) -> None:
    """The default ``progress``: report nothing."""


# --- backup ---------------------------------------------------------------------------------


def backup(engine: Engine, target: Path, progress: Progress = _ignore_progress) -> list[str]:
    """Write a backup of ``engine``'s database to ``target``; the schema revisions it holds.

    The file appears complete or not at all: it is written next to ``target`` under a
    temporary name and renamed when done.
    """
    revisions = current_revisions(engine)
    if not revisions:
        raise BackupError("The database has no schema yet: run `flask portal setup` first.")
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with _temporary_beside(target) as partial:
        if engine.dialect.name == "sqlite":
            # in one step: SQLite restarts a stepwise copy whenever another connection
            # writes, so a busy portal could starve it; one step is one read transaction,
            # which in WAL mode never blocks the writers
            _sqlite_copy(sqlite_file(engine.url), partial, progress, pages=-1)
        elif engine.dialect.name == "postgresql":
            tables = len(inspect(engine).get_table_names())
            _run_pg_tool(
                "pg_dump",
                ["--format=custom", "--verbose", f"--file={partial}"],
                engine.url,
                progress=progress,
                total=tables,
                step_marker="dumping contents of table",
            )
        else:
            raise BackupError(f"No backup for {engine.dialect.name} databases.")
        os.replace(partial, target)
    return revisions


@contextmanager
def _temporary_beside(target: Path) -> Iterator[Path]:
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-", suffix=".part")
    os.close(fd)
    partial = Path(name)
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)


def current_revisions(engine: Engine) -> list[str]:
    """The Alembic revisions the database is at (one per branch: core and plugins)."""
    if not inspect(engine).has_table(VERSION_TABLE):
        return []
    version = table(VERSION_TABLE, column("version_num"))
    with engine.connect() as conn:
        return sorted(conn.scalars(select(version.c.version_num)))


# --- reading a backup -----------------------------------------------------------------------


def backup_kind(path: Path) -> str:
    """``"sqlite"`` or ``"postgresql"``: which database wrote the backup at ``path``."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"No backup file {path}.") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a portal backup (neither SQLite nor pg_dump custom format).")


def backup_revisions(path: Path) -> list[str]:
    """The Alembic revisions recorded in the backup at ``path``."""
    if backup_kind(path) == "sqlite":
        uri = f"{path.resolve().as_uri()}?mode=ro"
        try:
            with closing(sqlite3.connect(uri, uri=True)) as conn:
                rows = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()  # noqa: S608
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} holds no portal schema: {exc}") from None
        return sorted(row[0] for row in rows)
    listing = _run_pg_tool(
        "pg_restore", ["--data-only", f"--table={VERSION_TABLE}", "--file=-", str(path)]
    )
    return sorted(_copy_rows(listing, VERSION_TABLE))


def _copy_rows(sql: str, table_name: str) -> list[str]:
    """The single-column rows of ``table_name`` in a plain SQL dump's ``COPY`` block."""
    match = re.search(
        rf"^COPY (?:\w+\.)?{table_name} \(.*?\) FROM stdin;\n(.*?)^\\\.$", sql, re.M | re.S
    )
    if match is None:
        raise BackupError(f"The backup holds no {table_name} table: not a portal database.")
    return [line for line in match.group(1).splitlines() if line]


def check_revisions(backup: list[str], script: ScriptDirectory) -> None:
    """Refuse a backup whose schema this version of the portal does not know (a newer one,
    or one with a plugin that is not installed here)."""
    unknown = [rev for rev in backup if not _known(script, rev)]
    if unknown:
        raise BackupError(
            "The backup comes from a newer or different schema (revisions "
            f"{', '.join(unknown)} are unknown here): install the portal version and "
            "plugins that wrote it, then restore."
        )


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:  # alembic's answer for an unknown revision id
        return False


# --- restore --------------------------------------------------------------------------------


def holds_data(engine: Engine) -> bool:
    """Whether any table other than Alembic's holds a row (a migrated, unused database
    counts as empty)."""
    names = [n for n in inspect(engine).get_table_names() if n != VERSION_TABLE]
    with engine.connect() as conn:
        return any(conn.execute(select(1).select_from(table(n)).limit(1)).first() for n in names)


def restorable_kind(source: Path, engine: Engine) -> str:
    """The kind of the backup at ``source``, when it restores into ``engine``'s database."""
    kind = backup_kind(source)
    if kind != engine.dialect.name:
        raise BackupError(
            f"The backup was written by {kind}; this portal runs on {engine.dialect.name}. "
            "A backup restores into the same kind of database (see docs/decisions.md)."
        )
    return kind


def restore(engine: Engine, source: Path, progress: Progress = _ignore_progress) -> None:
    """Replace the database of ``engine`` with the backup at ``source``.

    The caller checked the revisions and the target's emptiness, and migrates and records
    the restore afterwards. Pooled connections are closed first: a restore must not
    share the database with sessions that still see the old tables.
    """
    kind = restorable_kind(source, engine)
    engine.dispose()
    if kind == "sqlite":
        _sqlite_copy(source, sqlite_file(engine.url), progress, pages=SQLITE_PAGES_PER_STEP)
    else:
        _run_pg_tool(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--verbose",
                str(source),
            ],
            engine.url,
            progress=progress,
            total=_pg_table_count(source),
            step_marker="processing data for table",
        )
    engine.dispose()


def _pg_table_count(source: Path) -> int:
    listing = _run_pg_tool("pg_restore", ["--list", str(source)])
    return sum(1 for line in listing.splitlines() if " TABLE DATA " in line)


# --- SQLite ---------------------------------------------------------------------------------


def sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path, progress: Progress, *, pages: int) -> None:
    """Copy one SQLite database into another with the online backup API, ``pages`` at a
    time (-1: all at once); the copy is one consistent snapshot of the source."""
    uri = f"{source.resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(
            dst,
            pages=pages,
            progress=lambda _status, remaining, total: progress(total - remaining, total),
        )


# --- PostgreSQL client tools ----------------------------------------------------------------


def find_pg_tool(name: str) -> str:
    """Path of ``pg_dump`` or ``pg_restore``: in ``PORTAL_PG_BINDIR``, Debian's newest
    ``/usr/lib/postgresql/<version>/bin``, or on PATH (as the test clusters find theirs)."""
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda d: int(re.sub(r"\D", "", Path(d).parent.name) or 0),
        reverse=True,
    )
    for directory in [os.environ.get("PORTAL_PG_BINDIR", ""), *debian]:
        if directory and (Path(directory) / name).is_file():
            return str(Path(directory) / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install PostgreSQL's client tools (Debian: postgresql-client) "
            "or set PORTAL_PG_BINDIR to the directory holding them."
        )
    return found


def _run_pg_tool(
    name: str,
    args: list[str],
    url: URL | None = None,
    *,
    progress: Progress = _ignore_progress,
    total: int = 0,
    step_marker: str | None = None,
) -> str:
    """Run a PostgreSQL client tool; its standard output. The password travels in the
    environment (PGPASSWORD), never on the command line where ``ps`` shows it."""
    command = [find_pg_tool(name), *args]
    env = dict(os.environ)
    if url is not None:
        if url.password is not None:
            env["PGPASSWORD"] = str(url.password)
        libpq = url.set(drivername="postgresql", password=None)
        command.append(f"--dbname={libpq.render_as_string(hide_password=False)}")
    with (
        tempfile.TemporaryFile("w+") as out,
        subprocess.Popen(  # noqa: S603 - fixed tool, arguments are ours
            command, stdout=out, stderr=subprocess.PIPE, text=True, env=env
        ) as process,
    ):
        assert process.stderr is not None  # set by stderr=PIPE
        errors: list[str] = []
        done = 0
        for line in process.stderr:
            if step_marker and step_marker in line:
                done += 1
                progress(min(done, total), total)
            elif "error" in line.lower() or "fatal" in line.lower():
                errors.append(line.strip())
        if process.wait() != 0:
            raise BackupError(f"{name} failed: {' '.join(errors) or 'see its output above'}")
        out.seek(0)
        return out.read()
