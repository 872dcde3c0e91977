"""API login: exchange a login and password for a bearer token; revoke it."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, request
from flask_babel import gettext as _
from flask_smorest import abort

from portal.accounts import services
from portal.accounts.views import throttle_policy
from portal.api.auth import BEARER, current_token, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.idempotency import shows_a_secret
from portal.api.schema import Schema, length
from portal.errors import ValidationFailed
from portal.extensions import db

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Tokens for API clients")


class TokenRequestSchema(Schema):
    login = ma.fields.String(
        required=True,
        validate=length(64, 1),
        metadata={
            "description": "A member's mobile number or a staff username",
            "example": "13800138000",
        },
    )
    password = ma.fields.String(required=True, validate=length(128, 1), load_only=True)
    name = ma.fields.String(
        load_default="api",
        validate=length(80, 1),
        metadata={"description": "A label for the token, e.g. the client's name"},
    )


class AccountSchema(Schema):
    id = ma.fields.Integer()
    login = ma.fields.String()
    display_name = ma.fields.String()
    roles = ma.fields.Method("_roles", metadata={"type": "array", "items": {"type": "string"}})

    def _roles(self, user: Any) -> list[str]:
        return sorted(str(role) for role in user.roles)


class TokenSchema(Schema):
    token = ma.fields.String(metadata={"description": "Send as `Authorization: Bearer <token>`"})
    expires_at = ma.fields.AwareDateTime()
    account = ma.fields.Nested(AccountSchema)


@blp.route("/tokens", methods=["POST"])
@shows_a_secret
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(401, description="Wrong login or password")
@blp.alt_response(429, description="Too many failed logins; see Retry-After")
def create_token(args: dict[str, Any]) -> dict[str, Any]:
    """Log in: a bearer token for the account (failures are throttled like the login page)."""
    try:
        user = services.authenticate(
            db.session,
            login=args["login"],
            password=args["password"],
            ip_address=request.remote_addr,
            policy=throttle_policy(),
        )
    except ValidationFailed:
        db.session.commit()  # keep the failed attempt and its audit event
        abort(401, message=_("Wrong login or password."))
    plain, token = services.issue_api_token(
        db.session, user=user, name=args["name"], days=current_app.config["PORTAL_API_TOKEN_DAYS"]
    )
    db.session.commit()
    return {"token": plain, "expires_at": token.expires_at, "account": user}


@blp.route("/tokens/current", methods=["DELETE"])
@blp.doc(security=BEARER)
@token_required
@blp.response(204)
def revoke_token() -> None:
    """Log out: revoke the token this request was made with."""
    user, token = token_user(), current_token()
    assert user is not None  # token_required let the request in
    assert token is not None
    services.revoke_api_token(db.session, user=user, token=token)
    db.session.commit()


class PasswordChangeSchema(Schema):
    current_password = ma.fields.String(required=True, validate=length(128, 1), load_only=True)
    new_password = ma.fields.String(required=True, validate=length(128, 1), load_only=True)


@blp.route("/password", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
@blp.alt_response(422, description="Wrong current password, or the new one breaks the rules")
def change_password(args: dict[str, Any]) -> None:
    """Change the account's password; every token, this one included, is revoked."""
    services.change_password(
        db.session,
        user=token_user(),
        current_password=args["current_password"],
        new_password=args["new_password"],
    )
    db.session.commit()


@blp.route("/me", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, AccountSchema)
def show_account() -> Any:
    """The account the token belongs to."""
    return token_user()
