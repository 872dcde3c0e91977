"""Tables of the sla package."""

from __future__ import annotations
