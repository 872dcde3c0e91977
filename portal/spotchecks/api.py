"""Spot checks over JSON (R7)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from portal.api.auth import BEARER, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.schema import (
    CursorPageSchema,
    CursorQuerySchema,
    Schema,
    ident,
    length,
    page_response,
)
from portal.extensions import db
from portal.spotchecks import services
from portal.spotchecks.models import Finding

blp = Blueprint("spotchecks_api", __name__, url_prefix="/spotchecks", description="Spot checks")


class DrawSchema(Schema):
    store_id = ident(
        load_default=None,
        allow_none=True,
        metadata={"description": "One store; null or left out draws for every store"},
    )
    size = ma.fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=1, max=services.MAX_SAMPLE_SIZE),
        metadata={"description": "Files per store; default PORTAL_SPOT_CHECK_SIZE"},
    )


class ItemSchema(Schema):
    id = ma.fields.Integer()
    vip_file_id = ma.fields.Integer()
    full_name = ma.fields.String(attribute="vip_file.full_name")
    referrer_id = ma.fields.Integer(attribute="vip_file.referrer_id")
    finding = ma.fields.String(allow_none=True, metadata={"enum": [str(f) for f in Finding]})
    notes = ma.fields.String(allow_none=True)
    checked_by_id = ma.fields.Integer(allow_none=True)
    checked_at = ma.fields.AwareDateTime(allow_none=True)


class SpotCheckSchema(Schema):
    id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    store_name = ma.fields.String(attribute="store.name")
    drawn_by_id = ma.fields.Integer()
    drawn_at = ma.fields.AwareDateTime()
    sample_size = ma.fields.Integer()
    population = ma.fields.Integer(
        metadata={"description": "Approved VIP files of the store when the sample was drawn"}
    )
    method = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(ItemSchema))


class SpotCheckPageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(SpotCheckSchema))


class CheckQuerySchema(CursorQuerySchema):
    store = ident(strict=False, load_default=None)


class FindingSchema(Schema):
    finding = ma.fields.String(required=True, validate=ma.validate.OneOf(list(Finding)))
    notes = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=length(1000),
        metadata={"description": "Required for an issue"},
    )


@blp.route("/", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(CheckQuerySchema, location="query")
@blp.response(200, SpotCheckPageSchema)
@blp.alt_response(404, description="No such store, or not yours")
def list_checks(query: dict[str, Any]) -> dict[str, Any]:
    """Spot checks of the caller's stores (head office: all), newest first."""
    page = services.list_spot_checks(
        db.session,
        actor=token_user(),
        store_id=query["store"],
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return page_response(page)


@blp.route("/", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
# no body at all draws for every store at the default size, as the fields left out do
@blp.arguments(DrawSchema, required=False)
@blp.response(201, SpotCheckSchema(many=True))
@blp.alt_response(403, description="Only head-office service draws samples")
@blp.alt_response(404, description="No such store, or not yours")
@blp.alt_response(422, description="Wrong fields, or no approved VIP files to check")
def draw(args: dict[str, Any]) -> Any:
    """R7: draw a random sample of approved VIP files for one store or every store."""
    size = args["size"] or current_app.config["PORTAL_SPOT_CHECK_SIZE"]
    if args["store_id"] is not None:
        checks = [
            services.draw_sample(
                db.session, actor=token_user(), store_id=args["store_id"], size=size
            )
        ]
    else:
        checks = services.draw_for_all_stores(db.session, actor=token_user(), size=size)
    db.session.commit()
    return checks


@blp.route("/<int:check_id>", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, SpotCheckSchema)
@blp.alt_response(404, description="No such spot check, or not yours to see")
def show_check(check_id: int) -> Any:
    """One spot check with its sampled files and findings."""
    return services.get_spot_check(db.session, actor=token_user(), check_id=check_id)


@blp.route("/items/<int:item_id>/finding", methods=["PUT"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(FindingSchema)
@blp.response(200, ItemSchema)
@blp.alt_response(403, description="Only head-office service records findings")
@blp.alt_response(404, description="No such file in a spot check, or not yours to see")
@blp.alt_response(422, description="Wrong fields; an issue needs notes")
def record_finding(args: dict[str, Any], item_id: int) -> Any:
    """R7: record (or correct) the finding for one sampled file; an issue tells the store."""
    item = services.get_item(db.session, actor=token_user(), item_id=item_id)
    services.record_finding(db.session, actor=token_user(), item=item, **args)
    db.session.commit()
    return item
