"""Pages of memberships (R15, R16): the member's own, the staff list, a membership's
detail and its steps, the application queue, finance's refunds due, and the types admin.
Views load, call a service and render; the rules and the authorization live in services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.accounts.permissions import Action, can, require, stores_in_scope
from portal.database import MAX_ID
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.members import services as members
from portal.members.models import Member
from portal.memberships import ledger, lifecycle, listing, types
from portal.memberships.forms import (
    ApplyForm,
    DecisionForm,
    EndForm,
    EndRequestForm,
    FilterForm,
    MarkPaidForm,
    ReceiptForm,
    RenewForm,
    RevokeForm,
    SuspendForm,
    TransferDecisionForm,
    TransferForm,
    TypeForm,
)
from portal.memberships.models import EntryKind, Membership
from portal.memberships.policies import EndedBy
from portal.memberships.status import MembershipStatus
from portal.memberships.summary import summarize
from portal.sla import services as sla
from portal.stores.forms import store_choices
from portal.stores.models import Store
from portal.web.forms import show_refusal

bp = Blueprint("memberships", __name__, url_prefix="/memberships", template_folder="templates")

#: the refunds-due tabs: days ahead
REFUND_TABS = (30, 90)


def _page_size() -> int:
    return int(current_app.config["PORTAL_PAGE_SIZE"])


def _load(membership_id: int) -> Membership:
    return lifecycle.get_membership(db.session, actor=current_user, membership_id=membership_id)


def _show(membership: Membership) -> Response:
    return redirect(url_for("memberships.show_membership", membership_id=membership.id))


# --- the member's own -------------------------------------------------------------------


@bp.get("/mine")
@login_required
def my_memberships() -> str:
    """The signed-in member firm's memberships: status, period, rights, fees and deposit."""
    rows = []
    for member in members.memberships_of(db.session, current_user):
        current = lifecycle.current_membership(db.session, member)
        summary = summarize(db.session, current) if current is not None else None
        may_apply = summary is None or summary.status not in lifecycle.LIVE
        rows.append((member, summary, may_apply))
    return render_template("memberships/mine.html", rows=rows)


@bp.route("/apply", methods=["GET", "POST"])
@login_required
def apply() -> str | Response | tuple[str, int]:
    """A member firm applies for itself; staff apply on a member's behalf (?member_id=)."""
    member_id = request.args.get("member_id", type=int) or 0
    member = db.session.get(Member, member_id) if 0 < member_id <= MAX_ID else None
    if member is None or not (
        member.user_id == current_user.id or can(current_user, Action.VIEW_MEMBER, member)
    ):
        raise NotFound(_("This page does not exist, or you may not see it."))
    form = ApplyForm()
    form.type_id.choices = [
        (t.id, t.name)
        for t in types.list_types(db.session, store_id=member.store_id, active_only=True)
    ]
    status = 200
    if form.validate_on_submit():
        mtype = types.get_type(db.session, form.type_id.data)
        try:
            membership = lifecycle.apply(
                db.session, actor=current_user, member=member, membership_type=mtype
            )
        except DomainError as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Applied: %(number)s waits for a reviewer.", number=membership.number), "info")
            if member.user_id == current_user.id:
                return redirect(url_for("memberships.my_memberships"))
            return _show(membership)
    elif request.method == "POST":
        status = 422
    return render_template("memberships/apply.html", form=form, member=member), status


# --- staff lists ----------------------------------------------------------------------------


@bp.get("/")
@login_required
def list_memberships() -> str:
    """Memberships in your stores by status, type and store, newest or by number."""
    form = FilterForm(request.args)
    stores = stores_in_scope(current_user, Action.VIEW_MEMBERSHIP)
    visible = [
        s
        for s in db.session.scalars(select(Store).order_by(Store.code))
        if stores is None or s.id in stores
    ]
    form.store_id.choices = store_choices(visible, _("All"))
    form.type_id.choices = [(0, _("All"))] + [
        (t.id, f"{t.store.code} · {t.name}") for t in types.list_types(db.session)
    ]
    form.validate()
    status = request.args.get("status")
    sort = request.args.get("sort", listing.MembershipSort.APPLIED)
    page = listing.list_memberships(
        db.session,
        actor=current_user,
        status=MembershipStatus(status) if status in set(MembershipStatus) else None,
        type_id=None if form.type_id.errors else form.type_id.data or None,
        store_id=None if form.store_id.errors else form.store_id.data or None,
        sort=listing.MembershipSort(sort)
        if sort in set(listing.MembershipSort)
        else listing.MembershipSort.APPLIED,
        cursor=request.args.get("cursor"),
        limit=_page_size(),
    )
    day = listing.list_today()
    return render_template(
        "memberships/list.html",
        form=form,
        page=page,
        statuses={m.id: lifecycle.status_of(m, day) for m in page.items},
        sort=sort,
        sorts=list(listing.MembershipSort),
    )


@bp.get("/queue")
@login_required
def application_queue() -> str:
    """Applications waiting for a decision, the nearest deadline first."""
    page = listing.application_queue(
        db.session, actor=current_user, cursor=request.args.get("cursor"), limit=_page_size()
    )
    return render_template("memberships/queue.html", page=page)


# --- one membership ---------------------------------------------------------------------------


@bp.get("/<int:membership_id>")
@login_required
def show_membership(membership_id: int) -> str:
    """Status, period, terms, the events timeline, the ledger and the refund schedule."""
    membership = _load(membership_id)
    form = ReceiptForm() if can(current_user, Action.MANAGE_DEPOSITS, membership) else None
    return _render_show(membership, form)


def _render_show(membership: Membership, receipt_form: ReceiptForm | None) -> str:
    summary = summarize(db.session, membership)
    return render_template(
        "memberships/show.html",
        m=membership,
        summary=summary,
        entries=ledger.entries_of(db.session, membership),
        task=lifecycle.application_task(db.session, membership),
        actions=_offered(membership, summary.status),
        receipt_form=receipt_form,
        is_holder=lifecycle.is_holder(current_user, membership),
    )


@dataclass(frozen=True)
class Step:
    """One step a page offers on a membership: its form, title and the service call."""

    title: object
    form: type
    run: Callable[[Any, Membership], object]
    #: shown to whom: the actions any of which allows it (the holder for ``holder``)
    actions: tuple[Action, ...]
    when: frozenset[MembershipStatus]
    holder: bool = False
    danger: bool = False


def _decide(form: Any, m: Membership) -> object:
    approve = form.decision.data == "approve"
    if not approve and not form.confirm.data:
        raise ValidationFailed.single("confirm", _l("Tick the box to confirm."))
    return lifecycle.decide(
        db.session,
        actor=current_user,
        membership=m,
        approve=approve,
        reason=form.reason.data,
        starts_on=form.starts_on.data,
    )


def _end(form: Any, m: Membership) -> object:
    notice = lifecycle.EndNotice(
        form.announced_on.data, EndedBy(form.ended_by.data), form.reason.data, form.source.data
    )
    return lifecycle.announce_end(db.session, actor=current_user, membership=m, notice=notice)


def _transfer(form: Any, m: Membership) -> object:
    other = db.session.get(Member, form.to_member_id.data)
    if other is None:
        raise NotFound(_l("No such member."))
    return lifecycle.request_transfer(
        db.session, actor=current_user, membership=m, to_member=other, reason=form.reason.data
    )


_RUNNING = frozenset(
    {
        MembershipStatus.ACTIVE,
        MembershipStatus.SUSPENDED,
        MembershipStatus.APPROVED,
        MembershipStatus.LAPSED,
    }
)
_REVIEW = (Action.REVIEW_MEMBERSHIP,)

STEPS: dict[str, Step] = {
    "decide": Step(
        _l("Decide the application"),
        DecisionForm,
        _decide,
        _REVIEW,
        frozenset({MembershipStatus.APPLIED}),
    ),
    "renew": Step(
        _l("Renew"),
        RenewForm,
        lambda form, m: lifecycle.renew(db.session, actor=current_user, membership=m),
        _REVIEW,
        frozenset({MembershipStatus.ACTIVE}),
    ),
    "suspend": Step(
        _l("Suspend"),
        SuspendForm,
        lambda form, m: lifecycle.suspend(
            db.session,
            m,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            actor=current_user,
            reason=form.reason.data,
            source=form.source.data,
        ),
        (Action.REVIEW_MEMBERSHIP, Action.MANAGE_CASES),
        frozenset({MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED}),
        danger=True,
    ),
    "transfer": Step(
        _l("Transfer to another firm"),
        TransferForm,
        _transfer,
        (Action.APPLY_MEMBERSHIP, Action.REVIEW_MEMBERSHIP),
        frozenset({MembershipStatus.ACTIVE}),
        holder=True,
    ),
    "transfer-decision": Step(
        _l("Decide the transfer"),
        TransferDecisionForm,
        lambda form, m: lifecycle.decide_transfer(
            db.session,
            actor=current_user,
            membership=m,
            approve=form.decision.data == "approve",
            reason=form.reason.data,
        ),
        _REVIEW,
        frozenset({MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED}),
    ),
    "end-request": Step(
        _l("Ask to end the membership"),
        EndRequestForm,
        lambda form, m: lifecycle.request_end(
            db.session, actor=current_user, membership=m, reason=form.reason.data
        ),
        (Action.REVIEW_MEMBERSHIP, Action.APPLY_MEMBERSHIP),
        _RUNNING,
        holder=True,
        danger=True,
    ),
    "end": Step(_l("End or terminate"), EndForm, _end, _REVIEW, _RUNNING, danger=True),
    "revoke": Step(
        _l("Revoke"),
        RevokeForm,
        lambda form, m: lifecycle.revoke(
            db.session,
            m,
            announced_on=form.announced_on.data,
            actor=current_user,
            reason=form.reason.data,
            source=form.source.data,
        ),
        (Action.REVIEW_MEMBERSHIP, Action.MANAGE_CASES),
        _RUNNING,
        danger=True,
    ),
}


def _allowed(step: Step, membership: Membership) -> bool:
    if step.holder and lifecycle.is_holder(current_user, membership):
        return True
    return any(can(current_user, action, membership) for action in step.actions)


def _offered(membership: Membership, status: MembershipStatus) -> list[tuple[str, Step]]:
    offered = []
    for name, step in STEPS.items():
        if status not in step.when or not _allowed(step, membership):
            continue
        if name == "transfer-decision" and membership.transfer_to_id is None:
            continue
        if name == "transfer" and membership.transfer_to_id is not None:
            continue
        offered.append((name, step))
    return offered


@bp.route("/<int:membership_id>/<step_name>", methods=["GET", "POST"])
@login_required
def take_step(membership_id: int, step_name: str) -> str | Response | tuple[str, int]:
    """One step on a membership, behind its form (and a box to tick when destructive)."""
    membership = _load(membership_id)
    step = STEPS.get(step_name)
    if step is None or not _allowed(step, membership):
        raise NotFound(_("This page does not exist, or you may not see it."))
    form = step.form()
    if isinstance(form, TransferForm):
        form.to_member_id.choices = [
            (other.id, other.full_name)
            for other in db.session.scalars(
                select(Member)
                .where(Member.store_id == membership.store_id, Member.id != membership.member_id)
                .order_by(Member.full_name)
                .limit(500)
            )
        ]
    status = 200
    if form.validate_on_submit():
        try:
            step.run(form, membership)
        except DomainError as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Done: %(step)s.", step=step.title), "info")
            return _show(membership)
    elif request.method == "POST":
        status = 422
    return render_template(
        "memberships/step.html",
        m=membership,
        step=step,
        form=form,
        summary=summarize(db.session, membership),
        task=lifecycle.application_task(db.session, membership),
    ), status


@bp.post("/<int:membership_id>/receipts")
@login_required
def record_receipt(membership_id: int) -> str | Response | tuple[str, int]:
    """Finance records a fee or the risk deposit as received (R16)."""
    membership = _load(membership_id)
    form = ReceiptForm()
    if form.validate_on_submit():
        try:
            ledger.record_receipt(
                db.session,
                actor=current_user,
                membership=membership,
                kind=EntryKind(form.kind.data),
                amount=form.amount.data,
                note=form.note.data,
            )
        except DomainError as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Recorded."), "info")
            return _show(membership)
    else:
        status = 422
    return _render_show(membership, form), status


# --- finance ----------------------------------------------------------------------------------


@bp.get("/refunds")
@login_required
def refunds_due() -> str:
    """Refunds falling due within 30 or 90 days (overdue ones first), for finance (R16)."""
    within = request.args.get("within", type=int)
    within = within if within in REFUND_TABS else REFUND_TABS[0]
    page = ledger.refunds_due(
        db.session,
        actor=current_user,
        within_days=within,
        cursor=request.args.get("cursor"),
        limit=_page_size(),
    )
    memberships = {
        e.membership_id: db.session.get_one(Membership, e.membership_id) for e in page.items
    }
    outstanding = {}
    for membership in memberships.values():
        for tranche in ledger.balance_of(db.session, membership).tranches:
            outstanding[tranche.entry.id] = tranche.outstanding
    return render_template(
        "memberships/refunds.html",
        page=page,
        within=within,
        tabs=REFUND_TABS,
        memberships=memberships,
        outstanding=outstanding,
        today=listing.list_today(),
    )


@bp.route("/refunds/<int:entry_id>/paid", methods=["GET", "POST"])
@login_required
def mark_paid(entry_id: int) -> str | Response | tuple[str, int]:
    """Confirm that a scheduled refund was paid out; paid once (R16)."""
    tranche = ledger.get_tranche(db.session, actor=current_user, tranche_id=entry_id)
    membership = db.session.get_one(Membership, tranche.membership_id)
    form = MarkPaidForm()
    status = 200
    if form.validate_on_submit():
        try:
            ledger.mark_paid(db.session, actor=current_user, tranche=tranche)
        except DomainError as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("The refund is marked paid."), "info")
            return redirect(url_for("memberships.refunds_due"))
    elif request.method == "POST":
        status = 422
    state = next(
        t for t in ledger.balance_of(db.session, membership).tranches if t.entry.id == tranche.id
    )
    return render_template("memberships/paid.html", form=form, m=membership, tranche=state), status


# --- types ------------------------------------------------------------------------------------


def _require_types_admin() -> None:
    require(current_user, Action.MANAGE_MEMBERSHIP_TYPES)


@bp.get("/types")
@login_required
def list_types() -> str:
    """Membership types with their fees, deposit and period."""
    _require_types_admin()
    return render_template("memberships/types.html", types=types.list_types(db.session))


def _lines(text: str | None) -> list[str]:
    return [line for line in (text or "").splitlines() if line.strip()]


def _type_data(form: TypeForm) -> types.TypeData:
    return types.TypeData(
        code=form.code.data or "",
        store_id=form.store_id.data or 0,
        name_en=form.name_en.data or "",
        name_zh=form.name_zh.data or "",
        entry_fee=form.entry_fee.data or "",
        management_fee=form.management_fee.data or "",
        risk_deposit=form.risk_deposit.data or "",
        period_months=form.period_months.data or 12,
        sla_policy=form.sla_policy.data,
        is_active=bool(form.is_active.data),
        rights={"en": _lines(form.rights_en.data), "zh_Hans": _lines(form.rights_zh.data)},
        obligations={
            "en": _lines(form.obligations_en.data),
            "zh_Hans": _lines(form.obligations_zh.data),
        },
    )


@bp.route("/types/new", methods=["GET", "POST"])
@bp.route("/types/<int:type_id>", methods=["GET", "POST"])
@login_required
def edit_type(type_id: int | None = None) -> str | Response | tuple[str, int]:
    """Create or change a membership type; empty terms fall back to the plugin's (R15)."""
    _require_types_admin()
    mtype = types.get_type(db.session, type_id) if type_id is not None else None
    form = TypeForm(obj=mtype) if mtype is not None and request.method == "GET" else TypeForm()
    if mtype is not None and request.method == "GET":
        for locale, suffix in (("en", "en"), ("zh_Hans", "zh")):
            form[f"rights_{suffix}"].data = "\n".join((mtype.rights or {}).get(locale, []))
            form[f"obligations_{suffix}"].data = "\n".join(
                (mtype.obligations or {}).get(locale, [])
            )
    form.store_id.choices = store_choices(
        db.session.scalars(select(Store).order_by(Store.code)), _("Choose a store"), with_code=True
    )
    form.sla_policy.choices = [
        (key, str(p.label)) for key, p in sla.policy_table().policies.items()
    ]
    status = 200
    if form.validate_on_submit():
        try:
            if mtype is None:
                mtype = types.create_type(db.session, actor=current_user, data=_type_data(form))
            else:
                types.update_type(
                    db.session, actor=current_user, mtype=mtype, data=_type_data(form)
                )
        except DomainError as exc:
            status = show_refusal(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "info")
            return redirect(url_for("memberships.list_types"))
    elif request.method == "POST":
        status = 422
    plugin_terms = (
        types.terms_of(mtype)
        if mtype is not None and not (mtype.rights or mtype.obligations)
        else None
    )
    return render_template(
        "memberships/type.html", form=form, mtype=mtype, plugin_terms=plugin_terms
    ), status
