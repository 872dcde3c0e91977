"""Administrators' pages for integrations: list, register, issue and revoke tokens."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal import clock
from portal.accounts import integrations as services
from portal.accounts.action_labels import action_label
from portal.accounts.forms import ConfirmForm, IntegrationForm, TokenForm
from portal.accounts.models import Integration
from portal.accounts.permissions import grantable_actions
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.pagination import SortKey, paginate
from portal.stores.forms import store_choices
from portal.stores.services import all_stores, get_store
from portal.web.forms import apply_errors

bp = Blueprint("integrations", __name__, template_folder="templates")


def _integration(integration_id: int) -> Integration:
    return services.get_integration(db.session, actor=current_user, integration_id=integration_id)


def _show(integration: Integration, token_form: TokenForm | None = None) -> str:
    return render_template(
        "accounts/integration.html",
        integration=integration,
        labels=[action_label(name) for name in integration.actions],
        token_form=token_form or TokenForm(),
        now=clock.now(),
    )


@bp.get("/admin/integrations")
@login_required
def list_integrations() -> str:
    """Every integration, by name or newest, a page at a time."""
    query = services.integrations_query(current_user)
    sort = request.args.get("sort", "name")
    order = (
        [SortKey(Integration.created_at, True), SortKey(Integration.id, True)]
        if sort == "newest"
        else [SortKey(Integration.name), SortKey(Integration.id)]
    )
    page = paginate(
        db.session,
        query,
        order=order,
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    return render_template("accounts/integrations.html", page=page, sort=sort)


@bp.route("/admin/integrations/new", methods=["GET", "POST"])
@login_required
def new_integration() -> str | Response | tuple[str, int]:
    """Register an integration with the store it acts in and what it may do."""
    services.integrations_query(current_user)  # administrators only (404 otherwise)
    form = IntegrationForm()
    form.store_id.choices = store_choices(all_stores(db.session), _("All stores"), with_code=True)
    form.actions.choices = [(name, action_label(name)) for name in grantable_actions()]
    if form.validate_on_submit():
        store = get_store(db.session, form.store_id.data) if form.store_id.data else None
        try:
            integration = services.create_integration(
                db.session,
                actor=current_user,
                data=services.NewIntegration(
                    name=form.name.data, store=store, actions=form.actions.data or []
                ),
            )
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Integration %(name)s created. Now issue it a token.", name=integration.name))
            return redirect(
                url_for("accounts.integrations.show_integration", integration_id=integration.id)
            )
    status = 422 if form.errors else 200
    return render_template("accounts/integration_new.html", form=form), status


@bp.get("/admin/integrations/<int:integration_id>")
@login_required
def show_integration(integration_id: int) -> str:
    """An integration's scope and its tokens (never their values)."""
    return _show(_integration(integration_id))


@bp.post("/admin/integrations/<int:integration_id>/tokens")
@login_required
def issue_token(integration_id: int) -> Response | tuple[str, int]:
    """Issue a new token and show it this once (the page is never cached)."""
    integration = _integration(integration_id)
    form = TokenForm()
    if not form.validate_on_submit():
        return _show(integration, form), 422
    try:
        plain, token = services.issue_integration_token(
            db.session, actor=current_user, integration=integration, days=form.days.data
        )
    except ValidationFailed as exc:
        db.session.rollback()
        apply_errors(form, exc.errors)
        return _show(integration, form), 422
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(
            url_for("accounts.integrations.show_integration", integration_id=integration.id)
        )
    db.session.commit()
    response = Response(
        render_template(
            "accounts/integration_token.html", integration=integration, plain=plain, token=token
        ),
        mimetype="text/html",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route(
    "/admin/integrations/<int:integration_id>/tokens/<int:token_id>/revoke",
    methods=["GET", "POST"],
)
@login_required
def revoke_token(integration_id: int, token_id: int) -> str | Response:
    """Confirm, then end one token at once."""
    integration = _integration(integration_id)
    token = services.get_integration_token(db.session, integration=integration, token_id=token_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.revoke_integration_token(
            db.session, actor=current_user, integration=integration, token=token
        )
        db.session.commit()
        flash(_("Token revoked."), "info")
        return redirect(
            url_for("accounts.integrations.show_integration", integration_id=integration.id)
        )
    return render_template(
        "accounts/integration_revoke.html", integration=integration, token=token, form=form
    )


@bp.route("/admin/integrations/<int:integration_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_integration(integration_id: int) -> str | Response:
    """Confirm, then end the integration and every token of it."""
    integration = _integration(integration_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.revoke_integration(db.session, actor=current_user, integration=integration)
        db.session.commit()
        flash(_("Integration revoked."), "info")
        return redirect(
            url_for("accounts.integrations.show_integration", integration_id=integration.id)
        )
    return render_template(
        "accounts/integration_revoke.html", integration=integration, token=None, form=form
    )
