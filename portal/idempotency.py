"""Idempotency keys: the retry key a client sends with a write (``Idempotency-Key``), so a
repeated request is answered with what the first one made instead of making it again."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal import clock
from portal.accounts.models import IdempotencyRecord
from portal.errors import Conflict, ValidationFailed

_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")


def check_key(key: str | None) -> str | None:
    """The key, None when none was sent; ValidationFailed on ``idempotency_key`` for
    anything but 1 to 64 visible ASCII characters: an empty header is a client's mistake,
    not a request without a key, and answering it as one would do the write twice."""
    if key is not None and not _KEY.fullmatch(key):
        raise ValidationFailed.single(
            "idempotency_key", _l("1 to 64 visible ASCII characters, no spaces.")
        )
    return key


class KeyInFlight(Conflict):
    """The first request with this key has not answered yet (or its answer was lost)."""

    retry_after = 1


class KeyReused(ValidationFailed):
    """The key came with a different request than the first time."""

    def __init__(self) -> None:
        super().__init__(
            {
                "idempotency_key": [
                    _l("This key was used for a different request. Use a new key for it.")
                ]
            }
        )


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """What makes two requests the same: method, path, query and body. A JSON body is
    compared by its content (key order and spacing aside), anything else byte for byte."""
    try:
        content = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        content = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query.encode(), content):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def advisory_lock_id(account_id: int, key: str) -> int:
    """The PostgreSQL advisory lock (a signed 64-bit number) of one account's key."""
    digest = hashlib.blake2b(f"{account_id}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def claim(
    session: Session, *, account_id: int, key: str, fingerprint: str, hours: int
) -> IdempotencyRecord | StoredResponse:
    """Claim ``key`` for the account's write in the session's (the write's) transaction,
    or the response the first request with it got.

    On PostgreSQL a transaction-scoped advisory lock on (account, key) makes a concurrent
    duplicate answer at once instead of waiting on the unique index; the lock ends with
    the transaction that commits the write and its claim together. SQLite has a single
    writer, so the duplicate waits for the first to commit and then sees its claim.
    Raises KeyInFlight or KeyReused.
    """
    if session.get_bind().dialect.name == "postgresql":
        lock = advisory_lock_id(account_id, key)
        if not session.scalar(select(func.pg_try_advisory_xact_lock(lock))):
            raise KeyInFlight(_l("A request with this key is still being processed."))
    now = clock.now()
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.account_id == account_id, IdempotencyRecord.expires_at <= now
        )
    )
    found = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key
        )
    )
    if found is not None:
        if found.fingerprint != fingerprint:
            raise KeyReused()
        if found.response_status is None:
            raise KeyInFlight(_l("A request with this key is still being processed."))
        return StoredResponse(
            found.response_status, dict(found.response_headers or {}), found.response_body or b""
        )
    claimed = IdempotencyRecord(
        account_id=account_id,
        key=key,
        fingerprint=fingerprint,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(claimed)
    session.flush()
    return claimed


def complete(claimed: IdempotencyRecord, response: StoredResponse) -> None:
    """Keep the response a retry with the same key is answered with."""
    claimed.response_status = response.status
    claimed.response_headers = response.headers
    claimed.response_body = response.body


#: expired keys one tick forgets at most: a short delete, however long the runner was off
PURGE_BATCH = 5000


def purge_expired(session: Session, *, now: datetime, limit: int = PURGE_BATCH) -> int:
    """Forget expired keys of every account, kept responses included. :func:`claim` forgets
    only the claimer's own, so an integration that stopped writing would keep its last
    day of bodies for ever; the tick runner calls this."""
    expired = (
        select(IdempotencyRecord.id)
        .where(IdempotencyRecord.expires_at <= now)
        .order_by(IdempotencyRecord.expires_at)
        .limit(limit)
    )
    result = session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(expired.scalar_subquery()))
    )
    return int(result.rowcount or 0)
