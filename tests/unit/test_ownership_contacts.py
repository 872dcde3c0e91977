"""R8: contact methods are normalized so the same contact written two ways is one value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.errors import ValidationFailed
from portal.members.contacts import Contact, mask, normalize_all, normalize_contact
from portal.members.models import ContactKind


def refused(kind, value) -> str:
    with pytest.raises(ValidationFailed) as caught:
        normalize_contact(kind, value)
    return " ".join(str(m) for m in caught.value.errors["contacts"])


@pytest.mark.parametrize(
    "raw", ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "+8613800138000"]
)
def test_r8_mobiles_normalize_to_e164(raw):
    assert normalize_contact(ContactKind.MOBILE, raw) == "+8613800138000"


@pytest.mark.parametrize(
    "raw", ["029-88886666", "(029) 8888 6666", "02988886666", "+86 29 8888 6666"]
)
def test_r8_landlines_normalize_to_e164(raw):
    assert normalize_contact(ContactKind.LANDLINE, raw) == "+862988886666"


def test_r2_landline_needs_its_area_code():
    assert "area code" in refused(ContactKind.LANDLINE, "88886666")


def test_r2_switchboard_is_no_landline():
    assert "switchboard" in refused(ContactKind.LANDLINE, "400-800-8888")


def test_a_mobile_is_not_entered_as_landline():
    assert "mobile" in refused(ContactKind.LANDLINE, "13800138000")


def test_a_landline_is_not_a_mobile():
    assert "not a mobile" in refused(ContactKind.MOBILE, "029-88886666")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Wang.Li@Example.COM", "wang.li@example.com"),
        ("  wang@qq.com ", "wang@qq.com"),
    ],
)
def test_r8_emails_are_lower_cased(raw, expected):
    assert normalize_contact(ContactKind.EMAIL, raw) == expected


@pytest.mark.parametrize("raw", ["not-an-address", "a@", "@qq.com"])
def test_bad_emails_are_refused(raw):
    assert "e-mail" in refused(ContactKind.EMAIL, raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" WangLi_88 ", "wangli_88"),
        ("ab-cdef", "ab-cdef"),
        ("\uff21\uff42\uff43\uff44\uff45\uff46", "abcdef"),  # typed full width
    ],
)
def test_r8_wechat_ids_are_trimmed_and_lower_cased(raw, expected):
    assert normalize_contact(ContactKind.WECHAT, raw) == expected


@pytest.mark.parametrize(
    "raw", ["abcde", "a" * 21, "1abcdef", "_abcdef", "wang li", "王建国微信号", "abc.def"]
)
def test_wechat_pattern_is_enforced(raw):
    assert "WeChat ID" in refused(ContactKind.WECHAT, raw)


def test_unknown_kind_is_refused():
    assert "kind" in refused("fax", "123")


WECHAT_IDS = st.from_regex(r"\A[A-Za-z][A-Za-z0-9_-]{5,19}\Z")


@given(WECHAT_IDS, st.sampled_from(["", " ", "\t", "  "]))
def test_r8_wechat_id_spelled_any_case_is_one_value(wechat, pad):
    once = normalize_contact(ContactKind.WECHAT, pad + wechat + pad)
    assert once == wechat.lower()
    assert normalize_contact(ContactKind.WECHAT, once.upper()) == once  # idempotent over case


@given(
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.sampled_from(["", " ", "-"]),
)
def test_r8_mobile_written_with_separators_is_one_value(second, rest, sep):
    digits = f"1{second}{rest}"
    try:
        plain = normalize_contact(ContactKind.MOBILE, digits)
    except ValidationFailed:
        return  # a block libphonenumber does not know as mobile
    spaced = sep.join([digits[:3], digits[3:7], digits[7:]])
    assert normalize_contact(ContactKind.MOBILE, spaced) == plain
    assert normalize_contact(ContactKind.MOBILE, plain) == plain  # idempotent


def test_normalize_all_drops_duplicates_and_empty_rows_and_reports_every_error():
    found = normalize_all(
        [
            ("mobile", "13800138000"),
            ("mobile", "138 0013 8000"),
            ("wechat", ""),
            ("email", "A@b.cn"),
        ]
    )
    assert found == [
        Contact(ContactKind.MOBILE, "+8613800138000"),
        Contact(ContactKind.EMAIL, "a@b.cn"),
    ]
    with pytest.raises(ValidationFailed) as caught:
        normalize_all([("mobile", "123"), ("wechat", "1bad")])
    assert len(caught.value.errors["contacts"]) == 2


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("mobile", "+8613800138000", "138****8000"),
        ("landline", "+862988886666", "029****6666"),
        ("email", "wang.li@qq.com", "w***@qq.com"),
        ("wechat", "wangli_88", "w****"),
    ],
)
def test_r10_contacts_are_masked(kind, value, masked):
    assert mask(kind, value) == masked
