"""Test helpers for the portal and its plugins.

Installed as a pytest plugin (entry point ``pytest11``): fixtures ``app`` (run once on
SQLite and once on PostgreSQL), ``client``, ``runner``, ``clock``, ``dummy_store`` and one
account per role (``admin``, ``staff``, ``store_manager``, ``hq_service``, ``compliance``,
``finance``, ``member``), plus ``login`` to log a client in. ``PORTAL_REQUIRE_ALL=1`` turns
a skip for a missing PostgreSQL or browser into a failure.

``make test`` runs the suite in pytest-xdist workers: every session resource (the
PostgreSQL cluster, the SQLite files, the live server and its browser) is made once per
worker, on a port of its own and under the worker's temporary directory.
"""

import os


def require_all() -> bool:
    return os.environ.get("PORTAL_REQUIRE_ALL") == "1"


def worker_id() -> str:
    """The pytest-xdist worker this process is (``gw0``, ``gw1``, ...); ``main`` without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")
