"""A throwaway PostgreSQL cluster for a test session, from Debian's server binaries.

initdb refuses to run as root, so under uid 0 the cluster runs as the ``postgres``
system user (data and socket directories owned by it) and listens on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    candidates = [os.environ.get("PORTAL_PG_BINDIR", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).resolve().parent
    raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def throwaway_cluster(dbname: str = "portal_test", *, durable: bool = False) -> Iterator[str]:
    """Start a cluster, create ``dbname``, yield its SQLAlchemy URL, stop and delete it.

    Tests trade durability for speed; ``durable`` keeps PostgreSQL's defaults (benchmarks).
    """
    bindir = find_bindir()
    base = Path(tempfile.mkdtemp(prefix="portal-pg-"))
    data, sockets = base / "data", base / "run"
    sockets.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise PostgresUnavailable("running as root but runuser is missing")
        as_user = [runuser, "-u", "postgres", "--"]
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(sockets, "postgres", "postgres")
    port = _free_port()

    def run(*args: str) -> None:
        result = subprocess.run([*as_user, *args], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed: {result.stderr or result.stdout}")

    try:
        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "portal",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c max_connections=60"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        with psycopg.connect(
            host="127.0.0.1", port=port, user="portal", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        yield f"postgresql+psycopg://portal@127.0.0.1:{port}/{dbname}"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(base, ignore_errors=True)
