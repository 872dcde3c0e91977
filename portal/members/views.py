"""Self-registration, the member's own page, and the staff's member lists."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response

from portal import clock
from portal.accounts.permissions import Action, can, require, stores_in_scope
from portal.compliance.notices import notices_of_member
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import current_language, zone_of
from portal.members import ownership, services
from portal.members.forms import MemberFilterForm, ProfileForm, RegistrationForm
from portal.members.listing import listable_stores
from portal.members.models import MemberStatus
from portal.memberships.summary import member_panel
from portal.stores.forms import store_choices
from portal.stores.services import open_stores
from portal.web.forms import apply_errors

bp = Blueprint("members", __name__, template_folder="templates")


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response | tuple[str, int]:
    """A person registers as a member of a store (R1)."""
    form = RegistrationForm()
    form.store_id.choices = store_choices(open_stores(db.session), _("Choose a store"))
    if form.validate_on_submit():
        try:
            member = services.register_member(
                db.session,
                data=services.Registration(
                    full_name=form.full_name.data,
                    mobile=form.mobile.data,
                    email=form.email.data,
                    store_id=form.store_id.data,
                    password=form.password.data,
                    consent=form.consent.data,
                    locale=current_language(),
                ),
                terms_version=current_app.config["PORTAL_PRIVACY_TERMS_VERSION"],
            )
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            if not current_user.is_authenticated:
                login_user(member.user)
            flash(
                _("Welcome! You are now registered with %(store)s.", store=member.store.name),
                "info",
            )
            return redirect(url_for("members.show_member", member_id=member.id))
    status = 422 if request.method == "POST" else 200
    return render_template("members/register.html", form=form), status


@bp.get("/members/<int:member_id>")
@login_required
def show_member(member_id: int) -> str:
    """A member record: the member's own page, or a staff view within scope (R10)."""
    member = services.open_member_file(db.session, actor=current_user, member_id=member_id)
    db.session.commit()
    plugins = current_app.extensions["portal.plugins"]
    sections = plugins.collect("portal_member_sections", member=member, viewer=current_user)
    shown = services.as_seen_by(current_user, member)
    may_edit = can(current_user, Action.EDIT_MEMBER, member)
    return render_template(
        "members/show.html",
        member=shown,
        sections=sections,
        full_contacts=shown is member,
        may_edit=may_edit,
        may_edit_contacts=may_edit or ownership.is_referrer(member, current_user),
        # R4: the referrer starts the customer's VIP file from here
        may_start_vip=ownership.is_referrer(member, current_user)
        and can(current_user, Action.START_VIP_FILE, member),
        own=member.user_id == current_user.id,
        # R17-R21: the compliance notices addressed to the member (theirs and case readers')
        notices=notices_of_member(db.session, actor=current_user, member=member),
        # R15, R16: status, period, rights and obligations, fees, deposit and refunds
        membership=member_panel(db.session, viewer=current_user, member=member),
        # R8: who served the customer from when to when, and why (not shown to the member)
        history=(
            ownership.history(db.session, actor=current_user, member=member)
            if member.user_id != current_user.id
            else []
        ),
    )


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def edit_member(member_id: int) -> str | Response | tuple[str, int]:
    """Change a member's details; the R2 checks apply again."""
    member = services.get_member(db.session, actor=current_user, member_id=member_id)
    # before the form is filled from the record: it shows contacts a viewer may not see (R10)
    require(current_user, Action.EDIT_MEMBER, member)
    form = ProfileForm(obj=member)
    if form.validate_on_submit():
        try:
            services.update_profile(
                db.session,
                actor=current_user,
                member=member,
                changes=services.ProfileChanges(
                    full_name=form.full_name.data,
                    email=form.email.data or None,
                    address=form.address.data or None,
                    birthday=form.birthday.data,
                    wedding_anniversary=form.wedding_anniversary.data,
                    clear={
                        name
                        for name in ("email", "address", "birthday", "wedding_anniversary")
                        if not form[name].data
                    },
                ),
                today=clock.now().astimezone(zone_of(member.store)).date(),
            )
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "info")
            return redirect(url_for("members.show_member", member_id=member.id))
    status = 422 if request.method == "POST" else 200
    return render_template("members/edit.html", form=form, member=member), status


@bp.get("/members")
@login_required
def list_members() -> str:
    """Members of the stores in the viewer's scope; contacts masked unless the viewer owns them."""
    scope = stores_in_scope(current_user, Action.LIST_MEMBERS)
    if scope is not None and not scope:
        raise NotFound(_("No such store."))
    stores = listable_stores(db.session, scope)
    form = MemberFilterForm(request.args)
    form.store.choices = store_choices(stores, _("All my stores"))
    form.validate()
    if form.store.data and form.store.errors:
        # a store outside the viewer's scope, or an id no store has (R10: 404 either way)
        raise NotFound(_("No such store."))
    status = form.status.data if form.status.data in set(MemberStatus) else None
    sort = (
        services.MemberSort(form.sort.data)
        if form.sort.data in set(services.MemberSort)
        else services.MemberSort.NEWEST
    )
    page = services.list_members(
        db.session,
        actor=current_user,
        store_id=form.store.data or None,
        status=MemberStatus(status) if status else None,
        sort=sort,
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
        contact=None if form.contact.errors else (form.contact.data or None),
    )
    return render_template(
        "members/list.html",
        page=page,
        members=[services.as_seen_by(current_user, m) for m in page.items],
        form=form,
        sort=sort,
    )
