"""Pages of the spotchecks package (R7): head office draws and checks, the store reads."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.accounts.permissions import Action, can
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.spotchecks import services
from portal.spotchecks.forms import CheckFilterForm, DrawForm, FindingForm
from portal.spotchecks.models import SpotCheck
from portal.stores.forms import store_choices
from portal.stores.services import all_stores
from portal.web.forms import apply_errors

bp = Blueprint("spotchecks", __name__, template_folder="templates")


def _stores_for(action: Action) -> list:
    return [
        s for s in all_stores(db.session) if not s.is_head_office and can(current_user, action, s)
    ]


@bp.get("/spotchecks")
@login_required
def list_checks() -> str:
    """Spot checks of the viewer's stores (head office: every store), newest first."""
    if not (can(current_user, Action.VIEW_SPOT_CHECKS) or can(current_user, Action.SPOT_CHECK)):
        raise NotFound(_("Not found."))
    stores = [
        s
        for s in all_stores(db.session)
        if not s.is_head_office
        and (
            can(current_user, Action.VIEW_SPOT_CHECKS, s) or can(current_user, Action.SPOT_CHECK, s)
        )
    ]
    form = CheckFilterForm(request.args)
    form.store.choices = store_choices(stores, _("All my stores"))
    form.validate()
    if form.store.data and form.store.errors:
        raise NotFound(_("No such store."))
    page = services.list_spot_checks(
        db.session,
        actor=current_user,
        store_id=form.store.data or None,
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    return render_template(
        "spotchecks/list.html",
        page=page,
        form=form,
        may_draw=can(current_user, Action.SPOT_CHECK),
    )


@bp.route("/spotchecks/draw", methods=["GET", "POST"])
@login_required
def draw() -> str | Response | tuple[str, int]:
    """R7: head office draws a random sample for one store or for every store at once."""
    stores = _stores_for(Action.SPOT_CHECK)
    if not stores:
        raise NotFound(_("Not found."))
    form = DrawForm()
    form.store_id.choices = store_choices(stores, _("All stores"))
    if request.method == "GET":
        form.size.data = current_app.config["PORTAL_SPOT_CHECK_SIZE"]
        form.store_id.data = request.args.get("store", 0, type=int)
    if form.validate_on_submit():
        try:
            if form.store_id.data:
                checks = [
                    services.draw_sample(
                        db.session,
                        actor=current_user,
                        store_id=form.store_id.data,
                        size=form.size.data,
                    )
                ]
            else:
                checks = services.draw_for_all_stores(
                    db.session, actor=current_user, size=form.size.data
                )
                if not checks:
                    raise ValidationFailed.single(
                        "store_id", _("No store has approved VIP files to check.")
                    )
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        except NotFound:
            db.session.rollback()
            apply_errors(form, {"store_id": [_("Choose a store from the list.")]})
        else:
            db.session.commit()
            flash(
                _("%(n)d spot checks drawn.", n=len(checks))
                if len(checks) > 1
                else _("Spot check drawn."),
                "info",
            )
            if len(checks) == 1:
                return redirect(url_for("spotchecks.show_check", check_id=checks[0].id))
            return redirect(url_for("spotchecks.list_checks"))
    status = 422 if request.method == "POST" else 200
    return render_template("spotchecks/draw.html", form=form), status


def _distinct_ids(form: FindingForm, item_id: int) -> FindingForm:
    """One finding form per sampled file on a page: same field names, distinct element ids."""
    for field in (form.finding, form.notes):
        field.id = f"{field.name}-{item_id}"
        field.label.field_id = field.id
    return form


def _render_check(
    check: SpotCheck, *, failed: FindingForm | None = None, failed_item: int | None = None
) -> str:
    may_check = can(current_user, Action.SPOT_CHECK, check)
    forms = {}
    if may_check:
        for item in check.items:
            if failed is not None and item.id == failed_item:
                forms[item.id] = failed
            else:
                forms[item.id] = _distinct_ids(
                    FindingForm(formdata=None, finding=item.finding, notes=item.notes), item.id
                )
    return render_template("spotchecks/show.html", check=check, forms=forms, may_check=may_check)


@bp.get("/spotchecks/<int:check_id>")
@login_required
def show_check(check_id: int) -> str:
    """One spot check: the sampled files and their findings."""
    check = services.get_spot_check(db.session, actor=current_user, check_id=check_id)
    return _render_check(check)


@bp.post("/spotchecks/items/<int:item_id>/finding")
@login_required
def record_finding(item_id: int) -> Response | tuple[str, int]:
    """R7: record what head office found in one sampled file."""
    item = services.get_item(db.session, actor=current_user, item_id=item_id)
    check = item.spot_check
    if not can(current_user, Action.SPOT_CHECK, check):
        raise NotFound(_("Not found."))
    form = _distinct_ids(FindingForm(), item.id)
    if form.validate_on_submit():
        try:
            services.record_finding(
                db.session,
                actor=current_user,
                item=item,
                finding=form.finding.data,
                notes=form.notes.data,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Finding recorded."), "info")
            return redirect(
                url_for("spotchecks.show_check", check_id=check.id, _anchor=f"item-{item.id}")
            )
    return _render_check(check, failed=form, failed_item=item.id), 422
