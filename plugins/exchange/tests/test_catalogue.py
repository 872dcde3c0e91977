"""R17-R21: the exchange's catalogue as compliance works from it (seed 000, articles 14-20)."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from portal_exchange.catalogue import (
    CATALOGUE,
    FEE_FAILURES,
    PROHIBITED_ACTS,
    RECTIFIABLE_FAILURES,
    REVOCATION_GROUNDS,
    SERIOUS_VIOLATIONS,
)
from portal_exchange.membership import REFUND_POLICY, RIGHTS_AND_OBLIGATIONS

from portal.compliance.catalogue import Measure, ViolationKind

SECTIONS = [
    (PROHIBITED_ACTS, ViolationKind.PROHIBITED_ACT, "EX-P", 12),
    (SERIOUS_VIOLATIONS, ViolationKind.SERIOUS, "EX-S", 8),
    (RECTIFIABLE_FAILURES, ViolationKind.RECTIFIABLE, "EX-R", 3),
    (FEE_FAILURES, ViolationKind.FEES, "EX-F", 3),
    (REVOCATION_GROUNDS, ViolationKind.REVOCATION_GROUND, "EX-V", 5),
]


@pytest.mark.parametrize(("entries", "kind", "prefix", "count"), SECTIONS)
def test_r17_each_section_is_numbered_in_the_regulations_order(entries, kind, prefix, count):
    assert [v.code for v in entries] == [f"{prefix}{n:02d}" for n in range(1, count + 1)]
    assert {v.kind for v in entries} == {kind}


def test_r17_twelve_prohibited_acts_and_eight_serious_violations_codes_unique():
    assert len(PROHIBITED_ACTS) == 12
    assert len(SERIOUS_VIOLATIONS) == 8
    assert len({v.code for v in CATALOGUE}) == len(CATALOGUE) == 31


def test_r19_article_18_acts_are_rectified_or_end_in_revocation():
    """Articles 14 (1)-(9) reappear in article 18: a circular with a deadline, revocation
    when the rectification fails; its items 10-12 allow exactly those two."""
    for violation in PROHIBITED_ACTS[:9]:
        assert {Measure.WRITTEN_CIRCULAR, Measure.REVOCATION} <= violation.measures
    for violation in RECTIFIABLE_FAILURES:
        assert violation.measures == {Measure.WRITTEN_CIRCULAR, Measure.REVOCATION}


def test_r20_fee_failures_get_a_warning_talk_and_mandatory_training():
    for violation in FEE_FAILURES:
        assert violation.measures == {Measure.ORAL_WARNING, Measure.MANDATORY_TRAINING}


def test_r21_revocation_grounds_revoke_and_breaking_the_law_is_referred():
    for violation in REVOCATION_GROUNDS:
        assert Measure.REVOCATION in violation.measures
        assert violation.measures <= {Measure.REVOCATION, Measure.REFERRAL}
    assert Measure.REFERRAL in REVOCATION_GROUNDS[3].measures  # EX-V04


def test_r17_serious_violations_are_never_answered_by_an_oral_warning_alone():
    for violation in SERIOUS_VIOLATIONS:
        assert Measure.ORAL_WARNING not in violation.measures
        assert {Measure.SUSPENSION, Measure.REVOCATION} <= violation.measures


def test_r18_compensation_only_where_there_can_be_an_illicit_gain():
    assert Measure.COMPENSATION not in PROHIBITED_ACTS[0].measures  # admission checks
    assert Measure.COMPENSATION in PROHIBITED_ACTS[5].measures  # promising returns
    assert all(Measure.COMPENSATION not in v.measures for v in FEE_FAILURES)


def _chinese(text) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def test_every_title_and_term_is_translated_to_chinese(app):
    with app.test_request_context(), force_locale("zh_Hans"):
        texts = [str(v.title) for v in CATALOGUE]
        texts += [
            str(t) for t in RIGHTS_AND_OBLIGATIONS.rights + RIGHTS_AND_OBLIGATIONS.obligations
        ]
        untranslated = [t for t in texts if not _chinese(t)]
        assert untranslated == []
        assert str(PROHIBITED_ACTS[5].title) == "向交易商承诺收益"


def test_r16_the_exchange_refunds_40_after_four_months_and_60_after_six():
    assert [(t.months_after, str(t.share)) for t in REFUND_POLICY.tranches] == [
        (4, "0.40"),
        (6, "0.60"),
    ]
    assert not REFUND_POLICY.refund_fees_on_revocation


def test_the_operators_table_in_docs_matches_the_catalogue():
    from pathlib import Path

    doc = (Path(__file__).parents[3] / "docs" / "exchange.md").read_text(encoding="utf-8")
    names = {
        "oral warning": Measure.ORAL_WARNING,
        "circular": Measure.WRITTEN_CIRCULAR,
        "training": Measure.MANDATORY_TRAINING,
        "suspension": Measure.SUSPENSION,
        "revocation": Measure.REVOCATION,
        "compensation": Measure.COMPENSATION,
        "referral": Measure.REFERRAL,
    }
    rows = re.findall(r"^\| `(EX-\w+)` \| [^|]+ \| [^|]+ \| ([^|]+) \|$", doc, flags=re.MULTILINE)
    documented = {code: {names[m.strip()] for m in measures.split(",")} for code, measures in rows}
    assert documented == {v.code: set(v.measures) for v in CATALOGUE}
