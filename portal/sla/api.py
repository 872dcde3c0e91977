"""The sla package over JSON: leave periods, a task's deadlines and timeline, handing over."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.accounts.models import User
from portal.api.auth import BEARER, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.schema import Schema, ident, length
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.sla import services
from portal.sla.models import EventKind, TaskState

blp = Blueprint("sla_api", __name__, url_prefix="/sla", description="SLA deadlines and leave")


class LeaveSchema(Schema):
    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    user_name = ma.fields.String(attribute="user.display_name")
    deputy_id = ma.fields.Integer()
    deputy_name = ma.fields.String(attribute="deputy.display_name")
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()
    reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    cancelled_at = ma.fields.AwareDateTime(allow_none=True)


class NewLeaveSchema(Schema):
    user_id = ident(
        load_default=None,
        allow_none=True,
        metadata={"description": "Who is away; default: the caller (others: head of service)"},
    )
    deputy_id = ident(required=True)
    starts_at = ma.fields.AwareDateTime(
        required=True, metadata={"example": "2026-12-01T09:00:00+08:00"}
    )
    ends_at = ma.fields.AwareDateTime(required=True)
    reason = ma.fields.String(load_default=None, allow_none=True, validate=length(200))


class LeaveListSchema(Schema):
    mine = ma.fields.List(ma.fields.Nested(LeaveSchema), metadata={"description": "Own leave"})
    covering = ma.fields.List(
        ma.fields.Nested(LeaveSchema),
        metadata={"description": "Current and coming leave the caller stands in for"},
    )


class DeadlineSchema(Schema):
    step = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": [str(k) for k in services.DeadlineKind]})
    target = ma.fields.String()
    at = ma.fields.AwareDateTime()
    passed = ma.fields.Boolean()
    is_due = ma.fields.Boolean(metadata={"description": "The deadline itself (breach point)"})


class TaskEventSchema(Schema):
    at = ma.fields.AwareDateTime()
    kind = ma.fields.String(metadata={"enum": [str(k) for k in EventKind]})
    actor_id = ma.fields.Integer(allow_none=True)
    detail = ma.fields.Dict(allow_none=True)


class TaskSchema(Schema):
    id = ma.fields.Integer()
    policy = ma.fields.String()
    subject_type = ma.fields.String()
    subject_id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    title = ma.fields.String()
    state = ma.fields.String(metadata={"enum": [str(s) for s in TaskState]})
    started_at = ma.fields.AwareDateTime()
    due_at = ma.fields.AwareDateTime()
    breached_at = ma.fields.AwareDateTime(allow_none=True)
    escalation_level = ma.fields.Integer()
    escalated_to = ma.fields.String(allow_none=True)
    assignee_id = ma.fields.Integer(allow_none=True)
    completed_at = ma.fields.AwareDateTime(allow_none=True)
    outcome = ma.fields.String(allow_none=True)
    within_sla = ma.fields.Boolean(allow_none=True)
    deadlines = ma.fields.List(ma.fields.Nested(DeadlineSchema))
    timeline = ma.fields.List(ma.fields.Nested(TaskEventSchema))


class ReassignSchema(Schema):
    user_id = ident(required=True)
    reason = ma.fields.String(required=True, validate=length(500, 1))


def _user(user_id: int, field: str) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise ValidationFailed.single(field, _l("No such record."))
    return user


class _TaskView:
    """The task as the schema reads it, with its deadlines and timeline attached."""

    def __init__(self, task: Any) -> None:
        self._task = task
        self.deadlines = services.deadlines(task)
        self.timeline = services.timeline(db.session, task)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._task, name)


def _task_body(task: Any) -> _TaskView:
    return _TaskView(task)


@blp.route("/leave", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, LeaveListSchema)
def list_leave() -> dict[str, Any]:
    """The caller's leave periods, and those they stand in for."""
    user = token_user()
    return {
        "mine": services.leave_of(db.session, user),
        "covering": services.covering(db.session, user, now=clock.now()),
    }


@blp.route("/leave", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(NewLeaveSchema)
@blp.response(201, LeaveSchema)
@blp.alt_response(403, description="Recording someone else's leave needs the head of service")
@blp.alt_response(422, description="Wrong period or deputy; `errors.json` names each field")
def record_leave(args: dict[str, Any]) -> Any:
    """Record a leave period and the deputy who decides meanwhile (R5)."""
    actor = token_user()
    user = _user(args["user_id"], "user_id") if args["user_id"] else actor
    leave = services.record_leave(
        db.session,
        actor=actor,
        user=user,
        starts_at=args["starts_at"],
        ends_at=args["ends_at"],
        deputy=_user(args["deputy_id"], "deputy_id"),
        reason=args["reason"],
    )
    db.session.commit()
    return leave


@blp.route("/leave/<int:leave_id>", methods=["DELETE"])
@blp.doc(security=BEARER)
@token_required
@blp.response(204)
@blp.alt_response(404, description="No such leave period, or not yours to see")
@blp.alt_response(409, description="Already cancelled or over")
def cancel_leave(leave_id: int) -> None:
    """Cancel a leave period that has not ended."""
    leave = services.get_leave(db.session, actor=token_user(), leave_id=leave_id)
    services.cancel_leave(db.session, actor=token_user(), leave=leave)
    db.session.commit()


@blp.route("/tasks/<int:task_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, TaskSchema)
@blp.alt_response(404, description="No such task, or outside your scope")
def show_task(task_id: int) -> Any:
    """A task with every deadline (reminders, breach, escalations) and its timeline."""
    task = services.read_task(db.session, actor=token_user(), task_id=task_id)
    return _task_body(task)


@blp.route("/tasks/<int:task_id>/reassign", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ReassignSchema)
@blp.response(200, TaskSchema)
@blp.alt_response(404, description="No such task, or you may not hand it over")
@blp.alt_response(409, description="Already decided")
@blp.alt_response(422, description="The person may not decide in the task's store")
def reassign_task(args: dict[str, Any], task_id: int) -> Any:
    """Head office hands a task to someone present who may decide in its store."""
    actor = token_user()
    task = services.read_task(db.session, actor=actor, task_id=task_id)
    services.reassign(
        db.session,
        task,
        actor=actor,
        to_user=_user(args["user_id"], "user_id"),
        reason=args["reason"],
    )
    db.session.commit()
    return _task_body(task)
