"""Complaints and repairs over JSON, under ``/api/v1/renovation/cases`` (R13, R14, R23-R25).

The same services as the pages: scope and R13 ownership are checked there.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import request
from werkzeug.wrappers import Response

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
from portal_renovation import services
from portal_renovation.models import (
    CaseChannel,
    CaseKind,
    CaseState,
    ConfirmationMethod,
    RenovationCase,
    Route,
    Severity,
)
from portal_renovation.views import penalty_pdf

blp = Blueprint(
    "renovation_api",
    __name__,
    url_prefix="/renovation",
    description="Renovation: complaints and repairs (R13, R14, R23-R25)",
)

IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 64},
    "description": "Send the same key when retrying: the case is logged once",
}


def _enum(enum: type) -> ma.validate.OneOf:
    return ma.validate.OneOf([str(m) for m in enum])


class RenovationNewCaseSchema(Schema):
    store_id = ident(required=True)
    member_id = ident(
        required=True, metadata={"description": "The customer, a member of the store"}
    )
    kind = ma.fields.String(required=True, validate=_enum(CaseKind))
    channel = ma.fields.String(required=True, validate=_enum(CaseChannel))
    severity = ma.fields.String(required=True, validate=_enum(Severity))
    subject = ma.fields.String(required=True, validate=length(200, 1))
    description = ma.fields.String(required=True, validate=length(2000, 1))
    project = ma.fields.String(load_default=None, allow_none=True, validate=length(120))
    department = ma.fields.String(load_default=None, allow_none=True, validate=length(80))
    earlier_number = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=length(32),
        metadata={"description": "R24: the earlier complaint on the same matter; escalates"},
    )


class RenovationCaseSchema(Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "ZXKF-2026-000123"})
    store_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    customer_name = ma.fields.String(attribute="member.full_name")
    project = ma.fields.String(allow_none=True)
    kind = ma.fields.String(metadata={"enum": [str(m) for m in CaseKind]})
    channel = ma.fields.String(metadata={"enum": [str(m) for m in CaseChannel]})
    severity = ma.fields.String(metadata={"enum": [str(m) for m in Severity]})
    subject = ma.fields.String()
    description = ma.fields.String()
    department = ma.fields.String(allow_none=True)
    state = ma.fields.String(metadata={"enum": [str(m) for m in CaseState]})
    owner_id = ma.fields.Integer()
    logged_by_id = ma.fields.Integer()
    earlier_case_id = ma.fields.Integer(allow_none=True)
    escalated_at = ma.fields.AwareDateTime(allow_none=True)
    route = ma.fields.String(allow_none=True, metadata={"enum": [str(m) for m in Route]})
    supervisor_id = ma.fields.Integer(allow_none=True)
    appointment_at = ma.fields.AwareDateTime(allow_none=True)
    vendor_name = ma.fields.String(allow_none=True)
    repair_notice_number = ma.fields.String(allow_none=True)
    repair_work = ma.fields.String(allow_none=True)
    resolution = ma.fields.String(allow_none=True)
    confirmed_by = ma.fields.String(allow_none=True)
    confirmation_method = ma.fields.String(allow_none=True)
    confirmed_at = ma.fields.AwareDateTime(allow_none=True)
    revisit_score = ma.fields.Integer(allow_none=True)
    revisit_note = ma.fields.String(allow_none=True)
    revisited_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    contact_due_at = ma.fields.Method(
        "_contact_due_at",
        allow_none=True,
        metadata={
            "type": "string",
            "format": "date-time",
            "nullable": True,
            "description": "R23: while contact is promised, the 48-hour deadline",
        },
    )

    def _contact_due_at(self, case: RenovationCase) -> str | None:
        task = services.promise_task(db.session, case)
        return task.due_at.isoformat() if task is not None else None


class RenovationCasePageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(RenovationCaseSchema))


class RenovationCaseQuerySchema(CursorQuerySchema):
    store = ident(strict=False, load_default=None)
    state = ma.fields.String(load_default=None, validate=_enum(CaseState))
    severity = ma.fields.String(load_default=None, validate=_enum(Severity))
    owner = ident(strict=False, load_default=None)
    member = ident(strict=False, load_default=None)
    sort = ma.fields.String(load_default="newest", validate=_enum(services.CaseSort))


class RenovationHandoverSchema(Schema):
    to_user_id = ident(required=True)
    reason = ma.fields.String(required=True, validate=length(500, 1))


class RenovationRouteSchema(Schema):
    responsible = ma.fields.String(required=True, validate=_enum(services.Responsible))
    supervisor_id = ident(load_default=None, allow_none=True)
    vendor_name = ma.fields.String(load_default=None, allow_none=True, validate=length(120))
    repair_work = ma.fields.String(load_default=None, allow_none=True, validate=length(500))


class RenovationAppointmentSchema(Schema):
    appointment_at = ma.fields.AwareDateTime(required=True)


class RenovationNoteSchema(Schema):
    note = ma.fields.String(required=True, validate=length(1000, 1))


class RenovationCloseSchema(Schema):
    resolution = ma.fields.String(required=True, validate=length(1000, 1))
    confirmed_by = ma.fields.String(
        required=True,
        validate=length(50, 1),
        metadata={"description": "The customer's signature (R26: never blank)"},
    )
    method = ma.fields.String(required=True, validate=_enum(ConfirmationMethod))


class RenovationRevisitSchema(Schema):
    score = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(min=1, max=5))
    note = ma.fields.String(required=True, validate=length(1000, 1))


class RenovationPenaltyInSchema(Schema):
    employee_id = ident(required=True)
    reason = ma.fields.String(required=True, validate=length(1000, 1))
    measure = ma.fields.String(required=True, validate=length(500, 1))


class RenovationPenaltySchema(Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "ZXCF-2026-000002"})
    case_id = ma.fields.Integer()
    case_number = ma.fields.String(attribute="case.number")
    store_id = ma.fields.Integer()
    employee_id = ma.fields.Integer()
    reason = ma.fields.String()
    measure = ma.fields.String()
    issued_by_id = ma.fields.Integer()
    issued_at = ma.fields.AwareDateTime()


class RenovationPenaltyPageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(RenovationPenaltySchema))


def _case(case_id: int) -> RenovationCase:
    return services.get_case(db.session, actor=token_user(), case_id=case_id)


def _done(case: RenovationCase) -> RenovationCase:
    db.session.commit()
    return case


@blp.route("/cases", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationCaseQuerySchema, location="query")
@blp.response(200, RenovationCasePageSchema)
@blp.alt_response(404, description="No such store, or not yours")
def list_cases(query: dict[str, Any]) -> dict[str, Any]:
    """Cases of the caller's stores, filtered by state, severity, owner or customer."""
    flt = services.CaseFilter(
        store_id=query["store"],
        state=CaseState(query["state"]) if query["state"] else None,
        severity=Severity(query["severity"]) if query["severity"] else None,
        owner_id=query["owner"],
        member_id=query["member"],
    )
    page = services.list_cases(
        db.session,
        actor=token_user(),
        flt=flt,
        sort=services.CaseSort(query["sort"]),
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return page_response(page)


@blp.route("/cases", methods=["POST"])
@blp.doc(security=BEARER, parameters=[IDEMPOTENCY_HEADER])
@token_required
@blp.arguments(RenovationNewCaseSchema)
@blp.response(201, RenovationCaseSchema)
@blp.alt_response(404, description="No such store, or not yours")
@blp.alt_response(409, description="The idempotency key was used for another request")
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def log_case(args: dict[str, Any]) -> Any:
    """R14: log a call, letter or visit as a numbered case (R25), owned by the caller (R13)."""
    case = services.log_case(
        db.session,
        actor=token_user(),
        data=services.NewCase(**args),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    return _done(case)


@blp.route("/cases/<int:case_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, RenovationCaseSchema)
@blp.alt_response(404, description="No such case, or not yours to see")
def show_case(case_id: int) -> Any:
    """One case."""
    return _case(case_id)


def _step_doc(fn: Any) -> Any:
    fn = blp.alt_response(422, description="Wrong fields; `errors.json` names each one")(fn)
    fn = blp.alt_response(409, description="The case is not in a state for this step")(fn)
    fn = blp.alt_response(404, description="No such case, or not yours to see")(fn)
    return blp.alt_response(403, description="Only the owner or the store manager (R13)")(fn)


@blp.route("/cases/<int:case_id>/handover", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationHandoverSchema)
@blp.response(200, RenovationCaseSchema)
@_step_doc
def hand_over(args: dict[str, Any], case_id: int) -> Any:
    """R13: hand the case to another employee of the store, with a reason."""
    case = _case(case_id)
    services.hand_over(db.session, actor=token_user(), case=case, **args)
    return _done(case)


@blp.route("/cases/<int:case_id>/route", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationRouteSchema)
@blp.response(200, RenovationCaseSchema)
@_step_doc
def route_repair(args: dict[str, Any], case_id: int) -> Any:
    """R23: to the supervisor, to the vendor with a repair notice, or a 48-hour promise."""
    case = _case(case_id)
    services.route_repair(db.session, actor=token_user(), case=case, **args)
    return _done(case)


@blp.route("/cases/<int:case_id>/appointment", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationAppointmentSchema)
@blp.response(200, RenovationCaseSchema)
@_step_doc
def record_appointment(args: dict[str, Any], case_id: int) -> Any:
    """R23: the time the supervisor agreed with the customer."""
    case = _case(case_id)
    services.record_appointment(db.session, actor=token_user(), case=case, **args)
    return _done(case)


@blp.route("/cases/<int:case_id>/contact", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationNoteSchema)
@blp.response(200, RenovationCaseSchema)
@_step_doc
def record_contact(args: dict[str, Any], case_id: int) -> Any:
    """R23: the promised contact happened; the 48-hour task is completed."""
    case = _case(case_id)
    services.record_contact(db.session, actor=token_user(), case=case, **args)
    return _done(case)


@blp.route("/cases/<int:case_id>/close", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationCloseSchema)
@blp.response(200, RenovationCaseSchema)
@_step_doc
def close_case(args: dict[str, Any], case_id: int) -> Any:
    """R24: close with the customer's confirmation; the revisit is then due (R14)."""
    case = _case(case_id)
    services.close_case(db.session, actor=token_user(), case=case, **args)
    return _done(case)


@blp.route("/cases/<int:case_id>/revisit", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationRevisitSchema)
@blp.response(200, RenovationCaseSchema)
@_step_doc
def record_revisit(args: dict[str, Any], case_id: int) -> Any:
    """R14: the revisit after the resolution, with a satisfaction score."""
    case = _case(case_id)
    services.record_revisit(db.session, actor=token_user(), case=case, **args)
    return _done(case)


@blp.route("/cases/<int:case_id>/penalties", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationPenaltyInSchema)
@blp.response(201, RenovationPenaltySchema)
@_step_doc
def issue_penalty(args: dict[str, Any], case_id: int) -> Any:
    """R24: the store manager issues a numbered penalty notice to the responsible employee."""
    notice = services.issue_penalty(db.session, actor=token_user(), case=_case(case_id), **args)
    db.session.commit()
    return notice


@blp.route("/penalties", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(CursorQuerySchema, location="query")
@blp.response(200, RenovationPenaltyPageSchema)
def list_penalties(query: dict[str, Any]) -> dict[str, Any]:
    """Penalty notices the caller may read: their own and their stores', newest first."""
    page = services.list_penalties(
        db.session, actor=token_user(), cursor=query["cursor"], limit=query["limit"]
    )
    return page_response(page)


@blp.route("/penalties/<int:penalty_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, RenovationPenaltySchema)
@blp.alt_response(404, description="No such notice, or not yours to read")
def show_penalty(penalty_id: int) -> Any:
    """R24: one penalty notice: the employee's own, or one of the stores one oversees."""
    return services.get_penalty(db.session, actor=token_user(), penalty_id=penalty_id)


@blp.route("/penalties/<int:penalty_id>.pdf", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(
    200,
    {"type": "string", "format": "binary"},
    content_type="application/pdf",
    description="The notice laid out as its printable page",
)
@blp.alt_response(404, description="No such notice, or not yours to read")
def download_penalty(penalty_id: int) -> Response:
    """R24, R25: one penalty notice as a PDF, the document the page offers for download."""
    return penalty_pdf(services.get_penalty(db.session, actor=token_user(), penalty_id=penalty_id))
