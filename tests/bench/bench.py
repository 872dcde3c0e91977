"""``make bench``: the portal's hot paths at scale, as ratios against a bare Flask baseline.

For each database (SQLite file, throwaway PostgreSQL cluster): migrate, bulk-load the
data set, record the query plans, then serve the portal and the baseline in turn with
gunicorn and drive each with locust on loopback. ``flask portal tick`` is timed in
process with a growing amount of due work. Figures go to ``docs/benchmarks.md``.
"""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from portal import clock  # noqa: E402
from tests.bench import dataset, queries  # noqa: E402

BIN = Path(sys.executable).parent
MARK_BEGIN = "<!-- bench:begin -->"
MARK_END = "<!-- bench:end -->"


@dataclass
class Load:
    scenario: str
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p99_ms: float


@dataclass
class Backend:
    name: str
    load_seconds: float = 0.0
    loads: dict[str, Load] = field(default_factory=dict)
    plans: dict[str, str] = field(default_factory=dict)
    ticks: list[dict[str, Any]] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(instance: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "FLASK_"))}
    env.update(
        PORTAL_INSTANCE_PATH=str(instance),
        PORTAL_DATABASE_URL=url,
        PORTAL_SECRET_KEY="bench-secret-key",
        PYTHONPATH=str(ROOT),
    )
    return env


@contextlib.contextmanager
def _served(app: str, env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("a") as out:
        server = subprocess.Popen(
            # no control socket: its default path is one per machine
            [
                *(str(BIN / "gunicorn"), app, "--bind", f"127.0.0.1:{port}"),
                *("--workers", str(workers), "--no-control-socket"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/", timeout=5):  # noqa: S310 - loopback
                    break
            except urllib.error.HTTPError:
                break  # it answers; 404 is fine for the baseline
            except OSError:
                time.sleep(0.3)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def _locust(
    base: str, scenario: str, env: dict[str, str], users: int, seconds: int, out: Path
) -> Load:
    prefix = out / scenario
    run = subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "tests/bench/locustfile.py"),
            "--headless",
            "--host",
            base,
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds + 300}s",  # a cap: the locustfile ends the run `seconds` after set-up
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**env, "BENCH_SCENARIO": scenario, "BENCH_SECONDS": str(seconds)},
        check=False,  # locust exits 1 when a request failed: the table counts failures
        capture_output=True,
    )
    with open(f"{prefix}_stats.csv", newline="") as fh:
        row = next((r for r in csv.DictReader(fh) if r["Name"] == scenario), None)
    if row is None:  # every user failed before its first request: say why
        raise click.ClickException(f"{scenario} made no requests:\n{run.stderr.decode()[-3000:]}")
    return Load(
        scenario=scenario,
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        rps=float(row["Requests/s"]),
        p50_ms=float(row["50%"]),
        p99_ms=float(row["99%"]),
    )


def _portal_queue_sql(conn: Any) -> str:
    """The review queue's first page exactly as the portal asks for it, for a store manager."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.sla.models import SlaTask
    from portal.vip import services as vip

    manager = db.session.scalar(select(User).where(User.login == dataset.manager_login(2)))
    query = vip._queue_query(vip.queue_scope(db.session, manager))
    query = query.order_by(SlaTask.due_at, SlaTask.id).limit(26)
    return str(query.compile(conn, compile_kwargs={"literal_binds": True}))


def _plans(conn: Any, size: dataset.Size, now: datetime) -> dict[str, str]:
    store = dataset.FIRST_STORE
    cases = {
        "review queue (the portal's query)": (_portal_queue_sql(conn), {}),
        "review queue (bare)": (queries.REVIEW_QUEUE, {"store_id": store, "limit": 26}),
        "lookup by mobile": (
            queries.LOOKUP_BY_MOBILE,
            {"store_id": store, "mobile": dataset.member_mobile(store, 7)},
        ),
        "tick: due SLA steps": (queries.TICK_DUE, {"now": now}),
    }
    plans = {}
    for name, (sql, params) in cases.items():
        if conn.dialect.name == "postgresql":
            rows = conn.execute(text("EXPLAIN " + sql), params).scalars().all()
        else:
            rows = [r[-1] for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql), params)]
        plans[name] = "\n".join(rows)
    return plans


def _ticks(app: Any, now: datetime, due_counts: list[int]) -> list[dict[str, Any]]:
    """Time one tick with ``n`` SLA steps due, the rest of the 50,000 tasks not yet due."""
    from portal.extensions import db
    from portal.sla import services as sla

    results = []
    for n in due_counts:
        with app.app_context():
            db.session.execute(
                text("UPDATE sla_task SET next_step_at = :later WHERE state = 'open'"),
                {"later": now + timedelta(days=365)},
            )
            db.session.execute(
                text(
                    "UPDATE sla_task SET next_step_at = :due WHERE id IN "
                    "(SELECT id FROM sla_task WHERE state = 'open' ORDER BY id LIMIT :n)"
                ),
                {"due": now - timedelta(minutes=1), "n": n},
            )
            db.session.commit()
            started = time.perf_counter()
            result = sla.tick(db.session, now=now)
            db.session.commit()
            elapsed = time.perf_counter() - started
        results.append({"due": n, "seconds": round(elapsed, 4), "result": str(result)})
    return results


def prepare(
    name: str, url: str, work: Path, size: dataset.Size
) -> tuple[Any, dict[str, str], float]:
    """Migrate an empty database and bulk-load the data set: the app, the servers'
    environment and the seconds the load took."""
    from portal import create_app
    from portal.extensions import db

    instance = work / f"instance-{name}"
    env = _env(instance, url)
    env.update(
        BENCH_STORES=str(size.stores),
        BENCH_PER_STORE=str(size.members_per_store),
        BENCH_PENDING=str(size.pending),
    )
    subprocess.run(
        [str(BIN / "flask"), "--app", "portal", "portal", "setup", "--no-demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "PORTAL_INSTANCE_PATH": str(instance), "SECRET_KEY": "x"}
    )
    started = time.perf_counter()
    with app.app_context(), db.engine.begin() as conn:
        dataset.load(conn, size, clock.now(), extra=dataset.EXTRA_LOADERS)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return app, env, round(time.perf_counter() - started, 1)


#: the servers measured, as gunicorn application targets
SERVERS = {
    "portal": "portal:create_app()",
    "bare": "tests.bench.bare:create_app()",
    "admin": "tests.bench.flask_admin_app:create_app()",
}
#: the hot paths of issue 7, reads on all three servers, writes on the portal and the bare
#: endpoint (Flask-Admin's forms are not a self-registration or a review decision)
READS = ("queue", "lookup", "notices")
WRITES = ("register", "decide")
SCENARIOS = [(path, server) for path in READS for server in SERVERS] + [
    (path, server) for path in WRITES for server in ("portal", "bare")
]
PATH_LABELS = {
    "queue": "review queue",
    "lookup": "member lookup",
    "notices": "notice page (inbox)",
    "register": "self-registration (POST)",
    "decide": "VIP decision (POST)",
}


def run_backend(
    name: str, url: str, work: Path, size: dataset.Size, users: int, seconds: int, workers: int
) -> Backend:
    from portal.extensions import db

    result = Backend(name)
    app, env, result.load_seconds = prepare(name, url, work, size)
    now = clock.now()
    with app.app_context(), db.engine.begin() as conn:
        result.plans = _plans(conn, size, now)

    log = work / f"gunicorn-{name}.log"
    env = {**env, "BENCH_USERS": str(users)}
    with contextlib.ExitStack() as servers:
        # all three at once, idle while another is measured: each path is measured on the
        # three servers within a minute, so the ratios share the machine's load of the moment
        bases = {
            server: servers.enter_context(_served(target, env, workers, log))
            for server, target in SERVERS.items()
        }
        for path, server in SCENARIOS:
            scenario = f"{server}-{path}"
            click.echo(f"  {name}: {scenario} ...")
            result.loads[scenario] = _locust(bases[server], scenario, env, users, seconds, work)
    result.ticks = _ticks(app, now, [0, 100, 1000])
    return result


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base else "n/a"


def render(
    results: list[Backend],
    size: dataset.Size,
    command: str,
    users: int,
    seconds: int,
    workers: int,
    shared: str,
) -> str:
    lines = [
        MARK_BEGIN,
        f"Measured {clock.now():%Y-%m-%d} with `{command}`: {size.members:,} members in "
        f"{size.stores} stores, {size.pending:,} VIP files pending review; gunicorn with "
        f"{workers} workers per server, locust with {users} users for {seconds} s per "
        f"scenario on loopback, on the same machine ({os.cpu_count()} cores). {shared}".rstrip(),
        "",
        "Ratios are the portal's figure divided by the other server's, measured within the "
        "same minute: throughput (at least 0.5 against bare and above 1 against Flask-Admin "
        "is the target), p50 and p99 latency (lower is better).",
        "",
        "| Database | Path | Server | Requests/s | p50 ms | p99 ms | Failures "
        "| Throughput / bare | p50 / bare | p99 / bare "
        "| Throughput / Flask-Admin | p50 / Flask-Admin | p99 / Flask-Admin |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend in results:
        for path in (*READS, *WRITES):
            portal = backend.loads.get(f"portal-{path}")
            for server in SERVERS:
                load = backend.loads.get(f"{server}-{path}")
                if load is None or portal is None:
                    continue
                cells = ["", "", "", "", "", ""]
                if load is portal:
                    for i, other in enumerate(("bare", "admin")):
                        base = backend.loads.get(f"{other}-{path}")
                        if base is not None:
                            cells[3 * i : 3 * i + 3] = [
                                _ratio(portal.rps, base.rps),
                                _ratio(portal.p50_ms, base.p50_ms),
                                _ratio(portal.p99_ms, base.p99_ms),
                            ]
                lines.append(
                    f"| {backend.name} | {PATH_LABELS[path]} | {server} | {load.rps:.1f} "
                    f"| {load.p50_ms:.0f} | {load.p99_ms:.0f} | {load.failures} | "
                    + " | ".join(cells)
                    + " |"
                )
    lines += [
        "",
        "One `tick` with a growing number of due SLA steps (the other tasks not due):",
        "",
    ]
    lines += ["| Database | Due steps | Seconds |", "|---|---:|---:|"]
    for backend in results:
        lines += [f"| {backend.name} | {t['due']} | {t['seconds']} |" for t in backend.ticks]
    lines += [
        "",
        "Bulk load of the data set (seconds): "
        + ", ".join(f"{b.name} {b.load_seconds}" for b in results),
        "",
    ]
    for backend in results:
        for name, plan in backend.plans.items():
            lines += [f"Query plan, {backend.name}, {name}:", "", "```", plan, "```", ""]
    lines.append(MARK_END)
    return "\n".join(lines)


@click.command()
@click.option("--members", default=1_000_000, show_default=True)
@click.option("--stores", default=200, show_default=True)
@click.option("--pending", default=50_000, show_default=True)
@click.option("--users", default=16, show_default=True, help="Concurrent locust users.")
@click.option("--seconds", default=20, show_default=True, help="Per scenario.")
@click.option("--workers", default=2, show_default=True, help="gunicorn workers.")
@click.option("--backend", "backends", multiple=True, default=["sqlite", "postgresql"])
@click.option("--out", type=click.Path(path_type=Path), default=ROOT / "docs/benchmarks.md")
@click.option(
    "--shared",
    default="",
    help="A sentence on what else ran on the machine, for the figures line.",
)
def main(
    members: int,
    stores: int,
    pending: int,
    users: int,
    seconds: int,
    workers: int,
    backends: tuple[str, ...],
    out: Path,
    shared: str,
) -> None:
    from portal.testing.postgres import throwaway_cluster

    size = dataset.Size(stores=stores, members=members, pending=pending)
    chosen = {
        "members": members,
        "stores": stores,
        "pending": pending,
        "users": users,
        "seconds": seconds,
        "workers": workers,
    }
    defaults = {p.name: p.default for p in main.params}
    args = " ".join(f"--{k} {v}" for k, v in chosen.items() if v != defaults[k])
    command = f"make bench BENCH_ARGS='{args}'" if args else "make bench"
    results: list[Backend] = []
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        work = Path(tmp)
        for name in backends:
            click.echo(f"{name}: loading {members:,} members ...")
            if name == "postgresql":
                with throwaway_cluster("portal_bench", durable=True) as url:
                    results.append(run_backend(name, url, work, size, users, seconds, workers))
            else:
                url = f"sqlite:///{work / 'bench.db'}"
                results.append(run_backend(name, url, work, size, users, seconds, workers))
            # after each database, so a later failure keeps the figures already taken
            section = render(results, size, command, users, seconds, workers, shared)
            _write(out, section)
    click.echo(section)


def _write(out: Path, section: str) -> None:
    text_ = out.read_text() if out.exists() else "# Benchmarks\n\n" + MARK_BEGIN + MARK_END
    before, _, rest = text_.partition(MARK_BEGIN)
    _, _, after = rest.partition(MARK_END)
    out.write_text(before + section + after)


if __name__ == "__main__":
    main()
