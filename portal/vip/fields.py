"""The VIP file template: which fields each stage asks for (R4), and how each kind is checked.

Stage 1 is the person (identity and contact), stage 2 the relationship (anniversaries,
preferences). Plugins add fields per vertical through ``portal_vip_fields``. Every value
passes the R2 checks of ``portal.members.validators`` with the VIP strictness.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from portal.accounts.services import normalize_id_number
from portal.members import validators as v


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


STAGES = (1, 2)

STAGE_LABELS = {
    1: _l("Stage 1: identity and contact"),
    2: _l("Stage 2: relationship"),
}

CONTACT_TIMES: tuple[tuple[str, object], ...] = (
    ("morning", _l("Morning (9:00-12:00)")),
    ("afternoon", _l("Afternoon (12:00-18:00)")),
    ("evening", _l("Evening (18:00-21:00)")),
    ("any", _l("Any time in business hours")),
)

#: R4: the core template; seed 003 ③ (identity, contact) and ④ (anniversaries, preferences)
CORE_FIELDS: dict[int, tuple[FieldSpec, ...]] = {
    1: (
        FieldSpec("full_name", _l("Full name"), FieldKind.NAME, required=True, max_length=50),
        FieldSpec(
            "mobile",
            _l("Mobile number"),
            FieldKind.MOBILE,
            required=True,
            max_length=32,
            help=_l("The VIP's own mobile; no landline, switchboard or 400/800 number."),
        ),
        FieldSpec(
            "id_number",
            _l("Resident identity number"),
            FieldKind.ID_NUMBER,
            required=True,
            max_length=32,
            help=_l("18 characters; checked against staff accounts (staff cannot be VIPs)."),
        ),
        FieldSpec(
            "employer",
            _l("Employer"),
            FieldKind.EMPLOYER,
            required=True,
            help=_l("The full name of the company or institution, not only a city or road."),
        ),
        FieldSpec(
            "address",
            _l("Address"),
            FieldKind.ADDRESS,
            required=True,
            help=_l("Road and number down to the flat, e.g. 西安市高新路25号3单元501室."),
        ),
        FieldSpec("email", _l("E-mail"), FieldKind.EMAIL, max_length=254),
        FieldSpec("wechat", _l("WeChat ID"), FieldKind.WECHAT, max_length=32),
        FieldSpec(
            "other_phone",
            _l("Other telephone"),
            FieldKind.PHONE,
            max_length=32,
            help=_l("A landline with its area code (029-88886666) or a second mobile."),
        ),
    ),
    2: (
        FieldSpec("birthday", _l("Birthday"), FieldKind.DATE, required=True),
        FieldSpec("wedding_anniversary", _l("Wedding anniversary"), FieldKind.DATE),
        FieldSpec("other_anniversary", _l("Other anniversary"), FieldKind.DATE),
        FieldSpec(
            "other_anniversary_label",
            _l("What the other anniversary is"),
            FieldKind.TEXT,
            max_length=50,
            help=_l("e.g. 公司成立日, the children's birthdays"),
        ),
        FieldSpec(
            "preferences",
            _l("Dining and service preferences"),
            FieldKind.TEXTAREA,
            required=True,
            max_length=1000,
            help=_l("Tastes, allergies, favourite dishes and rooms, how they like to be served."),
        ),
        FieldSpec("household_notes", _l("Household notes"), FieldKind.TEXTAREA, max_length=1000),
        FieldSpec(
            "contact_time",
            _l("Preferred contact time"),
            FieldKind.CHOICE,
            choices=CONTACT_TIMES,
        ),
    ),
}

#: fields that go together: when one is filled the other is needed too
PAIRS = (("other_anniversary", "other_anniversary_label"),)


def template(stage: int) -> list[FieldSpec]:
    """R4: the fields of ``stage``: the core's, then every enabled plugin's."""
    if stage not in STAGES:
        raise ValueError(f"no stage {stage!r}")
    specs = list(CORE_FIELDS[stage])
    if has_app_context():
        plugins = current_app.extensions.get("portal.plugins")
        if plugins is not None:
            taken = {spec.name for s in STAGES for spec in CORE_FIELDS[s]}
            for spec in plugins.collect("portal_vip_fields", stage=stage):
                if spec.name in taken:
                    raise ValueError(f"VIP field {spec.name!r} is defined twice")
                taken.add(spec.name)
                specs.append(spec)
    return specs


def all_fields() -> dict[str, tuple[int, FieldSpec]]:
    """Every field of both stages by name, with its stage."""
    return {spec.name: (stage, spec) for stage in STAGES for spec in template(stage)}


def kind_of(spec: FieldSpec) -> FieldKind:
    """A plugin may give the kind as its string value (``kind="text"``)."""
    return FieldKind(spec.kind)


# --- checks per kind (R2, VIP strictness) -----------------------------------------------------

_WECHAT_ID = re.compile(r"^[a-z][a-z0-9_-]{5,19}$")
#: words that name a place or street, not an organisation (Xi'an City, Gaoxin Road)
_PLACE_WORDS = frozenset(
    {
        "province",
        "city",
        "county",
        "district",
        "prefecture",
        "town",
        "township",
        "village",
        "road",
        "rd",
        "street",
        "st",
        "avenue",
        "ave",
        "lane",
        "alley",
        "boulevard",
        "area",
        "zone",
    }
)
_LETTER = re.compile(r"[^\W\d_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def check_specific_employer(raw: str | None) -> str | None:
    """R2 (VIP): the members check refuses 西安市, 长安县, 高新路; this also refuses their
    Latin spellings (Xi'an City, Gaoxin Road) and text without any name in it (12345)."""
    text = v.check_employer(raw)
    if text is None:
        return None
    words = re.findall(r"[A-Za-z]+", text.lower())
    no_name = len(_LETTER.findall(text)) < 2
    bare_place = bool(words) and words[-1] in _PLACE_WORDS and len(words) <= 3
    if no_name or (bare_place and not _has_han(text)):
        raise v.InvalidValue(_l("Enter the employer's full name, not only a city or district."))
    return text


def check_specific_address(raw: str | None) -> str | None:
    """R2 (VIP): the members check wants a road and a number; a number alone (123456)
    is not an address either."""
    text = v.check_address(raw)
    if text is None:
        return None
    if len(_LETTER.findall(text)) < 2:
        raise v.InvalidValue(
            _l("Enter a specific address with road and number, e.g. 西安市高新路25号3单元501室.")
        )
    return text


def _has_han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def check_wechat(raw: str | None) -> str | None:
    """A WeChat ID: 6 to 20 letters, digits, _ or -, a letter first; kept in lower case
    like every stored contact (R8)."""
    text = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if not text:
        return None
    if not _WECHAT_ID.match(text):
        raise v.InvalidValue(
            _l("A WeChat ID has 6 to 20 letters, digits, _ or -, and starts with a letter.")
        )
    return text


def _as_date(raw: object) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise v.InvalidValue(_l("Pick a date from the calendar.")) from None


def is_empty(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def check_value(spec: FieldSpec, raw: object, *, today: date) -> str | None:
    """The normalized value of one field as stored in the file (JSON text), or None when
    empty; raises ``InvalidValue`` with a message for the field (R2, VIP strictness)."""
    if is_empty(raw):
        return None
    kind = kind_of(spec)
    if kind is FieldKind.DATE:
        picked = v.check_picked_date(_as_date(raw), today=today)
        return picked.isoformat() if picked else None
    if not isinstance(raw, str):
        raise v.InvalidValue(_l("Not a valid value of this type."))
    text = raw.strip()
    if _CONTROL.search(text):
        # no name, number or note holds them; PostgreSQL text cannot hold NUL at all
        raise v.InvalidValue(_l("Remove control characters from the text."))
    if len(text) > spec.max_length:
        raise v.InvalidValue(_l("At most %(count)d characters.", count=spec.max_length))
    match kind:
        case FieldKind.NAME:
            return v.check_full_name(text)
        case FieldKind.MOBILE:
            # R2: the VIP's contact number: a mobile, never a landline or a switchboard
            return v.normalize_contact_number(text, v.Strictness.VIP)
        case FieldKind.PHONE:
            return v.normalize_contact_number(text, v.Strictness.MEMBER)
        case FieldKind.EMAIL:
            return v.normalize_email(text)
        case FieldKind.EMPLOYER:
            return check_specific_employer(text)
        case FieldKind.ADDRESS:
            return check_specific_address(text)
        case FieldKind.ID_NUMBER:
            return normalize_id_number(text)
        case FieldKind.WECHAT:
            return check_wechat(text)
        case FieldKind.CHOICE:
            if text not in {value for value, _label in spec.choices}:
                raise v.InvalidValue(_l("Choose one of the listed values."))
            return text
        case _:
            return text
