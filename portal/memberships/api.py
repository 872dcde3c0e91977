"""Memberships over JSON (R15, R16): list, read, apply, decide, renew, transfer, end, the
ledger, finance's refunds due and marking a refund paid (with ``Idempotency-Key``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import request

from portal.api.auth import BEARER, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.schema import (
    CursorPageSchema,
    CursorQuerySchema,
    Schema,
    ident,
    length,
    money,
    page_response,
)
from portal.extensions import db
from portal.idempotency import check_key
from portal.members import services as members
from portal.memberships import ledger, lifecycle, listing, types
from portal.memberships.models import EntryKind, Membership
from portal.memberships.policies import EndedBy
from portal.memberships.status import MembershipStatus
from portal.memberships.summary import Summary, summarize

blp = Blueprint(
    "memberships_api", __name__, url_prefix="/memberships", description="Memberships (R15, R16)"
)

_IDEMPOTENCY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 64},
    "description": "Send the same key when retrying: the line is written once",
}
_CONFLICT = "The membership's state does not allow it (the message says why), or it changed"


class MembershipLedgerEntrySchema(Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": [str(k) for k in EntryKind]})
    amount = money(metadata={"description": "CNY"})
    part = ma.fields.String(allow_none=True, metadata={"description": "deposit or fees"})
    due_on = ma.fields.Date(allow_none=True)
    tranche_id = ma.fields.Integer(allow_none=True)
    note = ma.fields.String(allow_none=True)
    source = ma.fields.String(allow_none=True)
    recorded_at = ma.fields.AwareDateTime()


class RefundTrancheSchema(Schema):
    id = ma.fields.Integer(attribute="entry.id")
    due_on = ma.fields.Date(attribute="entry.due_on")
    part = ma.fields.String(attribute="entry.part")
    outstanding = money()
    paid = ma.fields.Method("_paid", metadata={"type": "boolean"})

    def _paid(self, tranche: Any) -> bool:
        return tranche.paid is not None


class MembershipBalanceSchema(Schema):
    deposit_received = money()
    deposit_held = money()
    fees_paid = money()
    fees_forfeited = money()
    offsets = money()
    refunds_paid = money()
    refunds_unpaid = money()
    tranches = ma.fields.List(ma.fields.Nested(RefundTrancheSchema))


class MembershipPeriodSchema(Schema):
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date()


class MembershipEventSchema(Schema):
    kind = ma.fields.String()
    member_id = ma.fields.Integer(metadata={"description": "The holder at the time"})
    other_member_id = ma.fields.Integer(allow_none=True)
    actor_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    source = ma.fields.String(allow_none=True)
    occurred_at = ma.fields.AwareDateTime()
    effective_on = ma.fields.Date()
    until_on = ma.fields.Date(allow_none=True)


class MembershipTermsSchema(Schema):
    rights = ma.fields.List(ma.fields.String())
    obligations = ma.fields.List(ma.fields.String())
    suspended_until = ma.fields.Date(
        allow_none=True, metadata={"description": "The rights rest until this day (R18)"}
    )


class MembershipSchema(Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    type_id = ma.fields.Integer()
    type_code = ma.fields.String(attribute="type.code")
    member_id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    status = ma.fields.Method("_status", metadata={"enum": [str(s) for s in MembershipStatus]})
    applied_at = ma.fields.AwareDateTime()
    decision = ma.fields.String(allow_none=True)
    decision_reason = ma.fields.String(allow_none=True)
    end_requested_on = ma.fields.Date(allow_none=True)
    ended_on = ma.fields.Date(allow_none=True)
    ended_by = ma.fields.String(allow_none=True)
    transfer_to_id = ma.fields.Integer(allow_none=True)
    periods = ma.fields.List(ma.fields.Nested(MembershipPeriodSchema))

    def _status(self, membership: Membership) -> str:
        return str(lifecycle.status_of(membership, lifecycle.today(membership)))


class MembershipDetailSchema(Schema):
    """One membership with what its reader sees today (``portal.memberships.summary``)."""

    membership = ma.fields.Nested(MembershipSchema)
    events = ma.fields.List(ma.fields.Nested(MembershipEventSchema), attribute="membership.events")
    terms = ma.fields.Method("_terms", metadata={"type": "object", "nullable": True})
    balance = ma.fields.Nested(MembershipBalanceSchema)

    def _terms(self, summary: Summary) -> dict[str, Any] | None:
        if summary.terms is None:
            return None
        return MembershipTermsSchema().dump(
            {
                "rights": [str(r) for r in summary.terms.rights],
                "obligations": [str(o) for o in summary.terms.obligations],
                "suspended_until": summary.suspended_until,
            }
        )


class MembershipPageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(MembershipSchema))


class MembershipQuerySchema(CursorQuerySchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(MembershipStatus)))
    type_id = ident(load_default=None)
    store_id = ident(load_default=None)
    sort = ma.fields.String(
        load_default=str(listing.MembershipSort.APPLIED),
        validate=ma.validate.OneOf(list(listing.MembershipSort)),
    )


class MembershipApplySchema(Schema):
    member_id = ident(required=True)
    type_id = ident(required=True)


class MembershipDecisionSchema(Schema):
    approve = ma.fields.Boolean(required=True)
    reason = ma.fields.String(load_default="", validate=length(500))
    starts_on = ma.fields.Date(load_default=None, metadata={"description": "Default: today"})


class MembershipReasonSchema(Schema):
    reason = ma.fields.String(required=True, validate=length(500, 1))


class MembershipEndSchema(Schema):
    ended_by = ma.fields.String(
        required=True, validate=ma.validate.OneOf([str(e) for e in EndedBy])
    )
    announced_on = ma.fields.Date(required=True)
    reason = ma.fields.String(required=True, validate=length(500, 1))
    source = ma.fields.String(load_default=None, validate=length(64))


class MembershipTransferSchema(Schema):
    to_member_id = ident(required=True)
    reason = ma.fields.String(required=True, validate=length(500, 1))


class LedgerReceiptSchema(Schema):
    kind = ma.fields.String(
        required=True, validate=ma.validate.OneOf([str(k) for k in ledger.RECEIPT_KINDS])
    )
    amount = ma.fields.String(
        required=True,
        validate=length(20, 1),
        metadata={"description": "CNY, above zero, at most two decimals", "example": "100000.00"},
    )
    note = ma.fields.String(load_default=None, validate=length(500))


class RefundsDueQuerySchema(CursorQuerySchema):
    within_days = ma.fields.Integer(load_default=30, validate=ma.validate.Range(min=0, max=366))


class RefundsDuePageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(MembershipLedgerEntrySchema))


def _money_field() -> ma.fields.Field:
    """A CNY amount as text ("0" or up to two decimals), checked by the service."""
    return money(required=True, metadata={"example": "5000.00"})


class MembershipTypeSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(required=True, validate=length(64, 1))
    store_id = ident(required=True)
    name_en = ma.fields.String(required=True, validate=length(120, 1))
    name_zh = ma.fields.String(required=True, validate=length(120, 1))
    entry_fee = _money_field()
    management_fee = _money_field()
    risk_deposit = _money_field()
    period_months = ma.fields.Integer(load_default=12)
    sla_policy = ma.fields.String(load_default="membership_application", validate=length(64))
    is_active = ma.fields.Boolean(load_default=True)
    rights = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(types.LOCALES)),
        values=ma.fields.List(ma.fields.String(validate=length(300))),
        load_default=dict,
        allow_none=True,
    )
    obligations = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(types.LOCALES)),
        values=ma.fields.List(ma.fields.String(validate=length(300))),
        load_default=dict,
        allow_none=True,
    )


def _membership(membership_id: int) -> Membership:
    return lifecycle.get_membership(db.session, actor=token_user(), membership_id=membership_id)


def _detail(membership: Membership) -> Summary:
    return summarize(db.session, membership)


def _act(membership_id: int, run: Callable[[Membership], object]) -> Summary:
    membership = _membership(membership_id)
    run(membership)
    db.session.commit()
    return _detail(membership)


@blp.route("/", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(MembershipQuerySchema, location="query")
@blp.response(200, MembershipPageSchema)
def list_memberships(query: dict[str, Any]) -> dict[str, Any]:
    """Memberships in your stores, by status (computed for today), type and store."""
    page = listing.list_memberships(
        db.session,
        actor=token_user(),
        status=MembershipStatus(query["status"]) if query["status"] else None,
        type_id=query["type_id"],
        store_id=query["store_id"],
        sort=listing.MembershipSort(query["sort"]),
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return page_response(page)


@blp.route("/", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(MembershipApplySchema)
@blp.response(201, MembershipDetailSchema)
@blp.alt_response(404, description="No such member, or not yours to see")
@blp.alt_response(409, description="The firm already holds a membership")
@blp.alt_response(422, description="The type is not offered at the member's store")
def apply(args: dict[str, Any]) -> Any:
    """Apply for a membership: a member firm for itself, staff on a member's behalf."""
    actor = token_user()
    member = members.get_member(db.session, actor=actor, member_id=args["member_id"])
    mtype = types.get_type(db.session, args["type_id"])
    membership = lifecycle.apply(db.session, actor=actor, member=member, membership_type=mtype)
    db.session.commit()
    return _detail(membership)


@blp.route("/<int:membership_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, MembershipDetailSchema)
@blp.alt_response(404, description="No such membership, or not yours to see")
def show_membership(membership_id: int) -> Any:
    """One membership: status, periods, events, rights and obligations (R15), balances (R16)."""
    return _detail(_membership(membership_id))


@blp.route("/<int:membership_id>/decision", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(MembershipDecisionSchema)
@blp.response(200, MembershipDetailSchema)
@blp.alt_response(404, description="No such membership, or not yours to see")
@blp.alt_response(409, description=_CONFLICT)
@blp.alt_response(422, description="A reason is needed to reject")
def decide(args: dict[str, Any], membership_id: int) -> Any:
    """Approve (the first period starts on `starts_on`) or reject an application."""
    return _act(
        membership_id,
        lambda m: lifecycle.decide(db.session, actor=token_user(), membership=m, **args),
    )


@blp.route("/<int:membership_id>/renewal", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, MembershipDetailSchema)
@blp.alt_response(409, description=_CONFLICT)
def renew(membership_id: int) -> Any:
    """Add the next period, from the day after the current one ends (active only)."""
    return _act(
        membership_id, lambda m: lifecycle.renew(db.session, actor=token_user(), membership=m)
    )


@blp.route("/<int:membership_id>/end-request", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(MembershipReasonSchema)
@blp.response(200, MembershipDetailSchema)
@blp.alt_response(409, description=_CONFLICT)
def request_end(args: dict[str, Any], membership_id: int) -> Any:
    """The member asks to end its membership; it ends when the exchange announces it."""
    return _act(
        membership_id,
        lambda m: lifecycle.request_end(db.session, actor=token_user(), membership=m, **args),
    )


@blp.route("/<int:membership_id>/end", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(MembershipEndSchema)
@blp.response(200, MembershipDetailSchema)
@blp.alt_response(409, description=_CONFLICT)
@blp.alt_response(422, description="A reason is needed; the date cannot precede the membership")
def announce_end(args: dict[str, Any], membership_id: int) -> Any:
    """Announce the end (member, announcement, or revocation R21): refunds are scheduled (R16)."""
    notice = lifecycle.EndNotice(
        args["announced_on"], EndedBy(args["ended_by"]), args["reason"], args["source"]
    )
    return _act(
        membership_id,
        lambda m: lifecycle.announce_end(
            db.session, actor=token_user(), membership=m, notice=notice
        ),
    )


@blp.route("/<int:membership_id>/transfer", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(MembershipTransferSchema)
@blp.response(200, MembershipDetailSchema)
@blp.alt_response(409, description=_CONFLICT)
@blp.alt_response(422, description="Not another firm of the same store, or it holds one")
def request_transfer(args: dict[str, Any], membership_id: int) -> Any:
    """Ask to transfer the membership to another firm of the store; a reviewer decides."""
    to_member = members.get_member(db.session, actor=token_user(), member_id=args["to_member_id"])
    return _act(
        membership_id,
        lambda m: lifecycle.request_transfer(
            db.session, actor=token_user(), membership=m, to_member=to_member, reason=args["reason"]
        ),
    )


@blp.route("/<int:membership_id>/transfer/decision", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(MembershipDecisionSchema)
@blp.response(200, MembershipDetailSchema)
@blp.alt_response(409, description=_CONFLICT)
def decide_transfer(args: dict[str, Any], membership_id: int) -> Any:
    """Approve or refuse the waiting transfer; the events keep the old holder."""
    return _act(
        membership_id,
        lambda m: lifecycle.decide_transfer(
            db.session,
            actor=token_user(),
            membership=m,
            approve=args["approve"],
            reason=args["reason"],
        ),
    )


@blp.route("/<int:membership_id>/ledger", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, MembershipLedgerEntrySchema(many=True))
@blp.alt_response(404, description="No such membership, or not yours to see")
def show_ledger(membership_id: int) -> Any:
    """Every line of the fee and deposit ledger, oldest first (R16)."""
    return ledger.entries_of(db.session, _membership(membership_id))


@blp.route("/<int:membership_id>/ledger", methods=["POST"])
@blp.doc(security=BEARER, parameters=[_IDEMPOTENCY])
@token_required
@blp.arguments(LedgerReceiptSchema)
@blp.response(201, MembershipLedgerEntrySchema)
@blp.alt_response(404, description="No such membership, or not yours to manage")
@blp.alt_response(409, description="Not approved, already ended, or the key was used otherwise")
def record_receipt(args: dict[str, Any], membership_id: int) -> Any:
    """Finance records a fee or the risk deposit as received; honours `Idempotency-Key`."""
    key = check_key(request.headers.get("Idempotency-Key"))
    entry = ledger.record_receipt(
        db.session,
        actor=token_user(),
        membership=_membership(membership_id),
        kind=EntryKind(args["kind"]),
        amount=args["amount"],
        note=args["note"],
        idempotency_key=key,
    )
    db.session.commit()
    return entry


@blp.route("/refunds-due", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RefundsDueQuerySchema, location="query")
@blp.response(200, RefundsDuePageSchema)
def refunds_due(query: dict[str, Any]) -> dict[str, Any]:
    """Unpaid refunds due within `within_days` (overdue included), earliest first (R16)."""
    page = ledger.refunds_due(
        db.session,
        actor=token_user(),
        within_days=query["within_days"],
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return page_response(page)


@blp.route("/refunds/<int:entry_id>/paid", methods=["POST"])
@blp.doc(security=BEARER, parameters=[_IDEMPOTENCY])
@token_required
@blp.response(201, MembershipLedgerEntrySchema)
@blp.alt_response(404, description="No such refund, or not yours to manage")
@blp.alt_response(409, description="Already paid, or the key was used otherwise")
def mark_paid(entry_id: int) -> Any:
    """Mark a scheduled refund paid, for what is outstanding of it; paid once (R16)."""
    actor = token_user()
    key = check_key(request.headers.get("Idempotency-Key"))
    tranche = ledger.get_tranche(db.session, actor=actor, tranche_id=entry_id)
    entry = ledger.mark_paid(db.session, actor=actor, tranche=tranche, idempotency_key=key)
    db.session.commit()
    return entry


@blp.route("/types", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, MembershipTypeSchema(many=True))
def list_types() -> Any:
    """Membership types with their fees, deposit, period and own terms (if any)."""
    return types.list_types(db.session)


@blp.route("/types", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(MembershipTypeSchema)
@blp.response(201, MembershipTypeSchema)
@blp.alt_response(422, description="A wrong value; `errors.json` names the field")
def create_type(args: dict[str, Any]) -> Any:
    """Create a membership type (MANAGE_MEMBERSHIP_TYPES)."""
    mtype = types.create_type(db.session, actor=token_user(), data=_type_data(args))
    db.session.commit()
    return mtype


@blp.route("/types/<int:type_id>", methods=["PUT"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(MembershipTypeSchema)
@blp.response(200, MembershipTypeSchema)
@blp.alt_response(404, description="No such type")
def update_type(args: dict[str, Any], type_id: int) -> Any:
    """Replace a membership type's settings; running memberships keep theirs."""
    actor = token_user()
    mtype = types.update_type(
        db.session, actor=actor, mtype=types.get_type(db.session, type_id), data=_type_data(args)
    )
    db.session.commit()
    return mtype


def _type_data(args: dict[str, Any]) -> types.TypeData:
    return types.TypeData(
        **{**args, "rights": args["rights"] or {}, "obligations": args["obligations"] or {}}
    )
