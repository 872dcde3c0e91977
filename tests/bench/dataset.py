"""Bulk-load a benchmark data set straight into the tables (services would take hours).

200 stores with a manager and four staff each, 1,000,000 members spread evenly, and
50,000 VIP files waiting for review with their SLA tasks. Rows go through SQLAlchemy
Core on SQLite and through COPY on PostgreSQL; the schema comes from the migrations.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

import click
from sqlalchemy import Connection, Table, text

from portal.accounts.passwords import hash_password
from portal.extensions import db
from tests.bench.naming import (
    FIRST_STORE,
    MEMBER_ACCOUNTS_PER_STORE,
    PASSWORD,
    manager_login,
    member_mobile,
    member_user_id,
    staff_login,
)

CHUNK = 20_000


@dataclass(frozen=True)
class Size:
    stores: int
    members: int
    pending: int

    @property
    def members_per_store(self) -> int:
        return self.members // self.stores


def store_ids(size: Size) -> range:
    """Branch stores; id 1 is the head office."""
    return range(FIRST_STORE, size.stores + FIRST_STORE)


def _chunks(rows: Iterable[tuple[Any, ...]], size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def copy_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) as fast as the database allows."""
    count = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    for chunk in _chunks(rows):
        conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in chunk])
        count += len(chunk)
    return count


def _table(name: str) -> Table:
    return db.metadata.tables[name]


def _reset_sequences(conn: Connection, names: Iterable[str]) -> None:
    if conn.dialect.name != "postgresql":
        return
    for name in names:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f'(SELECT coalesce(max(id), 0) + 1 FROM "{name}"), false)'
            )
        )


def load(
    conn: Connection,
    size: Size,
    now: datetime,
    extra: Sequence[Callable[[Connection, Size, datetime], None]] = (),
) -> None:
    """Fill an empty, migrated database. ``extra`` loaders add the VIP/SLA rows."""
    rng = random.Random(20261123)  # the same data set every run
    password_hash = hash_password(PASSWORD)
    per_store = size.members_per_store

    stores = [(1, "HQ", "Head office", True, "Asia/Shanghai", True, now)]
    stores += [
        (s, f"S{s:04d}", f"Store {s:04d}", False, "Asia/Shanghai", True, now)
        for s in store_ids(size)
    ]
    copy_rows(
        conn,
        _table("store"),
        ["id", "code", "name", "is_head_office", "timezone", "is_active", "created_at"],
        stores,
    )

    users: list[tuple[Any, ...]] = []
    grants: list[tuple[Any, ...]] = []
    user_id = 0
    for store_id in store_ids(size):
        user_id += 1
        users.append(
            (user_id, manager_login(store_id), f"Manager {store_id}", password_hash, True, now)
        )
        grants.append((user_id, user_id, "store_manager", store_id, now))
        for n in range(4):
            user_id += 1
            users.append(
                (
                    user_id,
                    staff_login(store_id, n),
                    f"Staff {store_id}.{n}",
                    password_hash,
                    True,
                    now,
                )
            )
            grants.append((user_id, user_id, "staff", store_id, now))
    user_id += 1
    users.append((user_id, "hq.service", "HQ service", password_hash, True, now))
    grants.append((user_id, user_id, "hq_service", None, now))
    copy_rows(
        conn,
        _table("user_account"),
        ["id", "login", "display_name", "password_hash", "is_enabled", "created_at"],
        users,
    )
    copy_rows(
        conn, _table("role_grant"), ["id", "user_id", "role", "store_id", "granted_at"], grants
    )

    def members() -> Iterator[tuple[Any, ...]]:
        member_id = 0
        for store_id in store_ids(size):
            first_staff = (store_id - 2) * 5 + 2  # the manager comes first, then four staff
            for n in range(per_store):
                member_id += 1
                yield (
                    member_id,
                    store_id,
                    f"会员{member_id}",
                    member_mobile(store_id, n),
                    "active",
                    "staff",
                    first_staff + n % 4,
                    date(1970 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                    now - timedelta(days=rng.randrange(1000)),
                    now,
                )

    total = size.stores * per_store
    with click.progressbar(length=total, label="members") as bar:
        for chunk in _chunks(members(), 50_000):
            copy_rows(
                conn,
                _table("member"),
                [
                    "id",
                    "store_id",
                    "full_name",
                    "mobile",
                    "status",
                    "source",
                    "referrer_id",
                    "birthday",
                    "created_at",
                    "updated_at",
                ],
                chunk,
            )
            bar.update(len(chunk))
    for loader in extra:
        loader(conn, size, now)
    _reset_sequences(conn, ["store", "user_account", "role_grant", "member"])


def load_contacts(conn: Connection, size: Size, now: datetime) -> None:
    """Each member's mobile as its primary contact, as registration stores it (R8)."""

    def rows() -> Iterator[tuple[Any, ...]]:
        member_id = 0
        for store_id in store_ids(size):
            for n in range(size.members_per_store):
                member_id += 1
                yield (
                    member_id,
                    member_id,
                    store_id,
                    "mobile",
                    member_mobile(store_id, n),
                    True,
                    now,
                )

    with click.progressbar(length=size.stores * size.members_per_store, label="contacts") as bar:
        for chunk in _chunks(rows(), 50_000):
            copy_rows(
                conn,
                _table("member_contact"),
                ["id", "member_id", "store_id", "kind", "value", "is_primary", "created_at"],
                chunk,
            )
            bar.update(len(chunk))
    _reset_sequences(conn, ["member_contact"])


#: the VIP review chain's steps as fractions of the 12-hour window, and who they reach
REVIEW_STEPS = (0.75, 0.9, 1.0, 1.5)
REVIEW_WINDOW = timedelta(hours=12)


def load_pending_reviews(conn: Connection, size: Size, now: datetime) -> None:
    """``size.pending`` submitted VIP files, spread evenly over the stores, each with its open
    review task, submitted between 0 and 14 hours ago (so some are due soon or overdue); steps
    already past are treated as done, as a running ``tick`` would have left them."""
    rng = random.Random(50_000)
    per_store = size.pending // size.stores
    files: list[tuple[Any, ...]] = []
    tasks: list[tuple[Any, ...]] = []
    file_id = 0
    for index, store_id in enumerate(store_ids(size)):
        first_member = index * size.members_per_store + 1
        first_staff = (store_id - FIRST_STORE) * 5 + 2
        for n in range(per_store):
            file_id += 1
            member_id = first_member + n
            submitted = now - timedelta(minutes=rng.randrange(14 * 60))
            due = submitted + REVIEW_WINDOW
            data = {
                "full_name": f"会员{member_id}",
                "mobile": member_mobile(store_id, n),
                "employer": "陕西华为技术有限公司",
                "address": "西安市高新路25号3单元501室",
                "birthday": "1985-04-12",
                "preferences": "靠窗",
            }
            files.append(
                (
                    file_id,
                    store_id,
                    member_id,
                    first_staff + n % 4,
                    "submitted",
                    data,
                    1,
                    submitted,
                    1,
                    submitted,
                    submitted,
                )
            )
            instants = [submitted + REVIEW_WINDOW * f for f in REVIEW_STEPS]
            upcoming = [i for i, at in enumerate(instants) if at > now]
            step = upcoming[0] if upcoming else None
            breached = due if due <= now else None
            tasks.append(
                (
                    file_id,
                    "vip_review",
                    "vip_file",
                    file_id,
                    store_id,
                    f"VIP file {file_id}",
                    "open",
                    submitted,
                    due,
                    step,
                    instants[step] if step is not None else None,
                    1 if breached else 0,
                    "hq_service" if breached else None,
                    breached,
                    submitted,
                    submitted,
                )
            )
    if conn.dialect.name == "postgresql":
        files = [(*row[:5], json.dumps(row[5]), *row[6:]) for row in files]
    copy_rows(
        conn,
        _table("vip_file"),
        [
            "id",
            "store_id",
            "member_id",
            "referrer_id",
            "status",
            "data",
            "round",
            "submitted_at",
            "version",
            "created_at",
            "updated_at",
        ],
        files,
    )
    copy_rows(
        conn,
        _table("sla_task"),
        [
            "id",
            "policy",
            "subject_type",
            "subject_id",
            "store_id",
            "title",
            "state",
            "started_at",
            "due_at",
            "next_step",
            "next_step_at",
            "escalation_level",
            "escalated_to",
            "breached_at",
            "created_at",
            "updated_at",
        ],
        tasks,
    )
    _reset_sequences(conn, ["vip_file", "sla_task"])


#: the messages in each member's inbox
MESSAGES_PER_MEMBER = 40


def member_account_ids(size: Size, store_id: int) -> range:
    """The ids of the store's members who log in (the store's first members)."""
    first = (store_id - FIRST_STORE) * size.members_per_store + 1
    return range(first, first + MEMBER_ACCOUNTS_PER_STORE)


def load_member_accounts(conn: Connection, size: Size, now: datetime) -> None:
    """A few members per store registered themselves (R1): a login (their mobile) and an
    inbox of in-portal messages, a quarter unread, as the notice page shows them."""
    password_hash = hash_password(PASSWORD)
    users: list[tuple[Any, ...]] = []
    links: list[tuple[int, int]] = []
    notes: list[tuple[Any, ...]] = []
    note_id = 0
    for store_id in store_ids(size):
        for n, member_id in enumerate(member_account_ids(size, store_id)):
            user_id = member_user_id(size.stores, store_id, n)
            mobile = member_mobile(store_id, n)
            users.append((user_id, mobile, f"会员{member_id}", mobile, password_hash, True, now))
            links.append((user_id, member_id))
            for k in range(MESSAGES_PER_MEMBER):
                note_id += 1
                at = now - timedelta(hours=k * 7)
                notes.append(
                    (
                        note_id,
                        "portal",
                        f"u:{user_id}",
                        user_id,
                        store_id,
                        "vip.approved",
                        json.dumps({"name": f"会员{member_id}"}),
                        f"bench:{note_id}",
                        "sent",
                        at,
                        1,
                        at,
                        None if k % 4 == 0 else at + timedelta(hours=1),
                        at,
                    )
                )
    copy_rows(
        conn,
        _table("user_account"),
        ["id", "login", "display_name", "mobile", "password_hash", "is_enabled", "created_at"],
        users,
    )
    for user, member in links:
        conn.execute(text("UPDATE member SET user_id = :u WHERE id = :m"), {"u": user, "m": member})
    if conn.dialect.name != "postgresql":
        notes = [(*row[:6], json.loads(row[6]), *row[7:]) for row in notes]
    copy_rows(
        conn,
        _table("notification"),
        [
            "id",
            "channel",
            "recipient",
            "recipient_user_id",
            "store_id",
            "kind",
            "params",
            "dedupe_key",
            "status",
            "not_before",
            "attempts",
            "sent_at",
            "read_at",
            "created_at",
        ],
        notes,
    )
    _reset_sequences(conn, ["user_account", "notification"])


EXTRA_LOADERS = (load_contacts, load_pending_reviews, load_member_accounts)
