"""Reports over JSON: the SLA report (R5, R6) and the compliance report (R18, R19)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from portal import clock
from portal.api.auth import BEARER, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.schema import CursorPageSchema, CursorQuerySchema, Schema, ident
from portal.compliance.catalogue import Measure
from portal.errors import NotFound
from portal.extensions import db
from portal.i18n import zone_of
from portal.reports import compliance, services
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
    store = _store_of(query["store"])
    today = clock.now().astimezone(zone_of(store)).date()
    return services.sla_report(
        db.session,
        actor=token_user(),
        period=services.check_period(query["start"], query["end"], today),
        policy=query["policy"],
        store_id=query["store"],
        group_by=services.GroupBy(query["group"]),
    )


# --- compliance report (R18, R19) -----------------------------------------------------------


class MonthField(ma.fields.Field):
    """A month as ``YYYY-MM`` (the page's rule: ``compliance.parse_month``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return compliance.parse_month(str(value))
        except ValueError as exc:
            raise ma.ValidationError(str(exc)) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else str(value)


def _month(**kwargs: Any) -> MonthField:
    return MonthField(
        metadata={"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11"}
        | kwargs.pop("metadata", {}),
        **kwargs,
    )


def _store_of(store_id: int | None) -> Store | None:
    """The store asked for (None: every store in scope); 404 when there is none."""
    store = db.session.get(Store, store_id) if store_id else None
    if store_id and store is None:
        raise NotFound()
    return store


class ComplianceQuerySchema(Schema):
    from_ = _month(
        data_key="from",
        load_default=None,
        metadata={"description": "First month (default: 11 months before the last)"},
    )
    to = _month(load_default=None, metadata={"description": "Last month (default: this month)"})
    store_id = ident(strict=False, load_default=None)


class MeasureCountSchema(Schema):
    measure = ma.fields.String(validate=ma.validate.OneOf(list(Measure)))
    label = ma.fields.String()
    level = ma.fields.Integer(metadata={"description": "Rank on the R18 ladder, 0 lowest"})
    count = ma.fields.Integer()


class MonthRowSchema(Schema):
    month = _month(allow_none=True, metadata={"description": "null: the period's total"})
    opened = ma.fields.Integer(metadata={"description": "Cases opened"})
    decided = ma.fields.Integer(metadata={"description": "Cases decided"})
    measures = ma.fields.List(
        ma.fields.Nested(MeasureCountSchema), metadata={"description": "Ladder order"}
    )


class MonthPeriodSchema(Schema):
    first = _month()
    last = _month()


class CaseReportSchema(Schema):
    store_id = ma.fields.Integer(allow_none=True)
    period = ma.fields.Nested(MonthPeriodSchema)
    rows = ma.fields.List(ma.fields.Nested(MonthRowSchema))
    total = ma.fields.Nested(MonthRowSchema)


def _row(row: compliance.MonthRow) -> dict[str, Any]:
    return {
        "month": row.month,
        "opened": row.opened,
        "decided": row.decided,
        "measures": [
            {"measure": m, "label": m.label, "level": level, "count": row.measures[m]}
            for level, m in enumerate(Measure)
        ],
    }


@blp.route("/compliance", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(ComplianceQuerySchema, location="query")
@blp.response(200, CaseReportSchema)
@blp.alt_response(404, description="No such store, or not yours; or no report for you")
@blp.alt_response(422, description="A wrong month, the last before the first, over 36 months")
def compliance_report(query: dict[str, Any]) -> Any:
    """R18: per month, the cases opened and decided and each measure of the ladder decided
    (each store's months in its own time zone)."""
    store = _store_of(query["store_id"])
    today = clock.now().astimezone(zone_of(store)).date()
    report = compliance.case_report(
        db.session,
        actor=token_user(),
        period=compliance.check_months(query["from_"], query["to"], today),
        store_id=query["store_id"],
    )
    return {
        "store_id": report.store_id,
        "period": report.period,
        "rows": [_row(row) for row in report.rows],
        "total": _row(report.total),
    }


class RectificationQuerySchema(CursorQuerySchema):
    store_id = ident(strict=False, load_default=None)


class OpenRectificationSchema(Schema):
    id = ma.fields.Integer()
    deadline = ma.fields.Date(metadata={"description": "The last day, store's calendar"})
    days_left = ma.fields.Integer(metadata={"description": "Negative: days overdue"})
    overdue = ma.fields.Boolean()
    case_id = ma.fields.Integer()
    case_number = ma.fields.String()
    member_name = ma.fields.String()
    notice_id = ma.fields.Integer()
    notice_number = ma.fields.String()
    store_name = ma.fields.String()


class WeekCountSchema(Schema):
    week = ma.fields.Date(
        allow_none=True, metadata={"description": "The week's Monday; null: overdue"}
    )
    count = ma.fields.Integer()


class RectificationReportSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(OpenRectificationSchema))
    weeks = ma.fields.List(
        ma.fields.Nested(WeekCountSchema),
        metadata={"description": "Every open one: overdue first, then per due week"},
    )
    total = ma.fields.Integer()


@blp.route("/compliance/rectifications", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(RectificationQuerySchema, location="query")
@blp.response(200, RectificationReportSchema)
@blp.alt_response(404, description="No such store, or not yours; or no report for you")
def rectification_report(query: dict[str, Any]) -> Any:
    """R19: open rectifications by due date, earliest first, with the counts per due week."""
    _store_of(query["store_id"])
    report = compliance.open_rectifications(
        db.session,
        actor=token_user(),
        now=clock.now(),
        store_id=query["store_id"],
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return {
        "items": report.page.items,
        "next_cursor": report.page.next_cursor,
        "weeks": report.weeks,
        "total": report.total,
    }
