"""Pages of the renovation vertical: cases, their steps, repair and penalty notices.

Each view loads its object through a service (404 outside the viewer's scope), lets the
service decide, commits once and redirects; a refusal is shown on the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from portal.accounts.permissions import can, require, stores_in_scope
from portal.documents.pdf import pdf_response
from portal.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from portal.extensions import db
from portal.i18n import zone_of
from portal.stores.models import Store
from portal.web.forms import PortalForm, show_refusal
from portal_renovation import permissions as p
from portal_renovation import services
from portal_renovation.forms import (
    AppointmentForm,
    CaseFilterForm,
    CaseForm,
    CloseForm,
    HandoverForm,
    NoteForm,
    PenaltyForm,
    RevisitForm,
    RouteForm,
)
from portal_renovation.models import CaseState, PenaltyNotice, RenovationCase, Route, Severity

bp = Blueprint("renovation", __name__, url_prefix="/renovation", template_folder="templates")

PageResponse = str | Response | tuple[str, int]
#: the owner filter names at most this many employees (head office spans every store)
MAX_OWNER_CHOICES = 200


@bp.get("/about")
def show_about() -> str:
    """What the renovation vertical offers; open to everybody."""
    return render_template("renovation/about.html")


def stores_for(action: str) -> list[Store]:
    """The stores (not the head office) where the viewer may take ``action``."""
    scope = stores_in_scope(current_user, action)
    query = select(Store).where(Store.is_head_office.is_(False)).order_by(Store.code)
    if scope is not None:
        query = query.where(Store.id.in_(scope))
    return list(db.session.scalars(query))


def store_choices(stores: list[Store], first: str) -> list[SelectChoice]:
    """Options for a store picker; ``first`` labels the value 0 (none or all)."""
    return [SelectChoice(0, first)] + [SelectChoice(s.id, s.name) for s in stores]


@bp.get("/cases")
@login_required
def list_cases() -> str:
    """Cases of the viewer's stores, filtered by state, severity and owner, sorted."""
    stores = stores_for(p.VIEW_CASE)
    if not stores:
        raise NotFound(_("Not found."))
    form = CaseFilterForm(request.args)
    form.store.choices = store_choices(stores, _("All my stores"))
    employees = {u.id: u for u in services.staff_of_stores(db.session, [s.id for s in stores])}
    form.owner.choices += [
        SelectChoice(str(u.id), u.display_name)
        for u in list(employees.values())[:MAX_OWNER_CHOICES]
    ]
    form.validate()
    if form.store.data and form.store.errors:
        raise NotFound(_("No such store."))
    owner = form.owner.data or ""
    flt = services.CaseFilter(
        store_id=form.store.data or None,
        state=CaseState(form.state.data) if form.state.data in set(CaseState) else None,
        severity=Severity(form.severity.data) if form.severity.data in set(Severity) else None,
        owner_id=current_user.id
        if owner == "me"
        else (int(owner) if owner.isdigit() and int(owner) in employees else None),
    )
    sort = form.sort.data if form.sort.data in set(services.CaseSort) else "newest"
    page = services.list_cases(
        db.session,
        actor=current_user,
        flt=flt,
        sort=services.CaseSort(sort),
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    return render_template(
        "renovation/list.html",
        page=page,
        form=form,
        sort=sort,
        may_log=bool(stores_for(p.ACT_ON_CASE)),
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new_case() -> PageResponse:
    """R14: write down a call, letter or visit; the one who logs it owns it (R13)."""
    stores = stores_for(p.ACT_ON_CASE)
    if not stores:
        raise NotFound(_("Not found."))
    form = CaseForm()
    form.store_id.choices = store_choices(stores, _("Choose a store"))
    if request.method == "GET":
        form.store_id.data = stores[0].id if len(stores) == 1 else 0
        form.member_id.data = request.args.get("member", type=int)
        form.earlier_number.data = request.args.get("earlier", "")[:32]
        if form.earlier_number.data:
            form.kind.data = "complaint"
    status = 200
    if form.validate_on_submit():
        try:
            case = services.log_case(
                db.session,
                actor=current_user,
                data=services.NewCase(
                    store_id=form.store_id.data,
                    member_id=form.member_id.data,
                    kind=form.kind.data,
                    channel=form.channel.data,
                    severity=form.severity.data,
                    subject=form.subject.data,
                    description=form.description.data,
                    project=form.project.data,
                    department=form.department.data,
                    earlier_number=form.earlier_number.data,
                ),
            )
        except NotFound:
            status = show_refusal(
                form, ValidationFailed.single("store_id", _("Choose a store from the list."))
            )
        except DomainError as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Case %(number)s logged; it is yours (R13).", number=case.number), "info")
            return redirect(url_for("renovation.show_case", case_id=case.id))
    elif request.method == "POST":
        status = 422
    return render_template("renovation/new.html", form=form), status


def _case(case_id: int) -> RenovationCase:
    return services.get_case(db.session, actor=current_user, case_id=case_id)


@bp.get("/cases/<int:case_id>")
@login_required
def show_case(case_id: int) -> str:
    """One case with its timeline, its deadlines and the steps the viewer may take."""
    case = _case(case_id)
    may_act = services.may_act(current_user, case)
    return render_template(
        "renovation/show.html",
        case=case,
        events=services.timeline(db.session, case),
        task=services.last_promise_task(db.session, case),
        promise_open=services.promise_task(db.session, case) is not None,
        penalties=services.penalties_of_case(db.session, case),
        may_act=may_act,
        may_book=may_act or case.supervisor_id == current_user.id,
        may_penalize=can(current_user, p.ISSUE_PENALTY, case),
    )


def _step(
    case: RenovationCase,
    form: PortalForm,
    template: str,
    act: Callable[[], object],
    done: str,
    **context: Any,
) -> PageResponse:
    """A step's form page; on a valid POST run the service once, commit, back to the case."""
    status = 200
    if form.validate_on_submit():
        try:
            act()
        except Conflict as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
            return redirect(url_for("renovation.show_case", case_id=case.id))
        except DomainError as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(done, "info")
            return redirect(url_for("renovation.show_case", case_id=case.id))
    elif request.method == "POST":
        status = 422
    return render_template(template, form=form, case=case, **context), status


def _acting(case_id: int) -> RenovationCase:
    """R13: step pages only for whoever may act on the case (403 for other readers)."""
    case = _case(case_id)
    services.require_actor(current_user, case)
    return case


def _people(users: list[Any], placeholder: str) -> list[SelectChoice]:
    return [SelectChoice(0, placeholder)] + [
        SelectChoice(
            u.id, u.display_name if u.is_enabled else _("%(name)s (left)", name=u.display_name)
        )
        for u in users
    ]


@bp.route("/cases/<int:case_id>/handover", methods=["GET", "POST"])
@login_required
def hand_over(case_id: int) -> PageResponse:
    """R13: hand the case to another employee, with a recorded reason."""
    case = _acting(case_id)
    form = HandoverForm()
    others = [
        u for u in services.staff_of_store(db.session, case.store_id) if u.id != case.owner_id
    ]
    form.to_user_id.choices = _people(others, _("Choose an employee"))
    return _step(
        case,
        form,
        "renovation/handover.html",
        lambda: services.hand_over(
            db.session,
            actor=current_user,
            case=case,
            to_user_id=form.to_user_id.data,
            reason=form.reason.data,
        ),
        _("Case handed over."),
    )


@bp.route("/cases/<int:case_id>/route", methods=["GET", "POST"])
@login_required
def route_repair(case_id: int) -> PageResponse:
    """R23: send the repair to its supervisor or vendor, or promise contact in 48 hours."""
    case = _acting(case_id)
    form = RouteForm()
    form.supervisor_id.choices = _people(
        services.staff_of_store(db.session, case.store_id, enabled_only=False),
        _("Choose the site supervisor"),
    )
    return _step(
        case,
        form,
        "renovation/route.html",
        lambda: services.route_repair(
            db.session,
            actor=current_user,
            case=case,
            responsible=form.responsible.data,
            supervisor_id=form.supervisor_id.data or None,
            vendor_name=form.vendor_name.data,
            repair_work=form.repair_work.data,
        ),
        _("Repair routed."),
    )


@bp.route("/cases/<int:case_id>/appointment", methods=["GET", "POST"])
@login_required
def record_appointment(case_id: int) -> PageResponse:
    """R23: the time the site supervisor agreed with the customer."""
    case = _case(case_id)
    if not (services.may_act(current_user, case) or case.supervisor_id == current_user.id):
        raise PermissionDenied(_("Only the owner or the site supervisor records this."))
    form = AppointmentForm()
    zone = zone_of(case.store)

    def act() -> None:
        local = form.appointment_at.data
        services.record_appointment(
            db.session,
            actor=current_user,
            case=case,
            appointment_at=local.replace(tzinfo=zone) if local else None,
        )

    return _step(case, form, "renovation/appointment.html", act, _("Appointment recorded."))


@bp.route("/cases/<int:case_id>/contact", methods=["GET", "POST"])
@login_required
def record_contact(case_id: int) -> PageResponse:
    """R23: the customer was contacted within the promised 48 hours."""
    case = _acting(case_id)
    form = NoteForm()
    return _step(
        case,
        form,
        "renovation/contact.html",
        lambda: services.record_contact(
            db.session, actor=current_user, case=case, note=form.note.data
        ),
        _("Contact recorded."),
    )


@bp.route("/cases/<int:case_id>/close", methods=["GET", "POST"])
@login_required
def close_case(case_id: int) -> PageResponse:
    """R24: close with the customer's confirmation of the resolution."""
    case = _acting(case_id)
    form = CloseForm()
    return _step(
        case,
        form,
        "renovation/close.html",
        lambda: services.close_case(
            db.session,
            actor=current_user,
            case=case,
            resolution=form.resolution.data,
            confirmed_by=form.confirmed_by.data,
            method=form.method.data,
        ),
        _("Case closed; the revisit is due (R14)."),
    )


@bp.route("/cases/<int:case_id>/revisit", methods=["GET", "POST"])
@login_required
def record_revisit(case_id: int) -> PageResponse:
    """R14: the revisit after the resolution."""
    case = _acting(case_id)
    form = RevisitForm()
    return _step(
        case,
        form,
        "renovation/revisit.html",
        lambda: services.record_revisit(
            db.session,
            actor=current_user,
            case=case,
            score=int(form.score.data) if str(form.score.data).isdigit() else None,
            note=form.note.data,
        ),
        _("Revisit recorded."),
    )


@bp.route("/cases/<int:case_id>/penalty", methods=["GET", "POST"])
@login_required
def issue_penalty(case_id: int) -> PageResponse:
    """R24: the store manager issues a penalty notice to the responsible employee."""
    case = _case(case_id)
    require(current_user, p.ISSUE_PENALTY, case)
    form = PenaltyForm()
    form.employee_id.choices = _people(
        services.staff_of_store(db.session, case.store_id, enabled_only=False),
        _("Choose an employee"),
    )
    return _step(
        case,
        form,
        "renovation/penalty_form.html",
        lambda: services.issue_penalty(
            db.session,
            actor=current_user,
            case=case,
            employee_id=form.employee_id.data,
            reason=form.reason.data,
            measure=form.measure.data,
        ),
        _("Penalty notice issued."),
    )


def _repair_notice_case(case_id: int) -> RenovationCase:
    """The case behind a repair notice; 404 when it was not routed to a vendor."""
    case = _case(case_id)
    if case.route != Route.VENDOR or not case.repair_notice_number:
        raise NotFound(_("This case has no repair notice."))
    return case


@bp.get("/cases/<int:case_id>/repair-notice")
@login_required
def show_repair_notice(case_id: int) -> str:
    """R23: the numbered repair notice for the vendor, printable."""
    case = _repair_notice_case(case_id)
    return render_template("renovation/repair_notice.html", case=case)


@bp.get("/cases/<int:case_id>/repair-notice.pdf")
@login_required
def download_repair_notice(case_id: int) -> Response:
    """R23, R25: the repair notice as a PDF, laid out from the printable page's template."""
    case = _repair_notice_case(case_id)
    html = render_template("renovation/repair_notice.html", case=case)
    return pdf_response(html, f"{case.repair_notice_number}.pdf")


@bp.get("/penalties")
@login_required
def list_penalties() -> str:
    """Penalty notices: one's own, and every one of the stores one oversees."""
    page = services.list_penalties(
        db.session,
        actor=current_user,
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    return render_template("renovation/penalties.html", page=page)


@bp.get("/penalties/<int:penalty_id>")
@login_required
def show_penalty(penalty_id: int) -> str:
    """R24: one penalty notice, printable."""
    notice = services.get_penalty(db.session, actor=current_user, penalty_id=penalty_id)
    return render_template("renovation/penalty.html", notice=notice)


def penalty_pdf(notice: PenaltyNotice) -> Response:
    """R25: a penalty notice as a PDF of its printable page (also the API's download)."""
    html = render_template("renovation/penalty.html", notice=notice)
    return pdf_response(html, f"{notice.number}.pdf")


@bp.get("/penalties/<int:penalty_id>.pdf")
@login_required
def download_penalty(penalty_id: int) -> Response:
    """R24, R25: one penalty notice as a PDF."""
    return penalty_pdf(services.get_penalty(db.session, actor=current_user, penalty_id=penalty_id))
