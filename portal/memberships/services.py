"""What the enabled plugins say about a membership type: its rights and obligations (R15)
and how its deposit is refunded (R16). Asked when needed, never cached, so enabling or
disabling a plugin takes effect at once."""

from __future__ import annotations

from typing import TypeVar

from flask import current_app

from portal.memberships.policies import (
    WHOLE_AT_ANNOUNCEMENT,
    EndedBy,
    RefundPolicy,
    RightsAndObligations,
)

T = TypeVar("T")


def rights_and_obligations(membership_type: str) -> RightsAndObligations | None:
    """R15: the first enabled plugin that knows ``membership_type`` answers; None when
    none does (the type is not offered, or its plugin is disabled)."""
    plugins = current_app.extensions["portal.plugins"]
    terms = plugins.caller("portal_rights_and_obligations")(membership_type=membership_type)
    return _checked(terms, RightsAndObligations, "portal_rights_and_obligations")


def refund_policy(membership_type: str, ended_by: EndedBy | str) -> RefundPolicy:
    """R16: the first enabled plugin's policy for this type and way of ending; without one,
    the deposit is refunded whole at the announcement (as the hookspec promises)."""
    plugins = current_app.extensions["portal.plugins"]
    policy = plugins.caller("portal_refund_policy")(
        membership_type=membership_type, ended_by=str(EndedBy(ended_by))
    )
    if policy is None:
        return WHOLE_AT_ANNOUNCEMENT
    return _checked(policy, RefundPolicy, "portal_refund_policy")


def _checked(answer: object, expected: type[T], hook: str) -> T:
    """A plugin's answer, refused loudly when it is not the hook's type (a dict, a list of
    tranches): money and members' rights must not rest on a guess."""
    if answer is not None and not isinstance(answer, expected):
        raise TypeError(f"{hook} must return {expected.__name__}, not {type(answer).__name__}")
    return answer  # type: ignore[return-value]  # None only where the hook allows it
