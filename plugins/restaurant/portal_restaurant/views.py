"""Pages of the restaurant vertical: the about page, visits (R22), VIP candidates (R22)
and the week's greetings. Each view loads, authorizes through the services, acts, renders."""

from __future__ import annotations

import secrets
from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal import clock
from portal.accounts.permissions import can
from portal.database import MAX_ID
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portal.extensions import db
from portal.members import services as members
from portal.members.models import Member
from portal.pagination import Page
from portal.stores.models import Store
from portal.vip import services as vip
from portal.web.forms import apply_errors, show_refusal
from portal_restaurant import greetings, months, services
from portal_restaurant.forms import (
    CandidateFilterForm,
    GreetingFilterForm,
    LookupForm,
    StartFileForm,
    VisitFilterForm,
    VisitForm,
)
from portal_restaurant.models import VisitSource
from portal_restaurant.permissions import (
    RECORD_VISIT,
    VIEW_CANDIDATES,
    VIEW_GREETINGS,
    VIEW_VISITS,
)

bp = Blueprint("restaurant", __name__, url_prefix="/restaurant", template_folder="templates")


def _page_size() -> int:
    return int(current_app.config["PORTAL_PAGE_SIZE"])


def _not_found() -> NotFound:
    return NotFound(_("This page does not exist, or you may not see it."))


def _id_arg(name: str) -> int | None:
    """An id from the query string; one no database row can have names nothing (404)."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise _not_found()
    return int(raw)


def _page_store(action: str) -> tuple[Store, list[Store]]:
    """The store the page shows (``?store=``, else the first in scope) and the choices."""
    stores = services.stores_for(db.session, current_user, action)
    if not stores:
        raise _not_found()
    wanted = _id_arg("store")
    if wanted is None:
        return stores[0], stores
    for store in stores:
        if store.id == wanted:
            return store, stores
    raise _not_found()


def _store_choices(form: object, stores: list[Store], store: Store) -> None:
    field = form.store  # type: ignore[attr-defined]
    field.choices = [(s.id, f"{s.name} ({s.code})") for s in stores]
    field.data = store.id


@bp.get("/about")
def show_about() -> str:
    """What the restaurant vertical does; open to everybody."""
    return render_template("restaurant/about.html")


# --- visits (R22) ---------------------------------------------------------------------------------


@bp.get("/visits")
@login_required
def list_visits() -> str | tuple[str, int]:
    """The store's visits, newest first, filtered by date range and source."""
    store, stores = _page_store(VIEW_VISITS)
    form = VisitFilterForm(request.args)
    _store_choices(form, stores, store)
    form.validate()
    known = form.sort.data in set(services.VisitSort)
    sort = services.VisitSort(form.sort.data) if known else services.VisitSort.NEWEST
    source = VisitSource(form.source.data) if form.source.data in set(VisitSource) else None
    status = 200
    try:
        page = services.list_visits(
            db.session,
            actor=current_user,
            store=store,
            since=None if form.since.errors else form.since.data,
            until=None if form.until.errors else form.until.data,
            source=source,
            sort=sort,
            cursor=request.args.get("cursor"),
            limit=_page_size(),
        )
    except ValidationFailed as exc:
        apply_errors(form, exc.errors)
        page, status = Page(items=[], next_cursor=None), exc.status
    return render_template(
        "restaurant/visits.html",
        form=form,
        page=page,
        sort=sort,
        store=store,
        may_record=can(current_user, RECORD_VISIT, store),
    ), status


@bp.route("/visits/new", methods=["GET", "POST"])
@login_required
def new_visit() -> str | Response | tuple[str, int]:
    """Record a customer's visit; without ``?member=`` find the customer by phone first."""
    member_id = _id_arg("member")
    if member_id is None:
        return _find_customer()
    member = members.get_member(db.session, actor=current_user, member_id=member_id)
    if not can(current_user, RECORD_VISIT, member):
        raise _not_found()
    form = VisitForm()
    zone = member.store.zone
    if request.method == "GET":
        form.idempotency_key.data = secrets.token_urlsafe(16)
        form.visited_at.data = (
            clock.now().astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
        )
        form.party_size.data = 2
    status = 200
    if form.validate_on_submit():
        data = services.VisitData(
            visited_at=form.visited_at.data.replace(tzinfo=zone),
            source=form.source.data,
            party_size=form.party_size.data,
            table_label=form.table_label.data,
            amount=form.amount.data,
            reservation_ref=form.reservation_ref.data,
        )
        try:
            visit, _created = services.record_visit(
                db.session,
                actor=current_user,
                member=member,
                data=data,
                idempotency_key=form.idempotency_key.data or None,
            )
        except (ValidationFailed, Conflict) as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("The visit is recorded."), "info")
            if visit.consumption_id is not None:
                flash(_("It is also recorded as VIP consumption (R5)."), "info")
            return redirect(url_for("members.show_member", member_id=member.id))
    elif request.method == "POST":
        status = 422
    qualification = services.qualification(db.session, member=member)
    return render_template(
        "restaurant/visit_new.html", form=form, member=member, qualification=qualification
    ), status


def _find_customer() -> str | tuple[str, int]:
    """The counter's lookup: the customers of the store holding the phone number given."""
    store, stores = _page_store(RECORD_VISIT)
    form = LookupForm(request.args)
    _store_choices(form, stores, store)
    found: list[Member] | None = None
    status = 200
    if form.mobile.data and form.validate():
        try:
            found = members.list_members(
                db.session,
                actor=current_user,
                store_id=store.id,
                contact=form.mobile.data,
                limit=_page_size(),
            ).items
        except (ValidationFailed, NotFound) as exc:
            form.mobile.errors = [str(exc.message or _("Invalid value."))]
            status = exc.status
    elif form.mobile.errors:
        status = 422
    return render_template("restaurant/visit_find.html", form=form, found=found), status


# --- VIP candidates (R22) ----------------------------------------------------------------------


@bp.get("/candidates")
@login_required
def list_candidates() -> str | tuple[str, int]:
    """R22: customers with two visits or more in a month; this month and last by default."""
    store, stores = _page_store(VIEW_CANDIDATES)
    form = CandidateFilterForm(request.args)
    _store_choices(form, stores, store)
    current = services.this_month(store)
    status = 200
    chosen = months.parse_month(form.month.data) if form.month.data else None
    if form.month.data and chosen is None:
        form.month.errors = [_("Enter a month as YYYY-MM.")]
        status = 422
    shown = [chosen] if chosen else [current, months.previous_month(current)]
    sections = []
    for month in shown:
        try:
            page = services.candidates(
                db.session,
                actor=current_user,
                store=store,
                month=month,
                cursor=request.args.get("cursor") if chosen else None,
                limit=_page_size(),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
            page, status = Page(items=[], next_cursor=None), exc.status
        sections.append((month, page))
    return render_template(
        "restaurant/candidates.html",
        form=form,
        store=store,
        sections=sections,
        single=chosen is not None,
        current=current,
        previous=months.previous_month(current),
        format_month=months.format_month,
        start_form=StartFileForm(),
        may_start=services.may_start_file,
    ), status


@bp.post("/candidates/<int:member_id>/vip-file")
@login_required
def start_vip_file(member_id: int) -> Response | tuple[str, int]:
    """Start the VIP file of a candidate through the core VIP service (R4; R8: referrer only)."""
    member = members.get_member(db.session, actor=current_user, member_id=member_id)
    if not can(current_user, VIEW_CANDIDATES, member):
        raise _not_found()
    back = url_for("restaurant.list_candidates", store=member.store_id)
    form = StartFileForm()
    if not form.validate_on_submit():
        return render_template(
            "restaurant/start_refused.html",
            member=member,
            message=_("The form has expired. Open the list again and retry."),
            back=back,
        ), 400
    try:
        file = vip.start_file(db.session, actor=current_user, member=member)
    except (PermissionDenied, Conflict, ValidationFailed) as exc:
        db.session.rollback()
        if isinstance(exc, ValidationFailed):
            message = " ".join(str(m) for msgs in exc.errors.values() for m in msgs)
        else:
            message = str(exc.message)
        return render_template(
            "restaurant/start_refused.html", member=member, message=message, back=back
        ), exc.status
    db.session.commit()
    flash(_("The VIP file is started. Fill in stage 1."), "info")
    return redirect(url_for("vip.edit_stage", file_id=file.id, stage=1))


# --- greetings (customer care) -------------------------------------------------------------------


@bp.get("/greetings")
@login_required
def list_greetings() -> str | tuple[str, int]:
    """The week's birthdays and wedding anniversaries of the store's customers."""
    store, stores = _page_store(VIEW_GREETINGS)
    form = GreetingFilterForm(request.args)
    _store_choices(form, stores, store)
    today = clock.now().astimezone(store.zone).date()
    week = greetings.week_from(today)
    wanted = request.args.get("day") or today.isoformat()
    try:
        day = date.fromisoformat(wanted)
    except ValueError:
        day = None
    if day not in week:
        raise _not_found()
    status = 200
    try:
        page = greetings.upcoming(
            db.session,
            actor=current_user,
            store=store,
            day=day,
            cursor=request.args.get("cursor"),
            limit=_page_size(),
        )
    except ValidationFailed as exc:
        apply_errors(form, exc.errors)
        page, status = Page(items=[], next_cursor=None), exc.status
    return render_template(
        "restaurant/greetings.html",
        form=form,
        store=store,
        week=week,
        day=day,
        today=today,
        page=page,
    ), status
