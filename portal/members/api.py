"""Members over JSON: self-registration, one's own records, scoped reads and edits."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from portal import clock
from portal.api.auth import BEARER, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.schema import CursorPageSchema, Schema, ident, length
from portal.extensions import db
from portal.i18n import current_language, zone_of
from portal.members import services
from portal.members.models import MemberStatus

blp = Blueprint("members_api", __name__, url_prefix="/members", description="Members")


class RegistrationSchema(Schema):
    full_name = ma.fields.String(
        required=True, validate=length(50, 1), metadata={"example": "王建国"}
    )
    mobile = ma.fields.String(
        required=True, validate=length(32, 1), metadata={"example": "13800138000"}
    )
    email = ma.fields.String(load_default=None, allow_none=True, validate=length(254))
    store_id = ident(required=True)
    password = ma.fields.String(required=True, validate=length(128, 1), load_only=True)
    consent = ma.fields.Boolean(
        required=True,
        metadata={"description": "The person accepted the privacy terms (must be true)"},
    )


class MemberSchema(Schema):
    id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    store_name = ma.fields.String(attribute="store.name")
    full_name = ma.fields.String()
    mobile = ma.fields.String(metadata={"description": "E.164; masked unless you may see it"})
    email = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    birthday = ma.fields.Date(allow_none=True)
    wedding_anniversary = ma.fields.Date(allow_none=True)
    status = ma.fields.String(metadata={"enum": [str(s) for s in MemberStatus]})
    # a Method, not attribute="referrer.display_name": that would drop the key without a referrer
    referrer_name = ma.fields.Method(
        "_referrer_name",
        allow_none=True,
        metadata={"type": "string", "nullable": True, "description": "Who serves the member (R8)"},
    )
    created_at = ma.fields.AwareDateTime()

    def _referrer_name(self, member: Any) -> str | None:
        return member.referrer.display_name if member.referrer is not None else None


class MemberPageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(MemberSchema))


class ProfileSchema(Schema):
    full_name = ma.fields.String(validate=length(50, 1))
    email = ma.fields.String(allow_none=True, validate=length(254))
    address = ma.fields.String(allow_none=True, validate=length(200))
    birthday = ma.fields.Date(allow_none=True)
    wedding_anniversary = ma.fields.Date(allow_none=True)


class MemberQuerySchema(Schema):
    store = ident(strict=False, load_default=None)
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(MemberStatus)))
    sort = ma.fields.String(
        load_default="newest", validate=ma.validate.OneOf(list(services.MemberSort))
    )
    cursor = ma.fields.String(load_default=None, validate=length(500))
    limit = ma.fields.Integer(load_default=25, validate=ma.validate.Range(min=1, max=100))


@blp.route("/", methods=["POST"])
@blp.arguments(RegistrationSchema)
@blp.response(201, MemberSchema)
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def register(args: dict[str, Any]) -> Any:
    """Register as a member of a store (R1); log in afterwards with POST /auth/tokens."""
    member = services.register_member(
        db.session,
        data=services.Registration(**args, locale=current_language()),
        terms_version=current_app.config["PORTAL_PRIVACY_TERMS_VERSION"],
    )
    db.session.commit()
    return member


@blp.route("/", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(MemberQuerySchema, location="query")
@blp.response(200, MemberPageSchema)
def list_members(query: dict[str, Any]) -> dict[str, Any]:
    """Members of the stores in the caller's scope, a keyset page at a time."""
    page = services.list_members(
        db.session,
        actor=token_user(),
        store_id=query["store"],
        status=MemberStatus(query["status"]) if query["status"] else None,
        sort=services.MemberSort(query["sort"]),
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return {
        "items": [services.as_seen_by(token_user(), m) for m in page.items],
        "next_cursor": page.next_cursor,
    }


@blp.route("/me", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, MemberSchema(many=True))
def my_records() -> Any:
    """The caller's own member records, one per store."""
    return services.memberships_of(db.session, token_user())


@blp.route("/<int:member_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, MemberSchema)
@blp.alt_response(404, description="No such member, or not yours to see")
def show_member(member_id: int) -> Any:
    """One member record; another person's record outside your scope answers 404."""
    member = services.open_member_file(db.session, actor=token_user(), member_id=member_id)
    db.session.commit()
    return services.as_seen_by(token_user(), member)


@blp.route("/<int:member_id>", methods=["PATCH"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ProfileSchema)
@blp.response(200, MemberSchema)
@blp.alt_response(404, description="No such member, or not yours to see")
def update_member(changes: dict[str, Any], member_id: int) -> Any:
    """Change details; a field sent as null is cleared, a field left out is kept."""
    member = services.get_member(db.session, actor=token_user(), member_id=member_id)
    services.update_profile(
        db.session,
        actor=token_user(),
        member=member,
        changes=services.ProfileChanges(
            **{k: v for k, v in changes.items() if v is not None},
            clear={k for k, v in changes.items() if v is None},
        ),
        today=clock.now().astimezone(zone_of(member.store)).date(),
    )
    db.session.commit()
    return services.as_seen_by(token_user(), member)
