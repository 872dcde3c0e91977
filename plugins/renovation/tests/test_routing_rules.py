"""R23 routing as a rule of its own: no database, every combination."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from portal_renovation.models import Route, Severity
from portal_renovation.services import Responsible, choose_route

from portal.accounts.models import User


def _supervisor(enabled: bool) -> User:
    return User(login="supervisor", display_name="李工长", is_enabled=enabled)


def test_r23_the_responsible_supervisor_gets_the_repair():
    assert choose_route(Responsible.SUPERVISOR, _supervisor(True)) is Route.SUPERVISOR


def test_r23_a_supervisor_who_left_means_a_48_hour_promise():
    assert choose_route(Responsible.SUPERVISOR, _supervisor(False)) is Route.PROMISE


def test_r23_no_supervisor_known_means_a_48_hour_promise():
    assert choose_route(Responsible.SUPERVISOR, None) is Route.PROMISE


@given(enabled=st.sampled_from([True, False, None]))
def test_r23_the_vendors_fault_goes_to_the_vendor_whoever_supervised(enabled):
    supervisor = None if enabled is None else _supervisor(enabled)
    assert choose_route(Responsible.VENDOR, supervisor) is Route.VENDOR


@pytest.mark.parametrize(
    ("lower", "higher"),
    [(Severity.MINOR, Severity.NORMAL), (Severity.NORMAL, Severity.SERIOUS)],
)
def test_r14_serious_cases_sort_first(lower, higher):
    assert lower.rank < higher.rank
