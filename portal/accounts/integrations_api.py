"""Integrations over the API: administrators register them and issue and revoke their tokens."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from portal.accounts import integrations as services
from portal.accounts.action_labels import action_label
from portal.accounts.models import ApiToken, Integration
from portal.accounts.permissions import grantable_actions
from portal.api.auth import BEARER, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.idempotency import shows_a_secret
from portal.api.schema import (
    CursorPageSchema,
    CursorQuerySchema,
    Schema,
    ident,
    length,
    page_response,
)
from portal.extensions import db
from portal.pagination import SortKey, paginate
from portal.stores.services import get_store

blp = Blueprint(
    "integrations",
    __name__,
    url_prefix="/integrations",
    description="Integrations (a POS, a reservation system, a finance export) and their tokens",
)


class IntegrationActionSchema(Schema):
    name = ma.fields.String()
    label = ma.fields.String()


class IntegrationTokenSchema(Schema):
    id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    expires_at = ma.fields.AwareDateTime()
    revoked_at = ma.fields.AwareDateTime(allow_none=True)


class IntegrationSchema(Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    login = ma.fields.String(attribute="user.login")
    store_id = ma.fields.Integer(allow_none=True)
    actions = ma.fields.List(ma.fields.String())
    created_at = ma.fields.AwareDateTime()
    revoked_at = ma.fields.AwareDateTime(allow_none=True)


class IntegrationDetailSchema(IntegrationSchema):
    tokens = ma.fields.List(ma.fields.Nested(IntegrationTokenSchema))


class IntegrationPageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(IntegrationSchema))


class NewIntegrationSchema(Schema):
    name = ma.fields.String(
        required=True, validate=length(services.NAME_LENGTH, 1), metadata={"example": "POS 01"}
    )
    store_id = ident(
        load_default=None,
        allow_none=True,
        metadata={"description": "The store it acts in; null for every store"},
    )
    actions = ma.fields.List(
        ma.fields.String(validate=length(64, 1)),
        required=True,
        validate=ma.validate.Length(min=1, max=100),
        metadata={"description": "Action names, see GET /api/v1/integrations/actions"},
    )


class IntegrationTokenRequestSchema(Schema):
    days = ma.fields.Integer(
        required=True,
        strict=True,
        validate=ma.validate.Range(min=1, max=services.MAX_TOKEN_DAYS),
        metadata={"description": "How long the token is valid", "example": 365},
    )


class IssuedIntegrationTokenSchema(IntegrationTokenSchema):
    token = ma.fields.String(
        metadata={"description": "Shown this once: send as `Authorization: Bearer <token>`"}
    )


def _issued(plain: str, token: ApiToken) -> dict[str, Any]:
    fields = ("id", "created_at", "expires_at", "revoked_at")
    return {**{name: getattr(token, name) for name in fields}, "token": plain}


def _integration(integration_id: int) -> Integration:
    return services.get_integration(db.session, actor=token_user(), integration_id=integration_id)


@blp.route("/actions", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, IntegrationActionSchema(many=True))
def list_actions() -> list[dict[str, str]]:
    """The actions an integration may be given (administration never)."""
    services.integrations_query(token_user())  # administrators only (404 otherwise)
    return [{"name": name, "label": action_label(name)} for name in grantable_actions()]


@blp.route("/", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(CursorQuerySchema, location="query")
@blp.response(200, IntegrationPageSchema)
def list_integrations(query: dict[str, Any]) -> dict[str, Any]:
    """Every integration, newest first."""
    page = paginate(
        db.session,
        services.integrations_query(token_user()),
        order=[SortKey(Integration.created_at, True), SortKey(Integration.id, True)],
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return page_response(page)


@blp.route("/", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(NewIntegrationSchema)
@blp.response(201, IntegrationDetailSchema)
@blp.alt_response(404, description="Not an administrator, or no such store")
def create_integration(args: dict[str, Any]) -> Integration:
    """Register an integration with its store and actions; then issue it a token."""
    store = get_store(db.session, args["store_id"]) if args["store_id"] else None
    integration = services.create_integration(
        db.session,
        actor=token_user(),
        data=services.NewIntegration(name=args["name"], store=store, actions=args["actions"]),
    )
    db.session.commit()
    return integration


@blp.route("/<int:integration_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, IntegrationDetailSchema)
@blp.alt_response(404, description="No such integration")
def show_integration(integration_id: int) -> Integration:
    """An integration with its tokens (never their values)."""
    return _integration(integration_id)


@blp.route("/<int:integration_id>", methods=["DELETE"])
@blp.doc(security=BEARER)
@token_required
@blp.response(204)
@blp.alt_response(404, description="No such integration")
def revoke_integration(integration_id: int) -> None:
    """Revoke the integration and every token of it; it stays on record."""
    services.revoke_integration(
        db.session, actor=token_user(), integration=_integration(integration_id)
    )
    db.session.commit()


@blp.route("/<int:integration_id>/tokens", methods=["POST"])
@shows_a_secret
@blp.doc(security=BEARER)
@token_required
@blp.arguments(IntegrationTokenRequestSchema)
@blp.response(201, IssuedIntegrationTokenSchema)
@blp.alt_response(404, description="No such integration")
@blp.alt_response(409, description="The integration is revoked")
def issue_token(args: dict[str, Any], integration_id: int) -> dict[str, Any]:
    """A new token, shown this once; older ones stay valid until revoked (rotation)."""
    plain, token = services.issue_integration_token(
        db.session, actor=token_user(), integration=_integration(integration_id), days=args["days"]
    )
    db.session.commit()
    return _issued(plain, token)


@blp.route("/<int:integration_id>/tokens/<int:token_id>", methods=["DELETE"])
@blp.doc(security=BEARER)
@token_required
@blp.response(204)
@blp.alt_response(404, description="No such integration or token")
def revoke_token(integration_id: int, token_id: int) -> None:
    """Revoke one token of the integration at once."""
    integration = _integration(integration_id)
    token = services.get_integration_token(db.session, integration=integration, token_id=token_id)
    services.revoke_integration_token(
        db.session, actor=token_user(), integration=integration, token=token
    )
    db.session.commit()
