"""R17-R21: catalogue entries and collecting them from plugins (duplicate codes refused)."""

from __future__ import annotations

import pytest

from portal.compliance.catalogue import Measure, Violation, ViolationKind
from portal.compliance.services import DuplicateViolationCode, build_catalogue


def violation(code: str = "EX-P01", *measures: Measure) -> Violation:
    return Violation(
        code,
        "Trading without instruction",
        ViolationKind.PROHIBITED_ACT,
        frozenset(measures or {Measure.WRITTEN_CIRCULAR}),
    )


def test_r18_measures_are_listed_in_the_order_of_the_ladder():
    entry = violation("EX-P02", Measure.REFERRAL, Measure.ORAL_WARNING, Measure.SUSPENSION)
    assert entry.ladder == [Measure.ORAL_WARNING, Measure.SUSPENSION, Measure.REFERRAL]


def test_r17_plain_strings_become_the_enums():
    entry = Violation("EX-S01", "Fund-raising", "serious", frozenset({"revocation"}))
    assert entry.kind is ViolationKind.SERIOUS
    assert entry.measures == {Measure.REVOCATION}


@pytest.mark.parametrize("code", ["", "X", "ex-p01", "EX P01", "EX-P01<script>", "E" * 21, "1X"])
def test_r17_a_code_is_short_upper_case_without_spaces(code):
    with pytest.raises(ValueError, match="violation code"):
        violation(code)


def test_r17_an_entry_allows_at_least_one_measure():
    with pytest.raises(ValueError, match="allows no measure"):
        Violation("EX-P01", "x", ViolationKind.PROHIBITED_ACT, frozenset())


def test_r17_an_unknown_measure_or_kind_is_refused():
    with pytest.raises(ValueError, match="Measure"):
        Violation("EX-P01", "x", ViolationKind.PROHIBITED_ACT, frozenset({"caning"}))
    with pytest.raises(ValueError, match="ViolationKind"):
        Violation("EX-P01", "x", "misdemeanour", frozenset({Measure.SUSPENSION}))


def test_r17_the_catalogue_keeps_each_entry_with_its_plugin():
    table = build_catalogue([("exchange", violation("EX-P01")), ("other", violation("OT-1"))])
    assert list(table.violations) == ["EX-P01", "OT-1"]
    assert table.owners == {"EX-P01": "exchange", "OT-1": "other"}


def test_r17_a_code_used_twice_is_refused_naming_both_plugins():
    with pytest.raises(DuplicateViolationCode, match="EX-P01 is used by exchange and copycat"):
        build_catalogue([("exchange", violation()), ("copycat", violation())])


def test_r17_a_code_used_twice_by_one_plugin_is_refused_too():
    with pytest.raises(DuplicateViolationCode, match="exchange and exchange"):
        build_catalogue([("exchange", violation()), ("exchange", violation())])


def test_r17_an_item_that_is_not_a_violation_is_refused():
    with pytest.raises(TypeError, match="sloppy: portal_violation_catalogue must return"):
        build_catalogue([("sloppy", {"code": "EX-P01"})])  # type: ignore[list-item]


def test_r18_every_measure_and_kind_has_a_label():
    assert all(str(m.label) for m in Measure)
    assert all(str(k.label) for k in ViolationKind)
