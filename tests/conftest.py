"""Core test configuration; the fixtures themselves come from ``portal.testing.fixtures``."""
