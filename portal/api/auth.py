"""Bearer-token authentication for the API (cookies are never accepted here)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_babel import gettext as _
from werkzeug.exceptions import Unauthorized

from portal.accounts.models import User
from portal.accounts.services import user_for_token
from portal.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

BEARER = [{"bearerAuth": []}]


def token_user() -> User | None:
    """The user behind the request's bearer token, if it is valid."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _sep, value = header.partition(" ")
        found = user_for_token(db.session, value.strip()) if scheme.lower() == "bearer" else None
        g.api_user, g.api_token = found if found else (None, None)
    return g.api_user


def token_required(fn: F) -> F:
    """401 unless the request carries a valid bearer token."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if token_user() is None:
            exc = Unauthorized(_("A valid bearer token is required."))
            exc.www_authenticate.append_raw('Bearer realm="portal"')  # type: ignore[attr-defined]
            raise exc
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
