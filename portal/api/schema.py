"""The base schema of every API body: translated validation messages, strict fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import marshmallow as ma
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from portal.database import MAX_ID

if TYPE_CHECKING:
    from portal.pagination import Page

#: marshmallow's built-in messages, in the user's language (rendered when the error is sent)
FIELD_MESSAGES = {
    "required": _l("This field is required."),
    "null": _l("This field may not be empty."),
    "validator_failed": _l("Invalid value."),
    "invalid": _l("Not a valid value of this type."),
    "invalid_utf8": _l("Not valid UTF-8 text."),
    "too_large": _l("This number is too large."),
    "type": _l("Invalid type."),
    "format": _l("Not a valid value of this type."),
}


class Schema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    error_messages = {
        "type": _l("The body must be a JSON object."),
        "unknown": _l("Unknown field."),
    }

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        field_obj.error_messages = {
            key: FIELD_MESSAGES.get(key, message)
            for key, message in field_obj.error_messages.items()
        }
        if isinstance(field_obj, ma.fields.String):
            # every schema instance binds its own copy of the field: no validator piles up
            field_obj.validators = [*field_obj.validators, no_control_characters]


#: C0 controls other than tab, line feed and carriage return, and lone surrogates (JSON can
#: spell "\ud800"; no UTF-8 encoder accepts it). PostgreSQL refuses NUL in text outright,
#: and no name, address or login legitimately contains any of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def no_control_characters(value: str) -> None:
    if _CONTROL.search(value):
        # a plain str: marshmallow would take a lazy string for a list of messages
        raise ma.ValidationError(gettext("Remove control characters (such as NUL) from the text."))


def ident(*, strict: bool = True, **kwargs: Any) -> ma.fields.Integer:
    """An integer id field, bounded so no value the database cannot hold reaches a query.

    ``strict`` refuses "5" for 5 in JSON bodies; query strings carry text, so not there.
    """
    return ma.fields.Integer(
        strict=strict,
        validate=ma.validate.Range(min=1, max=MAX_ID, error=_l("No such record.")),
        **kwargs,
    )


#: how an amount of money is written in JSON: decimal text, never a float (DESIGN: money)
MONEY_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"


def money(*, metadata: dict[str, Any] | None = None, **kwargs: Any) -> ma.fields.Decimal:
    """A CNY amount, sent and read as decimal text ("368.00") so no float rounds it.

    Documented as such: apispec would call a Decimal field a number, which the text it
    serialises to is not (schemathesis' response checks hold the document to its word)."""
    return ma.fields.Decimal(
        as_string=True,
        metadata={
            "type": "string",
            "format": "decimal",
            "pattern": MONEY_PATTERN,
            **(metadata or {}),
        },
        **kwargs,
    )


def length(maximum: int, minimum: int | None = None) -> ma.validate.Length:
    return ma.validate.Length(
        min=minimum,
        max=maximum,
        error=_l("Between {min} and {max} characters.")
        if minimum
        else _l("At most {max} characters."),
    )


#: messages webargs raises itself, listed so they reach the catalogs
LIBRARY_MESSAGES = (_l("Invalid JSON body."),)


def plain(errors: Any) -> Any:
    """Render the messages nested in webargs' error structure as strings in the user's language."""
    if isinstance(errors, dict):
        # marshmallow leaves a lone lazy message unwrapped; every field gets a list
        return {
            str(k): plain(v if isinstance(v, dict | list | tuple) else [v])
            for k, v in errors.items()
        }
    if isinstance(errors, list | tuple):
        return [plain(v) for v in errors]
    if isinstance(errors, str):
        return gettext(errors)
    return str(errors)


class CursorPageSchema(Schema):
    next_cursor = ma.fields.String(
        allow_none=True,
        metadata={"description": "Pass as `cursor` to get the next page; null on the last page."},
    )


class CursorQuerySchema(Schema):
    """The query of a keyset-paged list; subclasses add their filters (and may change the
    default page size by redefining ``limit``)."""

    cursor = ma.fields.String(load_default=None, validate=length(500))
    limit = ma.fields.Integer(load_default=25, validate=ma.validate.Range(min=1, max=100))


def page_response(page: Page[Any], transform: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """The body of a CursorPageSchema: the page's items (each passed through ``transform``
    if given) and the cursor of the next page."""
    items = page.items if transform is None else [transform(item) for item in page.items]
    return {"items": items, "next_cursor": page.next_cursor}
