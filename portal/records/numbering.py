"""R25: every record carries a unique number, the issuing department's abbreviation plus a
sequence number. Numbers come from one function, :func:`next_number`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.records.models import RecordCounter


def next_number(session: Session, *, prefix: str, year: int, width: int = 6) -> str:
    """R25: the next number of ``prefix`` in ``year``, e.g. ``ZBKF-2026-000123``.

    One atomic ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on the counter row: on
    PostgreSQL a concurrent transaction waits on the row lock until this one ends, so two
    sessions never get the same value; a rolled-back transaction gives its number back.
    """
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:  # pragma: no cover - the portal runs on these two only
        raise RuntimeError(f"no atomic counter for {dialect}")
    table = RecordCounter.__table__
    statement = insert(table).values(prefix=prefix, year=year, value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.prefix, table.c.year],
        set_={"value": table.c.value + 1},
    ).returning(table.c.value)
    value = session.execute(statement).scalar_one()
    return f"{prefix}-{year}-{value:0{width}d}"


def last_number(session: Session, *, prefix: str, year: int) -> int:
    """The last sequence value issued for ``prefix`` in ``year`` (0 when none)."""
    value = session.scalar(
        select(RecordCounter.value).where(
            RecordCounter.prefix == prefix, RecordCounter.year == year
        )
    )
    return value or 0
