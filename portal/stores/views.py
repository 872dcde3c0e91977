"""Store administration pages (admins)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.accounts.permissions import Action, require
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.stores import services
from portal.stores.forms import StoreForm
from portal.web.forms import apply_errors

bp = Blueprint("stores", __name__, template_folder="templates", url_prefix="/admin/stores")


@bp.get("/")
@login_required
def list_stores() -> str:
    """Every store and the head office."""
    require(current_user, Action.MANAGE_STORES, hide=True)
    return render_template(
        "stores/list.html",
        stores=services.all_stores(db.session),
        default_quiet_hours=_default_quiet_hours(),
    )


def _default_quiet_hours() -> str:
    """The deployment's quiet hours as shown to admins ("" when there are none)."""
    return current_app.config.get("PORTAL_QUIET_HOURS") or ""


def _data(form: StoreForm) -> services.StoreData:
    return services.StoreData(
        code=form.code.data,
        name=form.name.data,
        timezone=form.timezone.data,
        address=form.address.data,
        phone=form.phone.data,
        is_head_office=form.is_head_office.data,
        is_active=form.is_active.data,
        quiet_start=form.quiet_start.data,
        quiet_end=form.quiet_end.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_store() -> str | Response | tuple[str, int]:
    """Open a store."""
    require(current_user, Action.MANAGE_STORES, hide=True)
    form = StoreForm()
    if form.validate_on_submit():
        try:
            services.create_store(db.session, actor=current_user, data=_data(form))
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Store saved."), "info")
            return redirect(url_for("stores.list_stores"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "stores/form.html", form=form, store=None, default_quiet_hours=_default_quiet_hours()
    ), status


@bp.route("/<int:store_id>/edit", methods=["GET", "POST"])
@login_required
def edit_store(store_id: int) -> str | Response | tuple[str, int]:
    """Change a store's details."""
    require(current_user, Action.MANAGE_STORES, hide=True)
    store = services.get_store(db.session, store_id)
    form = StoreForm(obj=store)
    if form.validate_on_submit():
        try:
            services.update_store(db.session, actor=current_user, store=store, data=_data(form))
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Store saved."), "info")
            return redirect(url_for("stores.list_stores"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "stores/form.html", form=form, store=store, default_quiet_hours=_default_quiet_hours()
    ), status
