"""The ``[compliance]`` settings of portal.toml::

    [compliance]
    department = "HG"   # R25: the issuing department's abbreviation on every notice
    appeal_days = 15    # calendar days, in the store's zone, a member has to appeal

A value that is not what it should be falls back to the default (and says so in the
log) instead of failing every notice.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)

DEFAULT_DEPARTMENT = "HG"
DEFAULT_APPEAL_DAYS = 15
_DEPARTMENT = re.compile(r"[A-Z]{1,8}")


def _section() -> dict[str, Any]:
    section = current_app.config.get("PORTAL_COMPLIANCE")
    return section if isinstance(section, dict) else {}


def department() -> str:
    """R25: the abbreviation numbers start with (1 to 8 capital letters)."""
    value = _section().get("department", DEFAULT_DEPARTMENT)
    if isinstance(value, str) and _DEPARTMENT.fullmatch(value):
        return value
    log.warning("[compliance] department = %r is not 1-8 capital letters; using HG", value)
    return DEFAULT_DEPARTMENT


def appeal_days() -> int:
    """How many calendar days after the day of issue a notice can be appealed (1-365)."""
    value = _section().get("appeal_days", DEFAULT_APPEAL_DAYS)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 365:
        return value
    log.warning("[compliance] appeal_days = %r is not 1 to 365; using 15", value)
    return DEFAULT_APPEAL_DAYS
