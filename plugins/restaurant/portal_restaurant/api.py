"""The restaurant vertical over JSON, for reservation and POS systems: visits recorded
idempotently (R22, R5) and the month's VIP candidates (R22)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import request
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.api.auth import BEARER, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.schema import CursorPageSchema, CursorQuerySchema, Schema, ident, length, money
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.members import services as members
from portal.members.models import Member
from portal_restaurant import greetings, months, services
from portal_restaurant.models import VisitSource
from portal_restaurant.permissions import (
    RECORD_VISIT,
    VIEW_CANDIDATES,
    VIEW_GREETINGS,
    VIEW_VISITS,
)

blp = Blueprint(
    "restaurant_api",
    __name__,
    url_prefix="/restaurant",
    description="Restaurant visits (R22) and VIP candidates",
)

_SOURCES = [str(s) for s in VisitSource]
_SORTS = [str(s) for s in services.VisitSort]

#: the validators' messages in the caller's language (marshmallow's own are English)
_SOURCE_ONE_OF = ma.validate.OneOf(_SOURCES, error=_l("Choose reservation or walk-in table."))


class VisitInSchema(Schema):
    member_id = ident(
        load_default=None,
        metadata={"description": "The customer; or give `store_id` and `mobile` instead"},
    )
    store_id = ident(load_default=None, metadata={"description": "With `mobile`"})
    mobile = ma.fields.String(
        load_default=None,
        validate=length(32),
        metadata={"description": "The customer's phone number, looked up in `store_id`"},
    )
    visited_at = ma.fields.AwareDateTime(
        required=True,
        error_messages={"invalid_awareness": _l("Give the time with its time zone.")},
        metadata={"description": "When the party sat down, with its offset"},
    )
    source = ma.fields.String(required=True, validate=_SOURCE_ONE_OF)
    party_size = ma.fields.Integer(
        required=True,
        strict=True,
        validate=ma.validate.Range(
            min=1,
            max=services.MAX_PARTY,
            error=_l("Enter the number of guests, from 1 to %(max)d.", max=services.MAX_PARTY),
        ),
    )
    table_label = ma.fields.String(
        load_default=None, allow_none=True, validate=length(services.MAX_TABLE_LABEL)
    )
    # no ``places``: marshmallow would round 12.345 to 12.34; the service refuses it (R5)
    amount = money(
        load_default=None,
        allow_none=True,
        allow_nan=False,
        error_messages={
            "special": _l("Enter an amount above zero, with at most two decimals."),
        },
        metadata={"description": "CNY, above zero, at most two decimals", "example": "368.00"},
    )
    reservation_ref = ma.fields.String(
        load_default=None, allow_none=True, validate=length(services.MAX_REFERENCE)
    )


class VisitSchema(Schema):
    id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    visited_at = ma.fields.AwareDateTime()
    source = ma.fields.String(metadata={"enum": _SOURCES})
    table_label = ma.fields.String(allow_none=True)
    party_size = ma.fields.Integer()
    amount = money(allow_none=True)
    reservation_ref = ma.fields.String(allow_none=True)
    consumption_id = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "The VIP consumption recorded with it (approved VIPs, R5)"},
    )
    recorded_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()


class VisitPageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(VisitSchema))


class VisitQuerySchema(CursorQuerySchema):
    store_id = ident(
        strict=False, load_default=None, metadata={"description": "Default: your only store"}
    )
    since = ma.fields.Date(load_default=None, metadata={"description": "Local date, included"})
    until = ma.fields.Date(load_default=None, metadata={"description": "Local date, included"})
    source = ma.fields.String(load_default=None, validate=_SOURCE_ONE_OF)
    sort = ma.fields.String(
        load_default=str(services.VisitSort.NEWEST),
        validate=ma.validate.OneOf(_SORTS, error=_l("Choose newest, oldest or party.")),
    )


class CandidateQuerySchema(CursorQuerySchema):
    store_id = ident(
        strict=False, load_default=None, metadata={"description": "Default: your only store"}
    )
    month = ma.fields.String(
        load_default=None,
        validate=length(7),
        metadata={"description": "YYYY-MM; default: this month in the store's zone"},
    )


class CandidateSchema(Schema):
    member_id = ma.fields.Integer(attribute="member.id")
    full_name = ma.fields.String(attribute="member.full_name")
    referrer_id = ma.fields.Integer(attribute="member.referrer_id", allow_none=True)
    visits = ma.fields.Integer(metadata={"description": "Visits in the month (R22)"})
    vip_file_id = ma.fields.Method("_file_id", metadata={"type": "integer", "nullable": True})
    vip_status = ma.fields.Method("_file_status", metadata={"type": "string", "nullable": True})

    def _file_id(self, candidate: Any) -> int | None:
        return candidate.vip_file.id if candidate.vip_file is not None else None

    def _file_status(self, candidate: Any) -> str | None:
        return candidate.vip_file.status if candidate.vip_file is not None else None


class CandidatePageSchema(CursorPageSchema):
    month = ma.fields.String()
    store_id = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(CandidateSchema))


class GreetingQuerySchema(CursorQuerySchema):
    store_id = ident(
        strict=False, load_default=None, metadata={"description": "Default: your only store"}
    )
    day = ma.fields.Date(
        load_default=None,
        metadata={"description": "Today (default) or one of the six days after it, local"},
    )


class GreetingSchema(Schema):
    member_id = ma.fields.Integer(attribute="member.id")
    full_name = ma.fields.String(attribute="member.full_name")
    day = ma.fields.Date()
    occasions = ma.fields.List(
        ma.fields.String(metadata={"enum": [str(o) for o in greetings.Occasion]})
    )
    queued = ma.fields.Boolean(metadata={"description": "The greeting is in the outbox"})


class GreetingPageSchema(CursorPageSchema):
    day = ma.fields.Date()
    store_id = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(GreetingSchema))


def _customer(args: dict[str, Any]) -> Member:
    """The customer named by id, or by phone number within a store in the caller's scope."""
    actor = token_user()
    if args["member_id"] is not None:
        member = members.get_member(db.session, actor=actor, member_id=args["member_id"])
        if args["store_id"] not in (None, member.store_id):
            raise ValidationFailed.single("store_id", _l("This customer is not of this store."))
        return member
    if args["store_id"] is None or not args["mobile"]:
        raise ValidationFailed.single("member_id", _l("Give member_id, or store_id and mobile."))
    store = services.get_store(
        db.session, actor=actor, action=RECORD_VISIT, store_id=args["store_id"]
    )
    found = members.list_members(
        db.session, actor=actor, store_id=store.id, contact=args["mobile"], limit=2
    ).items
    if len(found) != 1:
        raise NotFound(_l("No customer of this store has this phone number."))
    return found[0]


@blp.route("/visits", methods=["POST"])
@blp.doc(
    security=BEARER,
    parameters=[
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "maxLength": 64},
            "description": "Send the same key when retrying: the visit is stored once; the "
            "same key with another body answers 409",
        }
    ],
)
@token_required
@blp.arguments(VisitInSchema)
@blp.response(201, VisitSchema)
@blp.alt_response(200, schema=VisitSchema, description="A retry: the visit first recorded")
@blp.alt_response(404, description="No such customer, or not in your stores")
@blp.alt_response(409, description="The key was used for another visit")
@blp.alt_response(422, description="Wrong values; `errors.json` names each field")
def record_visit(args: dict[str, Any]) -> Any:
    """Record a customer's visit (R22); an approved VIP's amount is VIP consumption (R5)."""
    member = _customer(args)
    visit, created = services.record_visit(
        db.session,
        actor=token_user(),
        member=member,
        data=services.VisitData(
            visited_at=args["visited_at"],
            source=args["source"],
            party_size=args["party_size"],
            table_label=args["table_label"],
            amount=args["amount"],
            reservation_ref=args["reservation_ref"],
        ),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    db.session.commit()
    return visit, 201 if created else 200


@blp.route("/visits", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(VisitQuerySchema, location="query")
@blp.response(200, VisitPageSchema)
@blp.alt_response(404, description="No such store, or not yours")
def list_visits(query: dict[str, Any]) -> dict[str, Any]:
    """A store's visits, one page at a time, filtered by local dates and source."""
    actor = token_user()
    store = services.get_store(
        db.session, actor=actor, action=VIEW_VISITS, store_id=query["store_id"]
    )
    page = services.list_visits(
        db.session,
        actor=actor,
        store=store,
        since=query["since"],
        until=query["until"],
        source=VisitSource(query["source"]) if query["source"] else None,
        sort=services.VisitSort(query["sort"]),
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/visits/<int:visit_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, VisitSchema)
@blp.alt_response(404, description="No such visit, or not in your stores")
def show_visit(visit_id: int) -> Any:
    """One visit, e.g. to check what a retried post recorded."""
    return services.get_visit(db.session, actor=token_user(), visit_id=visit_id)


@blp.route("/candidates", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(CandidateQuerySchema, location="query")
@blp.response(200, CandidatePageSchema)
@blp.alt_response(404, description="No such store, or not yours")
def list_candidates(query: dict[str, Any]) -> dict[str, Any]:
    """R22: customers with at least two visits in the month at the store."""
    actor = token_user()
    store = services.get_store(
        db.session, actor=actor, action=VIEW_CANDIDATES, store_id=query["store_id"]
    )
    month = services.this_month(store)
    if query["month"] is not None:
        month = months.parse_month(query["month"])
        if month is None:
            raise ValidationFailed.single("month", _l("Enter a month as YYYY-MM."))
    page = services.candidates(
        db.session,
        actor=actor,
        store=store,
        month=month,
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return {
        "month": months.format_month(month),
        "store_id": store.id,
        "items": page.items,
        "next_cursor": page.next_cursor,
    }


@blp.route("/greetings", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(GreetingQuerySchema, location="query")
@blp.response(200, GreetingPageSchema)
@blp.alt_response(404, description="No such store, or not yours; a day outside the week")
def list_greetings(query: dict[str, Any]) -> dict[str, Any]:
    """The store's birthdays and wedding anniversaries on one day of this week."""
    actor = token_user()
    store = services.get_store(
        db.session, actor=actor, action=VIEW_GREETINGS, store_id=query["store_id"]
    )
    week = greetings.week_from(clock.now().astimezone(store.zone).date())
    day = query["day"] or week[0]
    if day not in week:
        raise NotFound(_l("Greetings are listed for today and the six days after it."))
    page = greetings.upcoming(
        db.session,
        actor=actor,
        store=store,
        day=day,
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return {"day": day, "store_id": store.id, "items": page.items, "next_cursor": page.next_cursor}
