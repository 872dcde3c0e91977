"""R2 data-quality checks (003 §3): names, telephone numbers, addresses, employers, dates.

The validators raise lazy messages; rendering them needs no request, so these tests run
without an app (and without the database).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.members import validators as v
from portal.members.validators import InvalidValue, Strictness

TODAY = date(2026, 11, 23)


def fullwidth(text: str) -> str:
    """What a Chinese input method types: full-width letters, digits and spaces."""
    return "".join("\u3000" if ch == " " else chr(ord(ch) + 0xFEE0) for ch in text)


def message_of(fn, *args, **kwargs) -> str:
    with pytest.raises(InvalidValue) as caught:
        fn(*args, **kwargs)
    return str(caught.value.message)


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["王先生", "李女士", "张总", "欧阳女士", "刘小姐", "陈老师", "李工"]
)
def test_r2_honorific_forms_are_not_names(name):
    assert "form of address" in message_of(v.check_full_name, name)


@pytest.mark.parametrize("name", ["Mr. Wang", "Mrs Li", "Ms. Zhang", "Dr Chen", "Mr.Wang Wei"])
def test_r2_latin_titles_are_not_names(name):
    assert "title" in message_of(v.check_full_name, name)


@pytest.mark.parametrize("name", ["老王", "小李", "阿三"])
def test_r2_nicknames_are_not_names(name):
    assert "nickname" in message_of(v.check_full_name, name)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("王建国", "王建国"),
        ("欧阳娜娜", "欧阳娜娜"),
        ("阿不都·热合曼", "阿不都·热合曼"),
        ("Wang Wei", "Wang Wei"),
        ("  Wang   Wei ", "Wang Wei"),
        ("王 建国", "王建国"),
        (fullwidth("Wang Wei"), "Wang Wei"),
        ("Mary-Jane O'Brien", "Mary-Jane O'Brien"),
    ],
)
def test_r2_real_full_names_are_accepted_and_normalized(raw, stored):
    assert v.check_full_name(raw) == stored


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "Enter your full name"),
        ("   ", "Enter your full name"),
        ("王", "family name and given name"),
        ("Wang", "given name and family name"),
        ("Wang 3", "letters only"),
        ("王建国3", "Chinese characters only"),
        ("王" * 51, "at most 50"),
    ],
)
def test_r2_incomplete_or_malformed_names_are_refused(name, fragment):
    assert fragment in message_of(v.check_full_name, name)


# --- mobile numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+8613800138000",
        "+86 138 0013 8000",
        "0086 138-0013-8000",
        "(+86) 13800138000",
        fullwidth("13800138000"),
    ],
)
def test_r2_mobile_in_any_common_notation_normalizes_to_e164(raw):
    assert v.normalize_mobile(raw) == "+8613800138000"


@pytest.mark.parametrize(
    "raw",
    ["1380013800", "138001380001", "12345678901", "11012345678", "23800138000"],
)
def test_r2_mainland_mobile_needs_11_digits_starting_13_to_19(raw):
    assert "11 digits" in message_of(v.normalize_mobile, raw)


@pytest.mark.parametrize("raw", ["", "   ", "138abc38000", "138_0013_8000", "1" * 40])
def test_r2_mobile_with_letters_or_nothing_is_refused(raw):
    with pytest.raises(InvalidValue):
        v.normalize_mobile(raw)


def test_r2_landline_is_not_a_mobile():
    assert "not a mobile" in message_of(v.normalize_mobile, "029-88886666")


#: mainland prefixes where every 8-digit subscriber number is a valid mobile
MOBILE_PREFIXES = [str(p) for p in [*range(130, 140), 150, 151, 152, 153, 155, 156, 157]] + [
    str(p) for p in [158, 159, *range(180, 190), 166, 177, 198, 199]
]


@st.composite
def mainland_mobiles(draw):
    prefix = draw(st.sampled_from(MOBILE_PREFIXES))
    rest = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    return prefix + rest


def notations(digits: str):
    a, b, c = digits[:3], digits[3:7], digits[7:]
    return st.sampled_from(
        [
            digits,
            f"{a} {b} {c}",
            f"{a}-{b}-{c}",
            f"+86{digits}",
            f"+86 {a} {b} {c}",
            f"0086{digits}",
            f"0086 {a}-{b}-{c}",
            f"(+86) {digits}",
            f"  {digits}  ",
            fullwidth(digits),
        ]
    )


@given(st.data(), mainland_mobiles())
def test_r2_every_notation_of_a_mobile_gives_the_same_e164(data, digits):
    written = data.draw(notations(digits))
    assert v.normalize_mobile(written) == "+86" + digits
    assert v.normalize_contact_number(written, Strictness.VIP) == "+86" + digits


@given(mainland_mobiles(), st.text(alphabet="0123456789", min_size=4, max_size=4))
def test_r10_mask_phone_never_reveals_the_middle_digits(digits, other_middle):
    masked = v.mask_phone("+86" + digits)
    assert masked == f"{digits[:3]}****{digits[-4:]}"
    # numbers that differ only in the middle digits look the same once masked
    assert v.mask_phone("+86" + digits[:3] + other_middle + digits[7:]) == masked


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+8613800138000", "138****8000"),
        ("+862988886666", "029****6666"),
        ("+12125550100", "+12****0100"),
        ("+6834002", "****02"),  # short numbers keep only two digits
        (None, "****"),
        ("", "****"),
    ],
)
def test_r10_mask_phone_examples(e164, masked):
    assert v.mask_phone(e164) == masked


def test_format_phone_writes_mainland_numbers_nationally_and_others_internationally():
    assert v.format_phone("+8613800138000") == "138 0013 8000"
    assert v.format_phone("+442079460000") == "+44 20 7946 0000"
    assert v.format_phone(None) == ""


# --- contact numbers (fixed lines, switchboards, VIP strictness) ------------------------------


@pytest.mark.parametrize(
    "raw", ["029-88886666", "(029) 8888 6666", "02988886666", "+86 29 8888 6666"]
)
def test_r2_fixed_line_with_area_code_is_a_member_contact(raw):
    assert v.normalize_contact_number(raw) == "+862988886666"


@pytest.mark.parametrize("raw", ["88886666", "8888666", "95555"])
def test_r2_fixed_line_without_area_code_is_refused(raw):
    assert "area code" in message_of(v.normalize_contact_number, raw)


@pytest.mark.parametrize("strictness", list(Strictness))
@pytest.mark.parametrize("raw", ["400-800-8888", "4008008888", "800-820-8820", "8008208820"])
def test_r2_switchboard_numbers_are_never_contact_numbers(raw, strictness):
    assert "switchboard" in message_of(v.normalize_contact_number, raw, strictness)


@pytest.mark.parametrize("raw", ["029-88886666", "010-12345678", "+44 20 7946 0000"])
def test_r2_vip_contact_must_be_a_mobile_not_a_landline(raw):
    v.normalize_contact_number(raw, Strictness.MEMBER)
    assert "VIP" in message_of(v.normalize_contact_number, raw, Strictness.VIP)


def test_r2_vip_contact_accepts_a_mobile():
    assert v.normalize_contact_number("138 0013 8000", Strictness.VIP) == "+8613800138000"


# --- addresses and employers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["西安市", "长安县", "高新路", "西安市高新路", "陕西省西安市雁塔区", "高新区某大厦"]
)
def test_r2_bare_city_county_or_road_is_not_an_address(raw):
    assert "specific address" in message_of(v.check_address, raw)


@pytest.mark.parametrize(
    "raw", ["西安市高新路25号3单元501室", "西安市高新路二十五号", "长安县韦曲街道12号"]
)
def test_r2_specific_addresses_are_accepted(raw):
    assert v.check_address(raw) == raw


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_r2_address_and_employer_are_optional(raw):
    assert v.check_address(raw) is None
    assert v.check_employer(raw) is None


def test_r2_address_length_is_limited():
    assert "200" in message_of(v.check_address, "西安市高新路25号" + "甲" * 200)


@pytest.mark.parametrize("raw", ["西安市", "长安县", "高新路", "雁塔区", "华为"])
def test_r2_employer_must_be_named_in_full(raw):
    assert "employer" in message_of(v.check_employer, raw)


@pytest.mark.parametrize("raw", ["西安华为技术有限公司", "西安市第一医院", "Acme Trading Ltd"])
def test_r2_full_employer_names_are_accepted(raw):
    assert v.check_employer(raw) == raw


# --- e-mail -----------------------------------------------------------------------------------


def test_email_is_optional_and_normalized():
    assert v.normalize_email(None) is None
    assert v.normalize_email("  ") is None
    assert v.normalize_email(" Wang.Wei@Example.COM ") == "Wang.Wei@example.com"


@pytest.mark.parametrize("raw", ["wang", "wang@", "a@b", "a b@example.com", "wang@@example.com"])
def test_email_with_wrong_syntax_is_refused(raw):
    assert "not a valid e-mail" in message_of(v.normalize_email, raw)


def test_overlong_email_is_refused():
    assert "254" in message_of(v.normalize_email, "w" * 250 + "@example.com")


# --- picked dates -----------------------------------------------------------------------------


def test_r2_no_date_is_fine():
    assert v.check_picked_date(None, today=TODAY) is None


def test_r2_future_date_is_refused_unless_allowed():
    tomorrow = TODAY + timedelta(days=1)
    assert "future" in message_of(v.check_picked_date, tomorrow, today=TODAY)
    assert v.check_picked_date(tomorrow, today=TODAY, allow_future=True) == tomorrow


def test_r2_dates_before_1900_are_refused():
    assert "1900" in message_of(v.check_picked_date, date(1899, 12, 31), today=TODAY)
    assert v.check_picked_date(date(1900, 1, 1), today=TODAY) == date(1900, 1, 1)


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_r2_any_past_date_since_1900_is_accepted(picked):
    assert v.check_picked_date(picked, today=TODAY) == picked


@given(st.dates(max_value=date(1899, 12, 31)))
def test_r2_any_date_before_1900_is_refused(picked):
    with pytest.raises(InvalidValue):
        v.check_picked_date(picked, today=TODAY, allow_future=True)


@given(st.dates(min_value=TODAY + timedelta(days=1)))
def test_r2_any_future_date_is_refused(picked):
    with pytest.raises(InvalidValue):
        v.check_picked_date(picked, today=TODAY)


@pytest.mark.parametrize("name", ["王建工", "李国伯", "张志总", "刘晓姐"])
def test_r2_given_names_ending_like_a_form_of_address_are_accepted(name):
    assert v.check_full_name(name) == name


@pytest.mark.parametrize("name", ["欧阳先生", "司马总", "王工", "诸葛老师"])
def test_r2_compound_family_name_with_a_form_of_address_is_refused(name):
    with pytest.raises(InvalidValue):
        v.check_full_name(name)
