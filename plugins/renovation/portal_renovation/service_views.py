"""Pages of the service rhythm: customer classes and follow-ups (R11), revisits (R12)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from portal import clock
from portal.accounts.permissions import can, require, stores_in_scope
from portal.errors import DomainError, NotFound
from portal.extensions import db
from portal.web.forms import PortalForm, show_refusal
from portal_renovation import checks, followups, revisits
from portal_renovation import permissions as p
from portal_renovation.forms import (
    ClassForm,
    DueFilterForm,
    FollowUpForm,
    LeadForm,
    ProjectForm,
    ProjectRevisitForm,
)
from portal_renovation.models import CustomerClass
from portal_renovation.services import staff_of_store
from portal_renovation.views import store_choices, stores_for

bp = Blueprint(
    "renovation_service", __name__, url_prefix="/renovation", template_folder="templates"
)

PageResponse = str | Response | tuple[str, int]
#: how many coming revisit dates a project's page lists
PLAN_PREVIEW = 6


def _save(form: PortalForm, act: Any, done: str, back: str) -> tuple[Response | None, int]:
    """Run a form's service once on a valid POST and commit; (redirect, 200) or (None, status)."""
    if form.validate_on_submit():
        try:
            act()
        except DomainError as exc:
            return None, show_refusal(form, exc)
        db.session.commit()
        flash(done, "info")
        return redirect(back), 302
    return None, 422 if request.method == "POST" else 200


def _people(store_id: int, placeholder: str) -> list[SelectChoice]:
    return [SelectChoice(0, placeholder)] + [
        SelectChoice(u.id, u.display_name) for u in staff_of_store(db.session, store_id)
    ]


# --- R11 ------------------------------------------------------------------------------------


@bp.get("/follow-ups")
@login_required
def due_follow_ups() -> str:
    """R11: classed customers, the earliest follow-up due first."""
    stores = stores_for(p.VIEW_SERVICE)
    if not stores:
        raise NotFound(_("Not found."))
    form = DueFilterForm(request.args)
    form.store.choices = store_choices(stores, _("All my stores"))
    form.validate()
    if form.store.data and form.store.errors:
        raise NotFound(_("No such store."))
    today = checks.local_today(None, clock.now())
    klass = form.customer_class.data
    region = None if form.region.errors else (form.region.data or "").strip() or None
    page = followups.due_list(
        db.session,
        actor=current_user,
        flt=followups.DueFilter(
            store_id=form.store.data or None,
            customer_class=CustomerClass(klass) if klass in set(CustomerClass) else None,
            region=region,
            due_by=today if form.due.data else None,
        ),
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    leads = followups.responsible_for_rows(db.session, page.items)
    rows = [(row, leads[row.member_id]) for row in page.items]
    return render_template(
        "renovation/follow_ups.html",
        page=page,
        rows=rows,
        form=form,
        today=today,
        may_assign=bool(stores_for(p.ASSIGN_LEADS)),
    )


@bp.get("/customers/<int:member_id>")
@login_required
def show_customer(member_id: int) -> str:
    """A customer's class, follow-ups and delivered projects (R11, R12)."""
    member = followups.get_customer(db.session, actor=current_user, member_id=member_id)
    row = followups.classing_of(db.session, member)
    return render_template(
        "renovation/customer.html",
        member=member,
        row=row,
        lead=followups.responsible_for(db.session, row) if row else None,
        follow_ups=followups.follow_ups_of(db.session, member),
        projects=revisits.projects_of(db.session, member),
        may_follow_up=can(current_user, p.FOLLOW_UP, member),
    )


def _customer_for_work(member_id: int) -> Any:
    member = followups.get_customer(db.session, actor=current_user, member_id=member_id)
    require(current_user, p.FOLLOW_UP, member)
    return member


@bp.route("/customers/<int:member_id>/class", methods=["GET", "POST"])
@login_required
def class_customer(member_id: int) -> PageResponse:
    """R11: put the customer in class A, B or C and a region."""
    member = _customer_for_work(member_id)
    row = followups.classing_of(db.session, member)
    form = ClassForm(obj=row) if request.method == "GET" and row else ClassForm()
    back = url_for("renovation_service.show_customer", member_id=member.id)
    done, status = _save(
        form,
        lambda: followups.class_customer(
            db.session,
            actor=current_user,
            member_id=member.id,
            customer_class=form.customer_class.data,
            region=form.region.data,
        ),
        _("Class saved."),
        back,
    )
    if done is not None:
        return done
    return render_template("renovation/class_form.html", form=form, member=member), status


@bp.route("/customers/<int:member_id>/follow-up", methods=["GET", "POST"])
@login_required
def record_follow_up(member_id: int) -> PageResponse:
    """R11: record a follow-up; the next one falls due a cadence later."""
    member = _customer_for_work(member_id)
    form = FollowUpForm()
    if request.method == "GET":
        form.followed_up_on.data = checks.local_today(member.store, clock.now())
    back = url_for("renovation_service.show_customer", member_id=member.id)
    done, status = _save(
        form,
        lambda: followups.record_follow_up(
            db.session,
            actor=current_user,
            member_id=member.id,
            followed_up_on=form.followed_up_on.data,
            channel=form.channel.data,
            note=form.note.data,
        ),
        _("Follow-up recorded."),
        back,
    )
    if done is not None:
        return done
    return render_template("renovation/follow_up_form.html", form=form, member=member), status


@bp.route("/leads", methods=["GET", "POST"])
@login_required
def leads() -> PageResponse:
    """R11: the responsible person of each class in each region; managers name them."""
    stores = stores_for(p.VIEW_SERVICE)
    if not stores:
        raise NotFound(_("Not found."))
    assignable = stores_for(p.ASSIGN_LEADS)
    form = LeadForm()
    form.store_id.choices = store_choices(assignable, _("Choose a store"))
    form.user_id.choices = [SelectChoice(0, _("Choose an employee"))] + [
        SelectChoice(u.id, f"{u.display_name} · {s.name}")
        for s in assignable
        for u in staff_of_store(db.session, s.id)
    ]
    status = 200
    if request.method == "POST":
        if not assignable:
            raise NotFound(_("Not found."))
        done, status = _save(
            form,
            lambda: followups.set_lead(
                db.session,
                actor=current_user,
                store_id=form.store_id.data,
                region=form.region.data,
                customer_class=form.customer_class.data,
                user_id=form.user_id.data,
            ),
            _("Responsible person named."),
            url_for("renovation_service.leads"),
        )
        if done is not None:
            return done
    scope = stores_in_scope(current_user, p.VIEW_SERVICE)
    return render_template(
        "renovation/leads.html",
        leads=followups.leads_of(db.session, scope),
        form=form if assignable else None,
    ), status


# --- R12 ------------------------------------------------------------------------------------


@bp.get("/revisits")
@login_required
def due_revisits() -> str:
    """R12: delivered projects, the earliest revisit due first."""
    stores = stores_for(p.VIEW_SERVICE)
    if not stores:
        raise NotFound(_("Not found."))
    form = DueFilterForm(request.args)
    form.store.choices = store_choices(stores, _("All my stores"))
    form.validate()
    if form.store.data and form.store.errors:
        raise NotFound(_("No such store."))
    today = checks.local_today(None, clock.now())
    page = revisits.due_revisits(
        db.session,
        actor=current_user,
        store_id=form.store.data or None,
        due_by=today if form.due.data else None,
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    return render_template("renovation/revisits.html", page=page, form=form, today=today)


@bp.route("/customers/<int:member_id>/projects/new", methods=["GET", "POST"])
@login_required
def register_project(member_id: int) -> PageResponse:
    """R12: a project delivered to the customer; its revisit plan starts."""
    member = _customer_for_work(member_id)
    form = ProjectForm()
    form.responsible_id.choices = _people(member.store_id, _("Choose an employee"))
    if request.method == "GET":
        form.responsible_id.data = current_user.id
    holder: dict[str, Any] = {}

    def act() -> None:
        holder["project"] = revisits.register_project(
            db.session,
            actor=current_user,
            member_id=member.id,
            name=form.name.data,
            delivered_on=form.delivered_on.data,
            responsible_id=form.responsible_id.data,
        )

    done, status = _save(
        form,
        act,
        _("Project registered; its revisits are planned."),
        url_for("renovation_service.show_customer", member_id=member.id),
    )
    if done is not None:
        return redirect(url_for("renovation_service.show_project", project_id=holder["project"].id))
    return render_template("renovation/project_form.html", form=form, member=member), status


@bp.get("/projects/<int:project_id>")
@login_required
def show_project(project_id: int) -> str:
    """R12: a project's revisit plan: the next due dates and the revisits so far."""
    project = revisits.get_project(db.session, actor=current_user, project_id=project_id)
    coming = [project.next_revisit_on]
    while len(coming) < PLAN_PREVIEW:
        coming.append(revisits.next_revisit_after(project.delivered_on, coming[-1]))
    return render_template(
        "renovation/project.html",
        project=project,
        coming=coming,
        visits=revisits.revisits_of(db.session, project),
        may_revisit=can(current_user, p.FOLLOW_UP, project),
    )


@bp.route("/projects/<int:project_id>/revisit", methods=["GET", "POST"])
@login_required
def revisit_project(project_id: int) -> PageResponse:
    """R12: record a revisit with the customer's satisfaction."""
    project = revisits.get_project(db.session, actor=current_user, project_id=project_id)
    require(current_user, p.FOLLOW_UP, project)
    form = ProjectRevisitForm()
    if request.method == "GET":
        form.visited_on.data = checks.local_today(project.store, clock.now())

    def act() -> None:
        score = str(form.score.data)
        revisits.record_revisit(
            db.session,
            actor=current_user,
            project=project,
            visited_on=form.visited_on.data,
            score=int(score) if score.isdigit() else None,
            note=form.note.data,
        )

    done, status = _save(
        form,
        act,
        _("Revisit recorded."),
        url_for("renovation_service.show_project", project_id=project.id),
    )
    if done is not None:
        return done
    return render_template("renovation/project_revisit.html", form=form, project=project), status
