"""Dedicated customer account requests over JSON (R6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma

from portal import clock
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
from portal.extensions import db
from portal.openings import services
from portal.openings.models import AccountRequest, RequestStatus

blp = Blueprint(
    "openings_api", __name__, url_prefix="/openings", description="Dedicated customer accounts"
)


class NewRequestSchema(Schema):
    store_id = ident(required=True)
    for_staff_id = ident(
        required=True, metadata={"description": "The employee who will use the account"}
    )
    purpose = ma.fields.String(required=True, validate=length(500, 1))
    notes = ma.fields.String(load_default=None, allow_none=True, validate=length(1000))


class AccountRequestSchema(Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "ZBKF-2026-000123"})
    store_id = ma.fields.Integer()
    store_name = ma.fields.String(attribute="store.name")
    requested_by_id = ma.fields.Integer()
    for_staff_id = ma.fields.Integer()
    purpose = ma.fields.String()
    notes = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"enum": [str(s) for s in RequestStatus]})
    account_ref = ma.fields.String(allow_none=True)
    opened_by_id = ma.fields.Integer(allow_none=True)
    opened_at = ma.fields.AwareDateTime(allow_none=True)
    activated_by_id = ma.fields.Integer(allow_none=True)
    activated_at = ma.fields.AwareDateTime(allow_none=True)
    rejection_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    due_at = ma.fields.Method(
        "_due_at",
        allow_none=True,
        metadata={
            "type": "string",
            "format": "date-time",
            "nullable": True,
            "description": "Head office's deadline while the request waits (R6: 12 hours)",
        },
    )

    def _due_at(self, req: Any) -> str | None:
        task = services.task_of(db.session, req)
        return task.due_at.isoformat() if task is not None else None


class RequestPageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(AccountRequestSchema))


class RequestQuerySchema(CursorQuerySchema):
    store = ident(strict=False, load_default=None)
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(RequestStatus)))


class QueueQuerySchema(CursorQuerySchema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=100))


class QueueEntrySchema(Schema):
    request = ma.fields.Nested(AccountRequestSchema)
    urgency = ma.fields.String(metadata={"enum": ["overdue", "due_soon", "on_time"]})
    due_at = ma.fields.AwareDateTime(attribute="task.due_at")


class QueueSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(QueueEntrySchema))


class OpenSchema(Schema):
    account_ref = ma.fields.String(required=True, validate=length(64, 1))


class ReasonSchema(Schema):
    reason = ma.fields.String(required=True, validate=length(500, 1))


def _act(service: Callable[..., Any], request_id: int, **args: Any) -> AccountRequest:
    """Run ``service`` on a request the caller may see, commit, and answer the request."""
    actor = token_user()
    req = services.get_request(db.session, actor=actor, request_id=request_id)
    service(db.session, actor=actor, req=req, **args)
    db.session.commit()
    return req


@blp.route("/", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RequestQuerySchema, location="query")
@blp.response(200, RequestPageSchema)
def list_requests(query: dict[str, Any]) -> dict[str, Any]:
    """Account requests of the caller's stores (head office: all), newest first."""
    page = services.list_requests(
        db.session,
        actor=token_user(),
        store_id=query["store"],
        status=RequestStatus(query["status"]) if query["status"] else None,
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return page_response(page)


@blp.route("/", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(NewRequestSchema)
@blp.response(201, AccountRequestSchema)
@blp.alt_response(404, description="No such store, or not yours")
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def request_account(args: dict[str, Any]) -> Any:
    """R6: file a dedicated customer account request; head office has 12 hours."""
    req = services.request_account(db.session, actor=token_user(), **args)
    db.session.commit()
    return req


@blp.route("/queue", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(QueueQuerySchema, location="query")
@blp.response(200, QueueSchema)
def queue(query: dict[str, Any]) -> dict[str, Any]:
    """R6: requests the caller may open now, nearest deadline first."""
    result = services.head_office_queue(
        db.session,
        actor=token_user(),
        now=clock.now(),
        cursor=query["cursor"],
        limit=query["limit"],
    )
    entries = [*result.overdue, *result.due_soon, *result.on_time]
    entries.sort(key=lambda e: (e.task.due_at, e.task.id))
    return {"items": entries, "next_cursor": result.next_cursor}


@blp.route("/<int:request_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, AccountRequestSchema)
@blp.alt_response(404, description="No such request, or not yours to see")
def show_request(request_id: int) -> Any:
    """One account request."""
    return services.get_request(db.session, actor=token_user(), request_id=request_id)


@blp.route("/<int:request_id>/open", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(OpenSchema)
@blp.response(200, AccountRequestSchema)
@blp.alt_response(403, description="You may not decide this request now")
@blp.alt_response(404, description="No such request, or not yours to see")
@blp.alt_response(409, description="Already decided")
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def open_account(args: dict[str, Any], request_id: int) -> Any:
    """R6: record the account head office opened; the store is told."""
    return _act(services.open_account, request_id, **args)


@blp.route("/<int:request_id>/reject", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ReasonSchema)
@blp.response(200, AccountRequestSchema)
@blp.alt_response(403, description="You may not decide this request now")
@blp.alt_response(404, description="No such request, or not yours to see")
@blp.alt_response(409, description="Already decided")
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def reject_request(args: dict[str, Any], request_id: int) -> Any:
    """R6: decline the request with a reason the store reads."""
    return _act(services.reject_request, request_id, **args)


@blp.route("/<int:request_id>/cancel", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ReasonSchema)
@blp.response(200, AccountRequestSchema)
@blp.alt_response(403, description="Only the store withdraws its request")
@blp.alt_response(404, description="No such request, or not yours to see")
@blp.alt_response(409, description="Already decided")
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def cancel_request(args: dict[str, Any], request_id: int) -> Any:
    """The store withdraws a request head office has not acted on."""
    return _act(services.cancel_request, request_id, **args)


@blp.route("/<int:request_id>/activate", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, AccountRequestSchema)
@blp.alt_response(403, description="Only the store activates its account")
@blp.alt_response(404, description="No such request, or not yours to see")
@blp.alt_response(409, description="Not opened yet, or already activated")
def activate_account(request_id: int) -> Any:
    """R6: the store activates the account head office opened."""
    return _act(services.activate_account, request_id)
