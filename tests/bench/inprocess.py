"""The hot pages timed in process with Flask's test client: what one request costs the
portal itself, without gunicorn, sockets or a load generator in the way.

``python tests/bench/inprocess.py --members 20000`` builds a small SQLite data set (or
reuses ``--db``), signs in as a store manager and as a member, and prints the CPU and wall
milliseconds and the SQL statements per request for each page; ``--profile queue`` adds
a cProfile listing of that page.
"""

from __future__ import annotations

import cProfile
import pstats
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy import event
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench import dataset  # noqa: E402
from tests.bench.bench import prepare  # noqa: E402
from tests.bench.naming import FIRST_STORE, PASSWORD, manager_login, member_mobile  # noqa: E402

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
#: statements sent to the database, counted across every engine
STATEMENTS = [0]


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_args: Any) -> None:
    STATEMENTS[0] += 1


def _signed_in(app: Any, login: str) -> Any:
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True))
    assert token, "the login form has no CSRF token"
    answer = client.post(
        "/login", data={"login": login, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 302, f"login of {login} failed: {answer.status_code}"
    return client


def pages(app: Any) -> dict[str, Callable[[], Any]]:
    """Each hot page as one request by a signed-in client (or an anonymous visitor)."""
    store = FIRST_STORE
    manager = _signed_in(app, manager_login(store))
    member = _signed_in(app, member_mobile(store, 0))
    visitor = app.test_client()
    mobile = member_mobile(store, 7)[3:]
    return {
        "queue": lambda: manager.get("/vip/review"),
        "lookup": lambda: manager.get(f"/members?store={store}&contact={mobile}"),
        "notices": lambda: member.get("/notifications"),
        "register-form": lambda: visitor.get("/register"),
    }


@click.command()
@click.option("--members", default=20_000, show_default=True)
@click.option("--stores", default=20, show_default=True)
@click.option("--pending", default=2_000, show_default=True)
@click.option("--requests", "count", default=200, show_default=True, help="Per page.")
@click.option("--db", type=click.Path(path_type=Path), help="Reuse (or keep) this SQLite file.")
@click.option("--profile", "profiled", multiple=True, help="Page to profile (cProfile).")
def main(
    members: int, stores: int, pending: int, count: int, db: Path | None, profiled: tuple[str, ...]
) -> None:
    from portal import create_app

    size = dataset.Size(stores=stores, members=members, pending=pending)
    with tempfile.TemporaryDirectory(prefix="portal-inprocess-") as tmp:
        work = Path(tmp)
        path = db or work / "bench.db"
        url = f"sqlite:///{path}"
        if path.exists():
            app = create_app(
                {"SQLALCHEMY_DATABASE_URI": url, "PORTAL_INSTANCE_PATH": tmp, "SECRET_KEY": "x"}
            )
        else:
            app, _env, seconds = prepare("sqlite", url, work, size)
            click.echo(f"loaded {size.members:,} members in {seconds} s")
        for name, visit in pages(app).items():
            status = visit().status_code
            assert status == 200, f"{name} answered {status}"
            for _ in range(10):  # warm caches and the connection pool
                visit()
            STATEMENTS[0] = 0
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(count):
                visit()
            wall = (time.perf_counter() - started) / count * 1000
            cpu = (time.process_time() - cpu) / count * 1000  # steadier on a shared machine
            queries = STATEMENTS[0] / count
            click.echo(
                f"{name:14} {cpu:7.2f} ms CPU {wall:7.2f} ms wall {queries:5.1f} queries/request"
            )
            if name in profiled:
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(count):
                    visit()
                profile.disable()
                stats = pstats.Stats(profile).sort_stats("cumulative")
                stats.print_stats(40)


if __name__ == "__main__":
    main()
