"""Pages of the openings package (R6): the store's requests and form, head office's queue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from portal import clock
from portal.accounts.permissions import Action, can, stores_in_scope
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.openings import services
from portal.openings.forms import (
    AccountRequestForm,
    ActivateForm,
    OpenAccountForm,
    ReasonForm,
    RequestFilterForm,
)
from portal.openings.models import AccountRequest, RequestStatus
from portal.stores.forms import store_choices
from portal.stores.models import Store
from portal.stores.services import all_stores
from portal.web.forms import apply_errors

bp = Blueprint("openings", __name__, template_folder="templates")


def _stores(action: Action) -> list[Store]:
    scope = stores_in_scope(current_user, action)
    return [
        s
        for s in all_stores(db.session)
        if not s.is_head_office and (scope is None or s.id in scope)
    ]


def _may_list() -> bool:
    return can(current_user, Action.REQUEST_ACCOUNT) or can(current_user, Action.OPEN_ACCOUNT)


@bp.get("/openings")
@login_required
def list_requests() -> str:
    """Account requests of the viewer's stores (head office: every store), newest first."""
    if not _may_list():
        raise NotFound(_("Not found."))
    stores = [
        s
        for s in all_stores(db.session)
        if not s.is_head_office
        and (
            can(current_user, Action.REQUEST_ACCOUNT, s)
            or can(current_user, Action.OPEN_ACCOUNT, s)
        )
    ]
    form = RequestFilterForm(request.args)
    form.store.choices = store_choices(stores, _("All my stores"))
    form.validate()
    if form.store.data and form.store.errors:
        raise NotFound(_("No such store."))
    status = form.status.data if form.status.data in set(RequestStatus) else None
    page = services.list_requests(
        db.session,
        actor=current_user,
        store_id=form.store.data or None,
        status=RequestStatus(status) if status else None,
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    return render_template(
        "openings/list.html",
        page=page,
        form=form,
        may_request=bool(_stores(Action.REQUEST_ACCOUNT)),
        may_open=can(current_user, Action.OPEN_ACCOUNT),
    )


@bp.route("/openings/new", methods=["GET", "POST"])
@login_required
def new_request() -> str | Response | tuple[str, int]:
    """R6: the dedicated customer account request form (store managers)."""
    stores = _stores(Action.REQUEST_ACCOUNT)
    if not stores:
        raise NotFound(_("Not found."))
    form = AccountRequestForm()
    form.store_id.choices = store_choices(stores, _("Choose a store"))
    multi = len(stores) > 1
    form.for_staff_id.choices = [SelectChoice(0, _("Choose an employee"))] + [
        SelectChoice(u.id, f"{u.display_name} · {s.name}" if multi else u.display_name)
        for s in stores
        for u in services.staff_of_store(db.session, s.id)
    ]
    if request.method == "GET":
        form.store_id.data = request.args.get("store", type=int) or (
            stores[0].id if not multi else 0
        )
    if form.validate_on_submit():
        try:
            req = services.request_account(
                db.session,
                actor=current_user,
                store_id=form.store_id.data,
                for_staff_id=form.for_staff_id.data,
                purpose=form.purpose.data,
                notes=form.notes.data,
            )
        except (ValidationFailed, NotFound) as exc:
            db.session.rollback()
            if isinstance(exc, NotFound):
                exc = ValidationFailed.single("store_id", _("Choose a store from the list."))
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Request %(number)s sent to head office.", number=req.number), "info")
            return redirect(url_for("openings.show_request", request_id=req.id))
    status = 422 if request.method == "POST" else 200
    return render_template("openings/new.html", form=form), status


def _detail_context(req: AccountRequest) -> dict[str, object]:
    task = services.last_task_of(db.session, req)
    open_task = services.task_of(db.session, req)
    may_decide = (
        open_task is not None
        and req.status == RequestStatus.REQUESTED
        and services.sla.can_decide(db.session, current_user, open_task)
    )
    may_store = can(current_user, Action.REQUEST_ACCOUNT, req)
    return {
        "req": req,
        "task": task,
        "may_decide": may_decide,
        "may_activate": may_store and req.status == RequestStatus.OPENED,
        "may_cancel": may_store and req.status == RequestStatus.REQUESTED,
    }


@bp.get("/openings/<int:request_id>")
@login_required
def show_request(request_id: int) -> str:
    """One request with its deadlines and timeline."""
    req = services.get_request(db.session, actor=current_user, request_id=request_id)
    return render_template("openings/show.html", **_detail_context(req))


@bp.get("/openings/queue")
@login_required
def queue() -> str:
    """R6: head office's queue of requests to open, nearest deadline first."""
    now = clock.now()
    # R6: head office, and whoever stands in for someone on leave (the head's deputy)
    if not can(current_user, Action.OPEN_ACCOUNT) and not services.sla.covering(
        db.session, current_user, now=now
    ):
        raise NotFound(_("Not found."))
    entries = services.head_office_queue(
        db.session,
        actor=current_user,
        now=now,
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    return render_template("openings/queue.html", queue=entries, now=now)


def _decide(
    req: AccountRequest, form: OpenAccountForm | ReasonForm, template: str, act: Any
) -> str | Response | tuple[str, int]:
    """Show the confirmation page; on POST call the service once and commit."""
    if form.validate_on_submit():
        try:
            act(req, form)
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        except Conflict as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
            return redirect(url_for("openings.show_request", request_id=req.id))
        else:
            db.session.commit()
            return redirect(url_for("openings.show_request", request_id=req.id))
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, req=req), status


def _decision_guard(req: AccountRequest) -> Response | None:
    """R6: decision pages only for whoever may decide now (the engine knows deputies);
    a request decided meanwhile sends the person back to it, saying so."""
    task = services.task_of(db.session, req)
    if task is None or req.status != RequestStatus.REQUESTED:
        flash(_("This request was already decided."), "error")
        return redirect(url_for("openings.show_request", request_id=req.id))
    services.sla.require_decider(db.session, current_user, task)
    return None


@bp.route("/openings/<int:request_id>/open", methods=["GET", "POST"])
@login_required
def open_account(request_id: int) -> str | Response | tuple[str, int]:
    """R6: head office records the account it opened; the store is told."""
    req = services.get_request(db.session, actor=current_user, request_id=request_id)

    def act(req: AccountRequest, form: OpenAccountForm) -> None:
        services.open_account(
            db.session, actor=current_user, req=req, account_ref=form.account_ref.data
        )
        flash(_("Account opened; the store has been told."), "info")

    return _decision_guard(req) or _decide(req, OpenAccountForm(), "openings/open.html", act)


@bp.route("/openings/<int:request_id>/reject", methods=["GET", "POST"])
@login_required
def reject_request(request_id: int) -> str | Response | tuple[str, int]:
    """R6: head office declines the request, with a reason."""
    req = services.get_request(db.session, actor=current_user, request_id=request_id)

    def act(req: AccountRequest, form: ReasonForm) -> None:
        services.reject_request(db.session, actor=current_user, req=req, reason=form.reason.data)
        flash(_("Request rejected; the store has been told."), "info")

    return _decision_guard(req) or _decide(req, ReasonForm(), "openings/reject.html", act)


@bp.route("/openings/<int:request_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_request(request_id: int) -> str | Response | tuple[str, int]:
    """The store withdraws its request before head office acts."""

    def act(req: AccountRequest, form: ReasonForm) -> None:
        services.cancel_request(db.session, actor=current_user, req=req, reason=form.reason.data)
        flash(_("Request withdrawn."), "info")

    req = services.get_request(db.session, actor=current_user, request_id=request_id)
    if not can(current_user, Action.REQUEST_ACCOUNT, req):
        raise NotFound(_("Not found."))
    if req.status != RequestStatus.REQUESTED:
        flash(_("This request was already decided."), "error")
        return redirect(url_for("openings.show_request", request_id=req.id))
    return _decide(req, ReasonForm(), "openings/cancel.html", act)


@bp.route("/openings/<int:request_id>/activate", methods=["GET", "POST"])
@login_required
def activate_account(request_id: int) -> str | Response:
    """R6: the store activates the account head office opened (after a confirmation)."""
    req = services.get_request(db.session, actor=current_user, request_id=request_id)
    if not can(current_user, Action.REQUEST_ACCOUNT, req):
        raise NotFound(_("Not found."))
    form = ActivateForm()
    if form.validate_on_submit():
        try:
            services.activate_account(db.session, actor=current_user, req=req)
        except Conflict as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("Account activated."), "info")
        return redirect(url_for("openings.show_request", request_id=req.id))
    return render_template("openings/activate.html", form=form, req=req)
