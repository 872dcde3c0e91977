"""Test helpers for the portal and its plugins.

Installed as a pytest plugin (entry point ``pytest11``): fixtures ``app`` (run once on
SQLite and once on PostgreSQL), ``client``, ``runner``, ``clock``, ``dummy_store`` and one
account per role (``admin``, ``staff``, ``store_manager``, ``hq_service``, ``compliance``,
``finance``, ``member``), plus ``login`` to log a client in. ``PORTAL_REQUIRE_ALL=1`` turns
a skip for a missing PostgreSQL or browser into a failure.
"""

import os


def require_all() -> bool:
    return os.environ.get("PORTAL_REQUIRE_ALL") == "1"
