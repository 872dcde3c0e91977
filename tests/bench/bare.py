"""The baseline: bare Flask endpoints running the portal's hot queries, nothing else.

No login, no templates, no permission checks, no audit: what the same SQL costs when
served as plainly as Flask allows. The bench reports the portal as a ratio of this.
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text
from werkzeug.wrappers import Response

from tests.bench.queries import LOOKUP_BY_MOBILE, REVIEW_QUEUE


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["PORTAL_DATABASE_URL"], pool_pre_ping=True)

    @app.get("/bare/queue")
    def queue() -> Response:
        with engine.connect() as conn:
            rows = conn.execute(
                text(REVIEW_QUEUE), {"store_id": int(request.args["store"]), "limit": 26}
            ).all()
        return jsonify([list(map(str, row)) for row in rows])

    @app.get("/bare/lookup")
    def lookup() -> Response:
        with engine.connect() as conn:
            rows = conn.execute(
                text(LOOKUP_BY_MOBILE),
                {"store_id": int(request.args["store"]), "mobile": request.args["mobile"]},
            ).all()
        return jsonify([list(map(str, row)) for row in rows])

    return app
