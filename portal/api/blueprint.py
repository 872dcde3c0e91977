"""The Blueprint every API module uses: JSON bodies only, parsed defensively."""

from __future__ import annotations

import json
from typing import Any

import flask
import flask_smorest
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import UnsupportedMediaType

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
