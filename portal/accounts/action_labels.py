"""What each core action is called on pages (the integration form's checkboxes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.accounts.permissions import Action, plugin_action_label

ACTION_LABELS = {
    Action.VIEW_MEMBER: _l("Read members"),
    Action.VIEW_MEMBER_CONTACTS: _l("Read members' full contact data"),
    Action.EDIT_MEMBER: _l("Edit members"),
    Action.LIST_MEMBERS: _l("List and look up members"),
    Action.MANAGE_STORES: _l("Manage stores"),
    Action.MANAGE_USERS: _l("Manage accounts"),
    Action.VIEW_AUDIT: _l("Read the audit log"),
    Action.START_VIP_FILE: _l("Start and edit VIP files"),
    Action.VIEW_VIP_FILE: _l("Read VIP files"),
    Action.REVIEW_VIP_FILE: _l("Decide VIP files"),
    Action.RECORD_CONSUMPTION: _l("Record VIP consumption"),
    Action.MANAGE_LEAVE: _l("Record leave and deputies"),
    Action.REASSIGN_TASK: _l("Reassign escalated tasks"),
    Action.VIEW_SLA_REPORT: _l("Read the SLA report"),
    Action.REQUEST_ACCOUNT: _l("Request customer accounts"),
    Action.OPEN_ACCOUNT: _l("Open customer accounts"),
    Action.SPOT_CHECK: _l("Carry out spot checks"),
    Action.VIEW_SPOT_CHECKS: _l("Read spot checks"),
    Action.RESOLVE_OWNERSHIP: _l("Resolve ownership conflicts"),
    Action.HAND_OVER_CUSTOMERS: _l("Hand over customers"),
    Action.ENTER_CUSTOMER: _l("Enter customers"),
    Action.MANAGE_PLUGINS: _l("Manage plugins"),
    Action.VIEW_CATALOGUE: _l("Read the violation catalogue"),
    Action.VIEW_MEMBERSHIP: _l("Read memberships"),
    Action.APPLY_MEMBERSHIP: _l("Apply for memberships"),
    Action.REVIEW_MEMBERSHIP: _l("Decide memberships"),
    Action.MANAGE_MEMBERSHIP_TYPES: _l("Define membership types"),
    Action.MANAGE_DEPOSITS: _l("Record fees, deposits and refunds"),
    Action.MANAGE_CASES: _l("Handle compliance cases"),
    Action.VIEW_CASES: _l("Read compliance cases"),
    Action.DECIDE_APPEAL: _l("Decide appeals"),
    Action.VIEW_COMPLIANCE_REPORT: _l("Read the compliance report"),
}


def action_label(name: str) -> str:
    """A core action's translated label; a plugin's action its ``Permission.label``, or
    its name when the plugin gave none."""
    if name in Action.__members__.values():
        return str(ACTION_LABELS[Action(name)])
    return plugin_action_label(name) or name
