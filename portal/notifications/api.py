"""The caller's in-portal messages over JSON."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from portal.api.auth import BEARER, token_required, token_user
from portal.api.blueprint import Blueprint
from portal.api.schema import (
    CursorPageSchema,
    CursorQuerySchema,
    Schema,
    page_response,
)
from portal.extensions import db
from portal.i18n import current_language
from portal.notifications import messages, services
from portal.notifications.models import Notification

blp = Blueprint(
    "notifications_api", __name__, url_prefix="/notifications", description="Notifications"
)


class NotificationSchema(Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "Message key, e.g. `vip.approved`"})
    text = ma.fields.String(metadata={"description": "The message in the request's language"})
    params = ma.fields.Dict(
        keys=ma.fields.String(), metadata={"description": "Values the text was made from"}
    )
    store_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    read_at = ma.fields.AwareDateTime(allow_none=True)
    unread = ma.fields.Boolean()


class NotificationPageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(NotificationSchema))


class NotificationQuerySchema(CursorQuerySchema):
    unread = ma.fields.Boolean(load_default=False, metadata={"description": "Only unread ones"})


class NotificationsMarkedSchema(Schema):
    marked = ma.fields.Integer(metadata={"description": "How many messages were unread"})


def _shown(notification: Notification, language: str) -> dict[str, Any]:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "text": messages.render(notification, language),
        "params": notification.params or {},
        "store_id": notification.store_id,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "unread": notification.read_at is None,
    }


@blp.route("/", methods=["GET"])
@blp.doc(security=BEARER)
@token_required
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, NotificationPageSchema)
@blp.alt_response(422, description="A bad query, e.g. a cursor that is no longer valid")
def list_notifications(query: dict[str, Any]) -> dict[str, Any]:
    """The caller's in-portal messages, newest first, a keyset page at a time."""
    page = services.inbox(
        db.session,
        user=token_user(),
        cursor=query["cursor"],
        limit=query["limit"],
        unread_only=query["unread"],
    )
    language = current_language()
    return page_response(page, lambda n: _shown(n, language))


@blp.route("/<int:notification_id>/read", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, NotificationSchema)
@blp.alt_response(404, description="No such message, or not yours")
def mark_read(notification_id: int) -> dict[str, Any]:
    """Mark one of the caller's messages read."""
    notification = services.mark_read(
        db.session, user=token_user(), notification_id=notification_id
    )
    db.session.commit()
    return _shown(notification, current_language())


@blp.route("/read-all", methods=["POST"])
@blp.doc(security=BEARER)
@token_required
@blp.response(200, NotificationsMarkedSchema)
def mark_all_read() -> dict[str, int]:
    """Mark every message of the caller read."""
    marked = services.mark_all_read(db.session, user=token_user())
    db.session.commit()
    return {"marked": marked}
