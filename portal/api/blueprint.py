"""The Blueprint every API module uses: JSON bodies only, parsed defensively."""

from __future__ import annotations

import json
from typing import Any

import flask
import flask_smorest
from flask.views import MethodView
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import UnsupportedMediaType

from portal.api.idempotency import WRITE_METHODS, documented, idempotent, left_alone

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class Parser(FlaskParser):
    """webargs' parser, answering 400 for JSON nested too deep to decode (not a 500)."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            # a non-empty doc: webargs reads an empty one as "no body"
            raise json.JSONDecodeError("JSON nested too deeply", "[[", 0) from None


def require_json_body() -> None:
    """415 for a body in any other format: webargs would silently read it as no body at all."""
    request = flask.request
    has_body = bool(request.content_length or request.headers.get("Transfer-Encoding"))
    if request.method in BODY_METHODS and has_body and not request.is_json:
        raise UnsupportedMediaType()


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before_request(require_json_body)

    def add_url_rule(
        self, rule: str, endpoint: str | None = None, view_func: Any = None, *a: Any, **kw: Any
    ) -> None:
        """Every write answers a keyed retry once (``portal.api.idempotency``), unless the
        endpoint documents the ``Idempotency-Key`` header itself or shows a secret."""
        methods = set(kw.get("methods") or ("GET",))
        if (
            callable(view_func)
            and not isinstance(view_func, type(MethodView))
            and methods & WRITE_METHODS
            and not left_alone(view_func)
        ):
            wrapped = idempotent(view_func)
            wrapped._apidoc = documented(view_func)  # type: ignore[attr-defined]
            view_func = wrapped
        super().add_url_rule(rule, endpoint, view_func, *a, **kw)
