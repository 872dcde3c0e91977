"""The baseline: bare Flask endpoints running the portal's hot queries, nothing else.

No login, no templates, no permission checks, no validation: what the same SQL costs when
served as plainly as Flask allows. Writes make the same rows as the portal's services (and
registration hashes the password with the same argon2 parameters). The bench reports the
portal as a ratio of this.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, jsonify, request
from sqlalchemy import JSON, TextClause, bindparam, create_engine, text
from werkzeug.wrappers import Response

from portal import clock
from portal.accounts.passwords import hash_password
from portal.database import UTCDateTime
from tests.bench import queries as q


def _sql(statement: str) -> TextClause:
    """``statement`` with the portal's column types on its instants and JSON values."""
    clause = text(statement)
    typed = {"now": UTCDateTime(), "after": JSON(), "params": JSON()}
    used = [bindparam(k, type_=t) for k, t in typed.items() if f":{k}" in statement]
    return clause.bindparams(*used)


def _rows(rows: Any) -> Response:
    return jsonify([list(map(str, row)) for row in rows])


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["PORTAL_DATABASE_URL"], pool_pre_ping=True)
    inbox, unread, audit = _sql(q.INBOX), _sql(q.UNREAD), _sql(q.AUDIT)

    @app.get("/bare/queue")
    def queue() -> Response:
        with engine.connect() as conn:
            rows = conn.execute(
                text(q.REVIEW_QUEUE), {"store_id": int(request.args["store"]), "limit": 26}
            ).all()
        return _rows(rows)

    @app.get("/bare/lookup")
    def lookup() -> Response:
        with engine.connect() as conn:
            rows = conn.execute(
                text(q.LOOKUP_BY_MOBILE),
                {"store_id": int(request.args["store"]), "mobile": request.args["mobile"]},
            ).all()
        return _rows(rows)

    @app.get("/bare/notices")
    def notices() -> Response:
        user_id = int(request.args["user"])
        with engine.connect() as conn:
            rows = conn.execute(inbox, {"user_id": user_id}).all()
            count = conn.execute(unread, {"user_id": user_id}).scalar_one()
        return jsonify({"unread": count, "items": [list(map(str, row)) for row in rows]})

    @app.post("/bare/register")
    def register() -> Response:
        form, now = request.form, clock.now()
        store_id = int(form["store_id"])
        values = {"mobile": form["mobile"], "name": form["full_name"], "now": now}
        with engine.begin() as conn:
            user_id = conn.execute(
                _sql(q.REGISTER_USER), {**values, "hash": hash_password(form["password"])}
            ).scalar_one()
            member_id = conn.execute(
                _sql(q.REGISTER_MEMBER), {**values, "store_id": store_id, "user_id": user_id}
            ).scalar_one()
            conn.execute(
                _sql(q.REGISTER_CONTACT),
                {**values, "member_id": member_id, "store_id": store_id},
            )
            for action, object_type, object_id in (
                ("account.created", "user", user_id),
                ("member.registered", "member", member_id),
            ):
                conn.execute(
                    audit,
                    {
                        "now": now,
                        "actor": user_id,
                        "label": form["mobile"],
                        "action": action,
                        "object_type": object_type,
                        "object_id": str(object_id),
                        "store_id": store_id,
                        "after": {"mobile": form["mobile"]},
                    },
                )
        return jsonify({"member": member_id})

    @app.post("/bare/decide/<int:file_id>")
    def decide(file_id: int) -> tuple[Response, int] | Response:
        actor, store_id, now = int(request.form["actor"]), int(request.form["store"]), clock.now()
        values = {"now": now, "actor": actor, "file_id": file_id}
        with engine.begin() as conn:
            changed = conn.execute(
                _sql(q.DECIDE_FILE), {**values, "version": int(request.form["version"])}
            ).rowcount
            if changed != 1:
                return jsonify({"error": "not waiting"}), 409
            conn.execute(_sql(q.DECIDE_TASK), values)
            conn.execute(_sql(q.DECIDE_MEMBER), values)
            conn.execute(
                _sql(q.NOTIFY),
                {
                    "recipient": f"u:{actor}",
                    "user_id": actor,
                    "store_id": store_id,
                    "params": {"file": file_id},
                    "key": f"bare:{file_id}",
                    "now": now,
                },
            )
            conn.execute(
                audit,
                {
                    "now": now,
                    "actor": actor,
                    "label": "bare",
                    "action": "vip.approved",
                    "object_type": "vip_file",
                    "object_id": str(file_id),
                    "store_id": store_id,
                    "after": {"status": "approved"},
                },
            )
        return jsonify({"decided": file_id})

    return app
