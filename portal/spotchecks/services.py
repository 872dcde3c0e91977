"""R7: head-office service samples approved VIPs of every store and checks their files;
findings go back to the store (seed 003 ⑥)."""

from __future__ import annotations

import random
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal import clock
from portal.accounts.models import RoleGrant, User
from portal.accounts.permissions import Action, can, require, stores_in_scope
from portal.accounts.roles import Role
from portal.audit.services import record
from portal.errors import NotFound, ValidationFailed
from portal.events import emit
from portal.notifications import services as notifications
from portal.notifications.models import Channel
from portal.pagination import Page, SortKey, paginate
from portal.spotchecks import messages
from portal.spotchecks.models import Finding, SpotCheck, SpotCheckItem
from portal.stores.models import Store
from portal.vip.models import VipFile, VipStatus

#: a sample larger than this is no longer a spot check
MAX_SAMPLE_SIZE = 100

_NOT_FOUND = _l("No such spot check.")


def approved_file_ids(session: Session, store_id: int) -> list[int]:
    """Ids of the store's approved VIP files, read from the (store, status) index alone."""
    return list(
        session.scalars(
            select(VipFile.id).where(
                VipFile.store_id == store_id, VipFile.status == VipStatus.APPROVED
            )
        )
    )


def _check_size(size: int) -> None:
    if not 1 <= size <= MAX_SAMPLE_SIZE:
        raise ValidationFailed.single("size", _l("Between 1 and %(n)d files.", n=MAX_SAMPLE_SIZE))


def draw_sample(session: Session, *, actor: User, store_id: int, size: int) -> SpotCheck:
    """R7: draw a random sample of ``size`` approved VIP files of one store and record it.

    Every approved file of the store has the same chance; the sample never exceeds the
    population. ``random.SystemRandom`` (the OS's entropy) so nobody can predict or
    replay which files get checked.
    """
    store = session.get(Store, store_id)
    if store is None or store.is_head_office:
        raise NotFound(_l("No such store."))
    require(actor, Action.SPOT_CHECK, store, hide=True)
    _check_size(size)
    population = approved_file_ids(session, store.id)
    if not population:
        raise ValidationFailed.single(
            "store_id", _l("This store has no approved VIP files to check.")
        )
    chosen = random.SystemRandom().sample(population, min(size, len(population)))
    check = SpotCheck(
        store_id=store.id,
        drawn_by_id=actor.id,
        drawn_at=clock.now(),
        sample_size=len(chosen),
        population=len(population),
        method=f"SystemRandom.sample: {len(chosen)} of {len(population)} approved VIP files",
    )
    check.items = [SpotCheckItem(vip_file_id=file_id) for file_id in sorted(chosen)]
    session.add(check)
    session.flush()
    record(
        session,
        actor=actor,
        action="spotcheck.drawn",
        object_type="spot_check",
        object_id=check.id,
        store_id=store.id,
        after={
            "sample_size": check.sample_size,
            "population": check.population,
            "vip_file_ids": sorted(chosen),
        },
    )
    emit(session, "spotcheck.drawn", spot_check_id=check.id, store_id=store.id)
    return check


def draw_for_all_stores(session: Session, *, actor: User, size: int) -> list[SpotCheck]:
    """R7: one sample for every open store in the actor's scope that has approved VIPs."""
    require(actor, Action.SPOT_CHECK)
    _check_size(size)
    scope = stores_in_scope(actor, Action.SPOT_CHECK)
    query = select(Store).where(Store.is_head_office.is_(False), Store.is_active.is_(True))
    if scope is not None:
        query = query.where(Store.id.in_(scope))
    checks = []
    for store in session.scalars(query.order_by(Store.code)).all():
        if approved_file_ids(session, store.id):
            checks.append(draw_sample(session, actor=actor, store_id=store.id, size=size))
    return checks


def may_view(actor: User | None, check: SpotCheck) -> bool:
    """R7: head office, and the managers of the checked store; nobody else."""
    return can(actor, Action.VIEW_SPOT_CHECKS, check) or can(actor, Action.SPOT_CHECK, check)


def get_spot_check(session: Session, *, actor: User | None, check_id: int) -> SpotCheck:
    check = session.get(SpotCheck, check_id)
    if check is None or not may_view(actor, check):
        raise NotFound(_NOT_FOUND)
    return check


def get_item(session: Session, *, actor: User | None, item_id: int) -> SpotCheckItem:
    item = session.get(SpotCheckItem, item_id)
    if item is None or not may_view(actor, item.spot_check):
        raise NotFound(_l("No such file in a spot check."))
    return item


def _store_managers(session: Session, store_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(
                RoleGrant.store_id == store_id,
                RoleGrant.role == Role.STORE_MANAGER,
                User.is_enabled.is_(True),
            )
            .distinct()
        )
    )


def record_finding(
    session: Session,
    *,
    actor: User,
    item: SpotCheckItem,
    finding: str,
    notes: str | None = None,
) -> SpotCheckItem:
    """R7: what head office found in one sampled file; an issue goes back to the store
    (its managers and the file's referrer are notified). A finding may be corrected."""
    check = item.spot_check
    if not may_view(actor, check):
        raise NotFound(_l("No such file in a spot check."))
    require(actor, Action.SPOT_CHECK, check)
    if finding not in set(Finding):
        raise ValidationFailed.single("finding", _l("Choose a finding."))
    text = (notes or "").strip() or None
    if text is not None and len(text) > 1000:
        raise ValidationFailed.single("notes", _l("At most %(n)d characters.", n=1000))
    if finding == Finding.ISSUE and text is None:
        raise ValidationFailed.single("notes", _l("Describe the issue for the store."))
    before = _item_snapshot(item)
    item.finding = finding
    item.notes = text
    item.checked_by_id = actor.id
    item.checked_at = clock.now()
    session.flush()
    after = _item_snapshot(item)
    record(
        session,
        actor=actor,
        action="spotcheck.finding_recorded",
        object_type="spot_check_item",
        object_id=item.id,
        store_id=check.store_id,
        before=before,
        after=after,
    )
    if finding == Finding.ISSUE:
        _notify_issue(session, item)
    emit(
        session,
        "spotcheck.finding_recorded",
        spot_check_id=check.id,
        item_id=item.id,
        store_id=check.store_id,
        finding=finding,
    )
    return item


def _item_snapshot(item: SpotCheckItem) -> dict[str, Any]:
    return {"finding": item.finding, "notes": item.notes, "vip_file_id": item.vip_file_id}


def _notify_issue(session: Session, item: SpotCheckItem) -> None:
    """R7: the findings go back to the store: its managers and the file's referrer."""
    file = item.vip_file
    recipients = {u.id: u for u in _store_managers(session, item.spot_check.store_id)}
    # one notification per recording of an issue, however often delivery is retried
    stamp = item.checked_at.isoformat() if item.checked_at else ""
    if file.referrer is not None and file.referrer.is_enabled:
        recipients[file.referrer.id] = file.referrer
    for user in recipients.values():
        notifications.notify(
            session,
            kind=messages.ISSUE,
            params={"name": file.full_name, "file_id": file.id, "notes": item.notes or ""},
            key=f"{messages.ISSUE}:{item.id}:{stamp}",
            user=user,
            channels=(Channel.PORTAL,),
            store_id=item.spot_check.store_id,
        )


ORDER = [SortKey(SpotCheck.drawn_at, True), SortKey(SpotCheck.id, True)]


def _view_scope(actor: User) -> set[int] | None:
    viewing = stores_in_scope(actor, Action.VIEW_SPOT_CHECKS)
    checking = stores_in_scope(actor, Action.SPOT_CHECK)
    if viewing is None or checking is None:
        return None
    return viewing | checking


def list_spot_checks(
    session: Session,
    *,
    actor: User,
    store_id: int | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[SpotCheck]:
    """Spot checks of the stores in the actor's scope, newest first (R7)."""
    scope = _view_scope(actor)
    query = select(SpotCheck).options(selectinload(SpotCheck.items))
    if store_id is not None:
        if scope is not None and store_id not in scope:
            raise NotFound(_l("No such store."))
        query = query.where(SpotCheck.store_id == store_id)
    elif scope is not None:
        query = query.where(SpotCheck.store_id.in_(scope))
    return paginate(session, query, order=ORDER, cursor=cursor, limit=limit)
