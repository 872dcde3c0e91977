"""Tables of the notifications package."""

from __future__ import annotations
