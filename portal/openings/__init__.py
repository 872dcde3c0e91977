"""Dedicated customer accounts: a store requests, head office opens within 12 hours (R6)."""
