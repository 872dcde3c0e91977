"""The generic alternative: Flask-Admin's ModelView over the portal's own tables.

What a team would otherwise reach for to list members, VIP files waiting for review and a
member's messages: a ModelView per table with the same filters as the portal's pages, in
its defaults (page size 20, a ``COUNT(*)`` of the filtered rows for the pager, its own
templates). No login (Flask-Admin has none of its own), so it is measured at its cheapest.
"""

from __future__ import annotations

import os

from flask import Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from flask_babel import Babel

from portal import models  # noqa: F401 - every table mapped, as in the portal
from portal.extensions import db
from portal.members.models import Member
from portal.notifications.models import Notification
from portal.vip.models import VipFile


class MemberView(ModelView):
    """The counter's lookup: one store's members with a mobile number."""

    named_filter_urls = True
    column_list = ("full_name", "mobile", "status", "referrer_id", "created_at")
    column_filters = (
        IntEqualFilter(Member.store_id, "store"),
        FilterEqual(Member.mobile, "mobile"),
    )
    column_default_sort = ("created_at", True)


class VipFileView(ModelView):
    """The review queue: one store's submitted files, the earliest submitted first."""

    named_filter_urls = True
    column_list = ("member_id", "referrer_id", "status", "submitted_at", "store_id")
    column_filters = (
        IntEqualFilter(VipFile.store_id, "store"),
        FilterEqual(VipFile.status, "status"),
    )
    column_default_sort = "submitted_at"


class NotificationView(ModelView):
    """The notice page: one user's in-portal messages, newest first."""

    named_filter_urls = True
    column_list = ("kind", "params", "read_at", "created_at")
    column_filters = (
        IntEqualFilter(Notification.recipient_user_id, "user"),
        FilterEqual(Notification.channel, "channel"),
    )
    column_default_sort = ("created_at", True)


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=os.environ["PORTAL_DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SECRET_KEY="bench",
    )
    db.init_app(app)
    Babel(app)  # Flask-Admin translates through Flask-Babel when it is installed
    admin = Admin(app, name="bench")
    admin.add_view(MemberView(Member, db.session, endpoint="member"))
    admin.add_view(VipFileView(VipFile, db.session, endpoint="vipfile"))
    admin.add_view(NotificationView(Notification, db.session, endpoint="notification"))
    return app
