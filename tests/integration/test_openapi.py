"""The generated OpenAPI document and its Swagger UI page (served locally, no CDN)."""

from __future__ import annotations

import importlib.util
import re
from html.parser import HTMLParser

import pytest

API = "/api/v1"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
#: endpoints that serve the documentation itself rather than the API
DOC_ENDPOINTS = {"api-docs.openapi_json", "api.docs", "api.static", "api.swagger_assets"}
#: operations anyone may call without a token
PUBLIC = {("post", "/api/v1/auth/tokens"), ("get", "/api/v1/stores/"), ("post", "/api/v1/members/")}


@pytest.fixture
def spec(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def api_routes(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every /api/v1 rule in the app's URL map."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.endpoint in DOC_ENDPOINTS:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method.lower(), path))
    return routes


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method, path, operation


def test_document_is_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Huiyuan Portal API"
    assert spec["info"]["version"] == "1"
    assert spec["paths"]


def test_document_passes_the_validator_when_installed(spec):
    if importlib.util.find_spec("openapi_spec_validator") is None:
        # not a dependency of the portal; the structural tests below cover the essentials
        return
    from openapi_spec_validator import validate

    validate(spec)


def test_every_api_route_is_documented_and_nothing_else(app, spec):
    documented = {(method, path) for method, path, _op in operations(spec)}
    routes = api_routes(app)
    assert routes, "no /api/v1 routes found in the URL map"
    assert documented == routes


def test_every_operation_is_complete(spec):
    operation_ids = []
    for method, path, operation in operations(spec):
        assert operation.get("summary") or operation.get("description"), (method, path)
        assert operation["responses"], (method, path)
        assert operation.get("tags"), (method, path)
        operation_ids.append(operation.get("operationId", f"{method} {path}"))
        if "{" in path:
            names = set(re.findall(r"{([^}]+)}", path))
            declared = {
                p["name"]
                for p in spec["paths"][path].get("parameters", []) + operation.get("parameters", [])
                if p["in"] == "path"
            }
            assert names <= declared, (method, path)
        if "requestBody" in operation:
            assert "application/json" in operation["requestBody"]["content"]
            assert "422" in operation["responses"], (method, path)
    assert len(operation_ids) == len(set(operation_ids))


def test_bearer_auth_is_declared_and_used_by_protected_operations(spec):
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    for method, path, operation in operations(spec):
        security = operation.get("security", spec.get("security"))
        if (method, path) in PUBLIC:
            assert not security, (method, path)
        else:
            assert security == [{"bearerAuth": []}], (method, path)


def test_every_reference_resolves(spec):
    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    found = list(refs(spec))
    assert found
    for ref in found:
        assert ref.startswith("#/")
        node = spec
        for part in ref[2:].split("/"):
            assert part in node, ref
            node = node[part]


def test_no_password_is_ever_a_response_field(spec):
    for name, schema in spec["components"]["schemas"].items():
        if name.startswith(("Registration", "TokenRequest")):
            continue  # request bodies, write-only
        assert "password" not in schema.get("properties", {}), name


def test_registration_schema_lists_required_fields(spec):
    schema = spec["components"]["schemas"]["Registration"]
    assert set(schema["required"]) == {"full_name", "mobile", "store_id", "password", "consent"}
    assert schema.get("additionalProperties") is False


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("src", "href"):
            if attributes.get(name):
                self.urls.append(attributes[name])
        self._in_script_without_src = tag == "script" and not attributes.get("src")

    def handle_data(self, data):
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        self._in_script_without_src = False


def test_docs_page_renders_with_local_assets_only(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page, re.IGNORECASE), "no CDN"
    assert f"{API}/openapi.json" in page

    parser = _Assets()
    parser.feed(page)
    assert parser.inline_scripts == 0  # the Content-Security-Policy allows no inline script
    assert any(url.endswith("swagger-ui-bundle.js") for url in parser.urls)
    assert any(url.endswith("swagger-ui.css") for url in parser.urls)
    for url in parser.urls:
        assert url.startswith("/"), url
        with client.get(url) as asset:  # a file response: close it
            assert asset.status_code == 200, url
            assert asset.data, url
            if url.endswith(".js"):
                assert asset.mimetype in ("text/javascript", "application/javascript"), url
            if url.endswith(".css"):
                assert asset.mimetype == "text/css", url


def test_swagger_assets_refuse_path_traversal(client):
    for name in ("../../../../etc/passwd", "..%2f..%2fapp.py", "%00", "missing.js"):
        with client.get(f"{API}/docs/swagger-ui/{name}") as response:
            assert response.status_code == 404, name
