"""The portal starts under gunicorn with several workers, as deployed, and answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> int:
    """The status code of GET ``url``; 0 while nothing answers yet."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - http on localhost
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code
    except OSError:  # refused, reset, timed out: the workers are still booting
        return 0


def _portal_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "FLASK_"))}
    env["PORTAL_INSTANCE_PATH"] = str(tmp_path / "instance")
    env["PORTAL_DATABASE_URL"] = f"sqlite:///{tmp_path / 'portal.db'}"
    return env


def test_gunicorn_serves_the_portal_with_two_workers(tmp_path: Path) -> None:
    gunicorn, flask = BIN / "gunicorn", BIN / "flask"
    if not gunicorn.exists():
        pytest.fail(f"gunicorn is a dependency but is missing from {BIN}")
    env = _portal_env(tmp_path)
    setup = subprocess.run(
        [str(flask), "--app", "portal", "portal", "setup", "--no-demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            # no control socket: its default path is one per machine, and tests run side by side
            [
                *(str(gunicorn), "portal:create_app()", "--bind", f"127.0.0.1:{port}"),
                *("--workers", "2", "--no-control-socket"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        status = 0
        while time.monotonic() < deadline and server.poll() is None:
            status = _get(f"{base}/healthz")
            if status == 200:
                break
            time.sleep(0.2)
        assert status == 200, f"/healthz answered {status}:\n{log_path.read_text()}"
        assert _get(f"{base}/") == 200, log_path.read_text()
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown
        try:
            returncode = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            raise
    assert returncode == 0, f"gunicorn exited with {returncode}:\n{log_path.read_text()}"
    assert log_path.read_text().count("Booting worker") >= 2  # --workers 2 both started
