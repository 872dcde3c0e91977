"""A throwaway PostgreSQL cluster for a test session, from Debian's server binaries.

initdb refuses to run as root, so under uid 0 the cluster runs as the ``postgres``
system user (data and socket directories owned by it) and listens on 127.0.0.1.

Every pytest-xdist worker starts a cluster of its own: a fresh temporary directory (named
after the worker) for data and sockets, and a free port. Another process may take the port
between the probe and the start; the start is then retried on a new one.

The fault tests stop, start and restart a running cluster (``stop_cluster``,
``start_cluster``, ``restart_cluster``, by its URL) to watch the portal ride it out.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from portal.testing import worker_id

#: tries to start the server, each on a new free port
START_ATTEMPTS = 3


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


@dataclass(frozen=True)
class _Cluster:
    run: Callable[..., None]
    pg_ctl: str
    data: Path
    options: str
    log: Path


#: the clusters running in this process, by the URL ``throwaway_cluster`` yielded
_running: dict[str, _Cluster] = {}


def stop_cluster(url: str) -> None:
    """Stop the server (``-m fast``: sessions are cut, as in a restart); its data stays."""
    cluster = _running[url]
    cluster.run(cluster.pg_ctl, "-D", str(cluster.data), "-m", "fast", "-w", "stop")


def start_cluster(url: str) -> None:
    """Start a stopped cluster again on its port."""
    cluster = _running[url]
    cluster.run(
        cluster.pg_ctl,
        "-D",
        str(cluster.data),
        "-o",
        cluster.options,
        "-l",
        str(cluster.log),
        "-w",
        "-t",
        "60",
        "start",
    )


def restart_cluster(url: str) -> None:
    """``pg_ctl restart -m fast``, as an operator restarts the server under load."""
    cluster = _running[url]
    # -l: the server's output to its log; left on pg_ctl's pipe it would keep run() waiting
    cluster.run(
        cluster.pg_ctl,
        "-D",
        str(cluster.data),
        "-l",
        str(cluster.log),
        "-m",
        "fast",
        "-w",
        "-t",
        "60",
        "restart",
    )


def _options(port: int, sockets: Path, *, durable: bool) -> str:
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c max_connections=60"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    return options


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(
    run: Callable[..., None], bindir: Path, data: Path, sockets: Path, log: Path, *, durable: bool
) -> int:
    """Start the server on a free port (on a new one if another process took it); the port."""
    attempts_left = START_ATTEMPTS
    while True:
        port = _free_port()
        options = _options(port, sockets, durable=durable)
        log.unlink(missing_ok=True)
        try:
            run(
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "start",
            )
        except PostgresUnavailable:
            attempts_left -= 1
            taken = log.exists() and "Address already in use" in log.read_text(errors="replace")
            if not taken or attempts_left == 0:
                raise
        else:
            return port


@contextlib.contextmanager
def throwaway_cluster(dbname: str = "portal_test", *, durable: bool = False) -> Iterator[str]:
    """Start a cluster, create ``dbname``, yield its SQLAlchemy URL, stop and delete it.

    Tests trade durability for speed; ``durable`` keeps PostgreSQL's defaults (benchmarks).
    """
    bindir = find_bindir()
    base = Path(tempfile.mkdtemp(prefix=f"portal-pg-{worker_id()}-"))
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

    def run(*args: str) -> None:
        result = subprocess.run([*as_user, *args], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed: {result.stderr or result.stdout}")

    url = ""
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
        port = _start(run, bindir, data, sockets, base / "server.log", durable=durable)
        with psycopg.connect(
            host="127.0.0.1", port=port, user="portal", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        url = f"postgresql+psycopg://portal@127.0.0.1:{port}/{dbname}"
        options = _options(port, sockets, durable=durable)
        _running[url] = _Cluster(run, str(bindir / "pg_ctl"), data, options, base / "server.log")
        yield url
    finally:
        _running.pop(url, None)
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(base, ignore_errors=True)
