"""Money in CNY through Babel, instants in the store's time zone (DESIGN: Time, money, text)."""

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask import Flask
from flask_babel import Babel, force_locale
from hypothesis import given
from hypothesis import strategies as st

from portal.i18n import local_datetime, money


@pytest.fixture(scope="module")
def babel_app():
    app = Flask(__name__)
    app.config.update(PORTAL_DEFAULT_TIMEZONE="Asia/Shanghai")
    Babel(app, default_locale="zh_Hans", default_timezone="Asia/Shanghai")
    with app.app_context():
        yield app


def test_money_is_cny_in_both_languages(babel_app):
    with force_locale("zh_Hans"):
        assert money(Decimal("1234.5")) == "¥1,234.50"
    with force_locale("en"):
        assert money(Decimal("1234.5")) in ("CN¥1,234.50", "¥1,234.50")


def test_money_refuses_floats(babel_app):
    with pytest.raises(TypeError):
        money(12.5)


@given(st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2))
def test_money_keeps_every_fen(babel_app, amount):
    with force_locale("zh_Hans"):
        shown = money(amount)
    digits = shown.replace("¥", "").replace(",", "").replace("-", "")
    assert Decimal(digits) == abs(amount)


def test_instant_shown_in_store_zone(babel_app):
    instant = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 01:30 next day in Shanghai
    shanghai = SimpleNamespace(timezone="Asia/Shanghai")
    london = SimpleNamespace(timezone="Europe/London")
    with force_locale("en"):
        assert "Nov 24, 2026" in local_datetime(instant, shanghai)
        assert "1:30" in local_datetime(instant, shanghai)
        assert "Nov 23, 2026" in local_datetime(instant, london)
        assert "5:30" in local_datetime(instant, london)


def test_instant_without_store_uses_deployment_zone(babel_app):
    instant = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)
    with force_locale("zh_Hans"):
        assert "2026年11月24日" in local_datetime(instant)
