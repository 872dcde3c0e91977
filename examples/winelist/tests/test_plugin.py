"""The example plugin, tested the way the vendor guide tells a vendor to."""

from __future__ import annotations

import pytest
from portal_winelist.services import add_wine
from sqlalchemy import inspect

from portal.errors import PermissionDenied, ValidationFailed
from portal.extensions import db


def test_plugin_is_discovered_and_implements_only_known_hooks(app):
    plugins = app.extensions["portal.plugins"]
    info = plugins.plugins["winelist"]
    assert info.loaded, info.error
    assert info.version == "0.1.0"
    assert "portal_migration_dirs" in info.hooks
    plugins.check_pending()


def test_its_migration_created_its_table(app):
    assert "winelist_wine" in inspect(db.engine).get_table_names()


def test_wine_list_speaks_chinese(client, dummy_store, store_manager, db_session):
    add_wine(db_session, actor=store_manager, store=dummy_store, name="张裕解百纳")
    db_session.commit()
    body = client.get("/winelist/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "<h1>酒单</h1>" in body
    assert "张裕解百纳" in body
    english = client.get("/winelist/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Wine list</h1>" in english


def test_only_the_stores_manager_adds_wines(db_session, dummy_store, staff, make_user, other_store):
    from portal.accounts.roles import Role

    with pytest.raises(PermissionDenied):
        add_wine(db_session, actor=staff, store=dummy_store, name="长城干红")
    elsewhere = make_user("manager.bj", Role.STORE_MANAGER, other_store)
    with pytest.raises(PermissionDenied):
        add_wine(db_session, actor=elsewhere, store=dummy_store, name="长城干红")


def test_a_wine_needs_a_name(db_session, dummy_store, store_manager):
    with pytest.raises(ValidationFailed):
        add_wine(db_session, actor=store_manager, store=dummy_store, name="  ")


def test_the_command_adds_a_wine(runner, dummy_store):
    result = runner.invoke(args=["portal", "winelist-add", "--store", "XA01", "长城干红"])
    assert result.exit_code == 0, result.output
    assert "added 长城干红 to XA01" in result.output
