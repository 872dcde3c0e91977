"""Verticals' own rules on member and VIP files (``portal_validate_member``).

Asked after the core's R2 checks passed, so a plugin sees normalized values; its errors
refuse the whole save, next to the fields they name, like the core's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, has_app_context

from portal.errors import ValidationFailed


def apply_plugin_rules(data: Mapping[str, Any], *, strictness: str) -> None:
    """Raise ValidationFailed with every enabled plugin's errors on ``data``."""
    if not has_app_context():
        return
    plugins = current_app.extensions.get("portal.plugins")
    if plugins is None:
        return
    errors: dict[str, list[object]] = {}
    validate = plugins.caller("portal_validate_member")  # enabled plugins only
    for result in validate(data=dict(data), strictness=strictness):
        for name, found in (result or {}).items():
            errors.setdefault(name, []).extend(found)
    if errors:
        raise ValidationFailed(errors)
