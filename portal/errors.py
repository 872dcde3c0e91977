"""Typed domain errors raised by services and turned into responses at the edge.

Messages are lazy strings: they render in the language of whoever reads them.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """A rule said no. ``status`` is the HTTP status the edge answers with."""

    status = 400

    def __init__(self, message: object = "") -> None:
        super().__init__(str(message) if message else self.__class__.__name__)
        self.message = message


class ValidationFailed(DomainError):
    """One or more fields are wrong; ``errors`` maps field name to messages."""

    status = 422

    def __init__(self, errors: Mapping[str, list[object]]) -> None:
        super().__init__()
        self.errors = {field: list(messages) for field, messages in errors.items()}

    @classmethod
    def single(cls, field: str, message: object) -> ValidationFailed:
        return cls({field: [message]})


class NotFound(DomainError):
    """Absent, or outside the actor's scope: both answer 404 so existence is not confirmed."""

    status = 404


class PermissionDenied(DomainError):
    """The actor may see the object but not do this to it."""

    status = 403


class Conflict(DomainError):
    """The request clashes with the current state (already decided, already exists)."""

    status = 409


class TooManyAttempts(DomainError):
    """Throttled; ``retry_after`` is in seconds."""

    status = 429

    def __init__(self, message: object, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
