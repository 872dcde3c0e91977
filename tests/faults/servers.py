"""The portal under gunicorn, as deployed, on the test database; and clients to load it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0


@dataclass
class Answer:
    """What a client got: a status (0 when the connection broke first) and the body."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    sent: object = None

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    url: str, payload: object = None, headers: dict[str, str] | None = None, timeout: float = 20
) -> Answer:
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(url, data=data, headers=dict(headers or {}))  # noqa: S310
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 - localhost
            return Answer(response.status, response.read(), dict(response.headers), payload)
    except urllib.error.HTTPError as exc:
        with exc:
            return Answer(exc.code, exc.read(), dict(exc.headers), payload)
    except OSError:  # reset, refused, timed out: a killed worker or a server still booting
        return Answer(0, sent=payload)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Gunicorn:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def workers(self) -> set[int]:
        """The pids of the master's live worker processes (from /proc)."""
        found = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                found.add(int(stat.parent.name))
        return found

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def gunicorn(database_url: str, tmp_path: Path, workers: int = 2) -> Iterator[Gunicorn]:
    """Start ``workers`` gunicorn workers on ``database_url``; stop them all afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "FLASK_"))}
    env["PORTAL_INSTANCE_PATH"] = str(tmp_path / "gunicorn-instance")
    env["PORTAL_DATABASE_URL"] = database_url
    env["PORTAL_SECRET_KEY"] = "test-secret-key"  # as make_app's: tokens made by the test work
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    command = [str(BIN / "gunicorn"), "portal:create_app()", "--bind", f"127.0.0.1:{port}"]
    # no control socket: its default path is one per machine, and tests run side by side
    command += ["--workers", str(workers), "--timeout", "60", "--no-control-socket"]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Gunicorn(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while request(f"{server.base}/healthz", timeout=5).status != 200:
            assert process.poll() is None, server.output()
            assert time.monotonic() < deadline, f"gunicorn did not start:\n{server.output()}"
            time.sleep(0.2)
        while len(server.workers()) < workers:  # every worker booted, not just one
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def load(clients: int, call: Callable[[], Answer]) -> Iterator[list[Answer]]:
    """``clients`` threads calling ``call()`` until the block ends; every answer kept."""
    answers: list[Answer] = []
    stop = threading.Event()
    lock = threading.Lock()

    def client() -> None:
        while not stop.is_set():
            answer = call()
            with lock:
                answers.append(answer)
            if answer.status == 0:
                time.sleep(0.05)  # no server to answer (yet): do not spin

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield answers
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
