"""Login and logout for everyone; account and role administration for admins."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from portal.accounts import services
from portal.accounts.forms import (
    AccountForm,
    ConfirmForm,
    GrantForm,
    LoginForm,
    PasswordForm,
    ResetPasswordForm,
)
from portal.accounts.integration_views import bp as integrations_bp
from portal.accounts.models import RoleGrant, User
from portal.accounts.permissions import Action, require
from portal.accounts.roles import Role
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db, login_manager
from portal.pagination import SortKey, paginate
from portal.stores.forms import store_choices
from portal.stores.services import all_stores, get_store
from portal.web.forms import apply_errors
from portal.web.views import safe_next

bp = Blueprint("accounts", __name__, template_folder="templates")
bp.register_blueprint(integrations_bp)  # /admin/integrations: endpoints accounts.integrations.*

login_manager.login_view = "accounts.login"
login_manager.login_message = None
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """A session stays valid only while the password it logged in with does."""
    user_id = session_id.partition(".")[0]
    if not user_id.isdigit() or len(user_id) > 10:
        return None
    # every page asks for the grants: one statement for the user and them
    user = db.session.get(User, int(user_id), options=[joinedload(User.grants)])
    if user is None or user.get_id() != session_id:
        return None
    return user


def throttle_policy() -> services.ThrottlePolicy:
    cfg = current_app.config
    return services.ThrottlePolicy(
        per_account=cfg["PORTAL_LOGIN_FAILURES_PER_ACCOUNT"],
        per_address=cfg["PORTAL_LOGIN_FAILURES_PER_ADDRESS"],
        window=timedelta(minutes=cfg["PORTAL_LOGIN_THROTTLE_WINDOW_MINUTES"]),
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int, dict[str, str]]:
    """Log in with a mobile number (members) or a username (staff)."""
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                db.session,
                login=form.login.data,
                password=form.password.data,
                ip_address=request.remote_addr,
                policy=throttle_policy(),
            )
        except ValidationFailed as exc:
            db.session.commit()  # keep the failed attempt and its audit event
            apply_errors(form, exc.errors)
            status = 401
        except services.TooManyAttempts as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
            status = 429
            headers["Retry-After"] = str(exc.retry_after)
        else:
            db.session.commit()
            chosen_locale = session.get("locale")
            session.clear()  # a fresh session on login: no fixation
            if chosen_locale and user.locale is None:
                session["locale"] = chosen_locale
            login_user(user)
            return redirect(
                safe_next(form.next.data) if form.next.data else url_for("web.dashboard")
            )
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status, headers


@bp.post("/logout")
def logout() -> Response:
    """End the session."""
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("web.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response | tuple[str, int]:
    """Change one's own password; every other session and API token ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(
                db.session,
                user=user,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            login_user(user)  # this session continues under the new fingerprint
            flash(_("Your password is changed. Other sessions have been logged out."), "info")
            return redirect(url_for("web.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form), status


# --- administration ------------------------------------------------------------------------


@bp.get("/admin/accounts")
@login_required
def list_accounts() -> str:
    """All accounts, by login or newest, a page at a time."""
    require(current_user, Action.MANAGE_USERS, hide=True)
    sort = request.args.get("sort", "login")
    order = (
        [SortKey(User.created_at, True), SortKey(User.id, True)]
        if sort == "newest"
        else [SortKey(User.login), SortKey(User.id)]
    )
    query = select(User).where(User.is_integration.is_(False))  # those have their own pages
    search = request.args.get("q", "").strip()[:64]
    if search:
        query = query.where(User.login.startswith(search.lower(), autoescape=True))
    page = paginate(
        db.session,
        query,
        order=order,
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    return render_template("accounts/list.html", page=page, sort=sort, search=search)


@bp.route("/admin/accounts/new", methods=["GET", "POST"])
@login_required
def new_account() -> str | Response | tuple[str, int]:
    """Create a staff account."""
    require(current_user, Action.MANAGE_USERS, hide=True)
    form = AccountForm()
    if form.validate_on_submit():
        try:
            user = services.create_account(
                db.session,
                actor=current_user,
                data=services.NewAccount(
                    login=form.login.data,
                    display_name=form.display_name.data,
                    password=form.password.data,
                    email=form.email.data,
                    mobile=form.mobile.data,
                    id_number=form.id_number.data,
                ),
            )
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Account %(login)s created. Now grant it a role.", login=user.login), "info")
            return redirect(url_for("accounts.show_account", user_id=user.id))
    status = 422 if form.errors else 200
    return render_template("accounts/new.html", form=form), status


def _grant_form() -> GrantForm:
    form = GrantForm()
    form.store_id.choices = store_choices(all_stores(db.session), _("All stores"), with_code=True)
    return form


@bp.route("/admin/accounts/<int:user_id>", methods=["GET", "POST"])
@login_required
def show_account(user_id: int) -> str | Response | tuple[str, int]:
    """An account with its roles; admins grant roles here."""
    user = services.get_account(db.session, actor=current_user, user_id=user_id)
    form = _grant_form()
    if form.validate_on_submit():
        store = get_store(db.session, form.store_id.data) if form.store_id.data else None
        try:
            services.grant_role(
                db.session, actor=current_user, user=user, role=Role(form.role.data), store=store
            )
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        except Conflict as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("Role granted."), "info")
            return redirect(url_for("accounts.show_account", user_id=user.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "accounts/show.html",
        user=user,
        form=form,
        toggle_form=ConfirmForm(prefix="toggle"),
        reset_form=ResetPasswordForm(prefix="reset"),
    ), status


@bp.route("/admin/grants/<int:grant_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_grant(grant_id: int) -> str | Response:
    """Confirm, then take a role away."""
    require(current_user, Action.MANAGE_USERS, hide=True)
    grant = db.session.get(RoleGrant, grant_id) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        user_id = grant.user_id
        try:
            services.revoke_role(db.session, actor=current_user, grant=grant)
        except Conflict as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("Role removed."), "info")
        return redirect(url_for("accounts.show_account", user_id=user_id))
    return render_template("accounts/revoke.html", grant=grant, form=form)


@bp.post("/admin/accounts/<int:user_id>/password")
@login_required
def reset_password(user_id: int) -> Response | tuple[str, int]:
    """Set a new initial password for the account (its sessions and tokens end)."""
    user = services.get_account(db.session, actor=current_user, user_id=user_id)
    form = ResetPasswordForm(prefix="reset")
    if form.validate_on_submit():
        try:
            services.reset_password(
                db.session, actor=current_user, user=user, new_password=form.new_password.data
            )
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("New password set. Hand it to the person and ask them to change it."), "info")
            return redirect(url_for("accounts.show_account", user_id=user.id))
    page = render_template(
        "accounts/show.html",
        user=user,
        form=_grant_form(),
        toggle_form=ConfirmForm(prefix="toggle"),
        reset_form=form,
    )
    return page, 422


@bp.post("/admin/accounts/<int:user_id>/enabled")
@login_required
def toggle_account(user_id: int) -> Response:
    """Disable an enabled account or enable a disabled one."""
    user = services.get_account(db.session, actor=current_user, user_id=user_id)
    form = ConfirmForm(prefix="toggle")
    if form.validate_on_submit():
        try:
            services.set_account_enabled(
                db.session, actor=current_user, user=user, enabled=not user.is_enabled
            )
        except Conflict as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("Account updated."), "info")
    return redirect(url_for("accounts.show_account", user_id=user.id))
