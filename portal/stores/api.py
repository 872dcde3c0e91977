"""Stores over JSON: the public list, and admins changing a store's details."""

from __future__ import annotations

from datetime import time
from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from portal.api.auth import BEARER, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.schema import Schema, length
from portal.extensions import db
from portal.stores import services
from portal.stores.models import Store
from portal.stores.services import open_stores

blp = Blueprint("stores_api", __name__, url_prefix="/stores", description="Stores")

_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _hhmm(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def _quiet_field(description: str) -> ma.fields.Field:
    return ma.fields.String(
        allow_none=True,
        validate=ma.validate.Regexp(_HHMM, error=_l("Use HH:MM, e.g. 21:00.")),
        metadata={"description": description, "example": "21:00"},
    )


class StoreSchema(Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    timezone = ma.fields.String()
    address = ma.fields.String(allow_none=True)
    quiet_start = ma.fields.Function(
        lambda store: _hhmm(store.quiet_start),
        metadata={
            "type": "string",
            "nullable": True,
            "description": "HH:MM local time from which no SMS or call goes out; null: default",
        },
    )
    quiet_end = ma.fields.Function(
        lambda store: _hhmm(store.quiet_end),
        metadata={
            "type": "string",
            "nullable": True,
            "description": "HH:MM local time at which waiting SMS and calls go out",
        },
    )


class StoreChangesSchema(Schema):
    code = ma.fields.String(validate=length(12, 1))
    name = ma.fields.String(validate=length(120, 1))
    timezone = ma.fields.String(validate=length(64, 1))
    address = ma.fields.String(allow_none=True, validate=length(200))
    phone = ma.fields.String(allow_none=True, validate=length(32))
    is_active = ma.fields.Boolean()
    quiet_start = _quiet_field(
        "Start of the quiet hours (store time); send both or neither, null clears"
    )
    quiet_end = _quiet_field("End of the quiet hours; the window may cross midnight")


@blp.route("/", methods=["GET"])
@blp.response(200, StoreSchema(many=True))
def list_stores() -> Any:
    """Stores open for registration (no login needed)."""
    return open_stores(db.session)


@blp.route("/<int:store_id>", methods=["PATCH"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(StoreChangesSchema)
@blp.response(200, StoreSchema)
@blp.alt_response(403, description="Only admins change stores")
@blp.alt_response(404, description="No such store")
@blp.alt_response(422, description="Wrong fields; `errors.json` names each one")
def update_store(changes: dict[str, Any], store_id: int) -> Store:
    """Change a store's details (admins); fields left out are kept."""
    store = services.get_store(db.session, store_id)
    for name in ("quiet_start", "quiet_end"):
        if changes.get(name) is not None:
            hours, minutes = changes[name].split(":")
            changes[name] = time(int(hours), int(minutes))
    data = services.StoreData(
        code=store.code,
        name=store.name,
        timezone=store.timezone,
        address=store.address,
        phone=store.phone,
        is_head_office=store.is_head_office,
        is_active=store.is_active,
        quiet_start=store.quiet_start,
        quiet_end=store.quiet_end,
    )
    for name, value in changes.items():
        setattr(data, name, value)
    services.update_store(db.session, actor=token_user(), store=store, data=data)
    db.session.commit()
    return store
