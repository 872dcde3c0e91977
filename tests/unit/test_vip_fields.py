"""The VIP file template (R4) and the checks of each field kind with the VIP strictness (R2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.members.validators import InvalidValue
from portal.vip import fields as f
from portal.vip.models import VipFile

TODAY = date(2026, 11, 23)
SPECS = {spec.name: spec for stage in f.STAGES for spec in f.CORE_FIELDS[stage]}


def check(name: str, raw: object) -> object:
    return f.check_value(SPECS[name], raw, today=TODAY)


def refused(name: str, raw: object) -> bool:
    try:
        check(name, raw)
    except InvalidValue:
        return True
    return False


def test_r4_each_stage_has_its_required_fields():
    required = {stage: [s.name for s in f.CORE_FIELDS[stage] if s.required] for stage in f.STAGES}
    assert required == {
        1: ["full_name", "mobile", "id_number", "employer", "address"],
        2: ["birthday", "preferences"],
    }
    assert len(SPECS) == sum(len(f.CORE_FIELDS[s]) for s in f.STAGES)  # names are unique


def test_r4_template_without_an_app_is_the_core():
    assert f.template(1) == list(f.CORE_FIELDS[1])
    with pytest.raises(ValueError, match="stage"):
        f.template(3)


def test_r4_completeness_lists_missing_required_fields_per_stage():
    file = VipFile(data={"full_name": "王建国", "birthday": "1985-04-12"})
    assert f.STAGES == (1, 2)
    from portal.vip.services import completeness

    assert completeness(file) == {
        1: ["mobile", "id_number", "employer", "address"],
        2: ["preferences"],
    }


@pytest.mark.parametrize("name", ["王先生", "李女士", "张总", "Mr. Wang", "老王"])
def test_r2_name_refuses_forms_of_address(name):
    assert refused("full_name", name)


@pytest.mark.parametrize(
    "number", ["029-88886666", "010 6552 9988", "400-810-8888", "800-810-8888", "95555", "1381234"]
)
def test_r2_vip_contact_mobile_refuses_landlines_and_switchboards(number):
    assert refused("mobile", number)


def test_r2_vip_contact_mobile_is_normalized():
    assert check("mobile", "139 1234 5678") == "+8613912345678"
    assert check("mobile", "+86 139-1234-5678") == "+8613912345678"


def test_r2_other_phone_takes_a_landline_with_its_area_code():
    assert check("other_phone", "029-88886666") == "+862988886666"
    assert refused("other_phone", "88886666")  # no area code
    assert refused("other_phone", "400-810-8888")


@pytest.mark.parametrize(
    "employer",
    [
        "西安市",
        "长安县",
        "高新路",
        "陕西省西安市雁塔区",
        "Xi'an City",
        "Gaoxin Road",
        "12345",
        "----",
    ],
)
def test_r2_vip_employer_must_be_specific(employer):
    assert refused("employer", employer)


@pytest.mark.parametrize(
    "employer", ["陕西华为技术有限公司", "西安交通大学第一附属医院", "Xi'an City Bank", "Siemens"]
)
def test_r2_vip_employer_accepts_real_names(employer):
    assert check("employer", employer) == employer


@pytest.mark.parametrize("address", ["西安市", "西安市高新路", "高新路", "123456", "Gaoxin Road"])
def test_r2_vip_address_must_be_specific(address):
    assert refused("address", address)


def test_r2_vip_address_with_road_and_number_is_kept():
    assert check("address", "西安市高新路25号3单元501室") == "西安市高新路25号3单元501室"


def test_r3_id_number_is_checked_and_normalized():
    assert check("id_number", "11010519491231002x") == "11010519491231002X"
    assert check("id_number", "6101 1319 8504 1200 39") == "610113198504120039"
    assert refused("id_number", "110105194912310021")  # wrong check digit
    assert refused("id_number", "1101051949123100")  # too short


def test_r2_dates_are_real_calendar_dates_not_text():
    assert check("birthday", date(1985, 4, 12)) == "1985-04-12"
    assert check("birthday", "1985-04-12") == "1985-04-12"
    assert refused("birthday", "四月十二")
    assert refused("birthday", "1985-02-30")
    assert refused("birthday", date(1899, 12, 31))


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_r2_any_past_date_round_trips(day):
    assert check("wedding_anniversary", day) == day.isoformat()
    assert check("wedding_anniversary", day.isoformat()) == day.isoformat()


@given(st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2200, 1, 1)))
def test_r2_an_anniversary_cannot_lie_in_the_future(day):
    assert refused("birthday", day)


def test_choice_takes_listed_values_only():
    assert check("contact_time", "evening") == "evening"
    assert refused("contact_time", "midnight")


def test_wechat_ids_are_lower_case_and_well_formed():
    assert check("wechat", "WangJG_1985") == "wangjg_1985"
    assert refused("wechat", "1wang")
    assert refused("wechat", "ab")


def test_text_refuses_control_characters_and_overlong_values():
    assert refused("preferences", "不吃辣\x00")
    assert refused("preferences", "x" * 1001)
    assert check("preferences", "  不吃辣\n靠窗  ") == "不吃辣\n靠窗"


def test_empty_values_are_none():
    for name in SPECS:
        assert check(name, "") is None
        assert check(name, None) is None
