"""What the enabled plugins say about a membership type: its rights and obligations (R15)
and how its deposit is refunded (R16). Asked when needed, never cached, so enabling or
disabling a plugin takes effect at once."""

from __future__ import annotations

from flask import current_app

from portal.memberships.policies import (
    WHOLE_AT_ANNOUNCEMENT,
    EndedBy,
    RefundPolicy,
    RightsAndObligations,
)


def rights_and_obligations(membership_type: str) -> RightsAndObligations | None:
    """R15: the first enabled plugin that knows ``membership_type`` answers; None when
    none does (the type is not offered, or its plugin is disabled)."""
    plugins = current_app.extensions["portal.plugins"]
    return plugins.caller("portal_rights_and_obligations")(membership_type=membership_type)


def refund_policy(membership_type: str, ended_by: EndedBy | str) -> RefundPolicy:
    """R16: the first enabled plugin's policy for this type and way of ending; without one,
    the deposit is refunded whole at the announcement (as the hookspec promises)."""
    plugins = current_app.extensions["portal.plugins"]
    policy = plugins.caller("portal_refund_policy")(
        membership_type=membership_type, ended_by=str(EndedBy(ended_by))
    )
    return WHOLE_AT_ANNOUNCEMENT if policy is None else policy
