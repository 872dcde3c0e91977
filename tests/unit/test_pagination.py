"""Keyset pagination (DESIGN: Scale): whole walks, mixed directions, tampered cursors."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.errors import ValidationFailed
from portal.members.models import Member
from portal.pagination import SortKey, paginate

NAMES = ["王建国", "李娜", "王建国", "张伟", "欧阳娜娜", "李娜", "陈静", "王建国", "刘洋"]

NEWEST = [SortKey(Member.created_at, True), SortKey(Member.id, True)]
BY_NAME = [SortKey(Member.full_name), SortKey(Member.id)]
MIXED = [SortKey(Member.full_name), SortKey(Member.created_at, True), SortKey(Member.id)]


@pytest.fixture
def members(db_session, dummy_store, clock):
    """Nine members with repeated names and several sharing one creation instant."""
    rows = []
    for n, name in enumerate(NAMES):
        if n % 3 == 0:
            clock.advance(timedelta(minutes=5))
        now = clock.now()
        rows.append(
            Member(
                store_id=dummy_store.id,
                full_name=name,
                mobile=f"+86138001380{n:02d}",
                created_at=now,
                updated_at=now,
            )
        )
    db_session.add_all(rows)
    db_session.commit()
    return rows


def expected(members, order):
    """The order computed in Python: the reference every walk must reproduce."""
    result = list(members)
    for key in reversed(order):
        result.sort(key=lambda m, k=key: getattr(m, k.column.key), reverse=key.descending)
    return [m.id for m in result]


def walk(session, order, limit, query=None):
    seen, cursor, pages = [], None, 0
    while True:
        page = paginate(
            session,
            select(Member) if query is None else query,
            order=order,
            cursor=cursor,
            limit=limit,
        )
        seen.extend(m.id for m in page.items)
        pages += 1
        assert len(page.items) <= limit
        if page.next_cursor is None:
            return seen, pages
        cursor = page.next_cursor


@pytest.mark.parametrize("order", [NEWEST, BY_NAME, MIXED], ids=["newest", "name", "mixed"])
@pytest.mark.parametrize("limit", [1, 2, 4, 9, 25])
def test_walking_all_pages_gives_every_row_once_in_order(db_session, members, order, limit):
    seen, pages = walk(db_session, order, limit)
    assert seen == expected(members, order)
    assert len(set(seen)) == len(members)
    assert pages == max(1, -(-len(members) // limit))


def test_last_full_page_has_no_next_cursor(db_session, members):
    page = paginate(db_session, select(Member), order=BY_NAME, cursor=None, limit=len(members))
    assert len(page.items) == len(members)
    assert page.next_cursor is None


def test_empty_result_is_one_empty_page(db_session, dummy_store):
    page = paginate(db_session, select(Member), order=NEWEST, cursor=None, limit=5)
    assert page.items == []
    assert page.next_cursor is None


def test_filters_of_the_query_apply_on_every_page(db_session, members):
    query = select(Member).where(Member.full_name == "王建国")
    seen, _pages = walk(db_session, BY_NAME, 1, query)
    assert seen == [m.id for m in members if m.full_name == "王建国"]


def test_rows_added_meanwhile_neither_repeat_nor_shift_the_next_page(db_session, members, clock):
    first = paginate(db_session, select(Member), order=NEWEST, cursor=None, limit=4)
    clock.advance(timedelta(hours=1))
    now = clock.now()
    db_session.add(
        Member(
            store_id=members[0].store_id,
            full_name="新会员",
            mobile="+8613900139000",
            created_at=now,
            updated_at=now,
        )
    )
    db_session.commit()
    rest, _pages = walk_from(db_session, NEWEST, 4, first.next_cursor)
    assert [m.id for m in first.items] + rest == expected(members, NEWEST)


def walk_from(session, order, limit, cursor):
    seen = []
    pages = 0
    while cursor is not None:
        page = paginate(session, select(Member), order=order, cursor=cursor, limit=limit)
        seen.extend(m.id for m in page.items)
        cursor = page.next_cursor
        pages += 1
    return seen, pages


def cursor_of(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


TAMPERED = {
    "not base64": "%%%***",
    "not ascii": "页码",
    "not json": base64.urlsafe_b64encode(b"{not json").decode(),
    "not a list": cursor_of({"id": 1}),
    "too short": cursor_of(["2026-11-23T02:00:00+00:00"]),
    "too long": cursor_of(["2026-11-23T02:00:00+00:00", 1, 2]),
    "id as text": cursor_of(["2026-11-23T02:00:00+00:00", "1"]),
    "id as bool": cursor_of(["2026-11-23T02:00:00+00:00", True]),
    "id as float": cursor_of(["2026-11-23T02:00:00+00:00", 1.5]),
    "id too large": cursor_of(["2026-11-23T02:00:00+00:00", 10**30]),
    "id beyond 32 bits": cursor_of(["2026-11-23T02:00:00+00:00", 2**31]),
    "id below 32 bits": cursor_of(["2026-11-23T02:00:00+00:00", -(2**31) - 1]),
    "naive instant": cursor_of(["2026-11-23T02:00:00", 1]),
    "not an instant": cursor_of(["yesterday", 1]),
    "instant as number": cursor_of([1700000000, 1]),
    "overflowing instant": cursor_of(["0001-01-01T00:00:00+14:00", 1]),
    "deeply nested": base64.urlsafe_b64encode(b"[" * 3000).decode(),
    "overlong": "A" * 5000,
}


@pytest.mark.parametrize("cursor", TAMPERED.values(), ids=TAMPERED.keys())
def test_tampered_cursor_is_refused_as_a_field_error(db_session, members, cursor):
    with pytest.raises(ValidationFailed) as caught:
        paginate(db_session, select(Member), order=NEWEST, cursor=cursor, limit=3)
    assert list(caught.value.errors) == ["cursor"]


@pytest.mark.parametrize(
    "values",
    [[1, 1], [None, 1], ["王\x00", 1], [["王"], 1]],
    ids=["name as number", "name null", "nul byte", "name as list"],
)
def test_tampered_text_cursor_is_refused(db_session, members, values):
    with pytest.raises(ValidationFailed):
        paginate(db_session, select(Member), order=BY_NAME, cursor=cursor_of(values), limit=3)


def test_a_cursor_from_one_order_is_refused_by_another(db_session, members):
    page = paginate(db_session, select(Member), order=NEWEST, cursor=None, limit=2)
    with pytest.raises(ValidationFailed):
        paginate(db_session, select(Member), order=MIXED, cursor=page.next_cursor, limit=2)


def test_cursors_are_url_safe(db_session, members):
    page = paginate(db_session, select(Member), order=MIXED, cursor=None, limit=2)
    assert page.next_cursor.replace("-", "").replace("_", "").isalnum()


def test_largest_32_bit_id_is_a_valid_cursor(db_session, members):
    cursor = cursor_of(["2026-11-24T00:00:00+00:00", 2**31 - 1])
    page = paginate(db_session, select(Member), order=NEWEST, cursor=cursor, limit=3)
    assert len(page.items) == 3  # every row is older than that instant
