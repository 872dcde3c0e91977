"""R25: two officers issuing notices at the same moment get different numbers."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.compliance import cases, decisions
from portal.compliance.models import ComplianceCase
from portal.extensions import db


def test_r25_notices_issued_at_once_on_two_connections_never_share_a_number(
    app, db_session, compliance, member
):
    ids = []
    for n in range(2):
        case = cases.open_case(
            db_session,
            actor=compliance,
            data=cases.NewCase(
                member_id=member.id, codes=["EX-P02"], subject=f"Case {n}", description="x"
            ),
        )
        ids.append(case.id)
    db_session.commit()
    officer_id = compliance.id  # read here: the threads must not touch the test's session
    barrier = threading.Barrier(2, timeout=30)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def issue(case_id: int) -> None:
        try:
            with app.app_context(), Session(db.engine) as session:
                actor = session.get(User, officer_id)
                case = session.get(ComplianceCase, case_id)
                barrier.wait()
                notice = decisions.decide(
                    session,
                    actor=actor,
                    case=case,
                    data=decisions.DecisionInput(measures=["written_circular"], reasons="r"),
                )
                numbers.append(notice.number)
                session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(case_id,)) for case_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(numbers) == ["HG-2026-000001", "HG-2026-000002"]
