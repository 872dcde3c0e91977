"""Bearer-token authentication for the API (cookies are never accepted here)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import request
from flask_babel import gettext as _
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from portal.accounts.models import ApiToken, User
from portal.accounts.services import user_for_token
from portal.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

BEARER = [{"bearerAuth": []}]


_CACHE = "portal.api_auth"


def _authenticated() -> tuple[User, ApiToken] | tuple[None, None]:
    """(user, token) of the request's bearer token, looked up once per request.

    Kept in the WSGI environ rather than ``g``: ``g`` lives as long as the app context,
    which can outlast one request (tests, CLI), and a token must never leak into the next.
    """
    if _CACHE not in request.environ:
        header = request.headers.get("Authorization", "")
        scheme, _sep, value = header.partition(" ")
        found = user_for_token(db.session, value.strip()) if scheme.lower() == "bearer" else None
        request.environ[_CACHE] = found if found else (None, None)
    return request.environ[_CACHE]  # type: ignore[no-any-return]


def token_user() -> User | None:
    """The user behind the request's bearer token, if it is valid."""
    return _authenticated()[0]


def current_token() -> ApiToken | None:
    """The token the request was made with, if it is valid."""
    return _authenticated()[1]


def token_required(fn: F) -> F:
    """401 unless the request carries a valid bearer token.

    Place it above ``@blp.arguments`` so an anonymous request is refused before its body
    is parsed (and answered 401, not 422)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if token_user() is None:
            raise Unauthorized(
                _("A valid bearer token is required."),
                www_authenticate=WWWAuthenticate("bearer", {"realm": "portal"}),
            )
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
