"""R25: record numbers are unique, also when two sessions draw them at the same time."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from portal.extensions import db
from portal.records.numbering import last_number, next_number


def test_r25_two_sessions_at_once_never_share_a_number(app):
    engine = db.engine
    per_thread = 15
    barrier = threading.Barrier(2)
    drawn: list[list[str]] = [[], []]
    errors: list[BaseException] = []

    def draw(slot: int) -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                with Session(engine) as session:
                    drawn[slot].append(next_number(session, prefix="ZBKF", year=2026))
                    session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    numbers = drawn[0] + drawn[1]
    assert len(numbers) == len(set(numbers)) == 2 * per_thread
    assert sorted(numbers) == [f"ZBKF-2026-{n:06d}" for n in range(1, 2 * per_thread + 1)]


def test_r25_a_held_number_makes_the_other_session_wait_not_repeat(app):
    """Session A draws and has not committed; B's draw waits for A, then gets the next."""
    engine = db.engine
    with Session(engine) as first:
        assert next_number(first, prefix="ZBKF", year=2026) == "ZBKF-2026-000001"
        result: list[str] = []

        def second() -> None:
            with Session(engine) as other:
                result.append(next_number(other, prefix="ZBKF", year=2026))
                other.commit()

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive()  # blocked on A's row lock (or SQLite's write lock)
        first.commit()
        thread.join(timeout=30)
    assert result == ["ZBKF-2026-000002"]


def test_r25_a_rolled_back_number_is_given_again(app):
    with Session(db.engine) as session:
        next_number(session, prefix="ZBKF", year=2026)
        session.rollback()
    with Session(db.engine) as session:
        assert next_number(session, prefix="ZBKF", year=2026) == "ZBKF-2026-000001"
        assert next_number(session, prefix="ZBKF", year=2027) == "ZBKF-2027-000001"
        session.commit()
        assert last_number(session, prefix="ZBKF", year=2026) == 1
