"""Members over JSON: self-registration, one's own records, scoped reads and edits."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, jsonify
from flask_babel import gettext as _

from portal import clock
from portal.accounts.models import User
from portal.api.auth import BEARER, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.schema import (
    CursorPageSchema,
    CursorQuerySchema,
    Schema,
    ident,
    length,
    page_response,
)
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import current_language, zone_of
from portal.members import ownership, services
from portal.members.models import (
    AssignmentReason,
    ConflictStatus,
    ContactKind,
    MemberStatus,
    OwnershipConflict,
)

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


class MemberQuerySchema(CursorQuerySchema):
    store = ident(strict=False, load_default=None)
    contact = ma.fields.String(
        load_default=None,
        validate=length(254, 1),
        metadata={"description": "A phone number, e-mail or WeChat ID the member holds (R8)"},
    )
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(MemberStatus)))
    sort = ma.fields.String(
        load_default="newest", validate=ma.validate.OneOf(list(services.MemberSort))
    )


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
        contact=query["contact"],
    )
    actor = token_user()
    return page_response(page, lambda m: services.as_seen_by(actor, m))


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


# --- R8/R9: customers, contacts, ownership --------------------------------------------------


class ContactSchema(Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(list(ContactKind)))
    value = ma.fields.String(
        required=True,
        validate=length(254, 1),
        metadata={"description": "Normalized (E.164, lower case); masked unless you may see it"},
    )
    is_primary = ma.fields.Boolean(dump_only=True)


class ContactsSchema(Schema):
    contacts = ma.fields.List(
        ma.fields.Nested(ContactSchema), required=True, validate=ma.validate.Length(max=20)
    )


class CustomerSchema(Schema):
    store_id = ident(required=True)
    full_name = ma.fields.String(required=True, validate=length(50, 1))
    mobile = ma.fields.String(required=True, validate=length(32, 1))
    email = ma.fields.String(load_default=None, allow_none=True, validate=length(254))
    contacts = ma.fields.List(
        ma.fields.Nested(ContactSchema), load_default=list, validate=ma.validate.Length(max=20)
    )
    referrer_id = ident(
        load_default=None,
        allow_none=True,
        metadata={"description": "Store managers only: the referrer of their store (default: you)"},
    )


class ConflictSchema(Schema):
    id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    claimant_id = ma.fields.Integer()
    holder_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(metadata={"enum": [str(s) for s in ConflictStatus]})
    kept_referrer_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    decided_by_id = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class ConflictPageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(ConflictSchema))


class ConflictQuerySchema(CursorQuerySchema):
    mine = ma.fields.Boolean(
        load_default=False, metadata={"description": "Cases you opened instead of the queue"}
    )
    store = ident(strict=False, load_default=None)
    status = ma.fields.String(
        load_default=str(ConflictStatus.OPEN), validate=ma.validate.OneOf(list(ConflictStatus))
    )


class ResolveSchema(Schema):
    keep = ma.fields.String(required=True, validate=ma.validate.OneOf(ownership.Keep.ALL))
    reason = ma.fields.String(required=True, validate=length(500, 1))


class AssignmentSchema(Schema):
    referrer_id = ma.fields.Integer()
    referrer_name = ma.fields.String(attribute="referrer.display_name")
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime(allow_none=True)
    reason = ma.fields.String(metadata={"enum": [str(r) for r in AssignmentReason]})
    case_id = ma.fields.Integer(allow_none=True)
    decided_by_id = ma.fields.Integer(allow_none=True)


class ReferrerCountSchema(Schema):
    referrer_id = ma.fields.Integer(attribute="referrer.id")
    referrer_name = ma.fields.String(attribute="referrer.display_name")
    departed = ma.fields.Boolean(metadata={"description": "The account is closed"})
    customers = ma.fields.Integer()


class ReportQuerySchema(Schema):
    store = ident(strict=False, required=True)
    at = ma.fields.AwareDateTime(
        load_default=None, metadata={"description": "The instant to count at (default: now)"}
    )


class HandoverQuerySchema(Schema):
    store = ident(strict=False, required=True)


class SuccessorSchema(Schema):
    member_id = ident(required=True)
    successor_id = ident(required=True)


class HandoverSchema(Schema):
    store_id = ident(required=True)
    from_referrer_id = ident(required=True)
    assignments = ma.fields.List(
        ma.fields.Nested(SuccessorSchema), load_default=list, validate=ma.validate.Length(max=1000)
    )
    all_to = ident(
        load_default=None,
        allow_none=True,
        metadata={"description": "Successor for every customer not listed in `assignments`"},
    )


class HandoverResultSchema(Schema):
    handed_over = ma.fields.Integer()


def _person(user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None:
        raise ValidationFailed.single(field, _("No such account."))
    return user


@blp.route("/customers", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(CustomerSchema)
@blp.response(201, MemberSchema)
@blp.alt_response(202, schema=ConflictSchema, description="R8: a conflict case was opened instead")
@blp.alt_response(409, description="The customer is already yours (`member_id` names them)")
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def enter_customer(args: dict[str, Any]) -> Any:
    """Enter a customer you refer (R8); a contact held by another referrer's customer
    opens a conflict case for the store manager instead of a duplicate."""
    try:
        result = ownership.enter_customer(
            db.session,
            actor=token_user(),
            store_id=args["store_id"],
            full_name=args["full_name"],
            mobile=args["mobile"],
            email=args["email"],
            contacts=[(c["kind"], c["value"]) for c in args["contacts"]],
            referrer=_person(args["referrer_id"], "referrer_id"),
        )
    except ownership.AlreadyYours as exc:
        member_id = exc.member.id
        db.session.rollback()
        response = jsonify({"code": 409, "status": str(exc.message), "member_id": member_id})
        response.status_code = 409
        return response
    db.session.commit()
    if isinstance(result, OwnershipConflict):
        response = jsonify(ConflictSchema().dump(result))
        response.status_code = 202
        return response
    return result


@blp.route("/<int:member_id>/contacts", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, ContactsSchema)
@blp.alt_response(404, description="No such member, or not yours to see")
def member_contacts(member_id: int) -> Any:
    """A customer's contact methods (R8), masked unless you may see them (R10)."""
    member = services.open_member_file(db.session, actor=token_user(), member_id=member_id)
    db.session.commit()
    return {"contacts": services.as_seen_by(token_user(), member).contacts}


@blp.route("/<int:member_id>/contacts", methods=["PUT"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ContactsSchema)
@blp.response(200, ContactsSchema)
@blp.alt_response(404, description="No such member, or not yours to see")
@blp.alt_response(409, description="A contact belongs to another customer of the store")
def replace_contacts(args: dict[str, Any], member_id: int) -> Any:
    """Replace a customer's contact methods; the main mobile (and e-mail) stay."""
    member = services.get_member(db.session, actor=token_user(), member_id=member_id)
    ownership.set_contacts(
        db.session,
        actor=token_user(),
        member=member,
        contacts=[(c["kind"], c["value"]) for c in args["contacts"]],
    )
    db.session.commit()
    return {"contacts": member.contacts}


@blp.route("/<int:member_id>/ownership", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, AssignmentSchema(many=True))
@blp.alt_response(404, description="No such member, or not yours to see")
def ownership_history(member_id: int) -> Any:
    """Who served the customer from when to when, and why (R8, R9)."""
    member = services.get_member(db.session, actor=token_user(), member_id=member_id)
    return ownership.history(db.session, actor=token_user(), member=member)


@blp.route("/conflicts", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ConflictQuerySchema, location="query")
@blp.response(200, ConflictPageSchema)
def list_conflicts(query: dict[str, Any]) -> Any:
    """The store manager's queue (oldest first), or with `mine` the cases you opened."""
    if query["mine"]:
        page = ownership.my_conflicts(
            db.session, actor=token_user(), cursor=query["cursor"], limit=query["limit"]
        )
    else:
        page = ownership.conflicts_queue(
            db.session,
            actor=token_user(),
            store_id=query["store"],
            status=ConflictStatus(query["status"]),
            cursor=query["cursor"],
            limit=query["limit"],
        )
    return page_response(page)


@blp.route("/conflicts/<int:case_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, ConflictSchema)
@blp.alt_response(404, description="No such case, or not yours to see")
def show_conflict(case_id: int) -> Any:
    """One ownership case."""
    return ownership.get_conflict(db.session, actor=token_user(), case_id=case_id)


@blp.route("/conflicts/<int:case_id>/resolve", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ResolveSchema)
@blp.response(200, ConflictSchema)
@blp.alt_response(404, description="No such case, or not yours to see")
@blp.alt_response(409, description="Already decided by someone else")
def resolve_conflict(args: dict[str, Any], case_id: int) -> Any:
    """Keep the customer's current referrer (`holder`) or the `claimant`, with a reason."""
    case = ownership.get_conflict(db.session, actor=token_user(), case_id=case_id)
    ownership.resolve_conflict(
        db.session, actor=token_user(), case=case, keep=args["keep"], reason=args["reason"]
    )
    db.session.commit()
    return case


@blp.route("/handover", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(HandoverQuerySchema, location="query")
@blp.response(200, ReferrerCountSchema(many=True))
@blp.alt_response(404, description="No such store, or not yours")
def referrers(query: dict[str, Any]) -> Any:
    """The store's referrers with their customer counts, departed (closed) ones first (R9)."""
    return ownership.referrers_of_store(db.session, actor=token_user(), store_id=query["store"])


@blp.route("/handover", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(HandoverSchema)
@blp.response(200, HandoverResultSchema)
@blp.alt_response(404, description="No such store, or not yours")
@blp.alt_response(409, description="Some customers changed hands meanwhile; nothing was saved")
def hand_over(args: dict[str, Any]) -> Any:
    """Hand a referrer's customers to successors of the store; the customers are told (R9)."""
    previous = db.session.get(User, args["from_referrer_id"])
    if previous is None:
        raise NotFound(_("No such account."))
    done = ownership.hand_over(
        db.session,
        actor=token_user(),
        store_id=args["store_id"],
        previous=previous,
        choices={a["member_id"]: a["successor_id"] for a in args["assignments"]},
        all_to=_person(args["all_to"], "all_to"),
    )
    db.session.commit()
    return {"handed_over": len(done)}


@blp.route("/ownership-report", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ReferrerCountSchema(many=True))
@blp.alt_response(404, description="No such store, or not yours")
def ownership_report(query: dict[str, Any]) -> Any:
    """Customers per referrer of a store at an instant (default: now)."""
    return ownership.ownership_report(
        db.session,
        actor=token_user(),
        store_id=query["store"],
        at=query["at"] or clock.now(),
    )
