"""Hostile input on the exchange plugin's routes: 4xx or the page, never a 500."""

from __future__ import annotations

import pytest

VALUES = {
    "long": "x" * 100_000,
    "script": "<script>alert(1)</script>",
    "nul": "a\x00b",
    "huge-int": str(2**80),
    "percent-junk": "%zz%00%ff",
}


def _plugin_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("exchange.")]


def test_every_route_is_covered(app):
    """The plugin has no form yet; a new POST route must get its hostile-input test."""
    assert [r.rule for r in _plugin_rules(app) if "POST" in r.methods] == []
    assert sorted(r.rule for r in _plugin_rules(app)) == ["/exchange/about"]


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_about_page_survives_hostile_query_strings(client, kind):
    response = client.get("/exchange/about", query_string={"q": VALUES[kind], "id": VALUES[kind]})
    assert response.status_code in (200, 400)  # the core refuses a NUL anywhere with 400
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_about_page_refuses_other_methods(client):
    for method in (client.post, client.put, client.delete):
        assert method("/exchange/about", data="<script>", content_type="text/xml").status_code in (
            400,
            405,
        )
