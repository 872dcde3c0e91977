"""Settings: defaults < instance/portal.toml < PORTAL_* environment < test config."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from portal import config
from portal.config import ensure_secret_key, load_settings, normalize_database_url


@pytest.fixture
def instance(tmp_path):
    path = tmp_path / "instance"
    path.mkdir()
    return path


def write_toml(instance, text: str) -> None:
    (instance / "portal.toml").write_text(text, encoding="utf-8")


def test_defaults_without_file_or_environment(instance):
    settings = load_settings(instance, {})
    assert settings["PORTAL_DEFAULT_LOCALE"] == "zh_Hans"
    assert settings["PORTAL_LOGIN_FAILURES_PER_ACCOUNT"] == 5
    assert settings["PORTAL_LOGIN_THROTTLE_WINDOW_MINUTES"] == 15
    assert settings["PORTAL_PLUGINS"] is None
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'portal.db'}"
    assert "SECRET_KEY" not in settings


def test_toml_overrides_defaults(instance):
    write_toml(
        instance,
        'default_locale = "en"\npage_size = 50\nplugins = ["restaurant"]\n'
        'database_url = "sqlite:////srv/portal.db"\nsecret_key = "from-file"\n',
    )
    settings = load_settings(instance, {})
    assert settings["PORTAL_DEFAULT_LOCALE"] == "en"
    assert settings["PORTAL_PAGE_SIZE"] == 50
    assert settings["PORTAL_PLUGINS"] == ["restaurant"]
    assert settings["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/portal.db"
    assert settings["SECRET_KEY"] == "from-file"


def test_environment_overrides_toml(instance):
    write_toml(
        instance,
        'page_size = 50\ndatabase_url = "sqlite:////srv/portal.db"\nsecret_key = "from-file"\n',
    )
    settings = load_settings(
        instance,
        {
            "PORTAL_PAGE_SIZE": "10",
            "PORTAL_DATABASE_URL": "postgresql://portal@db/portal",
            "PORTAL_SECRET_KEY": "from-env",
            "PORTAL_PLUGINS": " restaurant, exchange ,,",
            "PORTAL_LOGIN_FAILURES_PER_ACCOUNT": "3",
        },
    )
    assert settings["PORTAL_PAGE_SIZE"] == 10
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://portal@db/portal"
    assert settings["SECRET_KEY"] == "from-env"
    assert settings["PORTAL_PLUGINS"] == ["restaurant", "exchange"]
    assert settings["PORTAL_LOGIN_FAILURES_PER_ACCOUNT"] == 3


def test_empty_environment_values_do_not_blank_the_file(instance):
    write_toml(instance, 'database_url = "sqlite:////srv/portal.db"\nsecret_key = "from-file"\n')
    settings = load_settings(instance, {"PORTAL_DATABASE_URL": "", "PORTAL_SECRET_KEY": ""})
    assert settings["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/portal.db"
    assert settings["SECRET_KEY"] == "from-file"


def test_unrelated_environment_is_ignored(instance):
    settings = load_settings(instance, {"PAGE_SIZE": "3", "DATABASE_URL": "postgresql://x/y"})
    assert settings["PORTAL_PAGE_SIZE"] == 25
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_retention_periods_come_from_the_environment_over_the_file(instance):
    # R26: one setting per policy, plugins' included, so any PORTAL_RETENTION_* is read
    write_toml(instance, "retention_login_attempts = 2\nretention_notifications = 4\n")
    settings = load_settings(instance, {"PORTAL_RETENTION_LOGIN_ATTEMPTS": "1"})
    assert int(settings["PORTAL_RETENTION_LOGIN_ATTEMPTS"]) == 1
    assert settings["PORTAL_RETENTION_NOTIFICATIONS"] == 4


def test_idempotency_hours_default_and_environment(instance):
    assert load_settings(instance, {})["PORTAL_IDEMPOTENCY_HOURS"] == 24
    settings = load_settings(instance, {"PORTAL_IDEMPOTENCY_HOURS": "48"})
    assert settings["PORTAL_IDEMPOTENCY_HOURS"] == 48


def test_postgres_url_in_the_file_is_normalized_too(instance):
    write_toml(instance, 'database_url = "postgres://u:p@db:5432/portal"\n')
    uri = load_settings(instance, {})["SQLALCHEMY_DATABASE_URI"]
    assert uri == "postgresql+psycopg://u:p@db:5432/portal"


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg2://u@h/d", "postgresql+psycopg2://u@h/d"),
        ("sqlite:////var/lib/portal.db", "sqlite:////var/lib/portal.db"),
    ],
)
def test_postgres_urls_use_psycopg3(url, normalized):
    assert normalize_database_url(url) == normalized


def test_secret_key_is_generated_private_and_reused(tmp_path):
    instance = tmp_path / "fresh" / "instance"
    key = ensure_secret_key(instance)
    key_file = instance / "secret_key"
    assert len(key) >= 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert ensure_secret_key(instance) == key
    assert [p.name for p in instance.iterdir()] == ["secret_key"]


def test_secret_key_is_never_a_constant(tmp_path):
    first = ensure_secret_key(tmp_path / "a")
    second = ensure_secret_key(tmp_path / "b")
    assert first != second
    assert first not in Path(config.__file__).read_text(encoding="utf-8")


def test_workers_starting_together_agree_on_one_key(tmp_path):
    keys: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        keys.append(ensure_secret_key(tmp_path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1
    assert (tmp_path / "secret_key").read_text() == keys[0]


def test_create_app_generates_the_secret_key_into_the_instance(tmp_path, monkeypatch):
    from portal import create_app

    for name in ("PORTAL_SECRET_KEY", "PORTAL_DATABASE_URL", "PORTAL_INSTANCE_PATH"):
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    app = create_app(
        {
            "PORTAL_INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
        }
    )
    assert app.config["SECRET_KEY"] == (instance / "secret_key").read_text()
    again = create_app({"PORTAL_INSTANCE_PATH": str(instance)})
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_test_config_beats_file_and_environment(tmp_path, monkeypatch):
    from portal import create_app

    instance = tmp_path / "instance"
    instance.mkdir()
    write_toml(instance, 'page_size = 50\nsecret_key = "from-file"\n')
    monkeypatch.setenv("PORTAL_PAGE_SIZE", "10")
    app = create_app(
        {
            "PORTAL_INSTANCE_PATH": str(instance),
            "PORTAL_PAGE_SIZE": 7,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
        }
    )
    assert app.config["PORTAL_PAGE_SIZE"] == 7
    assert app.config["SECRET_KEY"] == "from-file"
    assert not (instance / "secret_key").exists()


def test_sqlite_busy_timeout_default_and_environment(instance):
    assert load_settings(instance, {})["PORTAL_SQLITE_BUSY_TIMEOUT"] == 10.0
    settings = load_settings(instance, {"PORTAL_SQLITE_BUSY_TIMEOUT": "2.5"})
    assert settings["PORTAL_SQLITE_BUSY_TIMEOUT"] == 2.5
