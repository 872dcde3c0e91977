"""The renovation plugin is a real installed plugin: discovered, serving its pages, translated."""


def test_plugin_is_discovered_through_its_entry_point(app):
    info = app.extensions["portal.plugins"].plugins["renovation"]
    assert info.loaded, info.error
    assert info.version == "0.1.0"
    assert sorted(info.hooks) == [
        "portal_blueprints",
        "portal_dashboard_items",
        "portal_demo_data",
        "portal_member_sections",
        "portal_migration_dirs",
        "portal_nav_items",
        "portal_on_event",
        "portal_permissions",
        "portal_retention_policies",
        "portal_sla_policies",
        "portal_tick",
        "portal_translation_dirs",
    ]


def test_about_page_tells_visitors_what_it_offers(client):
    response = client.get("/renovation/about", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1>Renovation</h1>" in body
    assert "second complaint" in body


def test_about_page_speaks_chinese_to_a_chinese_browser(client):
    response = client.get("/renovation/about", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1>家装服务</h1>" in body
    assert "首问负责" in body
    assert "second complaint" not in body


def test_the_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/renovation/cases" in paths
    assert "/api/v1/renovation/cases/{case_id}/close" in paths
    params = paths["/api/v1/renovation/cases"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" for p in params)


def test_a_disabled_plugin_answers_404_and_keeps_its_data(
    client, login, db_session, admin, staff, dummy_case, api_token
):
    from portal.plugins.registry import set_enabled

    headers = api_token(staff)
    set_enabled(db_session, actor=admin, name="renovation", enabled=False)
    db_session.commit()
    login(staff)
    assert client.get(f"/renovation/cases/{dummy_case.id}").status_code == 404
    assert client.get("/api/v1/renovation/cases", headers=headers).status_code == 404
    assert "Cases waiting on me" not in client.get("/home").get_data(as_text=True)
    set_enabled(db_session, actor=admin, name="renovation", enabled=True)
    db_session.commit()
    assert client.get(f"/renovation/cases/{dummy_case.id}").status_code == 200
