"""The exchange plugin is a real installed plugin: discovered, serving its page, translated."""

from portal.accounts.roles import Role


def test_plugin_is_discovered_through_its_entry_point(app):
    info = app.extensions["portal.plugins"].plugins["exchange"]
    assert info.loaded, info.error
    assert info.version == "0.1.0"
    assert info.hooks == [
        "portal_blueprints",
        "portal_demo_data",
        "portal_refund_policy",
        "portal_rights_and_obligations",
        "portal_translation_dirs",
        "portal_violation_catalogue",
    ]


def test_about_page_tells_visitors_what_it_offers(client):
    response = client.get("/exchange/about", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1>Exchange memberships</h1>" in body
    assert "risk deposits" in body
    assert "<li>Transfer or end the membership under these rules</li>" in body  # R15
    assert "<li>Pay the fees the exchange sets</li>" in body
    assert "40% of the deposit 4 months after the announcement" in body  # R16
    assert "60% of the deposit 6 months after the announcement" in body
    assert "membership and management fees are not refunded" in body
    assert "/compliance/catalogue" not in body  # visitors may not read it


def test_about_page_links_compliance_to_the_catalogue(client, make_user, login):
    login(make_user("officer", Role.COMPLIANCE))
    body = client.get("/exchange/about", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<a href="/compliance/catalogue">Violation catalogue</a>' in body


def test_about_page_speaks_chinese_to_a_chinese_browser(client):
    response = client.get("/exchange/about", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1>交易所会员</h1>" in body
    assert "风险保证金" in body
    assert "<li>依据交易所各项规章制度开展业务</li>" in body
    assert "<li>履行保密责任</li>" in body
    assert "自发布终止会员资格公告之日起 4 个月后退还保证金的 40%" in body
    assert "会员资格费及会员管理费不予退还" in body
    assert "risk deposits" not in body


def test_about_page_is_gone_when_the_plugin_is_disabled(client, app, db_session):
    from portal.accounts.operator import ShellOperator
    from portal.plugins import registry

    registry.set_enabled(
        db_session, actor=ShellOperator("cli:test"), name="exchange", enabled=False
    )
    db_session.commit()
    assert client.get("/exchange/about").status_code == 404
