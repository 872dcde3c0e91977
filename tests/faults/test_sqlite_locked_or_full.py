"""A locked or full SQLite database answers 503, saves nothing and stays intact.

SQLite has a single writer: a write waits up to the busy timeout
(``PORTAL_SQLITE_BUSY_TIMEOUT``) for another connection's lock, then fails with "database
is locked". A full disk fails a write with "database or disk is full" (here a tiny
tmpfs, filled up). Both are mapped to 503 by ``portal.database.is_unavailable``.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.members.models import Member
from portal.testing.fixtures import skip_or_fail

from .conftest import assert_consistent, registration

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

UNAVAILABLE_EN = "The portal cannot reach its database just now."
UNAVAILABLE_ZH = "门户暂时无法连接数据库"


def _path(url: str) -> str:
    return url.removeprefix("sqlite:///")


@contextmanager
def _exclusive_lock(url: str) -> Iterator[None]:
    """Another process's writer holding its lock (``BEGIN EXCLUSIVE``) until the block ends."""
    other = sqlite3.connect(_path(url), isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def _members() -> int:
    return db.session.scalar(select(func.count()).select_from(Member)) or 0


def _register_by_form(client: Any, store_id: int, **headers: str) -> Any:
    data = registration(store_id)
    form = {**data, "password_confirm": data["password"], "consent": "y"}
    return client.post("/register", data=form, headers=headers)


def _assert_503(response: Any, message: str) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "5"
    assert message in response.get_data(as_text=True)


def test_a_write_behind_another_writers_lock_answers_503_and_saves_nothing(
    app: Flask, database_url: str, dummy_store: Any, second_app: Any
) -> None:
    impatient = second_app(PORTAL_SQLITE_BUSY_TIMEOUT=0.2)
    client = impatient.test_client()
    with _exclusive_lock(database_url):
        answer = client.post("/api/v1/members/", json=registration(dummy_store.id))
        _assert_503(answer, UNAVAILABLE_EN)
        assert answer.get_json()["code"] == 503
        _assert_503(_register_by_form(client, dummy_store.id), UNAVAILABLE_EN)
        page = _register_by_form(client, dummy_store.id, **{"Accept-Language": "zh-CN"})
        _assert_503(page, UNAVAILABLE_ZH)
        assert page.mimetype == "text/html"
        assert client.get("/healthz").status_code == 200  # readers are not blocked (WAL)
    assert _members() == 0
    assert_consistent(db.session)
    assert client.post("/api/v1/members/", json=registration(dummy_store.id)).status_code == 201


def test_the_busy_timeout_is_a_wait_not_a_failure(
    app: Flask, database_url: str, dummy_store: Any
) -> None:
    """With the default timeout a write waits out a writer that holds its lock briefly."""
    assert app.config["PORTAL_SQLITE_BUSY_TIMEOUT"] == 10.0
    locked, release_after = threading.Event(), 0.5

    def brief_writer() -> None:
        with _exclusive_lock(database_url):
            locked.set()
            time.sleep(release_after)

    writer = threading.Thread(target=brief_writer)
    writer.start()
    locked.wait(10)
    started = time.monotonic()
    answer = app.test_client().post("/api/v1/members/", json=registration(dummy_store.id))
    writer.join()
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert time.monotonic() - started >= release_after * 0.8  # it waited for the lock


@contextmanager
def _tiny_disk(mountpoint: Path, size_kb: int) -> Iterator[Path]:
    """A tmpfs of ``size_kb`` at ``mountpoint`` (root may mount one; CI runs as root)."""
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        skip_or_fail(f"cannot mount a small tmpfs: {mounted.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True, check=False)


def _fill(directory: Path) -> Path:
    """Take every free byte of ``directory``'s file system; the ballast file to free it."""
    ballast = directory / "ballast"
    with ballast.open("wb", buffering=0) as fh, contextlib.suppress(OSError):  # ENOSPC
        while fh.write(b"\0" * 4096):
            pass
    return ballast


def test_a_full_disk_answers_503_saves_nothing_and_recovers(
    app: Flask, database_url: str, dummy_store: Any, second_app: Any, tmp_path: Path
) -> None:
    source = Path(_path(database_url))
    size_kb = source.stat().st_size // 1024 + 1024
    with _tiny_disk(tmp_path / "disk", size_kb) as disk:
        copy = disk / "portal.db"
        with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)  # the migrated database with its store, on the small disk
        # kept open for the test: the -wal and -shm files exist before the disk fills
        # (SQLite maps -shm into memory, and a page it cannot get there would be SIGBUS)
        keeper = sqlite3.connect(copy)
        try:
            keeper.execute("PRAGMA journal_mode=WAL")
            keeper.execute("SELECT count(*) FROM store").fetchall()
            full = second_app(f"sqlite:///{copy}")
            client = full.test_client()
            ballast = _fill(disk)
            answer = client.post("/api/v1/members/", json=registration(dummy_store.id))
            _assert_503(answer, UNAVAILABLE_EN)
            page = _register_by_form(client, dummy_store.id, **{"Accept-Language": "zh-CN"})
            _assert_503(page, UNAVAILABLE_ZH)
            with full.app_context():
                assert _members() == 0
                assert_consistent(db.session)
            ballast.unlink()  # room again: the same app writes without a restart
            again = client.post("/api/v1/members/", json=registration(dummy_store.id))
            assert again.status_code == 201, again.get_data(as_text=True)
            with full.app_context():
                assert _members() == 1
                assert_consistent(db.session)
                db.session.remove()
                db.engine.dispose()
        finally:
            keeper.close()
