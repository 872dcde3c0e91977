"""``Idempotency-Key`` on every API write (POST, PUT, PATCH, DELETE).

A retry with the same key and the same request by the same account is answered with the
first response (status, body, ``Location``), marked ``Idempotent-Replayed: true``, without
doing the work again. The key is claimed in the write's own transaction, so a write never
commits without its key; a request that fails (4xx raised, 5xx) leaves no claim and may be
retried. Anonymous requests have no account to keep keys for and ignore the header.

Endpoints that document their own ``Idempotency-Key`` header parameter keep their own,
domain-level handling (VIP consumption, ledger entries, compliance notices, visits ...):
this layer leaves them alone. So does it endpoints marked :func:`shows_a_secret` (a new
token): a replay would need the secret kept in plain, which is exactly what must not be.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, request
from flask_smorest import abort
from werkzeug.wrappers import Response

from portal import idempotency
from portal.api.auth import token_user
from portal.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

HEADER = "Idempotency-Key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: response headers a replay repeats (the rest are the app's own per-response headers)
_KEPT_HEADERS = ("Content-Type", "Location", "ETag")
DEFAULT_HOURS = 24

PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[!-~]+$"},
    "description": (
        "Send the same key when retrying: the first response is answered again and the "
        "write is done once. Keys are per account and kept for a day (the operator's "
        "PORTAL_IDEMPOTENCY_HOURS)."
    ),
}
RESPONSES = {
    "409": {"description": "A request with this Idempotency-Key is still in flight"},
    "422": {"description": "The Idempotency-Key was used for a different request"},
}


def shows_a_secret(view: F) -> F:
    """Mark a write whose response holds a secret shown once: it is never kept for a
    replay (a retry makes another). Place it right under ``@blp.route``."""
    view._shows_a_secret = True  # type: ignore[attr-defined]
    return view


def left_alone(view: Callable[..., Any]) -> bool:
    """Whether the endpoint implements the header in its domain (it documents it) or
    answers with a secret that must not be kept."""
    if getattr(view, "_shows_a_secret", False):
        return True
    manual = getattr(view, "_apidoc", {}).get("manual_doc", {})
    return any(
        isinstance(p, dict) and p.get("in") == "header" and p.get("name") == HEADER
        for p in manual.get("parameters", ())
    )


def documented(view: Callable[..., Any]) -> dict[str, Any]:
    """The view's flask-smorest doc with the header and its refusals added."""
    apidoc = dict(getattr(view, "_apidoc", {}))
    manual = dict(apidoc.get("manual_doc", {}))
    manual["parameters"] = [*manual.get("parameters", ()), PARAMETER]
    responses = dict(manual.get("responses", {}))
    # statuses the endpoint documents already (with alt_response) keep their wording
    known = {str(s) for s in apidoc.get("response", {}).get("responses", {})} | set(responses)
    for status, doc in RESPONSES.items():
        if status not in known:
            responses[status] = doc
    manual["responses"] = responses
    apidoc["manual_doc"] = manual
    return apidoc


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an API write so a keyed retry answers the first response."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        account = token_user()
        if account is None or request.method not in WRITE_METHODS:
            return view(*args, **kwargs)
        key = idempotency.check_key(request.headers.get(HEADER))
        if key is None:
            return view(*args, **kwargs)
        try:
            outcome = idempotency.claim(
                db.session,
                account_id=account.id,
                key=key,
                fingerprint=idempotency.fingerprint(
                    request.method,
                    request.path,
                    request.query_string.decode("latin-1"),
                    request.get_data(cache=True),
                ),
                hours=current_app.config.get("PORTAL_IDEMPOTENCY_HOURS", DEFAULT_HOURS),
            )
        except idempotency.KeyInFlight as exc:
            db.session.rollback()
            abort(409, message=str(exc.message), headers={"Retry-After": str(exc.retry_after)})
        if isinstance(outcome, idempotency.StoredResponse):
            db.session.rollback()  # nothing to write; ends the PostgreSQL advisory lock
            replay = Response(outcome.body, status=outcome.status, headers=outcome.headers)
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        response = current_app.make_response(view(*args, **kwargs))
        if response.is_streamed or response.direct_passthrough:
            db.session.delete(outcome)  # a file cannot be kept for a retry: no claim then
            db.session.commit()
            return response
        kept = {name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers}
        idempotency.complete(
            outcome, idempotency.StoredResponse(response.status_code, kept, response.get_data())
        )
        db.session.commit()
        return response

    return wrapper
