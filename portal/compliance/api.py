"""The violation catalogue over JSON (R17-R21): for case-management and reporting tools."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from portal.api.auth import BEARER, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.schema import Schema
from portal.compliance import services
from portal.compliance.catalogue import Measure, ViolationKind

blp = Blueprint(
    "compliance_api", __name__, url_prefix="/compliance", description="Compliance (R17-R21)"
)


class MeasureSchema(Schema):
    key = ma.fields.String(
        metadata={"description": "R18 ladder step", "enum": [m.value for m in Measure]}
    )
    label = ma.fields.String(metadata={"description": "Its name in the caller's language"})


class ViolationSchema(Schema):
    code = ma.fields.String(metadata={"description": "Stable code cases use", "example": "EX-P02"})
    title = ma.fields.String(metadata={"description": "In the caller's language"})
    kind = ma.fields.String(
        metadata={"description": "Catalogue section", "enum": [k.value for k in ViolationKind]}
    )
    measures = ma.fields.List(
        ma.fields.Nested(MeasureSchema),
        metadata={"description": "The measures allowed, lowest on the ladder first"},
    )


def _as_json(violation: Any) -> dict[str, Any]:
    return {
        "code": violation.code,
        "title": str(violation.title),
        "kind": violation.kind.value,
        "measures": [{"key": m.value, "label": m.label} for m in violation.ladder],
    }


class CatalogueQuerySchema(Schema):
    kind = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf([k.value for k in ViolationKind]),
        metadata={"description": "Only this section of the catalogue"},
    )


@blp.route("/catalogue", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(CatalogueQuerySchema, location="query")
@blp.response(200, ViolationSchema(many=True))
@blp.alt_response(403, description="Only compliance, head office and admins read it")
def list_catalogue(query: dict[str, Any]) -> list[dict[str, Any]]:
    """The enabled plugins' violations, by kind then code, with the measures allowed."""
    kind = ViolationKind(query["kind"]) if query["kind"] else None
    sections = services.catalogue_for(token_user(), kind=kind)
    return [_as_json(v) for section in sections for v in section.violations]
