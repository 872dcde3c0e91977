"""R18-R21: the ladder's proposal, and the appeal window's calendar days (property tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from portal.compliance import ladder
from portal.compliance.catalogue import Measure, Violation, ViolationKind
from portal.compliance.notices import appeal_last_day, within_appeal_window
from portal.compliance.rectifications import end_of_day

measures = st.frozensets(st.sampled_from(list(Measure)), min_size=1)
violations = st.builds(
    Violation,
    code=st.from_regex(r"[A-Z][A-Z0-9-]{1,6}", fullmatch=True),
    title=st.just("t"),
    kind=st.sampled_from(list(ViolationKind)),
    measures=measures,
)
history = st.lists(st.sampled_from(list(Measure)), max_size=6)
gains = st.none() | st.decimals(min_value=0, max_value=10**6, places=2)
zones = st.sampled_from(
    ["Asia/Shanghai", "Asia/Urumqi", "Europe/London", "America/New_York", "Pacific/Kiritimati"]
)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2035, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def _top(proposal: ladder.Proposal) -> int:
    steps = [ladder.STEPS.index(m) for m in proposal.measures if m in ladder.STEPS]
    return max(steps, default=-1)


@given(st.lists(violations, min_size=1, max_size=4), history, gains, st.booleans())
def test_r18_proposal_is_never_empty_and_only_allowed_measures(cited, previous, gain, failed):
    proposal = ladder.propose(cited, previous, illicit_gain=gain, rectification_failed=failed)
    assert proposal.measures
    assert set(proposal.measures) <= ladder.allowed(cited)
    assert list(proposal.measures) == sorted(proposal.measures, key=ladder.level)


@given(st.lists(violations, min_size=1, max_size=4), history, st.sampled_from(ladder.STEPS))
def test_r18_a_repeat_never_proposes_a_lower_step(cited, previous, more):
    before = ladder.propose(cited, previous)
    after = ladder.propose(cited, [*previous, more])
    assert _top(after) >= _top(before)


def _one(kind: ViolationKind, *allowed: Measure) -> Violation:
    return Violation("EX-T01", "t", kind, frozenset(allowed))


def test_r18_first_case_proposes_the_lowest_step_then_the_next_one_up():
    cited = [_one(ViolationKind.PROHIBITED_ACT, *ladder.STEPS, Measure.COMPENSATION)]
    first = ladder.propose(cited, [], illicit_gain=Decimal("10.00"))
    assert first == ladder.Proposal(
        (Measure.ORAL_WARNING, Measure.COMPENSATION), ladder.Basis.FIRST
    )
    again = ladder.propose(cited, [Measure.ORAL_WARNING, Measure.WRITTEN_CIRCULAR])
    assert again == ladder.Proposal((Measure.MANDATORY_TRAINING,), ladder.Basis.REPEAT)
    top = ladder.propose(cited, [Measure.REVOCATION])
    assert top.measures == (Measure.REVOCATION,)


def test_r20_fee_failure_proposes_the_warning_talk_and_training():
    cited = [_one(ViolationKind.FEES, Measure.ORAL_WARNING, Measure.MANDATORY_TRAINING)]
    proposal = ladder.propose(cited, [Measure.ORAL_WARNING] * 3)
    assert proposal == ladder.Proposal(
        (Measure.ORAL_WARNING, Measure.MANDATORY_TRAINING), ladder.Basis.FEES
    )


def test_r19_r21_a_failed_rectification_or_revocation_ground_proposes_revocation():
    rectifiable = [_one(ViolationKind.RECTIFIABLE, Measure.WRITTEN_CIRCULAR, Measure.REVOCATION)]
    assert ladder.propose(rectifiable).measures == (Measure.WRITTEN_CIRCULAR,)
    failed = ladder.propose(rectifiable, rectification_failed=True)
    assert failed == ladder.Proposal((Measure.REVOCATION,), ladder.Basis.NOT_RECTIFIED)
    ground = [_one(ViolationKind.REVOCATION_GROUND, Measure.REVOCATION, Measure.REFERRAL)]
    assert ladder.propose(ground).basis is ladder.Basis.REVOCATION_GROUND


@given(instants, zones, st.integers(min_value=1, max_value=60), st.integers(0, 90 * 24))
def test_appeal_window_counts_calendar_days_in_the_store_zone(issued, zone_name, days, hours):
    zone = ZoneInfo(zone_name)
    last = appeal_last_day(issued, zone, days)
    assert last - issued.astimezone(zone).date() == timedelta(days=days)
    now = issued + timedelta(hours=hours)
    assert within_appeal_window(last, now, zone) == (now.astimezone(zone).date() <= last)
    # the whole last day counts, up to its final second; the next day is refused
    closes = end_of_day(last, zone)
    assert within_appeal_window(last, closes - timedelta(seconds=1), zone)
    assert not within_appeal_window(last, closes, zone)


def test_appeal_window_a_late_evening_notice_counts_from_its_local_day():
    shanghai = ZoneInfo("Asia/Shanghai")
    issued = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    assert appeal_last_day(issued, shanghai, 15) == date(2026, 12, 15)
