"""Settings: defaults, then ``instance/portal.toml``, then ``PORTAL_*`` environment variables.

The test configuration passed to ``create_app`` wins over all of them.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import tomllib
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "DEFAULT_LOCALE": "zh_Hans",
    "DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LOCALES": ["zh_Hans", "en"],
    "PLUGINS": None,  # None: every installed plugin; otherwise a list of names
    "LOGIN_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_FAILURES_PER_ADDRESS": 20,
    "LOGIN_THROTTLE_WINDOW_MINUTES": 15,
    "API_TOKEN_DAYS": 30,
    #: how long an API write's Idempotency-Key answers retries with the first response
    "IDEMPOTENCY_HOURS": 24,
    "PAGE_SIZE": 25,
    "PRIVACY_TERMS_VERSION": "2026-01",
    "TRUSTED_PROXIES": 0,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # no SMS or call between these local times unless a store sets its own; "" = none
    "QUIET_HOURS": "21:00-08:00",
    #: R7: how many approved VIP files a spot check draws per store by default
    "SPOT_CHECK_SIZE": 5,
    #: seconds a SQLite write waits for another connection's lock before it answers 503
    "SQLITE_BUSY_TIMEOUT": 10.0,
}

# Environment variables read as-is (name without the PORTAL_ prefix -> parser).
_ENV_PARSERS: dict[str, Any] = {
    "DEFAULT_LOCALE": str,
    "DEFAULT_TIMEZONE": str,
    "PLUGINS": lambda v: [p.strip() for p in v.split(",") if p.strip()],
    "LOGIN_FAILURES_PER_ACCOUNT": int,
    "LOGIN_FAILURES_PER_ADDRESS": int,
    "LOGIN_THROTTLE_WINDOW_MINUTES": int,
    "API_TOKEN_DAYS": int,
    "IDEMPOTENCY_HOURS": int,
    "PAGE_SIZE": int,
    "TRUSTED_PROXIES": int,
    "QUIET_HOURS": str,
    "SPOT_CHECK_SIZE": int,
    "SQLITE_BUSY_TIMEOUT": float,
}


def load_settings(
    instance_path: Path, environ: os._Environ[str] | dict[str, str]
) -> dict[str, Any]:
    """Build the Flask config mapping for one app from defaults, file and environment."""
    settings = {f"PORTAL_{key}": value for key, value in DEFAULTS.items()}
    settings["MAX_CONTENT_LENGTH"] = DEFAULTS["MAX_CONTENT_LENGTH"]

    toml_path = instance_path / "portal.toml"
    if toml_path.exists():
        with toml_path.open("rb") as fh:
            for key, value in tomllib.load(fh).items():
                settings[_config_key(key)] = value

    for name, parse in _ENV_PARSERS.items():
        raw = environ.get(f"PORTAL_{name}")
        if raw is not None:
            settings[f"PORTAL_{name}"] = parse(raw)
    # R26 periods, one per retention policy; plugins add keys, so they cannot be listed here
    # (portal.records.retention checks the values when a purge starts)
    for name, raw in environ.items():
        if name.startswith("PORTAL_RETENTION_"):
            settings[name] = raw
    if environ.get("PORTAL_DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = environ["PORTAL_DATABASE_URL"]
    if environ.get("PORTAL_SECRET_KEY"):
        settings["SECRET_KEY"] = environ["PORTAL_SECRET_KEY"]

    settings.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{instance_path / 'portal.db'}")
    settings["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(
        settings["SQLALCHEMY_DATABASE_URI"]
    )
    return settings


def _config_key(key: str) -> str:
    """``database_url`` in portal.toml maps to the same key as PORTAL_DATABASE_URL."""
    upper = key.upper()
    if upper == "DATABASE_URL":
        return "SQLALCHEMY_DATABASE_URI"
    if upper == "SECRET_KEY":
        return "SECRET_KEY"
    return f"PORTAL_{upper}"


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def ensure_secret_key(instance_path: Path) -> str:
    """Read the instance secret key, generating it on first start (never a constant in code).

    Several workers may start at once: the key is written to a private temporary file and
    published with a hard link, which fails if another worker was first; then its key wins.
    """
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd, tmp = tempfile.mkstemp(dir=instance_path, prefix=".secret_key-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        try:
            os.link(tmp, key_file)
        except FileExistsError:
            return key_file.read_text().strip()
    finally:
        os.unlink(tmp)
    return key
