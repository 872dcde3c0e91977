"""Pages of the vip package: the referrer's files and their two stages (R4), submission,
the reviewers' queue and decision (R5), and the consumption of approved VIPs (R5)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from portal import clock
from portal.accounts.permissions import Action, can, stores_in_scope
from portal.database import MAX_ID
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.extensions import db
from portal.i18n import zone_of
from portal.members import services as members
from portal.members.models import Member
from portal.pagination import Page, SortKey, paginate
from portal.vip import fields as f
from portal.vip import services
from portal.vip.forms import (
    ConsumptionForm,
    DecisionForm,
    FileFilterForm,
    StartForm,
    SubmitFileForm,
    stage_form,
)
from portal.vip.models import VipFile, VipStatus
from portal.web.forms import show_refusal

bp = Blueprint("vip", __name__, template_folder="templates")


def _page_size() -> int:
    return int(current_app.config["PORTAL_PAGE_SIZE"])


def _page_of(list_files: Callable[..., Page[Any]], **filters: Any) -> Page[Any]:
    """A page of ``list_files`` as the signed-in user sees it, from the URL's cursor."""
    return list_files(
        db.session,
        actor=current_user,
        cursor=request.args.get("cursor"),
        limit=_page_size(),
        **filters,
    )


def _load(file_id: int) -> VipFile:
    return services.get_file(db.session, actor=current_user, file_id=file_id)


# --- the referrer's files (R4) ------------------------------------------------------------------


def _staff_only() -> None:
    """Members (people without a staff role) have no VIP work pages."""
    if not current_user.roles:
        raise PermissionDenied(_("You are not allowed to do this."))


@bp.get("/vip/files")
@login_required
def list_files() -> str:
    """The VIP files the signed-in staff member started, by status."""
    _staff_only()
    form = FileFilterForm(request.args)
    form.validate()
    status = VipStatus(form.status.data) if form.status.data in set(VipStatus) else None
    page = _page_of(services.my_files, status=status)
    return render_template(
        "vip/list.html",
        page=page,
        form=form,
        status=status,
        may_start=can(current_user, Action.START_VIP_FILE),
        may_review=can(current_user, Action.REVIEW_VIP_FILE)
        or can(current_user, Action.REASSIGN_TASK),
    )


@bp.route("/vip/files/new", methods=["GET", "POST"])
@login_required
def new_file() -> str | Response | tuple[str, int]:
    """Start a VIP file for one of one's customers (confirm), or pick the customer."""
    member_id = request.args.get("member", type=int)
    if member_id is None:
        return _pick_customer()
    if not 1 <= member_id <= MAX_ID:  # beyond the database's integers: names no customer
        raise NotFound(_("This page does not exist, or you may not see it."))
    member = members.get_member(db.session, actor=current_user, member_id=member_id)
    existing = services.open_file_of(db.session, member)
    if existing is not None and services.may_view(db.session, current_user, existing):
        flash(_("This customer already has a VIP file in progress."), "info")
        return redirect(url_for("vip.show_file", file_id=existing.id))
    form = StartForm()
    status = 200
    if form.validate_on_submit():
        try:
            file = services.start_file(db.session, actor=current_user, member=member)
        except (Conflict, PermissionDenied) as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("The VIP file is started. Fill in stage 1."), "info")
            return redirect(url_for("vip.edit_stage", file_id=file.id, stage=1))
    elif request.method == "POST":
        status = 422
    return render_template("vip/new.html", form=form, member=member), status


def _pick_customer() -> str:
    """The actor's own customers, to start a file for one; new customers are entered first."""
    if not can(current_user, Action.START_VIP_FILE):
        raise NotFound(_("This page does not exist, or you may not see it."))
    scope = stores_in_scope(current_user, Action.START_VIP_FILE)
    query = select(Member).where(Member.referrer_id == current_user.id)
    if scope is not None:
        query = query.where(Member.store_id.in_(scope))
    page = paginate(
        db.session,
        query,
        order=[SortKey(Member.full_name), SortKey(Member.id)],
        cursor=request.args.get("cursor"),
        limit=_page_size(),
    )
    try:
        enter_url = url_for("ownership.new_customer")
    except BuildError:  # the ownership pages are not installed
        enter_url = None
    return render_template("vip/pick.html", page=page, enter_url=enter_url)


@bp.get("/vip/files/<int:file_id>")
@login_required
def show_file(file_id: int) -> str:
    """A VIP file: both stages, completeness, status, decision, deadlines and consumption."""
    file = services.open_file(db.session, actor=current_user, file_id=file_id)
    db.session.commit()
    task = services.task_of(db.session, file) or _last_task(file)
    page = (
        services.consumptions(
            db.session, file=file, cursor=request.args.get("cursor"), limit=_page_size()
        )
        if file.status == VipStatus.APPROVED
        else None
    )
    return render_template(
        "vip/show.html",
        file=file,
        stages=[(stage, f.STAGE_LABELS[stage], f.template(stage)) for stage in f.STAGES],
        missing=services.completeness(file),
        task=task,
        consumption=page,
        may_edit=services.may_edit(current_user, file),
        may_decide=services.may_decide(db.session, current_user, file),
        may_record=file.status == VipStatus.APPROVED
        and can(current_user, Action.RECORD_CONSUMPTION, file),
        may_reassign=task is not None and can(current_user, Action.REASSIGN_TASK, file),
        display=_display,
        reassign_url=reassign_url,
    )


def _last_task(file: VipFile) -> Any:
    """A decided file's finished task, for its deadlines and timeline."""
    from portal.sla.models import SlaTask

    return db.session.scalar(
        select(SlaTask)
        .where(SlaTask.subject_type == services.SUBJECT, SlaTask.subject_id == file.id)
        .order_by(SlaTask.id.desc())
        .limit(1)
    )


def _display(spec: f.FieldSpec, value: Any) -> str:
    """A stored value as people read it."""
    from portal.i18n import local_date
    from portal.members.validators import format_phone

    if value in (None, ""):
        return "—"
    kind = f.kind_of(spec)
    if kind is f.FieldKind.DATE:
        from datetime import date

        return local_date(date.fromisoformat(value))
    if kind in (f.FieldKind.MOBILE, f.FieldKind.PHONE):
        return format_phone(value)
    if kind is f.FieldKind.CHOICE:
        return str(dict(spec.choices).get(value, value))
    return str(value)


@bp.route("/vip/files/<int:file_id>/stage/<int:stage>", methods=["GET", "POST"])
@login_required
def edit_stage(file_id: int, stage: int) -> str | Response | tuple[str, int]:
    """Fill in one stage; a draft saves partially (R4), wrong values show next to their field."""
    file = _load(file_id)
    if stage not in f.STAGES:
        raise NotFound(_("This page does not exist, or you may not see it."))
    if not services.may_edit(current_user, file):
        if services.is_referrer(current_user, file):
            flash(_("This file can no longer be changed."), "error")
            return redirect(url_for("vip.show_file", file_id=file.id))
        raise PermissionDenied(_("Only the referrer fills in the VIP file."))
    specs = f.template(stage)
    stored = {spec.name: _form_value(spec, file.data.get(spec.name)) for spec in specs}
    form = stage_form(specs, data=stored)
    status = 200
    if form.validate_on_submit():
        values = {spec.name: form[spec.name].data for spec in specs}
        try:
            services.save_draft(db.session, actor=current_user, file=file, values=values)
        except (ValidationFailed, Conflict) as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "info")
            if stage == 1 and "next" in request.form:
                return redirect(url_for("vip.edit_stage", file_id=file.id, stage=2))
            return redirect(url_for("vip.show_file", file_id=file.id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "vip/stage.html",
        file=file,
        form=form,
        stage=stage,
        stage_label=f.STAGE_LABELS[stage],
        missing=services.completeness(file),
    ), status


def _form_value(spec: f.FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    if f.kind_of(spec) is f.FieldKind.DATE:
        from datetime import date

        return date.fromisoformat(value)
    if f.kind_of(spec) in (f.FieldKind.MOBILE, f.FieldKind.PHONE):
        from portal.members.validators import format_phone

        return format_phone(value)
    return value


@bp.route("/vip/files/<int:file_id>/submit", methods=["GET", "POST"])
@login_required
def submit_file(file_id: int) -> str | Response | tuple[str, int]:
    """Confirm, then submit a complete file for the 12-hour review (R4, R5)."""
    file = _load(file_id)
    if not services.is_referrer(current_user, file):
        raise PermissionDenied(_("Only the referrer submits the VIP file."))
    form = SubmitFileForm()
    status = 200
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        try:
            services.submit(db.session, actor=current_user, file=file)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = {name: [str(m) for m in msgs] for name, msgs in exc.errors.items()}
            status = 422
        except Conflict as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Submitted. The store manager reviews it within 12 hours."), "info")
            return redirect(url_for("vip.show_file", file_id=file.id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "vip/submit.html",
        file=file,
        form=form,
        errors=errors,
        labels={name: spec.label for name, (_stage, spec) in f.all_fields().items()},
        stage_of={name: stage for name, (stage, _spec) in f.all_fields().items()},
        missing=services.completeness(file),
        editable=services.may_edit(current_user, file),
    ), status


# --- the review (R5) ----------------------------------------------------------------------------


@bp.get("/vip/review")
@login_required
def review_queue() -> str:
    """The files the viewer may decide: due soon and overdue apart, the nearest deadline first."""
    _staff_only()
    raw = request.args.get("bucket", services.Bucket.ALL)
    bucket = services.Bucket(raw) if raw in set(services.Bucket) else services.Bucket.ALL
    scope = services.queue_scope(db.session, current_user)  # once for the page and its tabs
    page = _page_of(services.review_queue, bucket=bucket, scope=scope)
    return render_template(
        "vip/review.html",
        page=page,
        bucket=bucket,
        counts=services.queue_counts(db.session, actor=current_user, scope=scope),
        cap=services.COUNT_CAP,
        buckets=[
            (services.Bucket.ALL, _("All")),
            (services.Bucket.DUE_SOON, _("Due soon")),
            (services.Bucket.OVERDUE, _("Overdue")),
        ],
        may_reassign=can(current_user, Action.REASSIGN_TASK),
        time_left=_time_left,
        reassign_url=reassign_url,
    )


#: helper S's page where head office hands an escalated task to someone else
REASSIGN_ENDPOINT = "sla.reassign_task"


def reassign_url(task: Any) -> str | None:
    """The SLA engine's reassign page for ``task``, if that page exists."""
    try:
        return url_for(REASSIGN_ENDPOINT, task_id=task.id)
    except BuildError:
        return None


def _time_left(delta: Any) -> str:
    seconds = int(delta.total_seconds())
    late = seconds < 0
    seconds = abs(seconds)
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    if late:
        return _("%(hours)d h %(minutes)02d min overdue", hours=hours, minutes=minutes)
    return _("%(hours)d h %(minutes)02d min left", hours=hours, minutes=minutes)


@bp.route("/vip/files/<int:file_id>/decide", methods=["GET", "POST"])
@login_required
def decide_file(file_id: int) -> str | Response | tuple[str, int]:
    """Approve, reject with a reason, or return for correction; a confirmation step (R5)."""
    file = _load(file_id)
    form = DecisionForm()
    if request.method == "GET":
        form.version.data = str(file.version)
        decision = request.args.get("decision")
        if decision in {"approve", "reject", "return"}:
            form.decision.data = decision
    task = services.task_of(db.session, file)
    if file.status != VipStatus.SUBMITTED or task is None:
        # already decided: say by whom and when instead of a form that cannot work
        return render_template(
            "vip/decide.html",
            file=file,
            form=None,
            task=task,
            conflict=str(services.not_waiting(file).message),
        ), (409 if request.method == "POST" else 200)
    services.require_decider(db.session, actor=current_user, task=task, file=file)
    status = 200
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        action = {
            "approve": services.approve,
            "reject": services.reject,
            "return": services.return_for_correction,
        }[form.decision.data]
        try:
            action(
                db.session,
                actor=current_user,
                file=file,
                reason=form.reason.data or "",
                expected_version=version,
            )
        except (ValidationFailed, Conflict) as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(
                {
                    "approve": _("The file is approved; the referrer is told."),
                    "reject": _("The file is rejected; the referrer is told why."),
                    "return": _("The file went back to the referrer; the clock is paused."),
                }[form.decision.data],
                "info",
            )
            return redirect(url_for("vip.review_queue"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "vip/decide.html", file=file, form=form, task=task, conflict=None
    ), status


# --- consumption (R5) ---------------------------------------------------------------------------


@bp.route("/vip/files/<int:file_id>/consumption", methods=["GET", "POST"])
@login_required
def record_consumption(file_id: int) -> str | Response | tuple[str, int]:
    """Record what an approved VIP spent; refused for any other file (R5)."""
    file = _load(file_id)
    if not can(current_user, Action.RECORD_CONSUMPTION, file):
        raise NotFound(_("This page does not exist, or you may not see it."))
    form = ConsumptionForm()
    zone = zone_of(file.store)
    if request.method == "GET":
        form.idempotency_key.data = secrets.token_urlsafe(16)
        form.occurred_at.data = (
            clock.now().astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
        )
    refusal = None
    if file.status != VipStatus.APPROVED:
        refusal = _(
            "Consumption can be recorded for approved VIPs only (R5); this file is %(status)s.",
            status=file.vip_status.label,
        )
    status = 200
    if form.validate_on_submit():
        try:
            services.record_consumption(
                db.session,
                actor=current_user,
                file_or_member=file,
                amount=form.amount.data,
                occurred_at=form.occurred_at.data.replace(tzinfo=zone),
                note=form.note.data,
                idempotency_key=form.idempotency_key.data or None,
            )
        except (ValidationFailed, Conflict) as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Consumption recorded."), "info")
            return redirect(url_for("vip.show_file", file_id=file.id))
    elif request.method == "POST":
        status = 409 if refusal else 422
    return render_template("vip/consumption.html", file=file, form=form, refusal=refusal), status
