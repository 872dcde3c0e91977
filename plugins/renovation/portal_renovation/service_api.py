"""The service rhythm over JSON: classes and follow-ups (R11), projects and revisits (R12)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import request

from portal import clock
from portal.accounts.permissions import stores_in_scope
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
from portal_renovation import checks, followups, revisits
from portal_renovation import permissions as p
from portal_renovation.models import CustomerClass, FollowUpChannel

blp = Blueprint(
    "renovation_service_api",
    __name__,
    url_prefix="/renovation",
    description="Renovation: customer classes, follow-ups and revisits (R11, R12)",
)

IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 64},
    "description": "Send the same key when retrying: the follow-up is stored once",
}
_CLASSES = ma.validate.OneOf([c.value for c in CustomerClass])


class RenovationClassInSchema(Schema):
    customer_class = ma.fields.String(required=True, validate=_CLASSES)
    region = ma.fields.String(load_default=None, allow_none=True, validate=length(60))


class RenovationClassedCustomerSchema(Schema):
    member_id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    customer_name = ma.fields.String(attribute="member.full_name")
    customer_class = ma.fields.String(metadata={"enum": [c.value for c in CustomerClass]})
    region = ma.fields.String()
    classed_on = ma.fields.Date()
    last_follow_up_on = ma.fields.Date(allow_none=True)
    next_due_on = ma.fields.Date(metadata={"description": "R11: last follow-up plus the cadence"})
    responsible_id = ma.fields.Method("_responsible", allow_none=True, metadata={"type": "integer"})

    def _responsible(self, row: Any) -> int | None:
        person = followups.responsible_for(db.session, row)
        return person.id if person is not None else None


class RenovationDuePageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(RenovationClassedCustomerSchema))


class RenovationDueQuerySchema(CursorQuerySchema):
    store = ident(strict=False, load_default=None)
    customer_class = ma.fields.String(load_default=None, validate=_CLASSES)
    region = ma.fields.String(load_default=None, validate=length(60))
    due_only = ma.fields.Boolean(load_default=False)


class RenovationFollowUpInSchema(Schema):
    followed_up_on = ma.fields.Date(required=True)
    channel = ma.fields.String(
        required=True, validate=ma.validate.OneOf([c.value for c in FollowUpChannel])
    )
    note = ma.fields.String(required=True, validate=length(1000, 1))


class RenovationFollowUpSchema(Schema):
    id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    followed_up_on = ma.fields.Date()
    channel = ma.fields.String()
    note = ma.fields.String()
    recorded_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()


class RenovationFollowUpListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(RenovationFollowUpSchema))


class RenovationLeadInSchema(Schema):
    store_id = ident(required=True)
    region = ma.fields.String(load_default=None, allow_none=True, validate=length(60))
    customer_class = ma.fields.String(required=True, validate=_CLASSES)
    user_id = ident(required=True)


class RenovationLeadSchema(Schema):
    id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    region = ma.fields.String()
    customer_class = ma.fields.String()
    user_id = ma.fields.Integer()


class RenovationLeadListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(RenovationLeadSchema))


class RenovationProjectInSchema(Schema):
    name = ma.fields.String(required=True, validate=length(120, 1))
    delivered_on = ma.fields.Date(required=True)
    responsible_id = ident(required=True)


class RenovationProjectSchema(Schema):
    id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    name = ma.fields.String()
    delivered_on = ma.fields.Date()
    responsible_id = ma.fields.Integer()
    last_revisit_on = ma.fields.Date(allow_none=True)
    next_revisit_on = ma.fields.Date(
        metadata={"description": "R12: monthly in the first year, quarterly after"}
    )


class RenovationProjectPageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(RenovationProjectSchema))


class RenovationProjectDueQuerySchema(CursorQuerySchema):
    store = ident(strict=False, load_default=None)
    due_only = ma.fields.Boolean(load_default=False)


class RenovationProjectRevisitInSchema(Schema):
    visited_on = ma.fields.Date(required=True)
    score = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(min=1, max=5))
    note = ma.fields.String(required=True, validate=length(1000, 1))


class RenovationProjectRevisitSchema(Schema):
    id = ma.fields.Integer()
    project_id = ma.fields.Integer()
    visited_on = ma.fields.Date()
    due_on = ma.fields.Date()
    score = ma.fields.Integer()
    note = ma.fields.String()
    recorded_by_id = ma.fields.Integer()


# --- R11 ------------------------------------------------------------------------------------


@blp.route("/follow-ups/due", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationDueQuerySchema, location="query")
@blp.response(200, RenovationDuePageSchema)
def due_follow_ups(query: dict[str, Any]) -> dict[str, Any]:
    """R11: classed customers of the caller's stores, the earliest follow-up due first."""
    klass = query["customer_class"]
    page = followups.due_list(
        db.session,
        actor=token_user(),
        flt=followups.DueFilter(
            store_id=query["store"],
            customer_class=CustomerClass(klass) if klass else None,
            region=query["region"],
            due_by=checks.local_today(None, clock.now()) if query["due_only"] else None,
        ),
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return page_response(page)


@blp.route("/customers/<int:member_id>/class", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationClassInSchema)
@blp.response(200, RenovationClassedCustomerSchema)
@blp.alt_response(404, description="No such customer, or not yours")
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def class_customer(args: dict[str, Any], member_id: int) -> Any:
    """R11: put the customer in class A, B or C and a region of the store."""
    row = followups.class_customer(db.session, actor=token_user(), member_id=member_id, **args)
    db.session.commit()
    return row


@blp.route("/customers/<int:member_id>/follow-ups", methods=["POST"])
@blp.doc(security=BEARER, parameters=[IDEMPOTENCY_HEADER])
@token_required
@blp.arguments(RenovationFollowUpInSchema)
@blp.response(201, RenovationFollowUpSchema)
@blp.alt_response(404, description="No such customer, or not yours")
@blp.alt_response(409, description="Not classed yet, or the key was used otherwise")
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def record_follow_up(args: dict[str, Any], member_id: int) -> Any:
    """R11: a follow-up; the next one falls due a cadence later. Honours `Idempotency-Key`."""
    row = followups.record_follow_up(
        db.session,
        actor=token_user(),
        member_id=member_id,
        idempotency_key=request.headers.get("Idempotency-Key"),
        **args,
    )
    db.session.commit()
    return row


@blp.route("/customers/<int:member_id>/follow-ups", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, RenovationFollowUpListSchema)
@blp.alt_response(404, description="No such customer, or not yours")
def list_follow_ups(member_id: int) -> dict[str, Any]:
    """R11: the customer's latest follow-ups, newest first."""
    member = followups.get_customer(db.session, actor=token_user(), member_id=member_id)
    return {"items": followups.follow_ups_of(db.session, member)}


@blp.route("/leads", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, RenovationLeadListSchema)
def list_leads() -> dict[str, Any]:
    """R11: the responsible persons of the caller's stores."""
    scope = stores_in_scope(token_user(), p.VIEW_SERVICE)
    return {"items": followups.leads_of(db.session, scope)}


@blp.route("/leads", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationLeadInSchema)
@blp.response(200, RenovationLeadSchema)
@blp.alt_response(403, description="Only the store manager names them")
@blp.alt_response(404, description="No such store, or not yours")
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def set_lead(args: dict[str, Any]) -> Any:
    """R11: name the person responsible for a class in a region."""
    lead = followups.set_lead(db.session, actor=token_user(), **args)
    db.session.commit()
    return lead


# --- R12 ------------------------------------------------------------------------------------


@blp.route("/revisits/due", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationProjectDueQuerySchema, location="query")
@blp.response(200, RenovationProjectPageSchema)
def due_revisits(query: dict[str, Any]) -> dict[str, Any]:
    """R12: delivered projects of the caller's stores, the earliest revisit due first."""
    page = revisits.due_revisits(
        db.session,
        actor=token_user(),
        store_id=query["store"],
        due_by=checks.local_today(None, clock.now()) if query["due_only"] else None,
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return page_response(page)


@blp.route("/customers/<int:member_id>/projects", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationProjectInSchema)
@blp.response(201, RenovationProjectSchema)
@blp.alt_response(404, description="No such customer, or not yours")
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def register_project(args: dict[str, Any], member_id: int) -> Any:
    """R12: a project delivered to the customer; its revisit plan starts."""
    project = revisits.register_project(db.session, actor=token_user(), member_id=member_id, **args)
    db.session.commit()
    return project


@blp.route("/projects/<int:project_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, RenovationProjectSchema)
@blp.alt_response(404, description="No such project, or not yours")
def show_project(project_id: int) -> Any:
    """R12: one delivered project with its next revisit."""
    return revisits.get_project(db.session, actor=token_user(), project_id=project_id)


@blp.route("/projects/<int:project_id>/revisits", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RenovationProjectRevisitInSchema)
@blp.response(201, RenovationProjectRevisitSchema)
@blp.alt_response(404, description="No such project, or not yours")
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def record_revisit(args: dict[str, Any], project_id: int) -> Any:
    """R12: a revisit with the customer's satisfaction; the plan moves on."""
    actor = token_user()
    project = revisits.get_project(db.session, actor=actor, project_id=project_id)
    row = revisits.record_revisit(db.session, actor=actor, project=project, **args)
    db.session.commit()
    return row
