"""Huiyuan Portal: member, VIP and exchange-membership management.

``create_app`` builds the Flask application; plugins import ``hookimpl`` from here.
"""

from portal.app import create_app
from portal.plugins.markers import hookimpl

__all__ = ["create_app", "hookimpl"]
