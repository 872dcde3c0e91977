"""The demo data (``flask portal setup``): every VIP-lifecycle flow has something to show,
the app's clock is given back, and every page of every demo login answers."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.demo import DEMO_LOGINS, DEMO_PASSWORD, INSIDER_ID_NUMBER
from portal.errors import ValidationFailed
from portal.members.models import ConflictStatus, Member, MemberContact, OwnershipConflict
from portal.notifications.models import Channel, Notification
from portal.openings.models import AccountRequest
from portal.reports import services as reports
from portal.sla import services as sla
from portal.sla.models import EventKind, LeavePeriod, SlaTask, TaskState
from portal.spotchecks.models import SpotCheckItem
from portal.stores.models import Store
from portal.testing.fixtures import START
from portal.vip import services as vip
from portal.vip.models import Consumption, VipFile, VipStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)

#: the pages a login is expected to open (200); every other page must still not fail (< 500)
PAGES = [
    "/home",
    "/notifications",
    "/vip/review",
    "/vip/files",
    "/openings",
    "/openings/queue",
    "/spotchecks",
    "/reports/sla",
    "/ownership/conflicts",
    "/ownership/handover",
    "/leave",
    "/admin/outbox",
]
MINE = {"/home", "/notifications"}
HQ = MINE | {
    "/vip/review",
    "/openings",
    "/openings/queue",
    "/spotchecks",
    "/reports/sla",
    "/ownership/conflicts",
}
MANAGER = MINE | {
    "/vip/review",
    "/vip/files",
    "/openings",
    "/spotchecks",
    "/reports/sla",
    "/ownership/conflicts",
    "/ownership/handover",
    "/leave",
}
STAFF = MINE | {"/vip/files", "/ownership/conflicts"}
EXPECTED_OK = {
    "admin": MINE | {"/admin/outbox", "/ownership/handover", "/reports/sla"},
    "hq.service": HQ,
    "hq.head": HQ | {"/ownership/handover", "/leave"},
    "compliance": MINE,
    "manager.xa": MANAGER,
    "staff.xa": STAFF,
    "staff.xa2": STAFF,
    "manager.bj": MANAGER,
    # the deputy of manager.bj: BJ01's reviews and the leave page
    "staff.bj": STAFF | {"/vip/review", "/leave"},
    "staff.sh": STAFF,
    "13800000001": MINE,
}


def _user(db_session, login: str) -> User:
    return db_session.scalar(select(User).where(User.login == login))


def _store(db_session, code: str) -> Store:
    return db_session.scalar(select(Store).where(Store.code == code))


def _files(db_session, store: Store, status: VipStatus) -> list[VipFile]:
    return list(
        db_session.scalars(
            select(VipFile)
            .where(VipFile.store_id == store.id, VipFile.status == status)
            .order_by(VipFile.id)
        )
    )


def _task(db_session, file: VipFile) -> SlaTask:
    return db_session.scalar(
        select(SlaTask)
        .where(SlaTask.subject_type == "vip_file", SlaTask.subject_id == file.id)
        .order_by(SlaTask.id.desc())
    )


def test_demo_data_shows_every_flow_and_every_page_answers(app, runner, db_session, client):
    the_clock = app.extensions["portal.clock"]
    result = runner.invoke(args=["portal", "setup"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    for login, _role in DEMO_LOGINS:
        assert login in result.output
    assert "hq.head" in result.output
    assert "staff.xa2" in result.output

    # the loader walked a clock of its own and gave the app's back, unmoved
    assert app.extensions["portal.clock"] is the_clock
    assert the_clock.now() == START

    again = runner.invoke(args=["portal", "setup"])
    assert "not loaded again" in again.output

    db_session.expire_all()
    xa, bj = _store(db_session, "XA01"), _store(db_session, "BJ01")
    assert xa.own_quiet_hours == "22:00-07:00"
    assert _user(db_session, "hq.head").has_role(Role.HQ_HEAD)

    # R8: customers with every kind of contact; one open ownership conflict at XA01
    kinds = set(
        db_session.scalars(
            select(MemberContact.kind).join(Member).where(Member.store_id == xa.id).distinct()
        )
    )
    assert {"mobile", "landline", "wechat"} <= kinds
    case = db_session.scalar(select(OwnershipConflict).where(OwnershipConflict.store_id == xa.id))
    assert case.status == ConflictStatus.OPEN
    assert case.claimant.login == "staff.xa2"
    assert case.holder.login == "staff.xa"

    # R9: the departed account is disabled and still holds five customers
    left = _user(db_session, "staff.xa.left")
    assert not left.is_enabled
    held = db_session.scalar(select(func.count()).where(Member.referrer_id == left.id))
    assert held == 5

    # R4/R5: XA01's files in every state
    for status in VipStatus:
        assert _files(db_session, xa, status), status
    waiting = {
        round((START - f.submitted_at) / H): f for f in _files(db_session, xa, VipStatus.SUBMITTED)
    }
    assert set(waiting) == {2, 10, 13}
    now = START
    assert sla.queue_bucket(_task(db_session, waiting[2]), now=now) == sla.QueueBucket.ON_TIME
    assert sla.queue_bucket(_task(db_session, waiting[10]), now=now) == sla.QueueBucket.DUE_SOON
    overdue = _task(db_session, waiting[13])
    assert sla.queue_bucket(overdue, now=now) == sla.QueueBucket.OVERDUE
    assert overdue.breached_at == overdue.due_at
    assert overdue.escalation_level == 1
    kinds_seen = [e.kind for e in sla.timeline(db_session, overdue)]
    assert kinds_seen == [
        EventKind.STARTED,
        EventKind.REMINDED,
        EventKind.REMINDED,
        EventKind.BREACHED,
        EventKind.ESCALATED,
    ]
    returned = _files(db_session, xa, VipStatus.RETURNED)[0]
    assert returned.decision_reason
    paused = _task(db_session, returned)
    assert paused.state == TaskState.PAUSED
    assert paused.remaining_seconds == 9 * 3600
    assert any(f.decision_reason for f in _files(db_session, xa, VipStatus.REJECTED))
    spent = db_session.execute(
        select(Consumption.vip_file_id, func.count()).group_by(Consumption.vip_file_id)
    ).all()
    assert any(count == 2 for _id, count in spent)

    # R3: the insider's prepared file is refused on submission
    insider = db_session.scalar(select(VipFile).where(VipFile.id_number == INSIDER_ID_NUMBER))
    assert insider.status == VipStatus.DRAFT
    assert vip.is_complete(insider)
    with pytest.raises(ValidationFailed) as refused:
        vip.submit(db_session, actor=insider.referrer, file=insider)
    assert {"mobile", "id_number"} <= set(refused.value.errors)
    db_session.rollback()

    # R5: BJ01's manager is on leave now; the deputy may decide the two waiting files
    leave = db_session.scalar(select(LeavePeriod))
    assert leave.user.login == "manager.bj"
    assert leave.deputy.login == "staff.bj"
    assert leave.starts_at <= START < leave.ends_at
    bj_waiting = _files(db_session, bj, VipStatus.SUBMITTED)
    assert len(bj_waiting) == 2
    assert all(vip.may_decide(db_session, leave.deputy, f) for f in bj_waiting)

    # R6: one request in each state; the waiting one was reminded and is nearly due
    requests = {r.status: r for r in db_session.scalars(select(AccountRequest))}
    assert set(requests) == {"requested", "opened", "activated", "rejected"}
    assert requests["rejected"].rejection_reason
    opening = db_session.scalar(
        select(SlaTask).where(SlaTask.policy == "account_opening", SlaTask.state == TaskState.OPEN)
    )
    assert opening.due_at - START < 2 * H
    assert EventKind.REMINDED in [e.kind for e in sla.timeline(db_session, opening)]

    # R7: a spot check of XA01 with findings, one issue with notes
    findings = list(db_session.scalars(select(SpotCheckItem)))
    assert findings
    assert all(i.finding for i in findings)
    issues = [i for i in findings if i.finding == "issue"]
    assert len(issues) == 1
    assert issues[0].notes

    # the SLA report of the last 30 days has figures, some late
    report = reports.sla_report(
        db_session,
        actor=_user(db_session, "hq.service"),
        period=reports.default_period(START.astimezone(SHANGHAI).date()),
        policy="vip_review",
    )
    assert report.total.decided >= 25
    assert 0 < report.total.within_sla < report.total.decided
    assert report.total.breaches > 0

    # notifications: unread messages; an SMS made at night waited for XA01's morning
    for login in ("manager.xa", "staff.xa"):
        user = _user(db_session, login)
        unread = db_session.scalar(
            select(func.count()).where(
                Notification.recipient_user_id == user.id,
                Notification.channel == Channel.PORTAL.value,
                Notification.read_at.is_(None),
            )
        )
        assert 0 < unread <= 15, (login, unread)
    night = [
        n
        for n in db_session.scalars(
            select(Notification).where(
                Notification.channel == Channel.SMS.value, Notification.store_id == xa.id
            )
        )
        if n.created_at.astimezone(SHANGHAI).hour == 23
    ]
    assert night
    assert all(n.not_before.astimezone(SHANGHAI).hour == 7 for n in night)

    # every page of every demo login: nothing fails, and each opens its own pages
    statuses: dict[str, dict[str, int]] = {}
    for login, _role in DEMO_LOGINS:
        response = client.post("/login", data={"login": login, "password": DEMO_PASSWORD})
        assert response.status_code == 302, (login, response.status_code)
        statuses[login] = {page: client.get(page).status_code for page in PAGES}
        client.post("/logout")
    failures = {
        login: {page: code for page, code in pages.items() if code >= 500}
        for login, pages in statuses.items()
    }
    assert not any(failures.values()), failures
    for login, pages in EXPECTED_OK.items():
        for page in pages:
            assert statuses[login][page] == 200, (login, page, statuses[login])

    # what some of the pages show
    def page(login: str, path: str) -> str:
        client.post("/logout")
        client.post("/login", data={"login": login, "password": DEMO_PASSWORD})
        response = client.get(path)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    queue = page("staff.bj", "/vip/review")  # the deputy's queue
    for file in bj_waiting:
        assert file.full_name in queue
    queue = page("manager.xa", "/vip/review")
    for file in waiting.values():
        assert file.full_name in queue
    assert left.display_name in page("manager.xa", "/ownership/handover")
    assert "<svg" in page("hq.service", "/reports/sla")

    # the SLA command runs on the loaded data
    assert runner.invoke(args=["portal", "tick"]).exit_code == 0
