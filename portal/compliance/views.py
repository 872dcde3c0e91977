"""Pages of compliance: the catalogue, cases and their steps, notices, appeals (R17-R21, R25).

Each view loads its object through a service (404 outside the viewer's scope), lets the
service decide, commits once and redirects; a refusal is shown on the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from portal.accounts.permissions import Action, can, require
from portal.compliance import appeals, cases, decisions, notices, rectifications, services
from portal.compliance.catalogue import Measure, ViolationKind
from portal.compliance.forms import (
    AcknowledgeForm,
    AppealDecisionForm,
    AppealForm,
    CaseFilterForm,
    CaseForm,
    DecisionForm,
    NoteForm,
    OutcomeForm,
    ReasonForm,
    RectificationForm,
)
from portal.compliance.models import CaseState, ComplianceCase, Notice
from portal.documents.pdf import pdf_response
from portal.errors import Conflict, DomainError, ValidationFailed
from portal.extensions import db
from portal.web.forms import PortalForm, show_refusal

bp = Blueprint("compliance", __name__, url_prefix="/compliance", template_folder="templates")

PageResponse = str | Response | tuple[str, int]
#: a request carrying an attachment may be this large (the form around the 5 MB file)
UPLOAD_REQUEST_BYTES = cases.MAX_ATTACHMENT_BYTES + 64 * 1024


@bp.record_once
def _set_up(state: BlueprintSetupState) -> None:
    """Collect the catalogue at start-up, so a duplicate code fails at once."""
    services.init_app(state.app)


@bp.app_template_global("violation_title")
def violation_title(code: str) -> str:
    """A cited violation's title in the language being rendered (notices, PDF)."""
    return str(services.get_violation(code).title)


@bp.get("/catalogue")
@login_required
def show_catalogue() -> str:
    """Every violation of the enabled plugins, by kind, with the measures allowed (R18)."""
    sections = services.catalogue_for(current_user)
    return render_template(
        "compliance/catalogue.html",
        sections=sections,
        may_view_cases=can(current_user, Action.VIEW_CASES),
    )


# --- cases ----------------------------------------------------------------------------------


@bp.get("/cases")
@login_required
def list_cases() -> str:
    """Cases filtered by state, member and violation kind, newest or oldest first."""
    require(current_user, Action.VIEW_CASES)
    form = CaseFilterForm(request.args)
    form.validate()
    state = form.state.data if form.state.data in set(CaseState) else None
    kind = form.kind.data if form.kind.data in set(ViolationKind) else None
    sort = form.sort.data if form.sort.data in set(cases.CaseSort) else cases.CaseSort.NEWEST
    flt = cases.CaseFilter(
        state=CaseState(state) if state else None,
        member_id=form.member.data if not form.member.errors else None,
        kind=ViolationKind(kind) if kind else None,
    )
    page = cases.list_cases(
        db.session,
        actor=current_user,
        flt=flt,
        sort=cases.CaseSort(sort),
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    return render_template(
        "compliance/cases.html",
        page=page,
        form=form,
        may_open=can(current_user, Action.MANAGE_CASES),
        may_decide_appeals=can(current_user, Action.DECIDE_APPEAL),
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new_case() -> PageResponse:
    """Open a case against a member, citing catalogue violations (404 for those who
    cannot, like the other work pages)."""
    require(current_user, Action.MANAGE_CASES, hide=True)
    form = CaseForm()
    form.codes.choices = [
        SelectChoice(v.code, f"{v.code} · {v.title}") for v in services.catalogue()
    ]
    if request.method == "GET":
        form.member_id.data = request.args.get("member", type=int)
    status = 200
    if form.validate_on_submit():
        try:
            case = cases.open_case(
                db.session,
                actor=current_user,
                data=cases.NewCase(
                    member_id=form.member_id.data,
                    codes=form.codes.data,
                    subject=form.subject.data,
                    description=form.description.data,
                    illicit_gain=form.illicit_gain.data,
                ),
            )
        except DomainError as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Case %(number)s opened.", number=case.number), "info")
            return redirect(url_for("compliance.show_case", case_id=case.id))
    elif request.method == "POST":
        status = 422
    return render_template("compliance/new_case.html", form=form), status


def _case(case_id: int) -> ComplianceCase:
    return cases.get_case(db.session, actor=current_user, case_id=case_id)


def _managed(case_id: int) -> ComplianceCase:
    case = _case(case_id)
    cases.require_manager(current_user, case)
    return case


@bp.get("/cases/<int:case_id>")
@login_required
def show_case(case_id: int) -> str:
    """One case: what it cites, the proposal, notes, attachments, notices, timeline."""
    case = _case(case_id)
    return render_template(
        "compliance/case.html",
        case=case,
        violations=cases.violations_of(case),
        proposal=decisions.proposal_for(db.session, case),
        running=decisions.open_rectification(db.session, case),
        rectifiable=any(v.kind is ViolationKind.RECTIFIABLE for v in cases.violations_of(case)),
        notes=cases.notes(db.session, case),
        files=cases.attachments(db.session, case),
        case_notices=notices.notices_of_case(db.session, case),
        events=cases.timeline(db.session, case),
        may_manage=can(current_user, Action.MANAGE_CASES, case),
        note_form=NoteForm(formdata=None),
        action_form=AcknowledgeForm(formdata=None),
    )


def _step(
    case: ComplianceCase,
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
            return redirect(url_for("compliance.show_case", case_id=case.id))
        except DomainError as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(done, "info")
            return redirect(url_for("compliance.show_case", case_id=case.id))
    elif request.method == "POST":
        status = 422
    return render_template(template, form=form, case=case, **context), status


def _post_and_back(case: ComplianceCase, act: Callable[[], object], done: str) -> Response:
    """A one-button step from the case page (CSRF-checked by the form)."""
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for("compliance.show_case", case_id=case.id))
    try:
        act()
    except DomainError as exc:
        db.session.rollback()
        flash(refusal_text(exc), "error")
    else:
        db.session.commit()
        flash(done, "info")
    return redirect(url_for("compliance.show_case", case_id=case.id))


def refusal_text(exc: DomainError) -> str:
    """What a refusal says, for a flash message: the field messages of a validation."""
    if isinstance(exc, ValidationFailed):
        return " ".join(str(m) for messages in exc.errors.values() for m in messages)
    return str(exc.message)


@bp.post("/cases/<int:case_id>/notes")
@login_required
def add_note(case_id: int) -> PageResponse:
    """An evidence note, from the case page."""
    case = _managed(case_id)
    form = NoteForm()
    return _step(
        case,
        form,
        "compliance/note.html",
        lambda: cases.add_note(db.session, actor=current_user, case=case, text=form.text.data),
        _("Note added."),
    )


@bp.post("/cases/<int:case_id>/attachments")
@login_required
def add_attachment(case_id: int) -> Response:
    """Evidence file upload (PDF, PNG, JPEG, DOCX, XLSX; 5 MB at most)."""
    request.max_content_length = UPLOAD_REQUEST_BYTES
    case = _managed(case_id)
    upload = request.files.get("file")

    def act() -> None:
        cases.add_attachment(
            db.session,
            actor=current_user,
            case=case,
            filename=upload.filename if upload else "",
            content=upload.read(cases.MAX_ATTACHMENT_BYTES + 1) if upload else b"",
        )

    return _post_and_back(case, act, _("File attached."))


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def download_attachment(case_id: int, attachment_id: int) -> Response:
    """An evidence file, always as a download (never shown inline)."""
    case = _case(case_id)
    attachment = cases.get_attachment(
        db.session, actor=current_user, case=case, attachment_id=attachment_id
    )
    db.session.commit()
    response = Response(attachment.content, mimetype=attachment.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


@bp.post("/cases/<int:case_id>/investigation")
@login_required
def start_investigation(case_id: int) -> Response:
    """Open -> under investigation."""
    case = _managed(case_id)
    return _post_and_back(
        case,
        lambda: cases.start_investigation(db.session, actor=current_user, case=case),
        _("The case is under investigation."),
    )


#: measures whose effect on the membership needs the confirmation tick
CONFIRMED_MEASURES = {Measure.SUSPENSION.value, Measure.REVOCATION.value}


@bp.route("/cases/<int:case_id>/decision", methods=["GET", "POST"])
@login_required
def decide(case_id: int) -> PageResponse:
    """R18: the decision form, pre-filled with the proposal; a suspension or revocation
    asks for a confirmation first."""
    case = _managed(case_id)
    proposal = decisions.proposal_for(db.session, case)
    permitted = decisions.ladder.allowed(cases.violations_of(case))
    form = DecisionForm()
    form.measures.choices = [SelectChoice(m.value, m.label) for m in Measure if m in permitted]
    if request.method == "GET":
        form.measures.data = [m.value for m in proposal.measures]
        if case.illicit_gain is not None:
            form.compensation.data = str(case.illicit_gain)
    confirming = bool(set(form.measures.data or ()) & CONFIRMED_MEASURES)
    if request.method == "POST" and confirming and not form.confirm.data:
        form.validate()
        form.confirm.errors = [_("Tick the box to confirm.")]
        return render_template(
            "compliance/decide.html", form=form, case=case, proposal=proposal, confirming=True
        ), 422
    return _step(
        case,
        form,
        "compliance/decide.html",
        lambda: decisions.decide(
            db.session,
            actor=current_user,
            case=case,
            data=decisions.DecisionInput(
                measures=form.measures.data,
                reasons=form.reasons.data,
                override_reason=form.override_reason.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                compensation=form.compensation.data,
                offset_deposit=form.offset_deposit.data,
            ),
        ),
        _("Decided; the notice is issued."),
        proposal=proposal,
        confirming=confirming,
    )


@bp.route("/cases/<int:case_id>/rectification", methods=["GET", "POST"])
@login_required
def issue_rectification(case_id: int) -> PageResponse:
    """R19: a rectification notice with a deadline."""
    case = _managed(case_id)
    form = RectificationForm()
    return _step(
        case,
        form,
        "compliance/rectification.html",
        lambda: rectifications.issue_rectification(
            db.session,
            actor=current_user,
            case=case,
            requirement=form.requirement.data,
            deadline=form.deadline.data,
        ),
        _("Rectification notice issued."),
    )


@bp.route("/cases/<int:case_id>/rectification/outcome", methods=["GET", "POST"])
@login_required
def record_outcome(case_id: int) -> PageResponse:
    """R19: rectified by the deadline, or not (then revocation is proposed)."""
    case = _managed(case_id)
    form = OutcomeForm()
    return _step(
        case,
        form,
        "compliance/outcome.html",
        lambda: rectifications.record_outcome(
            db.session,
            actor=current_user,
            case=case,
            rectified=form.rectified.data == "yes",
            note=form.note.data,
        ),
        _("Outcome recorded."),
        running=decisions.open_rectification(db.session, case),
    )


@bp.route("/cases/<int:case_id>/close", methods=["GET", "POST"])
@login_required
def close_case(case_id: int) -> PageResponse:
    """Close the case, with a reason."""
    case = _managed(case_id)
    form = ReasonForm()
    return _step(
        case,
        form,
        "compliance/close.html",
        lambda: cases.close_case(
            db.session, actor=current_user, case=case, reason=form.reason.data
        ),
        _("Case closed."),
    )


# --- notices --------------------------------------------------------------------------------


def _notice(notice_id: int) -> Notice:
    return notices.get_notice(db.session, actor=current_user, notice_id=notice_id)


@bp.get("/notices/<int:notice_id>")
@login_required
def show_notice(notice_id: int) -> str:
    """The notice, printable, in the member's language; the member acknowledges and
    appeals from here."""
    notice = _notice(notice_id)
    own = notices.is_addressee(current_user, notice)
    return render_template(
        "compliance/notice.html",
        notice=notice,
        document=notices.render_document(notice),
        actions={
            "own": own,
            "may_appeal": appeals.may_appeal(current_user, notice),
            "form": AcknowledgeForm(formdata=None),
        },
    )


@bp.get("/notices/<int:notice_id>.pdf")
@login_required
def download_notice(notice_id: int) -> Response:
    """R25: the notice as a PDF, laid out from the printable page's template."""
    notice = _notice(notice_id)
    return pdf_response(notices.printable_page(notice), notices.pdf_filename(notice))


def _back_to_notice(notice: Notice) -> Response:
    return redirect(url_for("compliance.show_notice", notice_id=notice.id))


@bp.post("/notices/<int:notice_id>/acknowledgement")
@login_required
def acknowledge(notice_id: int) -> Response:
    """The member acknowledges receipt, once."""
    notice = _notice(notice_id)
    if AcknowledgeForm().validate_on_submit():
        try:
            notices.acknowledge(db.session, actor=current_user, notice=notice)
        except DomainError as exc:
            db.session.rollback()
            flash(refusal_text(exc), "error")
        else:
            db.session.commit()
            flash(_("Receipt acknowledged."), "info")
    return _back_to_notice(notice)


@bp.route("/notices/<int:notice_id>/appeal", methods=["GET", "POST"])
@login_required
def lodge_appeal(notice_id: int) -> PageResponse:
    """The member's appeal, within the window."""
    notice = _notice(notice_id)
    form = AppealForm()
    status = 200
    if form.validate_on_submit():
        try:
            appeals.lodge_appeal(
                db.session, actor=current_user, notice=notice, grounds=form.grounds.data
            )
        except DomainError as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Appeal lodged; you will be told the decision."), "info")
            return _back_to_notice(notice)
    elif request.method == "POST":
        status = 422
    return render_template("compliance/appeal.html", form=form, notice=notice), status


# --- appeals --------------------------------------------------------------------------------


@bp.get("/appeals")
@login_required
def appeal_queue() -> str:
    """Appeals waiting for a decision, oldest first."""
    page = appeals.appeal_queue(
        db.session,
        actor=current_user,
        cursor=request.args.get("cursor"),
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    return render_template("compliance/appeals.html", page=page)


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@login_required
def decide_appeal(appeal_id: int) -> PageResponse:
    """Uphold or dismiss an appeal, with reasons (not by the notice's officer)."""
    appeal = appeals.get_appeal(db.session, actor=current_user, appeal_id=appeal_id)
    require(current_user, Action.DECIDE_APPEAL, appeal.notice)
    form = AppealDecisionForm()
    status = 200
    if form.validate_on_submit():
        try:
            appeals.decide_appeal(
                db.session,
                actor=current_user,
                appeal=appeal,
                outcome=form.outcome.data,
                reasons=form.reasons.data,
            )
        except DomainError as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Appeal decided; the member is told."), "info")
            return redirect(url_for("compliance.appeal_queue"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "compliance/appeal_decision.html",
        form=form,
        appeal=appeal,
        may_decide=appeals.may_decide(current_user, appeal),
    ), status
