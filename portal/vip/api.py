"""VIP files over JSON: drafts (R4), submission, the review queue and decision (R5), and
consumption of approved VIPs (R5) with idempotent retries."""

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
from portal.database import MAX_ID
from portal.extensions import db
from portal.members import services as members
from portal.vip import services
from portal.vip.models import VipFile, VipStatus

blp = Blueprint(
    "vip_api", __name__, url_prefix="/vip", description="VIP files, reviews and consumption"
)

_CONFLICT = "Already decided (the message says by whom and when), or changed meanwhile"


class FileSchema(Schema):
    id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    referrer_id = ma.fields.Integer()
    referrer_name = ma.fields.String(attribute="referrer.display_name")
    status = ma.fields.String(metadata={"enum": [str(s) for s in VipStatus]})
    round = ma.fields.Integer(metadata={"description": "How many times it was submitted"})
    version = ma.fields.Integer(
        metadata={"description": "Send back as `version` to refuse changes made meanwhile"}
    )
    data = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(),
        metadata={"description": "Field values by name; dates as YYYY-MM-DD, phones E.164"},
    )
    missing = ma.fields.Method(
        "_missing",
        metadata={
            "type": "object",
            "description": "Required fields still empty, per stage ('1', '2') (R4)",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    )
    submitted_at = ma.fields.AwareDateTime(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    decided_by_name = ma.fields.Method("_decided_by", metadata={"type": "string", "nullable": True})
    decision_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()

    def _missing(self, file: Any) -> dict[str, list[str]]:
        return {str(stage): names for stage, names in services.completeness(file).items()}

    def _decided_by(self, file: Any) -> str | None:
        return file.decided_by.display_name if file.decided_by is not None else None


class FilePageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(FileSchema))


class FileQuerySchema(CursorQuerySchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(VipStatus)))


class StartSchema(Schema):
    member_id = ident(required=True, metadata={"description": "A customer you refer (R8)"})


class DraftSchema(Schema):
    values = ma.fields.Dict(
        keys=ma.fields.String(validate=length(64, 1)),
        values=ma.fields.Raw(allow_none=True),
        required=True,
        validate=ma.validate.Length(max=100),
        metadata={
            "description": "Field values to save; null or empty clears a field (drafts save "
            "partially, R4)",
            "example": {"employer": "陕西华为技术有限公司", "birthday": "1985-04-12"},
        },
    )
    version = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The version you read; 409 if it changed"},
    )


class DecisionSchema(Schema):
    decision = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["approve", "reject", "return"])
    )
    reason = ma.fields.String(
        load_default="",
        validate=length(500),
        metadata={"description": "Required to reject or return; the referrer reads it"},
    )
    version = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The version you reviewed"},
    )


class QueueQuerySchema(CursorQuerySchema):
    bucket = ma.fields.String(load_default="all", validate=ma.validate.OneOf(list(services.Bucket)))


class QueueFileSchema(Schema):
    id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    referrer_name = ma.fields.String(attribute="referrer.display_name")
    round = ma.fields.Integer()
    version = ma.fields.Integer()
    submitted_at = ma.fields.AwareDateTime(allow_none=True)


class QueueItemSchema(Schema):
    file = ma.fields.Nested(QueueFileSchema)
    full_name = ma.fields.String(attribute="file.full_name")
    task_id = ma.fields.Integer(attribute="task.id")
    due_at = ma.fields.AwareDateTime(attribute="task.due_at")
    escalation_level = ma.fields.Integer(attribute="task.escalation_level")
    seconds_left = ma.fields.Method(
        "_left", metadata={"type": "integer", "description": "Negative once overdue"}
    )
    bucket = ma.fields.String(metadata={"enum": [str(b) for b in services.Bucket]})

    def _left(self, item: Any) -> int:
        return int(item.time_left.total_seconds())


class QueuePageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(QueueItemSchema))
    counts = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={"description": f"Files per bucket, counted up to {services.COUNT_CAP + 1}"},
    )


class ConsumptionInSchema(Schema):
    amount = money(
        required=True,
        places=2,
        metadata={"description": "CNY, above zero, at most two decimals", "example": "368.00"},
    )
    occurred_at = ma.fields.AwareDateTime(required=True)
    note = ma.fields.String(load_default=None, allow_none=True, validate=length(200))


class ConsumptionSchema(Schema):
    id = ma.fields.Integer()
    vip_file_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    amount = money()
    occurred_at = ma.fields.AwareDateTime()
    note = ma.fields.String(allow_none=True)
    recorded_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()


class ConsumptionPageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(ConsumptionSchema))


def _file(file_id: int) -> Any:
    return services.get_file(db.session, actor=token_user(), file_id=file_id)


def _act(service: Callable[..., Any], file_id: int, **args: Any) -> VipFile:
    """Run ``service`` on a file the caller may see, commit, and answer the file."""
    file = _file(file_id)
    service(db.session, actor=token_user(), file=file, **args)
    db.session.commit()
    return file


@blp.route("/files", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(FileQuerySchema, location="query")
@blp.response(200, FilePageSchema)
def list_files(query: dict[str, Any]) -> dict[str, Any]:
    """The VIP files you started as referrer, most recently changed first."""
    page = services.my_files(
        db.session,
        actor=token_user(),
        status=VipStatus(query["status"]) if query["status"] else None,
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return page_response(page)


@blp.route("/files", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(StartSchema)
@blp.response(201, FileSchema)
@blp.alt_response(403, description="Not your customer (R8)")
@blp.alt_response(404, description="No such member, or not yours to see")
@blp.alt_response(409, description="The customer has a file in progress or is a VIP already")
def start_file(args: dict[str, Any]) -> Any:
    """Start the VIP file of a customer you refer; stage 1 is prefilled (R4)."""
    member = members.get_member(db.session, actor=token_user(), member_id=args["member_id"])
    file = services.start_file(db.session, actor=token_user(), member=member)
    db.session.commit()
    return file


@blp.route("/files/<int:file_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, FileSchema)
@blp.alt_response(404, description="No such file, or not yours to see")
def show_file(file_id: int) -> Any:
    """One VIP file with both stages and what is missing (a read by others is logged, R10)."""
    file = services.open_file(db.session, actor=token_user(), file_id=file_id)
    db.session.commit()
    return file


@blp.route("/files/<int:file_id>", methods=["PATCH"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(DraftSchema)
@blp.response(200, FileSchema)
@blp.alt_response(404, description="No such file, or not yours to see")
@blp.alt_response(409, description="Not editable now, or changed since `version`")
@blp.alt_response(422, description="Wrong values; `errors.json` names each field (R2)")
def save_draft(args: dict[str, Any], file_id: int) -> Any:
    """Save some fields of a draft or returned file; nothing is saved if one is wrong (R4)."""
    return _act(
        services.save_draft, file_id, values=args["values"], expected_version=args["version"]
    )


@blp.route("/files/<int:file_id>/submit", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, FileSchema)
@blp.alt_response(404, description="No such file, or not yours to see")
@blp.alt_response(409, description="Not a draft or returned file")
@blp.alt_response(
    422, description="Incomplete (R4), a wrong value (R2), or the person is staff (R3)"
)
def submit_file(file_id: int) -> Any:
    """Submit a file complete in both stages for the 12-hour review (R4, R5)."""
    return _act(services.submit, file_id)


@blp.route("/files/<int:file_id>/decision", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(DecisionSchema)
@blp.response(200, FileSchema)
@blp.alt_response(403, description="You may see the file but not decide it")
@blp.alt_response(404, description="No such file, or not yours to see")
@blp.alt_response(409, description=_CONFLICT)
@blp.alt_response(422, description="A reason is needed to reject or return")
def decide_file(args: dict[str, Any], file_id: int) -> Any:
    """Approve, reject (with a reason) or return for correction (with a reason) (R5)."""
    action = {
        "approve": services.approve,
        "reject": services.reject,
        "return": services.return_for_correction,
    }[args["decision"]]
    return _act(action, file_id, reason=args["reason"], expected_version=args["version"])


@blp.route("/review", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(QueueQuerySchema, location="query")
@blp.response(200, QueuePageSchema)
def review_queue(query: dict[str, Any]) -> dict[str, Any]:
    """Files you may decide, the nearest deadline first, with the time left (R5)."""
    actor = token_user()
    scope = services.queue_scope(db.session, actor)  # once for the page and its counts
    page = services.review_queue(
        db.session,
        actor=actor,
        bucket=services.Bucket(query["bucket"]),
        cursor=query["cursor"],
        limit=query["limit"],
        scope=scope,
    )
    counts = services.queue_counts(db.session, actor=actor, scope=scope)
    return {**page_response(page), "counts": {str(k): v for k, v in counts.items()}}


@blp.route("/files/<int:file_id>/consumption", methods=["POST"])
@blp.doc(
    security=BEARER,
    parameters=[
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "maxLength": 64},
            "description": "Send the same key when retrying: the consumption is stored once",
        }
    ],
)
@token_required
@blp.arguments(ConsumptionInSchema)
@blp.response(201, ConsumptionSchema)
@blp.alt_response(404, description="No such file, or not yours to see")
@blp.alt_response(409, description="Not an approved VIP (R5), or the key was used otherwise")
@blp.alt_response(422, description="Wrong amount or time")
def record_consumption(args: dict[str, Any], file_id: int) -> Any:
    """Record what an approved VIP spent (R5); honours `Idempotency-Key`."""
    key = request.headers.get("Idempotency-Key")
    row = services.record_consumption(
        db.session,
        actor=token_user(),
        file_or_member=_file(file_id),
        amount=args["amount"],
        occurred_at=args["occurred_at"],
        note=args["note"],
        idempotency_key=key,
    )
    db.session.commit()
    return row


@blp.route("/files/<int:file_id>/consumption", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(CursorQuerySchema, location="query")
@blp.response(200, ConsumptionPageSchema)
@blp.alt_response(404, description="No such file, or not yours to see")
def list_consumption(query: dict[str, Any], file_id: int) -> dict[str, Any]:
    """The file's consumption, newest first."""
    page = services.consumptions(
        db.session, file=_file(file_id), cursor=query["cursor"], limit=query["limit"]
    )
    return page_response(page)
