"""Pages of referrer ownership: entering customers, contacts, conflict cases, handover,
and the count of customers per referrer at a past date (R8, R9)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from portal import clock
from portal.accounts.models import User
from portal.accounts.permissions import Action, can, stores_in_scope
from portal.accounts.roles import Role
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import zone_of
from portal.members import contacts, ownership, services
from portal.members.contacts import ContactTaken
from portal.members.forms import (
    ContactsForm,
    CustomerForm,
    OwnershipReportForm,
    ResolveConflictForm,
    handover_form,
)
from portal.members.models import ContactKind, OwnershipConflict
from portal.stores.forms import store_choices
from portal.stores.models import Store
from portal.web.forms import apply_errors, show_refusal

bp = Blueprint("ownership", __name__, template_folder="templates")


@bp.app_template_filter("contact_kind_label")
def contact_kind_label(kind: str) -> str:
    return ContactKind(kind).label


@bp.app_template_filter("mask_contact")
def mask_contact(kind: str, value: str) -> str:
    """R10: ``{{ contact.kind | mask_contact(contact.value) }}``."""
    return contacts.mask(kind, value)


def _entered_contacts(form: ContactsForm | CustomerForm) -> list[tuple[str, str]]:
    return [
        (row.form.kind.data or ContactKind.MOBILE, row.form.value.data or "")
        for row in form.contacts
        if (row.form.value.data or "").strip()
    ]


def _pad_rows(form: ContactsForm | CustomerForm, rows: int = 2) -> None:
    """Offer a few empty rows below the entered ones."""
    filled = sum(1 for row in form.contacts if (row.form.value.data or "").strip())
    while len(form.contacts) < filled + rows and len(form.contacts) < form.contacts.max_entries:
        form.contacts.append_entry()


def _enter_stores() -> list[Store]:
    scope = stores_in_scope(current_user, Action.ENTER_CUSTOMER)
    query = db.select(Store).where(Store.is_head_office.is_(False), Store.is_active.is_(True))
    if scope is not None:
        query = query.where(Store.id.in_(scope or [-1]))
    return list(db.session.scalars(query.order_by(Store.code)))


@bp.route("/customers/new", methods=["GET", "POST"])
@login_required
def new_customer() -> str | Response | tuple[str, int]:
    """R8: staff enter a customer they refer; a manager may name another referrer."""
    stores = _enter_stores()
    if not stores:
        raise NotFound(_("Not found."))
    form = CustomerForm()
    form.store_id.choices = store_choices(stores, _("Choose a store"))
    if len(stores) == 1 and not form.store_id.data:
        form.store_id.data = stores[0].id
    managed = [s for s in stores if current_user.has_role(Role.STORE_MANAGER, s.id)]
    referrers: list[User] = []
    for store in managed:
        referrers += [
            u for u in ownership.successors_for(db.session, store.id) if u not in referrers
        ]
    form.referrer_id.choices = [SelectChoice(0, _("Myself"))] + [
        SelectChoice(u.id, u.display_name) for u in referrers if u.id != current_user.id
    ]
    status = 200
    if form.validate_on_submit():
        referrer = db.session.get(User, form.referrer_id.data) if form.referrer_id.data else None
        try:
            result = ownership.enter_customer(
                db.session,
                actor=current_user,
                store_id=form.store_id.data,
                full_name=form.full_name.data,
                mobile=form.mobile.data,
                email=form.email.data or None,
                contacts=_entered_contacts(form),
                referrer=referrer,
            )
        except ownership.AlreadyYours as exc:
            member_id = exc.member.id
            db.session.rollback()
            flash(_("This customer is already yours."), "info")
            return redirect(url_for("members.show_member", member_id=member_id))
        except (ValidationFailed, Conflict) as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            if isinstance(result, OwnershipConflict):
                flash(
                    _(
                        "This customer already belongs to another referrer of the store. "
                        "The store manager will decide who keeps them."
                    ),
                    "info",
                )
                return redirect(url_for("ownership.show_conflict", case_id=result.id))
            flash(_("The customer is entered."), "info")
            return redirect(url_for("members.show_member", member_id=result.id))
    if request.method == "POST" and status == 200:
        status = 422
    _pad_rows(form)
    return render_template(
        "members/customer_new.html", form=form, may_name_referrer=bool(managed)
    ), status


@bp.route("/members/<int:member_id>/contacts", methods=["GET", "POST"])
@login_required
def edit_contacts(member_id: int) -> str | Response | tuple[str, int]:
    """R8: the customer's contact methods, for their referrer and the store."""
    member = services.get_member(db.session, actor=current_user, member_id=member_id)
    if not (
        ownership.is_referrer(member, current_user) or can(current_user, Action.EDIT_MEMBER, member)
    ):
        raise NotFound(_("Not found."))
    rows = [{"kind": r.kind, "value": r.value} for r in member.contacts if not r.is_primary]
    form = ContactsForm(data={"contacts": rows})
    status = 200
    if form.validate_on_submit():
        try:
            ownership.set_contacts(
                db.session, actor=current_user, member=member, contacts=_entered_contacts(form)
            )
        except (ValidationFailed, ContactTaken) as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("The contacts are saved."), "info")
            return redirect(url_for("members.show_member", member_id=member.id))
    if request.method == "POST" and status == 200:
        status = 422
    _pad_rows(form)
    return render_template("members/contacts_edit.html", form=form, member=member), status


# --- conflicts ---------------------------------------------------------------------------------


@bp.get("/ownership/conflicts")
@login_required
def list_conflicts() -> str:
    """R8: the manager's queue of open cases, oldest first; the claimant's own cases."""
    limit = current_app.config["PORTAL_PAGE_SIZE"]
    deciding = stores_in_scope(current_user, Action.RESOLVE_OWNERSHIP)
    queue = None
    if deciding is None or deciding:
        queue = ownership.conflicts_queue(
            db.session, actor=current_user, cursor=request.args.get("cursor"), limit=limit
        )
    mine = ownership.my_conflicts(
        db.session,
        actor=current_user,
        cursor=None if queue is not None else request.args.get("cursor"),
        limit=limit,
    )
    if queue is None and not mine.items and not can(current_user, Action.ENTER_CUSTOMER):
        raise NotFound(_("Not found."))
    return render_template("members/conflicts.html", queue=queue, mine=mine)


@bp.route("/ownership/conflicts/<int:case_id>", methods=["GET", "POST"])
@login_required
def show_conflict(case_id: int) -> str | Response | tuple[str, int]:
    """One case, with the decision form for the store manager (R8)."""
    case = ownership.get_conflict(db.session, actor=current_user, case_id=case_id)
    form = ResolveConflictForm() if ownership.may_resolve(current_user, case) else None
    status = 200
    if request.method == "POST":
        if form is None:
            flash(_("This case was already decided by someone else."), "error")
            return redirect(url_for("ownership.show_conflict", case_id=case.id))
        if form.validate_on_submit():
            try:
                ownership.resolve_conflict(
                    db.session,
                    actor=current_user,
                    case=case,
                    keep=form.keep.data,
                    reason=form.reason.data,
                )
            except ValidationFailed as exc:
                db.session.rollback()
                apply_errors(form, exc.errors)
            except Conflict as exc:
                db.session.rollback()
                flash(str(exc.message), "error")
                return redirect(url_for("ownership.show_conflict", case_id=case_id))
            else:
                db.session.commit()
                flash(_("The decision is recorded."), "info")
                return redirect(url_for("ownership.show_conflict", case_id=case.id))
        status = 422
    member = case.member
    shown = services.as_seen_by(current_user, member)
    claimant_view = current_user.id in (case.claimant_id, case.created_by_id)
    return render_template(
        "members/conflict.html",
        case=case,
        form=form,
        member=services.MaskedMember(member) if shown is member else shown,
        claimed_in_full=claimant_view or shown is member,
    ), status


# --- handover (R9) -----------------------------------------------------------------------------


@bp.get("/ownership/handover")
@login_required
def handover() -> str:
    """R9: referrers of the store with their customer counts, departed ones first."""
    stores = ownership.handover_stores(db.session, current_user)
    if not stores:
        raise NotFound(_("Not found."))
    store = _picked_store(stores)
    rows = ownership.referrers_of_store(db.session, actor=current_user, store_id=store.id)
    return render_template("members/handover.html", stores=stores, store=store, rows=rows)


def _picked_store(stores: list[Store]) -> Store:
    wanted = request.args.get("store", type=int)
    if wanted is None:
        return stores[0]
    for store in stores:
        if store.id == wanted:
            return store
    raise NotFound(_("No such store."))


@bp.route("/ownership/handover/<int:store_id>/<int:user_id>", methods=["GET", "POST"])
@login_required
def handover_referrer(store_id: int, user_id: int) -> str | Response | tuple[str, int]:
    """R9: one referrer's customers, a successor for each or one for all."""
    store, previous, page = ownership.handover_customers(
        db.session,
        actor=current_user,
        store_id=store_id,
        referrer_id=user_id,
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    successors = ownership.successors_for(db.session, store.id, exclude=previous.id)
    choices = [SelectChoice(0, "—")] + [SelectChoice(u.id, u.display_name) for u in successors]
    form = handover_form([m.id for m in page.items], choices)
    status = 200
    if form.validate_on_submit():
        picks = {
            m.id: form[f"successor_{m.id}"].data
            for m in page.items
            if form[f"successor_{m.id}"].data
        }
        all_to = db.session.get(User, form.all_to.data) if form.all_to.data else None
        try:
            done = ownership.hand_over(
                db.session,
                actor=current_user,
                store_id=store.id,
                previous=previous,
                choices=picks,
                all_to=all_to,
            )
        except (ValidationFailed, Conflict) as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("%(count)d customers handed over.", count=len(done)), "info")
            return redirect(url_for("ownership.handover", store=store.id))
    if request.method == "POST" and status == 200:
        status = 422
    return render_template(
        "members/handover_referrer.html",
        store=store,
        previous=previous,
        page=page,
        members=[services.as_seen_by(current_user, m) for m in page.items],
        form=form,
    ), status


# --- counts at a past date -------------------------------------------------------------------


def end_of_day(day: object, store: Store) -> datetime:
    """The last instant of ``day`` in the store's time zone."""
    zone = zone_of(store)
    midnight = datetime.combine(day, time.min, tzinfo=zone) + timedelta(days=1)  # type: ignore[call-overload]
    return midnight - timedelta(microseconds=1)


@bp.get("/ownership/report")
@login_required
def report() -> str:
    """Customers per referrer of a store on a given day (default: now)."""
    stores = ownership.report_stores(db.session, current_user)
    if not stores:
        raise NotFound(_("Not found."))
    form = OwnershipReportForm(request.args)
    form.store.choices = store_choices(stores, _("Choose a store"))
    form.validate()
    if form.store.data and form.store.errors:
        raise NotFound(_("No such store."))
    store = next((s for s in stores if s.id == form.store.data), stores[0])
    at = end_of_day(form.on.data, store) if form.on.data and not form.on.errors else clock.now()
    rows = ownership.ownership_report(db.session, actor=current_user, store_id=store.id, at=at)
    return render_template(
        "members/ownership_report.html",
        form=form,
        store=store,
        at=at,
        rows=rows,
        total=sum(r.customers for r in rows),
    )
