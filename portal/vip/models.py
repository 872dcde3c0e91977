"""Tables of the vip package."""

from __future__ import annotations
