"""Error pages for people and error bodies for API clients; a 500 is always logged as a bug."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from portal.api.schema import plain
from portal.errors import DomainError, TooManyAttempts, ValidationFailed
from portal.extensions import db

log = logging.getLogger(__name__)


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
        422: _("Some fields are wrong."),
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


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        data = getattr(exc, "data", None) or {}
        errors = plain(data["messages"]) if "messages" in data else None
        message = data.get("message") if isinstance(data.get("message"), str) else None
        response = error_response(status, message, errors)
        if isinstance(exc, HTTPException) and exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        db.session.rollback()
        errors = None
        if isinstance(exc, ValidationFailed):
            errors = {"json": {k: [str(m) for m in v] for k, v in exc.errors.items()}}
        response = error_response(exc.status, str(exc.message) if exc.message else None, errors)
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(InternalServerError)
    def _internal(exc: InternalServerError) -> Response:
        db.session.rollback()
        log.error(
            "unhandled error on %s %s",
            request.method,
            request.path,
            exc_info=exc.original_exception,
        )
        return error_response(500)
