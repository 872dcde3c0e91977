"""R2 data-quality checks, shared by forms, the API and later the VIP files.

Each check returns the normalized value or raises ``InvalidValue`` with a message the
user can act on. ``Strictness.VIP`` is the stricter variant for VIP files (003 §3).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from phonenumbers import PhoneNumberType


class Strictness(StrEnum):
    MEMBER = "member"
    VIP = "vip"


class InvalidValue(ValueError):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


# --- names -------------------------------------------------------------------------------

#: Forms of address that stand in for a name: 王先生, 李女士, 张总 (R2).
HONORIFIC_SUFFIXES = (
    "先生",
    "女士",
    "小姐",
    "太太",
    "夫人",
    "老师",
    "师傅",
    "老板",
    "经理",
    "主任",
    "总监",
    "总经理",
    "董事长",
    "阿姨",
    "叔叔",
    "大哥",
    "大姐",
    "大爷",
    "同学",
    "医生",
    "老总",
    "总",
    "哥",
    "姐",
    "姨",
    "叔",
    "伯",
    "工",
)
HONORIFIC_PREFIXES = ("老", "小", "阿")
#: two-character family names; any other two characters before a suffix are a given name
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "令狐",
        "慕容",
        "尉迟",
        "公孙",
        "夏侯",
        "长孙",
        "宇文",
        "司徒",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
        "呼延",
        "轩辕",
        "澹台",
        "申屠",
        "太史",
        "闻人",
        "万俟",
        "钟离",
        "赫连",
        "第五",
        "左丘",
    }
)
LATIN_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mister", "madam", "madame", "dr", "sir", "prof", "mx", "dear"}
)

_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
_HAN_NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+([·•・][\u3400-\u9fff]+)*$")
_LATIN_PART = re.compile(r"^[^\W\d_]+(?:['\-.][^\W\d_]+)*\.?$")

MAX_NAME_LENGTH = 50


def check_full_name(raw: str) -> str:
    """R2: a real full name, not an honorific form like 王先生 or "Mr. Wang"."""
    name = " ".join(unicodedata.normalize("NFKC", raw or "").split())
    if not name:
        raise InvalidValue(_l("Enter your full name."))
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidValue(_l("A name has at most %(count)d characters.", count=MAX_NAME_LENGTH))
    compact = name.replace(" ", "")
    if any(_HAN.match(ch) for ch in compact):
        return _check_han_name(compact)
    return _check_latin_name(name)


def _check_han_name(name: str) -> str:
    if not _HAN_NAME.match(name):
        raise InvalidValue(
            _l("A Chinese name uses Chinese characters only (with · between parts).")
        )
    plain = re.sub(r"[·•・]", "", name)
    if len(plain) < 2:
        raise InvalidValue(_l("Enter the full name, family name and given name."))
    for suffix in HONORIFIC_SUFFIXES:
        # A family name followed by a form of address is not a name (王先生, 欧阳女士);
        # 王建工 is: 建工 is a given name, not 建 + 工.
        head = plain[: -len(suffix)]
        if plain.endswith(suffix) and (len(head) == 1 or head in COMPOUND_SURNAMES):
            raise InvalidValue(
                _l("Enter the full name, not a form of address such as 王先生 or 李女士.")
            )
    if len(plain) == 2 and plain[0] in HONORIFIC_PREFIXES:
        raise InvalidValue(_l("Enter the full name, not a nickname such as 老王 or 小李."))
    return name


def _check_latin_name(name: str) -> str:
    parts = name.split(" ")
    # "Mr.Wang Wei" carries its title without a space after the dot
    if re.split(r"[ .]", name, maxsplit=1)[0].lower() in LATIN_TITLES:
        raise InvalidValue(_l('Enter the full name without a title such as "Mr." or "Ms."'))
    if not all(_LATIN_PART.match(part) for part in parts):
        raise InvalidValue(_l("A name contains letters only (and - or ' between them)."))
    if len(parts) < 2:
        raise InvalidValue(_l("Enter the full name, given name and family name."))
    return name


# --- telephone numbers --------------------------------------------------------------------

#: numbers that reach a company's switchboard rather than a person (400, 800 and similar)
SWITCHBOARD_TYPES = frozenset(
    {
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.UAN,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.VOIP,
    }
)
MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def _parse_phone(raw: str) -> phonenumbers.PhoneNumber:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise InvalidValue(_l("Enter a telephone number."))
    if len(text) > 32 or not re.fullmatch(r"[+\d\s\-()]+", text):
        raise InvalidValue(
            _l("A telephone number contains digits, spaces, +, - and brackets only.")
        )
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(_l("This is not a valid telephone number.")) from exc
    return number


def normalize_mobile(raw: str) -> str:
    """R2: a mobile number of the right length (mainland: 11 digits, 1[3-9]…), as E.164."""
    number = _parse_phone(raw)
    if not phonenumbers.is_valid_number(number):
        if number.country_code == 86:
            raise InvalidValue(
                _l("A mainland mobile number has 11 digits and starts with 13 to 19.")
            )
        raise InvalidValue(_l("This is not a valid mobile number."))
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise InvalidValue(_l("This is not a mobile number; enter a mobile number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_contact_number(raw: str, strictness: Strictness = Strictness.MEMBER) -> str:
    """R2: a mobile, or a fixed line with its area code; VIP files accept mobiles only."""
    number = _parse_phone(raw)
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(
            _l("Enter a mobile number, or a fixed-line number with its area code (029-88886666).")
        )
    kind = phonenumbers.number_type(number)
    if kind in SWITCHBOARD_TYPES:
        raise InvalidValue(_l("A switchboard or service number cannot be a contact number."))
    if strictness is Strictness.VIP and kind not in MOBILE_TYPES:
        raise InvalidValue(_l("A VIP's contact number must be a mobile, not a landline."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str | None) -> str:
    """A stored E.164 number as people write it (national form for mainland numbers).

    Anything else, such as a masked number (138****8000), is shown as it is."""
    if not e164 or not e164.startswith("+"):
        return e164 or ""
    number = phonenumbers.parse(e164, None)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 86
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def mask_phone(e164: str | None) -> str:
    """R10: lists show 138****8000 to people who do not own the record.

    At least four digits stay hidden: short numbers keep only their last two.
    """
    digits = re.sub(r"[^\d+]", "", format_phone(e164))
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 6:
        return f"****{digits[-2:]}"
    return "****"


# --- e-mail, address, dates -----------------------------------------------------------------


def normalize_email(raw: str | None) -> str | None:
    """An optional e-mail address, syntax checked (no DNS lookup: intranets have none)."""
    text = (raw or "").strip()
    if not text:
        return None
    if len(text) > 254:
        raise InvalidValue(_l("An e-mail address has at most 254 characters."))
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidValue(_l("This is not a valid e-mail address.")) from exc


_ADMIN_UNIT = (
    r"[\u4e00-\u9fff]{1,12}?"
    r"(?:省|市|自治区|自治州|地区|盟|县|区|旗|镇|乡|街道|村|路|街|道|大道|巷|胡同|弄)"
)
_ONLY_ADMIN_UNITS = re.compile(rf"^(?:{_ADMIN_UNIT})+$")
_HOUSE_NUMBER = re.compile(r"\d|[零一二三四五六七八九十百]+(?:号|栋|幢|座|室|楼|单元|层)")

MAX_ADDRESS_LENGTH = 200


def check_address(raw: str | None) -> str | None:
    """R2: an address must be specific; 西安市, 长安县, 高新路 alone are not."""
    text = _clean_place(raw)
    if text is None:
        return None
    compact = text.replace(" ", "")
    if _ONLY_ADMIN_UNITS.match(compact) or not _HOUSE_NUMBER.search(compact) or len(compact) < 6:
        raise InvalidValue(
            _l("Enter a specific address with road and number, e.g. 西安市高新路25号3单元501室.")
        )
    return text


def check_employer(raw: str | None) -> str | None:
    """R2: an employer is named in full, not as a bare city, county or road."""
    text = _clean_place(raw)
    if text is None:
        return None
    compact = text.replace(" ", "")
    if _ONLY_ADMIN_UNITS.match(compact) or len(compact) < 4:
        raise InvalidValue(_l("Enter the employer's full name, not only a city or district."))
    return text


def _clean_place(raw: str | None) -> str | None:
    text = " ".join(unicodedata.normalize("NFKC", raw or "").split())
    if not text:
        return None
    if len(text) > MAX_ADDRESS_LENGTH:
        raise InvalidValue(_l("At most %(count)d characters.", count=MAX_ADDRESS_LENGTH))
    return text


def check_picked_date(
    value: date | None, *, today: date, allow_future: bool = False
) -> date | None:
    """R2: anniversaries are real calendar dates, picked not typed; none before 1900."""
    if value is None:
        return None
    if value.year < 1900:
        raise InvalidValue(_l("Pick a date in 1900 or later."))
    if not allow_future and value > today:
        raise InvalidValue(_l("This date lies in the future."))
    return value
