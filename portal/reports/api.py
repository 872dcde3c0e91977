"""Reports over JSON: the SLA report (R5, R6)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from portal import clock
from portal.api.auth import BEARER, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.schema import Schema, ident
from portal.errors import NotFound
from portal.extensions import db
from portal.i18n import zone_of
from portal.reports import services
from portal.sla.policies import CORE_POLICIES
from portal.stores.models import Store

blp = Blueprint("reports_api", __name__, url_prefix="/reports", description="Reports")


class SlaQuerySchema(Schema):
    policy = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf([p.key for p in CORE_POLICIES])
    )
    store = ident(strict=False, load_default=None)
    group = ma.fields.String(
        load_default="store", validate=ma.validate.OneOf(list(services.GroupBy))
    )
    start = ma.fields.Date(
        load_default=None, metadata={"description": "First day (default: 29 days ago)"}
    )
    end = ma.fields.Date(load_default=None, metadata={"description": "Last day (default: today)"})


class SlaRowSchema(Schema):
    key = ma.fields.Integer(
        allow_none=True, metadata={"description": "Store or reviewer id; null: not decided yet"}
    )
    label = ma.fields.String()
    decided = ma.fields.Integer()
    within_sla = ma.fields.Integer()
    within_share = ma.fields.Float(allow_none=True, metadata={"description": "0..1"})
    median_seconds = ma.fields.Float(allow_none=True)
    p90_seconds = ma.fields.Float(allow_none=True)
    breaches = ma.fields.Integer()
    open_breaches = ma.fields.Integer()


class PeriodSchema(Schema):
    start = ma.fields.Date()
    end = ma.fields.Date()


class SlaReportSchema(Schema):
    policy = ma.fields.String(allow_none=True)
    group_by = ma.fields.String()
    period = ma.fields.Nested(PeriodSchema)
    rows = ma.fields.List(ma.fields.Nested(SlaRowSchema))
    total = ma.fields.Nested(SlaRowSchema)


@blp.route("/sla", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(SlaQuerySchema, location="query")
@blp.response(200, SlaReportSchema)
@blp.alt_response(404, description="No such store, or not yours; or no report for you")
@blp.alt_response(422, description="Wrong filters (e.g. the end before the start)")
def sla_report(query: dict[str, Any]) -> Any:
    """R5/R6: per store or reviewer, decisions within the SLA, median and 90th percentile
    time to decision (seconds, paused time excluded), breaches."""
    store = db.session.get(Store, query["store"]) if query["store"] else None
    if query["store"] and store is None:
        raise NotFound()
    today = clock.now().astimezone(zone_of(store)).date()
    return services.sla_report(
        db.session,
        actor=token_user(),
        period=services.check_period(query["start"], query["end"], today),
        policy=query["policy"],
        store_id=query["store"],
        group_by=services.GroupBy(query["group"]),
    )
