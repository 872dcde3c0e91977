"""The VIP file template: which fields each stage asks for (R4)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldKind(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    #: a person's real full name (R2)
    NAME = "name"
    #: a mobile number; VIP files refuse landlines and switchboards as the contact (R2)
    MOBILE = "mobile"
    #: any phone number, landlines with their area code (R2)
    PHONE = "phone"
    EMAIL = "email"
    #: a picked date, never typed text (R2)
    DATE = "date"
    #: an employer or address that must be specific (R2)
    EMPLOYER = "employer"
    ADDRESS = "address"
    #: a mainland resident identity card number (R3 matches staff by it)
    ID_NUMBER = "id_number"
    WECHAT = "wechat"
    CHOICE = "choice"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a stage. ``name`` is unique across both stages and every plugin."""

    name: str
    label: object
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    #: (value, label) pairs for CHOICE fields
    choices: tuple[tuple[str, object], ...] = ()
    max_length: int = 200
    help: object = None
