"""Landing page, role dashboards, language switch, privacy terms, health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from portal.accounts import services as accounts
from portal.accounts.permissions import Action, stores_in_scope
from portal.accounts.roles import Role
from portal.extensions import db
from portal.members.models import Member
from portal.members.services import memberships_of
from portal.stores.models import Store
from portal.web.forms import LanguageForm
from portal.web.navigation import nav_items
from portal.web.work import work_links

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)


@bp.app_context_processor
def _layout_context() -> dict[str, object]:
    # the account itself, not the proxy: the menu asks it some eighty questions a page
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return {"nav_items": lambda: nav_items(user), "language_form": LanguageForm}


@bp.app_template_global()
def url_with(**changes: object) -> str:
    """The current page's URL with some query arguments changed (None drops one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    return url_for(request.endpoint or "web.index", **(request.view_args or {}), **args)


@bp.get("/")
def index() -> str | Response:
    """Landing page: visitors see how to register; people who are logged in go home."""
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    return render_template("web/index.html")


@bp.get("/home")
@login_required
def dashboard() -> str:
    """The page for the user's roles: admins, head office, store staff, or a member."""
    user = current_user._get_current_object()
    roles = user.roles
    if not roles:
        return render_template("web/member_home.html", memberships=memberships_of(db.session, user))
    scope = stores_in_scope(user, Action.LIST_MEMBERS)
    store_query = select(Store).where(Store.is_head_office.is_(False)).order_by(Store.code)
    if scope is not None:
        store_query = store_query.where(Store.id.in_(scope))
    stores = list(db.session.scalars(store_query))
    counts = dict(
        db.session.execute(
            select(Member.store_id, func.count())
            .where(Member.store_id.in_([s.id for s in stores]))
            .group_by(Member.store_id)
        ).all()
    )
    by_status = dict(
        db.session.execute(
            select(Member.status, func.count())
            .where(Member.store_id.in_([s.id for s in stores]))
            .group_by(Member.status)
        ).all()
    )
    return render_template(
        "web/staff_home.html",
        roles=sorted(roles, key=list(Role).index),
        stores=stores,
        counts=counts,
        by_status=by_status,
        work=work_links(user),
    )


@bp.post("/language")
def set_language() -> Response:
    """Switch the UI language; kept on the account, or in the session for visitors."""
    form = LanguageForm()
    target = safe_next(form.next.data)
    if not form.validate_on_submit():
        flash(_("Choose a language from the list."), "error")
        return redirect(target)
    locale = form.locale.data
    session["locale"] = locale
    if current_user.is_authenticated:
        accounts.change_locale(db.session, user=current_user._get_current_object(), locale=locale)
        db.session.commit()
    return redirect(target)


def safe_next(target: str | None) -> str:
    """Only redirect to paths on this site (no open redirects)."""
    if target and target.isprintable():
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            # browsers read ///host and /\host as another site
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for("web.index")


@bp.get("/privacy")
def privacy() -> str:
    """The privacy terms a member accepts when registering."""
    return render_template(
        "web/privacy.html", version=current_app.config["PORTAL_PRIVACY_TERMS_VERSION"]
    )


@bp.get("/healthz")
def health() -> dict[str, str]:
    """For load balancers and the gunicorn start-up test: the app answers and reaches its DB."""
    db.session.execute(select(1))
    return {"status": "ok"}
