"""The example plugin, installed as a vendor would: pip, an entry point, nothing else.

It goes into a directory of its own (``pip install --target``) that only the commands
below see on their path, so the rest of the suite never meets it. Then the portal is
set up from scratch, lists it, migrates its branch, runs its command, and the plugin's own
tests run with the portal's fixtures, on SQLite and PostgreSQL.

The example is compiled and built from a copy of its own, so that two test runs (or two
pytest-xdist workers, each running one of the tests below) never write into ``examples/``
or into each other's build at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "winelist"
BIN = Path(sys.executable).parent


def _run(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def vendor_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The example compiled, built and installed into a site directory of its own."""
    site = tmp_path_factory.mktemp("vendor-site")
    source = tmp_path_factory.mktemp("vendor-source") / EXAMPLE.name
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    skip = ("PORTAL_PLUGINS", "FLASK", "PYTEST_XDIST")  # the vendor's pytest is no xdist worker
    base = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    _run(
        str(BIN / "pybabel"),
        "compile",
        "-d",
        str(source / "portal_winelist" / "translations"),
        env=base,
    )
    _run(
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--target",
        str(site),
        str(source),
        env=base,
    )
    instance = tmp_path_factory.mktemp("vendor-instance")
    return {
        **base,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(site), base.get("PYTHONPATH")])),
        "FLASK_APP": "portal",
        "PORTAL_INSTANCE_PATH": str(instance),
        "PORTAL_DATABASE_URL": f"sqlite:///{instance / 'portal.db'}",
    }


def test_pip_installed_example_is_discovered_migrated_and_enabled(vendor_env):
    flask = str(BIN / "flask")
    _run(flask, "portal", "setup", "--no-demo", env=vendor_env)
    listed = _run(flask, "portal", "plugins", "list", env=vendor_env).stdout
    line = next(row for row in listed.splitlines() if row.startswith("winelist"))
    assert "0.1.0" in line
    assert "loaded, enabled" in line
    assert "portal_migration_dirs" in line
    heads = _run(flask, "db", "heads", env=vendor_env).stdout
    assert "winelist_0001 (winelist) (head)" in heads
    current = _run(flask, "db", "current", env=vendor_env).stdout
    assert "winelist_0001" in current
    _run(flask, "portal", "create-store", "--code", "XA01", "--name", "西安高新店", env=vendor_env)
    added = _run(flask, "portal", "winelist-add", "--store", "XA01", "张裕解百纳", env=vendor_env)
    assert "added 张裕解百纳 to XA01" in added.stdout


def test_the_vendors_own_tests_pass_with_the_portals_fixtures(vendor_env):
    done = _run(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(EXAMPLE),
        str(EXAMPLE / "tests"),
        env=vendor_env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout
