"""The renovation plugin is a real installed plugin: discovered, serving its page, translated."""


def test_plugin_is_discovered_through_its_entry_point(app):
    info = app.extensions["portal.plugins"].plugins["renovation"]
    assert info.loaded, info.error
    assert info.version == "0.1.0"
    assert info.hooks == ["portal_blueprints", "portal_translation_dirs"]


def test_about_page_tells_visitors_what_is_coming(client):
    response = client.get("/renovation/about", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1>Renovation</h1>" in body
    assert "customer classes A, B and C" in body


def test_about_page_speaks_chinese_to_a_chinese_browser(client):
    response = client.get("/renovation/about", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1>家装服务</h1>" in body
    assert "首问负责" in body
    assert "customer classes A, B and C" not in body
