"""The administrators' integration pages: register, issue a token shown once, revoke behind
confirmation pages; nobody else sees them."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.accounts.models import ApiToken, Integration


def test_admin_registers_issues_and_revokes_through_the_pages(
    client, login, admin, dummy_store, db_session
):
    login(admin)
    assert "Integrations" in client.get("/admin/integrations").get_data(as_text=True)
    form = client.get("/admin/integrations/new").get_data(as_text=True)
    assert 'value="record_consumption"' in form
    assert 'value="manage_users"' not in form

    created = client.post(
        "/admin/integrations/new",
        data={
            "name": "POS 01",
            "store_id": dummy_store.id,
            "actions": ["list_members", "record_consumption"],
        },
    )
    assert created.status_code == 302
    integration = db_session.scalar(select(Integration))
    assert integration.actions == ["list_members", "record_consumption"]
    url = f"/admin/integrations/{integration.id}"
    assert created.headers["Location"].endswith(url)

    issued = client.post(f"{url}/tokens", data={"days": "90"})
    assert issued.status_code == 200
    assert issued.headers["Cache-Control"] == "no-store"
    assert issued.mimetype == "text/html"
    plain = re.search(r'id="plain-token">([^<]+)<', issued.get_data(as_text=True)).group(1)
    assert (
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {plain}"}).json["login"]
        == "integration: POS 01"
    )
    shown = client.get(url).get_data(as_text=True)
    assert plain not in shown
    assert "Valid" in shown

    token = db_session.scalar(select(ApiToken).where(ApiToken.user_id == integration.user_id))
    confirm = client.get(f"{url}/tokens/{token.id}/revoke")
    assert confirm.status_code == 200
    assert client.post(f"{url}/tokens/{token.id}/revoke", data={}).status_code == 302
    assert (
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {plain}"}).status_code
        == 401
    )

    assert client.get(f"{url}/revoke").status_code == 200
    assert client.post(f"{url}/revoke", data={}).status_code == 302
    db_session.refresh(integration)
    assert integration.is_revoked
    assert not integration.user.is_enabled
    assert "Issue a new token" not in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/tokens", data={"days": "90"}).status_code == 302


def test_wrong_input_is_a_422_with_field_messages(client, login, admin):
    login(admin)
    empty = client.post("/admin/integrations/new", data={"name": "", "store_id": 0})
    assert empty.status_code == 422
    no_actions = client.post("/admin/integrations/new", data={"name": "Export", "store_id": 0})
    assert no_actions.status_code == 422
    assert "Choose at least one permission." in no_actions.get_data(as_text=True)


def test_token_days_out_of_range_are_refused(client, login, admin, integration):
    login(admin)
    refused = client.post(f"/admin/integrations/{integration.id}/tokens", data={"days": "9999"})
    assert refused.status_code == 422


def test_the_pages_answer_404_to_everyone_but_administrators(
    client, login, store_manager, integration
):
    login(store_manager)
    for url in (
        "/admin/integrations",
        "/admin/integrations/new",
        f"/admin/integrations/{integration.id}",
        f"/admin/integrations/{integration.id}/revoke",
    ):
        assert client.get(url).status_code == 404, url
    assert "/admin/integrations" not in client.get("/").get_data(as_text=True)


def test_integration_accounts_are_not_listed_with_people(client, login, admin, integration):
    login(admin)
    accounts = client.get("/admin/accounts").get_data(as_text=True)
    assert "integration: POS 01" not in accounts
    assert "POS 01" in client.get("/admin/integrations").get_data(as_text=True)


def test_a_plugins_action_shows_its_label_on_the_form(client, login, admin, app):
    from portal.accounts.permissions import _PLUGIN_LABELS, plugin_actions

    action = sorted(plugin_actions())[0]
    labels = app.extensions[_PLUGIN_LABELS]
    saved = dict(labels)
    labels[action] = "Label of the plugin's action"
    try:
        login(admin)
        form = client.get("/admin/integrations/new").get_data(as_text=True)
    finally:
        labels.clear()
        labels.update(saved)
    assert "Label of the plugin&#39;s action" in form or "Label of the plugin's action" in form
