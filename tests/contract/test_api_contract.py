"""Every operation of the generated OpenAPI document, fuzzed by schemathesis against the
portal on a real socket, on SQLite and on PostgreSQL: no 5xx, and every response matches
the document (status code, content type, headers, body schema).

schemathesis runs as its command line does in any CI (``st run``), with a configuration
written per run: each operation is called with the bearer token of a role that may perform
it, and its path ids are drawn from the objects of the seeded world (``conftest.py``), so
requests get past 401 and 404 into validation and the services. Its phases: the document's
examples, coverage (boundary and invalid values of every parameter), fuzzing, and stateful
sequences along the links it infers from the responses. A fixed seed keeps CI reproducible;
``PORTAL_CONTRACT_EXAMPLES`` raises the examples per operation (docs/api-contract.md).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask.testing import FlaskClient

    from tests.contract.conftest import ContractWorld

API = "/api/v1"
HTTP_METHODS = ("get", "put", "post", "patch", "delete")
SEED = 20261123
EXAMPLES = int(os.environ.get("PORTAL_CONTRACT_EXAMPLES", "10"))
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    # a request without its token is refused; a method the path lacks answers 405 with Allow
    "ignored_auth",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    # stateful: what was deleted is gone, what was created can be read
    "use_after_free",
    "ensure_resource_availability",
    # what the document forbids (a wrong type, an empty Idempotency-Key ...) is refused
    "negative_data_rejection",
)
# Left out: positive_data_acceptance (the services refuse much a schema cannot express, such
# as an honorific for a name, R2).

#: whose token calls the operations of each tag: a role the operations allow
ROLE_BY_TAG = {
    "auth": "member",
    "stores_api": "admin",
    "members_api": "manager",
    "memberships_api": "manager",
    "sla_api": "manager",
    "notifications_api": "admin",
    "vip_api": "manager",
    "openings_api": "manager",
    "spotchecks_api": "hq_service",
    "reports_api": "admin",
    "plugins_api": "admin",
    "compliance_api": "compliance",
    "restaurant_api": "manager",
    "renovation_api": "manager",
    "renovation_service_api": "manager",
    "integrations": "admin",
}
#: (method, path pattern) -> person, where an operation of a tag needs someone else
ROLE_BY_OPERATION = {
    ("DELETE", "/auth/tokens/current"): "member_logout",
    ("POST", "/auth/password"): "member_password",
    ("GET", "/members/me"): "member",
    # only the referrer starts and fills in a VIP file (R8)
    ("POST", "/vip/files"): "staff",
    ("PATCH", "/vip/files/{file_id}"): "staff",
    ("POST", "/vip/files/{file_id}/submit"): "staff",
    ("POST", "/memberships/{membership_id}/ledger"): "finance",
    ("GET", "/memberships/refunds-due"): "finance",
    ("POST", "/memberships/refunds/{entry_id}/paid"): "finance",
    ("POST", "/memberships/types"): "admin",
    ("PUT", "/memberships/types/{type_id}"): "admin",
    ("GET", "/sla/tasks/{task_id}"): "hq_service",
    ("POST", "/sla/tasks/{task_id}/reassign"): "hq_service",
    ("GET", "/openings/queue"): "hq_service",
    ("POST", "/openings/{request_id}/open"): "hq_service",
    ("POST", "/openings/{request_id}/reject"): "hq_service",
    ("POST", "/compliance/notices/{notice_id}/acknowledgement"): "member",
    ("POST", "/compliance/notices/{notice_id}/appeal"): "member",
    ("POST", "/compliance/appeals/{appeal_id}/decision"): "hq_head",
}
#: the kind of world object each path parameter names (see ``World.ids``)
KIND_BY_PARAMETER = {
    "store_id": "store",
    "member_id": "member",
    "file_id": "file",
    "task_id": "task",
    "leave_id": "leave",
    "notification_id": "notification",
    "request_id": "request",
    "check_id": "check",
    "item_id": "item",
    "membership_id": "membership",
    "entry_id": "entry",
    "type_id": "membership_type",
    "notice_id": "notice",
    "appeal_id": "appeal",
    "visit_id": "visit",
    "penalty_id": "penalty",
    "project_id": "project",
    "name": "plugin",
    "integration_id": "integration",
    "token_id": "integration_token",
}
#: the kind of world object each id field of a body (or query) names, wherever it occurs
KIND_BY_FIELD = {
    "store_id": "store",
    "member_id": "member",
    "type_id": "membership_type",
    **dict.fromkeys(
        (
            *("user_id", "for_staff_id", "deputy_id", "all_to", "from_referrer_id"),
            *("employee_id", "responsible_id", "supervisor_id", "kept_referrer_id"),
            *("successor_id", "referrer_id", "transfer_to_id"),
        ),
        "user",
    ),
}
#: operations that render a PDF (about a second each): a few examples prove them
FEW_EXAMPLES = {
    "GET /api/v1/compliance/notices/{notice_id}/pdf",
    "GET /api/v1/renovation/penalties/{penalty_id}.pdf",
}
#: ``case_id`` names a different kind of case in each part of the API
CASE_KIND_BY_TAG = {
    "members_api": "conflict",
    "compliance_api": "compliance_case",
    "renovation_api": "renovation_case",
}
#: how often a path id is a real one; the rest stay fuzzed (unknown ids must be 404)
REAL_IDS = 0.9


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def _person(method: str, path: str, operation: dict[str, Any]) -> str:
    (tag,) = operation["tags"]
    assert tag in ROLE_BY_TAG, f"declare in ROLE_BY_TAG whose token calls the {tag} operations"
    return ROLE_BY_OPERATION.get((method, path.removeprefix(API)), ROLE_BY_TAG[tag])


def _kind(parameter: str, operation: dict[str, Any]) -> str:
    (tag,) = operation["tags"]
    kind = CASE_KIND_BY_TAG.get(tag) if parameter == "case_id" else KIND_BY_PARAMETER.get(parameter)
    assert kind, f"declare in KIND_BY_PARAMETER which objects {parameter} of {tag} names"
    return kind


def _config(spec: dict[str, Any], world: ContractWorld) -> dict[str, Any]:
    """schemathesis' configuration: one entry per operation with its token and path ids."""
    operations = []
    for method, path, operation in _operations(spec):
        # by name: separate include-method and include-path filters would match either
        entry: dict[str, Any] = {"include-name": f"{method} {path}"}
        if operation.get("security"):
            person = _person(method, path, operation)
            entry["headers"] = {"Authorization": f"Bearer {world.tokens[person]}"}
        kinds = {name: _kind(name, operation) for name in re.findall(r"{([^}]+)}", path)}
        parameters = {
            f"path.{name}": {"dictionary": kind, "probability": REAL_IDS}
            for name, kind in kinds.items()
            if kind in world.ids  # a kind the world does not build yet stays fuzzed only
        }
        if parameters:
            entry["parameters"] = parameters
        if entry["include-name"] in FEW_EXAMPLES:
            entry["generation"] = {"max-examples": 3}
        if len(entry) > 1:
            operations.append(entry)
    return {
        "seed": SEED,
        "cache": {"enabled": False},  # each run starts from the seed alone
        "workers": 1,
        "continue-on-failure": True,
        "generation": {"max-examples": EXAMPLES, "database": "none"},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        "dictionaries": {kind: {"values": values} for kind, values in world.ids.items()},
        "parameters": {
            f"{location}.{field}": {"dictionary": kind, "probability": REAL_IDS}
            for field, kind in KIND_BY_FIELD.items()
            for location in ("body", "query")
        },
        "operations": operations,
    }


def _toml(value: Any) -> str:
    """A TOML value; JSON's strings, numbers and arrays are TOML's too."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def _write_toml(config: dict[str, Any], path: Path) -> None:
    """Tables and scalars at the top; ``operations`` as an array of tables."""
    lines = []
    for key, value in config.items():
        if key != "operations":
            lines.append(f"{key} = {_toml(value)}")
    for operation in config["operations"]:
        lines.append("\n[[operations]]")
        lines.extend(f"{key} = {_toml(value)}" for key, value in operation.items())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_every_operation_keeps_the_contract(
    client: FlaskClient, live_url: str, world: ContractWorld, tmp_path: Path
) -> None:
    spec = client.get(f"{API}/openapi.json").get_json()
    config = tmp_path / "schemathesis.toml"
    _write_toml(_config(spec, world), config)
    report = tmp_path / "report.json"
    command = [
        *(str(Path(sys.executable).with_name("st")), "--config-file", str(config), "run"),
        *("--url", live_url, "--report", "json", "--report-json-path", str(report)),
        "--no-color",
        f"{live_url}{API}/openapi.json",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=1800, cwd=tmp_path, check=False
    )
    (tmp_path / "output.txt").write_text(result.stdout + result.stderr, encoding="utf-8")
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5000:]
