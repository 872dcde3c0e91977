"""The restaurant plugin is a real installed plugin: discovered, serving its pages,
translated, and answering 404 everywhere while disabled."""

from portal.accounts.operator import ShellOperator
from portal.plugins.registry import set_enabled

HOOKS = [
    "portal_blueprints",
    "portal_dashboard_items",
    "portal_demo_data",
    "portal_member_sections",
    "portal_migration_dirs",
    "portal_nav_items",
    "portal_permissions",
    "portal_tick",
    "portal_translation_dirs",
    "portal_vip_qualifies",
]


def test_plugin_is_discovered_through_its_entry_point(app):
    info = app.extensions["portal.plugins"].plugins["restaurant"]
    assert info.loaded, info.error
    assert info.version == "0.1.0"
    assert sorted(info.hooks) == HOOKS


def test_about_page_says_what_the_vertical_does(client):
    response = client.get("/restaurant/about", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1>Restaurants</h1>" in body
    assert "at least twice a month" in body
    assert "birthday and wedding anniversary" in body


def test_about_page_speaks_chinese_to_a_chinese_browser(client):
    response = client.get("/restaurant/about", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1>餐饮门店</h1>" in body
    assert "每月至少到店用餐两次" in body
    assert "twice a month" not in body


def test_pages_and_api_answer_404_while_the_plugin_is_disabled(
    client, db_session, login, staff, api_token
):
    headers = api_token(staff)
    set_enabled(db_session, actor=ShellOperator(), name="restaurant", enabled=False)
    db_session.commit()
    assert client.get("/restaurant/about").status_code == 404
    assert client.get("/api/v1/restaurant/visits", headers=headers).status_code == 404
    assert login(staff).get("/restaurant/visits").status_code == 404


def test_implements_only_known_hooks(app):
    app.extensions["portal.plugins"].check_pending()
