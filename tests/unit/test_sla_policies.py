"""SLA policies: the core chains, plugin policies, operators' overrides (R5, R6)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from portal.accounts.roles import Role
from portal.sla.policies import (
    ACCOUNT_OPENING,
    VIP_REVIEW,
    SlaConfigError,
    SlaPolicy,
    Step,
    StepKind,
    Target,
    build_policy_table,
)

REPAIR = SlaPolicy(
    key="renovation_repair",
    label="Repair contact",
    duration=timedelta(hours=48),
    decider_roles=(Role.STORE_MANAGER,),
)


def test_r5_vip_review_is_twelve_hours_with_a_four_step_chain():
    assert VIP_REVIEW.duration == timedelta(hours=12)
    assert VIP_REVIEW.calendar is None  # wall-clock time, as the rule says
    assert [(s.at, s.kind, s.target) for s in VIP_REVIEW.chain] == [
        (0.75, StepKind.REMIND, Target.DECIDERS),
        (0.9, StepKind.REMIND, Target.DEPUTY_OR_MANAGER),
        (1.0, StepKind.ESCALATE, Target.HQ_SERVICE),
        (1.5, StepKind.ESCALATE, Target.HQ_HEAD),
    ]


def test_r6_account_opening_is_twelve_hours_for_head_office():
    assert ACCOUNT_OPENING.duration == timedelta(hours=12)
    assert set(ACCOUNT_OPENING.decider_roles) == {Role.HQ_SERVICE, Role.HQ_HEAD}


def test_a_policy_without_a_deadline_step_still_records_the_breach():
    chain = REPAIR.chain
    assert [(s.at, s.is_breach) for s in chain] == [(1.0, True)]


def test_plugins_add_policies():
    table = build_policy_table([("renovation", REPAIR)], None, None)
    assert set(table.policies) == {
        "vip_review",
        "account_opening",
        "compliance_rectification",
        "membership_application",
        "renovation_repair",
    }


def test_a_taken_key_is_refused(caplog):
    clash = SlaPolicy("vip_review", "Mine", timedelta(hours=1), (Role.STAFF,))
    with caplog.at_level(logging.ERROR):
        table = build_policy_table([("greedy", clash), ("renovation", REPAIR)], None, None)
    assert table.policies["vip_review"] is VIP_REVIEW
    assert "renovation_repair" in table.policies
    assert "greedy" in caplog.text


def test_operators_override_hours_and_calendar():
    table = build_policy_table(
        [],
        {"vip_review": {"hours": 8, "calendar": "office"}},
        {"office": {"hours": "09:00-18:00", "days": "mon-fri"}},
    )
    policy = table.policies["vip_review"]
    assert policy.duration == timedelta(hours=8)
    assert policy.calendar == "office"
    assert table.calendar_of(policy).name == "office"
    assert table.calendar_of(table.policies["account_opening"]).name == "wall-clock"


@pytest.mark.parametrize(
    ("sla", "message"),
    [
        ({"nonsense": {"hours": 1}}, "no such SLA policy"),
        ({"vip_review": {"hours": 0}}, "positive"),
        ({"vip_review": {"hours": "12"}}, "positive"),
        ({"vip_review": {"calendar": "missing"}}, "no calendar"),
        ({"vip_review": {"minutes": 5}}, "unknown keys"),
        ({"vip_review": {"due_soon_at": 1.5}}, "fraction"),
        ({"vip_review": 12}, "a table"),
    ],
)
def test_wrong_settings_stop_the_portal(sla, message):
    with pytest.raises(SlaConfigError, match=message):
        build_policy_table([], sla, None)


def test_steps_must_lie_after_the_start(caplog):
    bad = SlaPolicy(
        "bad",
        "Bad",
        timedelta(hours=1),
        (Role.STAFF,),
        steps=(Step(0, StepKind.REMIND, Target.DECIDERS),),
    )
    with caplog.at_level(logging.ERROR):
        table = build_policy_table([("p", bad)], None, None)
    assert "bad" not in table.policies


def test_the_app_builds_its_table_from_settings(tmp_path):
    from portal.testing.fixtures import make_app

    app = make_app(
        f"sqlite:///{tmp_path / 'x.db'}",
        tmp_path,
        PORTAL_SLA={"vip_review": {"hours": 6}},
    )
    assert app.extensions["portal.sla"].policies["vip_review"].duration == timedelta(hours=6)
    with pytest.raises(SlaConfigError):
        make_app(f"sqlite:///{tmp_path / 'y.db'}", tmp_path, PORTAL_SLA={"x": {"hours": 1}})
