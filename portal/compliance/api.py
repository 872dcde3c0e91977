"""Compliance over JSON (R17-R21, R25): the catalogue, cases, decisions, rectifications,
notices (and their PDF), acknowledgement and appeals. The same services as the pages."""

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
    money,
    page_response,
)
from portal.compliance import appeals, cases, decisions, notices, rectifications, services
from portal.compliance.catalogue import Measure, ViolationKind
from portal.compliance.models import (
    AppealState,
    CaseState,
    ComplianceCase,
    NoticeKind,
    RectificationState,
)
from portal.documents.pdf import pdf_response
from portal.extensions import db

blp = Blueprint(
    "compliance_api", __name__, url_prefix="/compliance", description="Compliance (R17-R21)"
)

IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 64},
    "description": "Send the same key when retrying: it is done once",
}


def _enum(enum: type) -> ma.validate.OneOf:
    return ma.validate.OneOf([str(m) for m in enum])


class ComplianceMeasureSchema(Schema):
    key = ma.fields.String(
        metadata={"description": "R18 ladder step", "enum": [m.value for m in Measure]}
    )
    label = ma.fields.String(metadata={"description": "Its name in the caller's language"})


class ComplianceViolationSchema(Schema):
    code = ma.fields.String(metadata={"description": "Stable code cases use", "example": "EX-P02"})
    title = ma.fields.String(metadata={"description": "In the caller's language"})
    kind = ma.fields.String(
        metadata={"description": "Catalogue section", "enum": [k.value for k in ViolationKind]}
    )
    measures = ma.fields.List(
        ma.fields.Nested(ComplianceMeasureSchema),
        metadata={"description": "The measures allowed, lowest on the ladder first"},
    )


def _as_json(violation: Any) -> dict[str, Any]:
    return {
        "code": violation.code,
        "title": str(violation.title),
        "kind": violation.kind.value,
        "measures": [{"key": m.value, "label": m.label} for m in violation.ladder],
    }


class ComplianceCatalogueQuerySchema(Schema):
    kind = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf([k.value for k in ViolationKind]),
        metadata={"description": "Only this section of the catalogue"},
    )


@blp.route("/catalogue", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ComplianceCatalogueQuerySchema, location="query")
@blp.response(200, ComplianceViolationSchema(many=True))
@blp.alt_response(403, description="Only compliance, head office and admins read it")
def list_catalogue(query: dict[str, Any]) -> list[dict[str, Any]]:
    """The enabled plugins' violations, by kind then code, with the measures allowed."""
    kind = ViolationKind(query["kind"]) if query["kind"] else None
    sections = services.catalogue_for(token_user(), kind=kind)
    return [_as_json(v) for section in sections for v in section.violations]


# --- cases ----------------------------------------------------------------------------------


class ComplianceNewCaseSchema(Schema):
    member_id = ident(required=True)
    codes = ma.fields.List(
        ma.fields.String(validate=length(20, 1)),
        required=True,
        validate=ma.validate.Length(min=1, max=20),
        metadata={"description": "Catalogue codes the case cites", "example": ["EX-P02"]},
    )
    subject = ma.fields.String(required=True, validate=length(200, 1))
    description = ma.fields.String(required=True, validate=length(4000, 1))
    illicit_gain = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=length(20),
        metadata={"description": "CNY as a decimal string; compensation must reach it (R18)"},
    )


class ComplianceProposalSchema(Schema):
    measures = ma.fields.List(ma.fields.String(metadata={"enum": [str(m) for m in Measure]}))
    basis = ma.fields.String(metadata={"description": "first, repeat, fees, ..."})


class ComplianceCaseRowSchema(Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "HGAJ-2026-000001"})
    store_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    membership_id = ma.fields.Integer(allow_none=True)
    codes = ma.fields.List(ma.fields.String())
    subject = ma.fields.String()
    description = ma.fields.String()
    illicit_gain = money(allow_none=True, places=2)
    state = ma.fields.String(metadata={"enum": [str(s) for s in CaseState]})
    opened_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)


class ComplianceCaseSchema(ComplianceCaseRowSchema):
    proposal = ma.fields.Method("_proposal", metadata={"description": "What the ladder proposes"})

    def _proposal(self, case: ComplianceCase) -> dict[str, Any]:
        proposal = decisions.proposal_for(db.session, case)
        return {"measures": [m.value for m in proposal.measures], "basis": proposal.basis.value}


class ComplianceCasePageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(ComplianceCaseRowSchema))


class ComplianceCaseQuerySchema(CursorQuerySchema):
    state = ma.fields.String(load_default=None, validate=_enum(CaseState))
    member = ident(strict=False, load_default=None)
    kind = ma.fields.String(load_default=None, validate=_enum(ViolationKind))
    sort = ma.fields.String(load_default="newest", validate=_enum(cases.CaseSort))


class ComplianceNoteSchema(Schema):
    text = ma.fields.String(required=True, validate=length(4000, 1))


class ComplianceReasonSchema(Schema):
    reason = ma.fields.String(required=True, validate=length(1000, 1))


class ComplianceDecisionSchema(Schema):
    measures = ma.fields.List(
        ma.fields.String(validate=_enum(Measure)),
        required=True,
        validate=ma.validate.Length(min=1, max=7),
    )
    reasons = ma.fields.String(required=True, validate=length(4000, 1))
    override_reason = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=length(1000),
        metadata={"description": "Required when the measures differ from the proposal"},
    )
    starts_on = ma.fields.Date(load_default=None, allow_none=True)
    ends_on = ma.fields.Date(load_default=None, allow_none=True)
    compensation = ma.fields.String(load_default=None, allow_none=True, validate=length(20))
    offset_deposit = ma.fields.Boolean(load_default=False)


class ComplianceRectificationInSchema(Schema):
    requirement = ma.fields.String(required=True, validate=length(2000, 1))
    deadline = ma.fields.Date(required=True)


class ComplianceOutcomeSchema(Schema):
    rectified = ma.fields.Boolean(required=True)
    note = ma.fields.String(required=True, validate=length(2000, 1))


class ComplianceMeasureRowSchema(Schema):
    measure = ma.fields.String(metadata={"enum": [str(m) for m in Measure]})
    level = ma.fields.Integer()
    starts_on = ma.fields.Date(allow_none=True)
    ends_on = ma.fields.Date(allow_none=True)
    amount = money(allow_none=True, places=2)
    offset_against_deposit = ma.fields.Boolean()
    lifted_at = ma.fields.AwareDateTime(allow_none=True)


class ComplianceAppealSchema(Schema):
    id = ma.fields.Integer()
    notice_id = ma.fields.Integer()
    notice_number = ma.fields.String(attribute="notice.number")
    grounds = ma.fields.String()
    lodged_at = ma.fields.AwareDateTime()
    state = ma.fields.String(metadata={"enum": [str(s) for s in AppealState]})
    decision_reasons = ma.fields.String(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)


class ComplianceRectificationSchema(Schema):
    requirement = ma.fields.String()
    deadline = ma.fields.Date()
    due_at = ma.fields.AwareDateTime()
    state = ma.fields.String(metadata={"enum": [str(s) for s in RectificationState]})
    outcome_note = ma.fields.String(allow_none=True)


class ComplianceNoticeSchema(Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "HG-2026-000001"})
    kind = ma.fields.String(metadata={"enum": [str(k) for k in NoticeKind]})
    case_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    reasons = ma.fields.String()
    issued_at = ma.fields.AwareDateTime()
    appeal_until = ma.fields.Date(metadata={"description": "Last day to appeal (store's zone)"})
    acknowledged_at = ma.fields.AwareDateTime(allow_none=True)
    measures = ma.fields.List(ma.fields.Nested(ComplianceMeasureRowSchema))
    rectification = ma.fields.Nested(ComplianceRectificationSchema, allow_none=True)
    appeal = ma.fields.Nested(ComplianceAppealSchema, allow_none=True)


class ComplianceNoticePageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(ComplianceNoticeSchema))


class ComplianceAppealPageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(ComplianceAppealSchema))


class ComplianceAppealInSchema(Schema):
    grounds = ma.fields.String(required=True, validate=length(4000, 1))


class ComplianceAppealDecisionSchema(Schema):
    outcome = ma.fields.String(required=True, validate=_enum(appeals.Outcome))
    reasons = ma.fields.String(required=True, validate=length(4000, 1))


def _case(case_id: int) -> ComplianceCase:
    return cases.get_case(db.session, actor=token_user(), case_id=case_id)


def _done(value: Any) -> Any:
    db.session.commit()
    return value


def _step_doc(fn: Any) -> Any:
    fn = blp.alt_response(422, description="Wrong fields; `errors.json` names each one")(fn)
    fn = blp.alt_response(409, description="Not in a state for this step, or changed meanwhile")(fn)
    fn = blp.alt_response(404, description="No such case, or not yours to see")(fn)
    return blp.alt_response(403, description="Readers who do not manage cases")(fn)


@blp.route("/cases", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ComplianceCaseQuerySchema, location="query")
@blp.response(200, ComplianceCasePageSchema)
@blp.alt_response(403, description="Only compliance, the head of service and admins")
def list_cases(query: dict[str, Any]) -> dict[str, Any]:
    """Cases, filtered by state, member and violation kind."""
    flt = cases.CaseFilter(
        state=CaseState(query["state"]) if query["state"] else None,
        member_id=query["member"],
        kind=ViolationKind(query["kind"]) if query["kind"] else None,
    )
    page = cases.list_cases(
        db.session,
        actor=token_user(),
        flt=flt,
        sort=cases.CaseSort(query["sort"]),
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return page_response(page)


@blp.route("/cases", methods=["POST"])
@blp.doc(security=BEARER, parameters=[IDEMPOTENCY_HEADER])
@token_required
@blp.arguments(ComplianceNewCaseSchema)
@blp.response(201, ComplianceCaseSchema)
@blp.alt_response(403, description="Only compliance opens cases")
@blp.alt_response(409, description="The idempotency key was used for another request")
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def open_case(args: dict[str, Any]) -> Any:
    """Open a numbered case (R25) against a member, citing catalogue violations."""
    case = cases.open_case(
        db.session,
        actor=token_user(),
        data=cases.NewCase(**args),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    return _done(case)


@blp.route("/cases/<int:case_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, ComplianceCaseSchema)
@blp.alt_response(404, description="No such case, or not yours to see")
def show_case(case_id: int) -> Any:
    """One case, with what the ladder proposes for it now (R18-R21)."""
    return _case(case_id)


@blp.route("/cases/<int:case_id>/notes", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ComplianceNoteSchema)
@blp.response(201, ComplianceCaseSchema)
@_step_doc
def add_note(args: dict[str, Any], case_id: int) -> Any:
    """An evidence note."""
    case = _case(case_id)
    cases.add_note(db.session, actor=token_user(), case=case, text=args["text"])
    return _done(case)


@blp.route("/cases/<int:case_id>/investigation", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, ComplianceCaseSchema)
@_step_doc
def start_investigation(case_id: int) -> Any:
    """Open -> under investigation."""
    case = _case(case_id)
    cases.start_investigation(db.session, actor=token_user(), case=case)
    return _done(case)


@blp.route("/cases/<int:case_id>/decision", methods=["POST"])
@blp.doc(security=BEARER, parameters=[IDEMPOTENCY_HEADER])
@token_required
@blp.arguments(ComplianceDecisionSchema)
@blp.response(201, ComplianceNoticeSchema)
@_step_doc
def decide(args: dict[str, Any], case_id: int) -> Any:
    """R18: decide measures; the numbered decision notice is issued (R25) and applied."""
    notice = decisions.decide(
        db.session,
        actor=token_user(),
        case=_case(case_id),
        data=decisions.DecisionInput(**args),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    return _done(notice)


@blp.route("/cases/<int:case_id>/rectification", methods=["POST"])
@blp.doc(security=BEARER, parameters=[IDEMPOTENCY_HEADER])
@token_required
@blp.arguments(ComplianceRectificationInSchema)
@blp.response(201, ComplianceNoticeSchema)
@_step_doc
def issue_rectification(args: dict[str, Any], case_id: int) -> Any:
    """R19: a numbered rectification notice with a deadline tracked by the SLA engine."""
    notice = rectifications.issue_rectification(
        db.session,
        actor=token_user(),
        case=_case(case_id),
        idempotency_key=request.headers.get("Idempotency-Key"),
        **args,
    )
    return _done(notice)


@blp.route("/cases/<int:case_id>/rectification/outcome", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ComplianceOutcomeSchema)
@blp.response(200, ComplianceCaseSchema)
@_step_doc
def record_outcome(args: dict[str, Any], case_id: int) -> Any:
    """R19: rectified or not; not rectified proposes revocation."""
    case = _case(case_id)
    rectifications.record_outcome(db.session, actor=token_user(), case=case, **args)
    return _done(case)


@blp.route("/cases/<int:case_id>/close", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ComplianceReasonSchema)
@blp.response(200, ComplianceCaseSchema)
@_step_doc
def close_case(args: dict[str, Any], case_id: int) -> Any:
    """Close the case, with a reason."""
    case = _case(case_id)
    cases.close_case(db.session, actor=token_user(), case=case, reason=args["reason"])
    return _done(case)


# --- notices and appeals --------------------------------------------------------------------


@blp.route("/notices", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(CursorQuerySchema, location="query")
@blp.response(200, ComplianceNoticePageSchema)
def list_notices(query: dict[str, Any]) -> dict[str, Any]:
    """Notices: a member's own; every one for case readers. Newest first."""
    page = notices.list_notices(
        db.session, actor=token_user(), cursor=query["cursor"], limit=query["limit"]
    )
    return page_response(page)


@blp.route("/notices/<int:notice_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, ComplianceNoticeSchema)
@blp.alt_response(404, description="No such notice, or not yours to read")
def show_notice(notice_id: int) -> Any:
    """One notice, with its measures, rectification and appeal."""
    return notices.get_notice(db.session, actor=token_user(), notice_id=notice_id)


@blp.route("/notices/<int:notice_id>/pdf", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, content_type="application/pdf", description="The notice as a PDF")
@blp.alt_response(404, description="No such notice, or not yours to read")
def download_notice(notice_id: int) -> Response:
    """The notice as a PDF in the member's language, from the printable page's template."""
    notice = notices.get_notice(db.session, actor=token_user(), notice_id=notice_id)
    return pdf_response(notices.printable_page(notice), notices.pdf_filename(notice))


@blp.route("/notices/<int:notice_id>/acknowledgement", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, ComplianceNoticeSchema)
@blp.alt_response(409, description="Acknowledged already")
@blp.alt_response(404, description="No such notice, or not yours to read")
@blp.alt_response(403, description="Only the member it is addressed to")
def acknowledge(notice_id: int) -> Any:
    """The member acknowledges the notice, once."""
    notice = notices.get_notice(db.session, actor=token_user(), notice_id=notice_id)
    notices.acknowledge(db.session, actor=token_user(), notice=notice)
    return _done(notice)


@blp.route("/notices/<int:notice_id>/appeal", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ComplianceAppealInSchema)
@blp.response(201, ComplianceAppealSchema)
@blp.alt_response(422, description="Wrong fields, or the appeal window closed (with its date)")
@blp.alt_response(409, description="Appealed already")
@blp.alt_response(404, description="No such notice, or not yours to read")
@blp.alt_response(403, description="Only the member it is addressed to")
def lodge_appeal(args: dict[str, Any], notice_id: int) -> Any:
    """The member appeals within the window (``[compliance] appeal_days``)."""
    notice = notices.get_notice(db.session, actor=token_user(), notice_id=notice_id)
    appeal = appeals.lodge_appeal(
        db.session, actor=token_user(), notice=notice, grounds=args["grounds"]
    )
    return _done(appeal)


@blp.route("/appeals", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(CursorQuerySchema, location="query")
@blp.response(200, ComplianceAppealPageSchema)
@blp.alt_response(403, description="Only those who decide appeals")
def appeal_queue(query: dict[str, Any]) -> dict[str, Any]:
    """Appeals waiting for a decision, the oldest first."""
    page = appeals.appeal_queue(
        db.session, actor=token_user(), cursor=query["cursor"], limit=query["limit"]
    )
    return page_response(page)


@blp.route("/appeals/<int:appeal_id>/decision", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ComplianceAppealDecisionSchema)
@blp.response(200, ComplianceAppealSchema)
@blp.alt_response(422, description="Wrong fields")
@blp.alt_response(409, description="Decided already")
@blp.alt_response(404, description="No such appeal")
@blp.alt_response(403, description="Not DECIDE_APPEAL, or the officer who issued the notice")
def decide_appeal(args: dict[str, Any], appeal_id: int) -> Any:
    """Uphold or dismiss, with reasons; the member is told."""
    appeal = appeals.get_appeal(db.session, actor=token_user(), appeal_id=appeal_id)
    appeals.decide_appeal(db.session, actor=token_user(), appeal=appeal, **args)
    return _done(appeal)
