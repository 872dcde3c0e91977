"""The exchange plugin is a real installed plugin: discovered, serving its page, translated."""


def test_plugin_is_discovered_through_its_entry_point(app):
    info = app.extensions["portal.plugins"].plugins["exchange"]
    assert info.loaded, info.error
    assert info.version == "0.1.0"
    assert info.hooks == ["portal_blueprints", "portal_translation_dirs"]


def test_about_page_tells_visitors_what_is_coming(client):
    response = client.get("/exchange/about", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1>Exchange memberships</h1>" in body
    assert "risk deposits" in body


def test_about_page_speaks_chinese_to_a_chinese_browser(client):
    response = client.get("/exchange/about", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1>交易所会员</h1>" in body
    assert "风险保证金" in body
    assert "risk deposits" not in body
