"""Pages of the sla package: leave periods, task detail and handing a task over."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from portal import clock
from portal.accounts.forms import ConfirmForm
from portal.accounts.models import User
from portal.accounts.permissions import Action, can
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.extensions import db
from portal.i18n import zone_of
from portal.sla import services
from portal.sla.forms import LeaveForm, ReassignForm
from portal.sla.models import EventKind, TaskState
from portal.web.forms import apply_errors

bp = Blueprint("sla", __name__, template_folder="templates")


@bp.record_once
def _set_up(state: BlueprintSetupState) -> None:
    """Build the policy table at start-up (bad SLA settings fail at once) and give every
    template what ``sla/_task.html`` needs."""
    services.init_app(state.app)
    env = state.app.jinja_env
    env.globals.update(
        sla_deadlines=lambda task: services.deadlines(task),
        sla_timeline=lambda task: services.timeline(db.session, task),
        sla_now=clock.now,
    )
    env.filters["time_left"] = time_left
    env.filters["sla_event_label"] = lambda kind: EventKind(kind).label
    env.filters["sla_state_label"] = lambda state: TaskState(state).label


def time_left(at: datetime, now: datetime | None = None) -> str:
    """ "in 3 hours" / "2 hours ago", in the reader's language."""
    delta = at - (now or clock.now())
    return format_timedelta(delta, granularity="minute", threshold=1.5, add_direction=True)


def _may_record_for_others() -> bool:
    return can(current_user, Action.MANAGE_LEAVE) and services.may_record_for_others(current_user)


def _leave_form() -> LeaveForm:
    form = LeaveForm()
    for_others = _may_record_for_others()
    if for_others:
        subjects = services.leave_subjects(db.session)
        form.user_id.choices = [SelectChoice(u.id, u.display_name) for u in subjects]
        candidates = services.staff_accounts(db.session)  # the service checks the pair
    else:
        form.user_id.choices = [SelectChoice(current_user.id, current_user.display_name)]
        candidates = services.deputy_candidates(db.session, current_user)
    form.deputy_id.choices = [SelectChoice(0, _("Choose a deputy"))] + [
        SelectChoice(u.id, u.display_name) for u in candidates
    ]
    if request.method == "GET" and form.user_id.data is None:
        form.user_id.data = current_user.id
    return form


def _as_utc(value: datetime) -> datetime:
    """A local date and time from the form, in the deployment's zone, as UTC."""
    return value.replace(tzinfo=zone_of(None)).astimezone(UTC)


@bp.route("/leave", methods=["GET", "POST"])
@login_required
def leave_page() -> str | Response | tuple[str, int]:
    """My leave periods and deputies; record leave (R5)."""
    if not can(current_user, Action.MANAGE_LEAVE) and not services.covering(
        db.session, current_user, now=clock.now()
    ):
        raise NotFound(_("Not found."))
    form = _leave_form()
    if request.method == "POST" and not can(current_user, Action.MANAGE_LEAVE):
        raise NotFound(_("Not found."))
    if form.validate_on_submit():
        user = current_user
        if form.user_id.data and form.user_id.data != current_user.id:
            user = db.session.get(User, form.user_id.data) or current_user
        deputy = db.session.get(User, form.deputy_id.data) if form.deputy_id.data else None
        try:
            services.record_leave(
                db.session,
                actor=current_user,
                user=user,
                starts_at=_as_utc(form.starts_at.data),
                ends_at=_as_utc(form.ends_at.data),
                deputy=deputy,
                reason=form.reason.data,
            )
        except (ValidationFailed, PermissionDenied) as exc:
            db.session.rollback()
            if isinstance(exc, ValidationFailed):
                apply_errors(form, exc.errors)
            else:
                form.form_errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("Leave recorded. The deputy decides meanwhile."), "info")
            return redirect(url_for("sla.leave_page"))
    now = clock.now()
    everyone = None
    if _may_record_for_others():
        everyone = services.current_and_coming_leave(
            db.session,
            actor=current_user,
            now=now,
            cursor=request.args.get("cursor"),
            limit=current_app.config["PORTAL_PAGE_SIZE"],
        )
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "sla/leave.html",
        form=form,
        mine=services.leave_of(db.session, current_user),
        covering=services.covering(db.session, current_user, now=now),
        everyone=everyone,
        may_record=can(current_user, Action.MANAGE_LEAVE),
        for_others=_may_record_for_others(),
        now=now,
        zone_hint=str(zone_of(None)),
    ), status


@bp.route("/leave/<int:leave_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_leave(leave_id: int) -> str | Response:
    """Confirm, then cancel a leave period."""
    leave = services.get_leave(db.session, actor=current_user, leave_id=leave_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.cancel_leave(db.session, actor=current_user, leave=leave)
        except Conflict as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("Leave cancelled."), "info")
        return redirect(url_for("sla.leave_page"))
    return render_template("sla/cancel_leave.html", leave=leave, form=form)


@bp.get("/sla/tasks/<int:task_id>")
@login_required
def show_task(task_id: int) -> str:
    """A task's deadlines and timeline."""
    task = services.read_task(db.session, actor=current_user, task_id=task_id)
    return render_template(
        "sla/task.html",
        task=task,
        may_reassign=task.is_live and can(current_user, Action.REASSIGN_TASK, task),
    )


@bp.route("/sla/tasks/<int:task_id>/reassign", methods=["GET", "POST"])
@login_required
def reassign_task(task_id: int) -> str | Response | tuple[str, int]:
    """Head office hands an (escalated) task to someone who may decide it."""
    task = services.read_task(db.session, actor=current_user, task_id=task_id)
    if not can(current_user, Action.REASSIGN_TASK, task):
        raise NotFound(_("Not found."))
    form = ReassignForm()
    candidates = services.reassign_candidates(db.session, task, now=clock.now())
    form.user_id.choices = [SelectChoice(0, _("Choose a person"))] + [
        SelectChoice(u.id, u.display_name) for u in candidates
    ]
    if form.validate_on_submit():
        to_user = db.session.get(User, form.user_id.data)
        try:
            if to_user is None:
                raise ValidationFailed.single("user_id", _("Choose a person from the list."))
            services.reassign(
                db.session, task, actor=current_user, to_user=to_user, reason=form.reason.data
            )
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        except Conflict as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("Task handed to %(name)s.", name=to_user.display_name), "info")
            return redirect(url_for("sla.show_task", task_id=task.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("sla/reassign.html", task=task, form=form), status
