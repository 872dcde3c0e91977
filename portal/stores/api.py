"""Stores a person can register with."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from portal.api.blueprint import Blueprint
from portal.api.schema import Schema
from portal.extensions import db
from portal.stores.services import open_stores

blp = Blueprint("stores_api", __name__, url_prefix="/stores", description="Stores")


class StoreSchema(Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    timezone = ma.fields.String()
    address = ma.fields.String(allow_none=True)


@blp.route("/", methods=["GET"])
@blp.response(200, StoreSchema(many=True))
def list_stores() -> Any:
    """Stores open for registration (no login needed)."""
    return open_stores(db.session)
