"""Keyset pagination: pages follow an opaque cursor, never OFFSET or a full COUNT(*).

DESIGN (Scale): generic admin lists that count and offset fall over at millions of rows;
a cursor over an indexed sort key costs the same on page 1 and page 10,000.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Select, SmallInteger, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from portal.errors import ValidationFailed

T = TypeVar("T")

#: real cursors hold a few sort values; longer ones are tampered with
MAX_CURSOR_LENGTH = 4096
#: width of integer columns on PostgreSQL (Integer, the default, is 32 bits)
_INTEGER_BITS = {BigInteger: 64, SmallInteger: 16}


@dataclass(frozen=True)
class SortKey:
    column: InstrumentedAttribute[Any]
    descending: bool = False


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def paginate(
    session: Session,
    query: Select[tuple[T]],
    *,
    order: Sequence[SortKey],
    cursor: str | None,
    limit: int,
) -> Page[T]:
    """One page of ``query`` in ``order`` (the last key must be unique, e.g. the id)."""
    if cursor:
        query = query.where(_after(order, _decode(cursor, order)))
    query = query.order_by(
        *(key.column.desc() if key.descending else key.column.asc() for key in order)
    ).limit(limit + 1)
    rows = list(session.scalars(query))
    has_more = len(rows) > limit
    items = rows[:limit]
    next_cursor = _encode([getattr(items[-1], k.column.key) for k in order]) if has_more else None
    return Page(items=items, next_cursor=next_cursor)


def _after(order: Sequence[SortKey], values: list[Any]) -> Any:
    """Rows strictly after ``values`` in ``order``: (a > x) OR (a = x AND b > y) ..."""
    clauses = []
    for i, key in enumerate(order):
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        equal_prefix = [order[j].column == values[j] for j in range(i)]
        clauses.append(and_(*equal_prefix, beyond))
    return or_(*clauses)


def _encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, date | datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, order: Sequence[SortKey]) -> list[Any]:
    invalid = ValidationFailed.single("cursor", _l("This page link is no longer valid."))
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        raise invalid from None
    if not isinstance(raw, list) or len(raw) != len(order):
        raise invalid
    try:
        return [_coerce(key, value) for key, value in zip(order, raw, strict=True)]
    except (TypeError, ValueError, OverflowError):
        raise invalid from None


def _coerce(key: SortKey, value: Any) -> Any:
    kind = key.column.type.python_type
    if kind is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive cursor instant")
        return parsed.astimezone(UTC)
    if kind is date:
        return date.fromisoformat(value)
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("cursor id must be an integer")
        bits = _INTEGER_BITS.get(type(key.column.type), 32)
        if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            # the database would fail on it (an error 500) instead of refusing the cursor
            raise ValueError("cursor integer out of range")
        return value
    if not isinstance(value, str):
        raise TypeError("cursor value must be a string")
    if "\x00" in value:
        raise ValueError("PostgreSQL text cannot hold NUL")
    return value
