"""Error pages for people and error bodies for API clients; a 500 is always logged as a bug."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, abort, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from portal.api.schema import plain
from portal.database import MAX_ID, driver_message, is_unavailable
from portal.errors import DomainError, TooManyAttempts, ValidationFailed
from portal.extensions import db, login_manager

log = logging.getLogger(__name__)

#: seconds a client is asked to wait after a 503: a PostgreSQL restart or a SQLite writer
#: holding its lock past the busy timeout is over within a few
RETRY_AFTER_SECONDS = 5


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please log in."),
        403: _("You are not allowed to do this."),
        404: _("This page does not exist, or you may not see it."),
        405: _("This action is not available here."),
        409: _("This clashes with the current state. Reload and try again."),
        413: _("The request is too large."),
        415: _("This content type is not supported."),
        422: _("Some fields need correcting."),
        429: _("Too many attempts. Please wait and try again."),
        500: _("Something went wrong on our side. It has been logged."),
        503: _("The service is busy. Please try again shortly."),
    }


def error_response(status: int, message: str | None = None, errors: object = None) -> Response:
    text = message or _messages().get(status, _("The request could not be understood."))
    if _wants_json():
        body: dict[str, object] = {"code": status, "status": text}
        if errors is not None:
            body["errors"] = errors
        response = jsonify(body)
    else:
        response = Response(
            render_template("web/error.html", status=status, message=text), mimetype="text/html"
        )
    response.status_code = status
    return response


#: ids are 32-bit in the database; a larger one in a URL names nothing (and SQLite or
#: PostgreSQL would refuse to even compare it)


def _refuse_unstorable_input() -> None:
    """Answer 4xx before a view runs for input no database can hold.

    A JSON body posted to a page is refused (415). A NUL byte in a query or form value
    cannot be stored in (or compared with) PostgreSQL
    text and is never part of a legitimate entry: 400. A URL id beyond the database's
    integer range cannot exist: 404. JSON bodies are checked field by field by the API
    schemas (``portal.api.schema``), which name the offending field.
    """
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
            abort(404)
        if isinstance(value, str) and "\x00" in value:
            abort(404)
    if not _wants_json() and request.is_json and request.method not in ("GET", "HEAD"):
        # pages take HTML forms; Flask-WTF would feed a JSON array, string or deeply nested
        # document to the form and fail with a 500. JSON clients use the API.
        abort(415)
    sources = [request.args] if request.method in ("GET", "HEAD") else [request.args, request.form]
    for values in sources:
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)


def _validation_location() -> str:
    """Where the wrong fields of a request live: the query string for reads, else the body."""
    return "query" if request.method in ("GET", "HEAD", "DELETE") else "json"


def _database_unavailable(exc: BaseException) -> Response:
    """503 with Retry-After for a database that cannot serve now (``is_unavailable``):
    the request's work is rolled back, so nothing is half-saved, and the page is drawn
    without another query (as to a visitor, in the language already chosen)."""
    log.warning(
        "database unavailable on %s %s: %s", request.method, request.path, driver_message(exc)
    )
    with contextlib.suppress(SQLAlchemyError):
        get_locale()  # the reader's language, while their loaded account still answers
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.close()  # the connection is gone; the pool replaces it
    login_manager._update_request_context_with_user()  # the layout must not load the user
    response = error_response(
        503,
        _(
            "The portal cannot reach its database just now. Nothing was changed; "
            "please try again in a few seconds."
        ),
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register_error_handlers(app: Flask) -> None:
    app.before_request(_refuse_unstorable_input)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        data = getattr(exc, "data", None) or {}
        errors = plain(data["messages"]) if "messages" in data else None
        message = data.get("message") if isinstance(data.get("message"), str) else None
        response = error_response(status, message, errors)
        # keep what the exception says about itself: WWW-Authenticate (401), Allow (405) ...
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers.add(name, value)
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        return response

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        db.session.rollback()
        errors = None
        if isinstance(exc, ValidationFailed):
            fields = {k: [str(m) for m in v] for k, v in exc.errors.items()}
            errors = {_validation_location(): fields}
        response = error_response(exc.status, str(exc.message) if exc.message else None, errors)
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def _database(exc: SQLAlchemyError) -> Response:
        if not is_unavailable(exc):
            raise exc  # a wrong statement is a bug: on to the 500 below
        return _database_unavailable(exc)

    @app.errorhandler(InternalServerError)
    def _internal(exc: InternalServerError) -> Response:
        # also what an after-request hook raised: Flask wraps that without asking _database
        original = exc.original_exception
        if original is not None and is_unavailable(original):
            return _database_unavailable(original)
        db.session.rollback()
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
        return error_response(500)
