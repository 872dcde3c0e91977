"""The authorization matrix (issue 7, R10, DESIGN "Security"): every route of the core and
of the bundled plugins, HTML and API, times every actor, against the declared table in
``authorization_table.py``.

Actors: each role of ``Role`` (store roles bound to the first store, head-office roles
store-less), the store manager of another store, the member the objects belong to, a member
of another store and an anonymous visitor. One world of objects is built per database and
module (``portal.testing.world``); a write is sent with an empty body, so an allowed actor
gets a validation answer (or a 409) and nothing changes, while a refused one gets the
declared refusal. A route missing from the table fails ``test_every_route_is_declared``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.permissions import PERMISSIONS, Action
from portal.accounts.roles import Role
from portal.testing.fixtures import PASSWORD, START, IsolatedClient, _empty_tables
from portal.testing.world import (
    ARGUMENTS,
    BLUEPRINT_ARGUMENTS,
    ENDPOINT_ARGUMENTS,
    World,
    build_world,
)

API = "/api/v1"

#: who knocks: the role holders of the world (store roles in the first store, head-office
#: roles store-less), the manager of another store, the member the objects belong to, a
#: member of another store, and a visitor who is not logged in
ROLE_ACTORS = {
    "staff": Role.STAFF,
    "manager": Role.STORE_MANAGER,
    "hq_service": Role.HQ_SERVICE,
    "hq_head": Role.HQ_HEAD,
    "compliance": Role.COMPLIANCE,
    "finance": Role.FINANCE,
    "admin": Role.ADMIN,
}
ACTORS = (*ROLE_ACTORS, "other_manager", "member", "other_member", "anonymous")

# --- the declared table ---------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """Who passes a route's gate, and what the others see.

    ``roles``: role grants allowed (a store-bound grant only on its store's objects);
    ``everyone``: anonymous visitors too; ``logged_in``: any account; ``owner``: the member
    the object belongs to; ``referrer``: the staff member who refers the customer (R8);
    ``persons``: actors allowed as themselves (the addressee of a message, a party to a
    conflict, the employee a penalty names); ``scoped``: the object belongs to the first
    store, so the other store's manager is refused; ``refused``: what a refused account
    sees (404 for member data and work pages, DESIGN "Security"), except ``visible``:
    actors who may read the object and are told 403; ``known``: actors for whom the code
    answers otherwise today, with that answer, each explained where the row is declared.
    """

    roles: frozenset[Role] = frozenset()
    everyone: bool = False
    logged_in: bool = False
    owner: bool = False
    referrer: bool = False
    persons: frozenset[str] = frozenset()
    scoped: bool = True
    refused: str = "404"
    visible: frozenset[str] = frozenset()
    known: tuple[tuple[str, str], ...] = ()


def expected(access: Access, actor: str) -> str:
    """The outcome the table declares for ``actor``."""
    known = dict(access.known)
    if actor in known:
        return known[actor]
    if access.everyone:
        return "ok"
    if actor == "anonymous":
        return "login"
    if access.logged_in or actor in access.persons:
        return "ok"
    if actor == "member":
        allowed = access.owner
    elif actor == "other_member":
        allowed = False
    elif actor == "other_manager":
        allowed = Role.STORE_MANAGER in access.roles and not access.scoped
    else:
        role = ROLE_ACTORS[actor]
        allowed = role in access.roles or (access.referrer and actor == "staff")
    if allowed:
        return "ok"
    return "403" if actor in access.visible else access.refused


def _plugin_permissions() -> dict[str, frozenset[Role]]:
    from portal_renovation.permissions import PERMISSIONS as RENOVATION
    from portal_restaurant.permissions import PERMISSIONS as RESTAURANT

    return {p.action: p.roles for p in (*RESTAURANT, *RENOVATION)}


PLUGIN_PERMISSIONS = _plugin_permissions()


def may(*actions: Action | str) -> frozenset[Role]:
    """The roles allowed every one of ``actions`` (core PERMISSIONS or a plugin's)."""
    return frozenset.intersection(
        *(PERMISSIONS[a] if isinstance(a, Action) else PLUGIN_PERMISSIONS[a] for a in actions)
    )


def seen(roles: frozenset[Role], *persons: str) -> frozenset[str]:
    """The role actors holding one of ``roles``, and ``persons``: those told 403."""
    return frozenset(name for name, role in ROLE_ACTORS.items() if role in roles) | set(persons)


def gate(*actions: Action | str, **fields: Any) -> Access:
    """Access for those allowed ``actions`` (all of them), plus ``fields`` of Access."""
    roles = may(*actions) if actions else frozenset()
    for name in ("persons", "visible"):
        fields[name] = frozenset(fields.get(name, ()))
    return Access(roles=roles | fields.pop("roles", frozenset()), **fields)


def known(access: Access, answer: str, *actors: str) -> Access:
    return replace(access, known=(*access.known, *((actor, answer) for actor in actors)))


def listing(*actions: Action | str, **fields: Any) -> Access:
    """An API list open to any account that shows those outside ``actions`` nothing (R10)."""
    return gate(*actions, refused="empty", scoped=False, **fields)


EVERYONE = Access(everyone=True)
#: any account (one's own password, inbox, records)
LOGGED_IN = Access(logged_in=True)
ALL_ROLES = frozenset(Role)
A = Action
ACT_ON_CASE, VIEW_CASE = "renovation.act_on_case", "renovation.view_case"
ISSUE_PENALTY, VIEW_PENALTIES = "renovation.issue_penalty", "renovation.view_penalties"
FOLLOW_UP, VIEW_SERVICE = "renovation.follow_up", "renovation.view_service"
ASSIGN_LEADS = "renovation.assign_leads"
RECORD_VISIT, VIEW_VISITS = "restaurant.record_visit", "restaurant.view_visits"
VIEW_CANDIDATES, VIEW_GREETINGS = "restaurant.view_candidates", "restaurant.view_greetings"

# Known exception FORM_FIRST: the HTML view shows its form to whoever may read the object and
# validates the (empty) form before the service's gate, so these actors get the form back
# instead of a refusal; a filled-in form is refused by the service, which the API row of
# the same action proves. Not a leak (the page only shows what they may read), but the
# refusal comes late; reported for the views to check the action first.
FORM_FIRST = "ok"

_CASE_WORK = gate(A.MANAGE_CASES, visible=seen(PERMISSIONS[A.VIEW_CASES]))
_CASES = seen(PERMISSIONS[A.VIEW_CASES])
_MEMBER_EDIT = gate(A.EDIT_MEMBER, owner=True, visible=seen(PERMISSIONS[A.VIEW_MEMBER]))
_MEMBERSHIP_REVIEW = gate(
    A.REVIEW_MEMBERSHIP, visible=seen(PERMISSIONS[A.VIEW_MEMBERSHIP], "member")
)
_REQUESTS = gate(roles=PERMISSIONS[A.REQUEST_ACCOUNT] | PERMISSIONS[A.OPEN_ACCOUNT])
_CASE_ACT = gate(ACT_ON_CASE, visible=seen(may(VIEW_CASE)))
_FOLLOW_UP = gate(FOLLOW_UP, visible=seen(may(VIEW_SERVICE)))
_PENALTY = gate(VIEW_PENALTIES, persons={"staff"})  # the employee it names reads it (R24)
_VIP_DRAFT = gate(referrer=True, visible=seen(PERMISSIONS[A.VIEW_VIP_FILE]))  # R4
#: R5: the decision is the review task's; who may read the task (read_task) is told 403
_VIP_DECISION = gate(A.REVIEW_VIP_FILE, visible=seen(PERMISSIONS[A.VIEW_SLA_REPORT]))
_ADMIN = {"scoped": False}

#: (endpoint) or (endpoint, method) -> Access; the method-less row covers every method
TABLE: dict[str | tuple[str, str], Access] = {
    # accounts, sign-in and the API's own (R1; "Administrators are global")
    "accounts.change_password": LOGGED_IN,
    "accounts.list_accounts": gate(A.MANAGE_USERS, **_ADMIN),
    "accounts.login": EVERYONE,
    "accounts.logout": EVERYONE,
    "accounts.new_account": gate(A.MANAGE_USERS, **_ADMIN),
    "accounts.reset_password": gate(A.MANAGE_USERS, **_ADMIN),
    "accounts.revoke_grant": gate(A.MANAGE_USERS, **_ADMIN),
    "accounts.show_account": gate(A.MANAGE_USERS, **_ADMIN),
    "accounts.toggle_account": gate(A.MANAGE_USERS, **_ADMIN),
    "api-docs.openapi_json": EVERYONE,
    "api.docs": EVERYONE,
    "audit.list_events": gate(A.VIEW_AUDIT, **_ADMIN),
    "auth.change_password": LOGGED_IN,
    "auth.create_token": EVERYONE,
    "auth.revoke_token": LOGGED_IN,
    "auth.show_account": LOGGED_IN,
    # integrations: administrators register them and issue and revoke their tokens
    "accounts.integrations.issue_token": gate(A.MANAGE_USERS, **_ADMIN),
    "accounts.integrations.list_integrations": gate(A.MANAGE_USERS, **_ADMIN),
    "accounts.integrations.new_integration": gate(A.MANAGE_USERS, **_ADMIN),
    "accounts.integrations.revoke_integration": gate(A.MANAGE_USERS, **_ADMIN),
    "accounts.integrations.revoke_token": gate(A.MANAGE_USERS, **_ADMIN),
    "accounts.integrations.show_integration": gate(A.MANAGE_USERS, **_ADMIN),
    "integrations.create_integration": gate(A.MANAGE_USERS, **_ADMIN),
    "integrations.issue_token": gate(A.MANAGE_USERS, **_ADMIN),
    "integrations.list_actions": gate(A.MANAGE_USERS, **_ADMIN),
    "integrations.list_integrations": gate(A.MANAGE_USERS, **_ADMIN),
    "integrations.revoke_integration": gate(A.MANAGE_USERS, **_ADMIN),
    "integrations.revoke_token": gate(A.MANAGE_USERS, **_ADMIN),
    "integrations.show_integration": gate(A.MANAGE_USERS, **_ADMIN),
    # compliance (R17-R21): the member reads, acknowledges and appeals their notices
    "compliance.acknowledge": known(
        gate(owner=True, visible=_CASES), FORM_FIRST, "hq_head", "compliance", "admin"
    ),
    "compliance.add_attachment": _CASE_WORK,
    "compliance.add_note": _CASE_WORK,
    "compliance.appeal_queue": gate(A.DECIDE_APPEAL, scoped=False),
    "compliance.close_case": _CASE_WORK,
    "compliance.decide": _CASE_WORK,
    "compliance.decide_appeal": gate(
        A.DECIDE_APPEAL, visible=seen(PERMISSIONS[A.VIEW_CASES], "member")
    ),
    "compliance.download_attachment": gate(A.VIEW_CASES),
    "compliance.download_notice": gate(A.VIEW_CASES, owner=True),
    "compliance.issue_rectification": _CASE_WORK,
    "compliance.list_cases": gate(A.VIEW_CASES, refused="403", scoped=False),
    "compliance.lodge_appeal": known(
        gate(owner=True, visible=_CASES), FORM_FIRST, "hq_head", "compliance", "admin"
    ),
    "compliance.new_case": gate(A.MANAGE_CASES, scoped=False),
    "compliance.record_outcome": _CASE_WORK,
    "compliance.show_case": gate(A.VIEW_CASES),
    "compliance.show_catalogue": gate(A.VIEW_CATALOGUE, refused="403", scoped=False),
    "compliance.show_notice": gate(A.VIEW_CASES, owner=True),
    "compliance.start_investigation": _CASE_WORK,
    "compliance_api.acknowledge": gate(owner=True, visible=_CASES),
    "compliance_api.add_note": _CASE_WORK,
    "compliance_api.appeal_queue": gate(A.DECIDE_APPEAL, scoped=False),
    "compliance_api.close_case": _CASE_WORK,
    "compliance_api.decide": _CASE_WORK,
    # four eyes: the officer who issued the notice does not decide its appeal
    "compliance_api.decide_appeal": known(
        gate(A.DECIDE_APPEAL, visible=seen(PERMISSIONS[A.VIEW_CASES], "member")),
        "403",
        "compliance",
    ),
    "compliance_api.download_notice": gate(A.VIEW_CASES, owner=True),
    "compliance_api.issue_rectification": _CASE_WORK,
    "compliance_api.list_cases": gate(A.VIEW_CASES, refused="403", scoped=False),
    "compliance_api.list_catalogue": gate(A.VIEW_CATALOGUE, refused="403", scoped=False),
    "compliance_api.list_notices": listing(A.VIEW_CASES, owner=True),
    "compliance_api.lodge_appeal": gate(owner=True, visible=_CASES),
    "compliance_api.open_case": gate(A.MANAGE_CASES, refused="403"),
    "compliance_api.record_outcome": _CASE_WORK,
    "compliance_api.show_case": gate(A.VIEW_CASES),
    "compliance_api.show_notice": gate(A.VIEW_CASES, owner=True),
    "compliance_api.start_investigation": _CASE_WORK,
    # members and referrers (R1, R8, R9, R10)
    "members.edit_member": _MEMBER_EDIT,
    "members.list_members": gate(A.LIST_MEMBERS, scoped=False),
    "members.register": EVERYONE,
    "members.show_member": gate(A.VIEW_MEMBER, owner=True),
    "members_api.enter_customer": gate(A.ENTER_CUSTOMER),
    "members_api.hand_over": gate(A.HAND_OVER_CUSTOMERS),
    "members_api.list_conflicts": gate(A.RESOLVE_OWNERSHIP, scoped=False),
    "members_api.list_members": listing(A.LIST_MEMBERS),
    # contacts are masked unless VIEW_MEMBER_CONTACTS (test_confidential_reads); the gate
    # to the list is VIEW_MEMBER
    "members_api.member_contacts": gate(A.VIEW_MEMBER, owner=True),
    "members_api.my_records": LOGGED_IN,
    "members_api.ownership_history": gate(A.VIEW_MEMBER, owner=True),
    "members_api.ownership_report": gate(A.VIEW_SLA_REPORT),
    "members_api.referrers": gate(A.HAND_OVER_CUSTOMERS),
    "members_api.register": EVERYONE,
    "members_api.replace_contacts": _MEMBER_EDIT,
    # the referrers party to a conflict read it (staff holds the customer li claimed)
    "members_api.resolve_conflict": gate(A.RESOLVE_OWNERSHIP, visible={"staff"}),
    "members_api.show_conflict": gate(A.RESOLVE_OWNERSHIP, persons={"staff"}),
    "members_api.show_member": gate(A.VIEW_MEMBER, owner=True),
    "members_api.update_member": _MEMBER_EDIT,
    # memberships (R15, R16)
    "memberships.application_queue": LOGGED_IN,
    "memberships.apply": known(
        gate(A.APPLY_MEMBERSHIP, owner=True),
        FORM_FIRST,
        *("staff", "hq_head", "compliance", "admin"),
    ),
    "memberships.edit_type": gate(A.MANAGE_MEMBERSHIP_TYPES, refused="403", **_ADMIN),
    "memberships.list_memberships": LOGGED_IN,
    "memberships.list_types": gate(A.MANAGE_MEMBERSHIP_TYPES, refused="403", **_ADMIN),
    "memberships.mark_paid": gate(A.MANAGE_DEPOSITS),
    "memberships.my_memberships": LOGGED_IN,
    "memberships.record_receipt": known(
        gate(A.MANAGE_DEPOSITS),
        FORM_FIRST,
        *("manager", "hq_service", "hq_head", "compliance", "admin", "member"),
    ),
    "memberships.refunds_due": LOGGED_IN,
    "memberships.show_membership": gate(A.VIEW_MEMBERSHIP, owner=True),
    # the suspend step: the reviewers' or the case workers' (R24)
    "memberships.take_step": gate(roles=may(A.REVIEW_MEMBERSHIP) | PERMISSIONS[A.MANAGE_CASES]),
    "memberships_api.announce_end": _MEMBERSHIP_REVIEW,
    "memberships_api.apply": gate(
        A.APPLY_MEMBERSHIP, owner=True, visible=seen(PERMISSIONS[A.VIEW_MEMBER])
    ),
    "memberships_api.create_type": gate(A.MANAGE_MEMBERSHIP_TYPES, refused="403", **_ADMIN),
    "memberships_api.decide": _MEMBERSHIP_REVIEW,
    "memberships_api.decide_transfer": _MEMBERSHIP_REVIEW,
    "memberships_api.list_memberships": listing(A.VIEW_MEMBERSHIP, owner=True),
    "memberships_api.list_types": LOGGED_IN,
    "memberships_api.mark_paid": gate(A.MANAGE_DEPOSITS),
    "memberships_api.record_receipt": gate(A.MANAGE_DEPOSITS),
    "memberships_api.refunds_due": listing(A.MANAGE_DEPOSITS),
    "memberships_api.renew": _MEMBERSHIP_REVIEW,
    # R15: ending and transferring a membership are the member's rights
    "memberships_api.request_end": replace(_MEMBERSHIP_REVIEW, owner=True),
    # the member to transfer to must be one the actor may see (VIEW_MEMBER): a member cannot
    # name another, and finance sees no members; both are answered 404
    "memberships_api.request_transfer": known(
        replace(_MEMBERSHIP_REVIEW, owner=True), "404", "member", "finance"
    ),
    "memberships_api.show_ledger": gate(A.VIEW_MEMBERSHIP, owner=True),
    "memberships_api.show_membership": gate(A.VIEW_MEMBERSHIP, owner=True),
    "memberships_api.update_type": gate(A.MANAGE_MEMBERSHIP_TYPES, refused="403", **_ADMIN),
    # notifications: the world's message is addressed to the admin
    "notifications.inbox": LOGGED_IN,
    "notifications.mark_all_read": LOGGED_IN,
    "notifications.mark_read": gate(persons={"admin"}),
    "notifications.outbox": gate(A.MANAGE_USERS, **_ADMIN),
    "notifications_api.list_notifications": LOGGED_IN,
    "notifications_api.mark_all_read": LOGGED_IN,
    "notifications_api.mark_read": gate(persons={"admin"}),
    # account opening (R6): the store asks, head office opens; the staff member it is for reads
    "openings.activate_account": gate(A.REQUEST_ACCOUNT),
    "openings.cancel_request": gate(A.REQUEST_ACCOUNT),
    "openings.list_requests": replace(_REQUESTS, scoped=False),
    "openings.new_request": gate(A.REQUEST_ACCOUNT, scoped=False),
    "openings.open_account": gate(A.OPEN_ACCOUNT, visible={"manager"}),
    "openings.queue": gate(A.OPEN_ACCOUNT, scoped=False),
    "openings.reject_request": gate(A.OPEN_ACCOUNT, visible={"manager"}),
    "openings.show_request": replace(_REQUESTS, persons=frozenset({"staff"})),
    "openings_api.activate_account": gate(
        A.REQUEST_ACCOUNT, visible=seen(PERMISSIONS[A.OPEN_ACCOUNT], "staff")
    ),
    "openings_api.cancel_request": gate(
        A.REQUEST_ACCOUNT, visible=seen(PERMISSIONS[A.OPEN_ACCOUNT], "staff")
    ),
    "openings_api.list_requests": replace(listing(), roles=_REQUESTS.roles),
    "openings_api.open_account": gate(A.OPEN_ACCOUNT, visible={"manager"}),
    "openings_api.queue": listing(A.OPEN_ACCOUNT),
    "openings_api.reject_request": gate(A.OPEN_ACCOUNT, visible={"manager"}),
    "openings_api.request_account": gate(A.REQUEST_ACCOUNT),
    "openings_api.show_request": replace(_REQUESTS, persons=frozenset({"staff"})),
    # ownership (R8, R9); the report is the SLA report's readers' (report_stores)
    "ownership.edit_contacts": gate(A.EDIT_MEMBER, owner=True),
    "ownership.handover": gate(A.HAND_OVER_CUSTOMERS, scoped=False),
    "ownership.handover_referrer": gate(A.HAND_OVER_CUSTOMERS),
    "ownership.list_conflicts": gate(A.RESOLVE_OWNERSHIP, persons={"staff"}, scoped=False),
    "ownership.new_customer": gate(A.ENTER_CUSTOMER, scoped=False),
    "ownership.report": gate(A.VIEW_SLA_REPORT, scoped=False),
    "ownership.show_conflict": gate(A.RESOLVE_OWNERSHIP, persons={"staff"}),
    # the plugin registry
    "plugins.disable_plugin": gate(A.MANAGE_PLUGINS, **_ADMIN),
    "plugins.enable_plugin": gate(A.MANAGE_PLUGINS, **_ADMIN),
    "plugins.list_plugins": gate(A.MANAGE_PLUGINS, **_ADMIN),
    "plugins_api.disable_plugin": gate(A.MANAGE_PLUGINS, **_ADMIN),
    "plugins_api.enable_plugin": gate(A.MANAGE_PLUGINS, **_ADMIN),
    "plugins_api.list_plugins": gate(A.MANAGE_PLUGINS, refused="403", **_ADMIN),
    # the exchange plugin
    "exchange.show_about": EVERYONE,
    # the renovation plugin: cases (R13, R14, R23, R24) and service rhythm (R11, R12)
    "renovation.close_case": _CASE_ACT,
    "renovation.download_penalty": _PENALTY,
    "renovation.download_repair_notice": gate(VIEW_CASE),
    "renovation.hand_over": _CASE_ACT,
    "renovation.issue_penalty": gate(ISSUE_PENALTY, visible=seen(may(VIEW_CASE))),
    "renovation.list_cases": gate(VIEW_CASE, scoped=False),
    "renovation.list_penalties": LOGGED_IN,
    "renovation.new_case": gate(ACT_ON_CASE, scoped=False),
    "renovation.record_appointment": _CASE_ACT,
    "renovation.record_contact": _CASE_ACT,
    "renovation.record_revisit": _CASE_ACT,
    "renovation.route_repair": _CASE_ACT,
    "renovation.show_about": EVERYONE,
    "renovation.show_case": gate(VIEW_CASE),
    "renovation.show_penalty": _PENALTY,
    "renovation.show_repair_notice": gate(VIEW_CASE),
    "renovation_api.close_case": _CASE_ACT,
    "renovation_api.download_penalty": _PENALTY,
    "renovation_api.hand_over": _CASE_ACT,
    "renovation_api.issue_penalty": gate(ISSUE_PENALTY, visible=seen(may(VIEW_CASE))),
    "renovation_api.list_cases": listing(VIEW_CASE),
    "renovation_api.list_penalties": listing(VIEW_PENALTIES, persons={"staff"}),
    "renovation_api.log_case": gate(ACT_ON_CASE),
    "renovation_api.record_appointment": _CASE_ACT,
    "renovation_api.record_contact": _CASE_ACT,
    "renovation_api.record_revisit": _CASE_ACT,
    "renovation_api.route_repair": _CASE_ACT,
    "renovation_api.show_case": gate(VIEW_CASE),
    "renovation_api.show_penalty": _PENALTY,
    "renovation_service.class_customer": _FOLLOW_UP,
    "renovation_service.due_follow_ups": gate(VIEW_SERVICE, scoped=False),
    "renovation_service.due_revisits": gate(VIEW_SERVICE, scoped=False),
    ("renovation_service.leads", "GET"): gate(VIEW_SERVICE, scoped=False),
    ("renovation_service.leads", "POST"): gate(ASSIGN_LEADS, scoped=False),
    "renovation_service.record_follow_up": _FOLLOW_UP,
    "renovation_service.register_project": _FOLLOW_UP,
    "renovation_service.revisit_project": _FOLLOW_UP,
    "renovation_service.show_customer": gate(VIEW_SERVICE),
    "renovation_service.show_project": gate(VIEW_SERVICE),
    "renovation_service_api.class_customer": _FOLLOW_UP,
    "renovation_service_api.due_follow_ups": listing(VIEW_SERVICE),
    "renovation_service_api.due_revisits": listing(VIEW_SERVICE),
    "renovation_service_api.list_follow_ups": gate(VIEW_SERVICE),
    "renovation_service_api.list_leads": listing(VIEW_SERVICE),
    "renovation_service_api.record_follow_up": _FOLLOW_UP,
    "renovation_service_api.record_revisit": _FOLLOW_UP,
    "renovation_service_api.register_project": _FOLLOW_UP,
    "renovation_service_api.set_lead": gate(ASSIGN_LEADS, visible=seen(may(VIEW_SERVICE))),
    "renovation_service_api.show_project": gate(VIEW_SERVICE),
    # reports
    "reports.compliance_report": gate(A.VIEW_COMPLIANCE_REPORT, scoped=False),
    "reports.compliance_report_csv": gate(A.VIEW_COMPLIANCE_REPORT, scoped=False),
    "reports.sla_report": gate(A.VIEW_SLA_REPORT, scoped=False),
    "reports.sla_report_csv": gate(A.VIEW_SLA_REPORT, scoped=False),
    "reports_api.compliance_report": gate(A.VIEW_COMPLIANCE_REPORT, scoped=False),
    "reports_api.rectification_report": gate(A.VIEW_COMPLIANCE_REPORT, scoped=False),
    "reports_api.sla_report": gate(A.VIEW_SLA_REPORT, refused="403", scoped=False),
    # the restaurant plugin (R22); a VIP file is started by the customer's referrer (R4)
    "restaurant.list_candidates": gate(VIEW_CANDIDATES, scoped=False),
    "restaurant.list_greetings": gate(VIEW_GREETINGS, scoped=False),
    "restaurant.list_visits": gate(VIEW_VISITS, scoped=False),
    "restaurant.new_visit": gate(RECORD_VISIT, scoped=False),
    "restaurant.show_about": EVERYONE,
    "restaurant.start_vip_file": gate(referrer=True, visible=seen(may(VIEW_CANDIDATES))),
    "restaurant_api.list_candidates": gate(VIEW_CANDIDATES, scoped=False),
    "restaurant_api.list_greetings": gate(VIEW_GREETINGS, scoped=False),
    "restaurant_api.list_visits": gate(VIEW_VISITS, scoped=False),
    "restaurant_api.record_visit": gate(RECORD_VISIT),
    "restaurant_api.show_visit": gate(VIEW_VISITS),
    # the SLA engine: leave and deputies, tasks (R5, R6); a task is read by its store's
    # reviewers and head office (read_task), the SLA report's readers
    "sla.cancel_leave": gate(A.MANAGE_LEAVE),
    "sla.leave_page": gate(A.MANAGE_LEAVE, scoped=False),
    "sla.reassign_task": gate(A.REASSIGN_TASK),
    "sla.show_task": gate(A.VIEW_SLA_REPORT),
    "sla_api.cancel_leave": gate(A.MANAGE_LEAVE),
    "sla_api.list_leave": LOGGED_IN,
    "sla_api.reassign_task": gate(A.REASSIGN_TASK),
    "sla_api.record_leave": gate(A.MANAGE_LEAVE, refused="403", scoped=False),
    "sla_api.show_task": gate(A.VIEW_SLA_REPORT),
    # spot checks (R7)
    "spotchecks.draw": gate(A.SPOT_CHECK, scoped=False),
    "spotchecks.list_checks": gate(A.VIEW_SPOT_CHECKS, scoped=False),
    "spotchecks.record_finding": gate(A.SPOT_CHECK),
    "spotchecks.show_check": gate(A.VIEW_SPOT_CHECKS),
    "spotchecks_api.draw": gate(A.SPOT_CHECK, refused="403", scoped=False),
    "spotchecks_api.list_checks": listing(A.VIEW_SPOT_CHECKS),
    "spotchecks_api.record_finding": gate(
        A.SPOT_CHECK, visible=seen(PERMISSIONS[A.VIEW_SPOT_CHECKS])
    ),
    "spotchecks_api.show_check": gate(A.VIEW_SPOT_CHECKS),
    # stores: the list is public (registration picks a store)
    "stores.edit_store": gate(A.MANAGE_STORES, **_ADMIN),
    "stores.list_stores": gate(A.MANAGE_STORES, **_ADMIN),
    "stores.new_store": gate(A.MANAGE_STORES, **_ADMIN),
    "stores_api.list_stores": EVERYONE,
    "stores_api.update_store": gate(A.MANAGE_STORES, refused="403", **_ADMIN),
    # VIP files (R2-R5): the referrer drafts and submits, the store manager reviews
    "vip.decide_file": _VIP_DECISION,
    "vip.edit_stage": _VIP_DRAFT,
    "vip.list_files": gate(roles=ALL_ROLES, refused="403", scoped=False),
    # the page names the customer (?member=) and asks to confirm; readers of files see it
    ("vip.new_file", "GET"): known(
        _VIP_DRAFT, FORM_FIRST, "manager", "hq_service", "hq_head", "compliance", "admin"
    ),
    ("vip.new_file", "POST"): _VIP_DRAFT,
    "vip.record_consumption": gate(A.RECORD_CONSUMPTION),
    "vip.review_queue": gate(roles=ALL_ROLES, refused="403", scoped=False),
    "vip.show_file": gate(A.VIEW_VIP_FILE, referrer=True),
    "vip.submit_file": _VIP_DRAFT,
    "vip_api.decide_file": _VIP_DECISION,
    "vip_api.list_consumption": gate(A.VIEW_VIP_FILE, referrer=True),
    "vip_api.list_files": listing(A.VIEW_VIP_FILE, referrer=True),
    "vip_api.record_consumption": gate(
        A.RECORD_CONSUMPTION, visible=seen(PERMISSIONS[A.VIEW_VIP_FILE])
    ),
    "vip_api.review_queue": listing(A.REVIEW_VIP_FILE),
    "vip_api.save_draft": _VIP_DRAFT,
    "vip_api.show_file": gate(A.VIEW_VIP_FILE, referrer=True),
    "vip_api.start_file": gate(referrer=True, visible=seen(PERMISSIONS[A.VIEW_MEMBER])),
    "vip_api.submit_file": _VIP_DRAFT,
    # pages of the portal
    "web.dashboard": LOGGED_IN,
    "web.health": EVERYONE,
    "web.index": EVERYONE,
    "web.privacy": EVERYONE,
    "web.set_language": EVERYONE,
}


def access_of(endpoint: str, method: str) -> Access:
    return TABLE.get((endpoint, method)) or TABLE[endpoint]


# --- the world and the actors' clients ------------------------------------------------------

#: query strings a page needs to show its form (``{name}``: that id of the world)
QUERIES = {
    "memberships.apply": "member_id={member}",
    "vip.new_file": "member={fresh_customer}",
    "members_api.referrers": "store={store}",
    "members_api.ownership_report": "store={store}",
}

#: body fields of the API -> the world's id they carry (other integers get 1)
BODY_IDS = {
    "store_id": "store",
    "member_id": "member",
    "type_id": "membership_type",
    "to_member_id": "customer",
    "for_staff_id": "staff",
    "from_referrer_id": "staff",
    "responsible_id": "staff",
    "employee_id": "staff",
    "deputy_id": "li",
    "user_id": "li",
    # R13: a case handed to its own owner is refused after the gate, and stays where it is
    "to_user_id": "staff",
}
#: body fields whose values must come from a closed list the schema does not spell out
BODY_VALUES: dict[str, Any] = {"codes": ["EX-P01"], "measures": ["oral_warning"]}
#: whole bodies for endpoints where a generated one proves nothing (the credentials)
BODIES: dict[str, dict[str, Any]] = {"auth.create_token": {"login": "admin", "password": PASSWORD}}
#: body fields (beyond the required ones) some endpoints need -> the world's id they carry
BODY_EXTRAS = {
    "restaurant_api.record_visit": {"member_id": "customer"},
    "vip_api.start_file": {"member_id": "fresh_customer"},
}

#: the routes that end the caller's session or token, or switch a plugin off: each case gets
#: a fresh login or token, and the plugin is switched back on after it
SESSION_ENDING = {"accounts.logout", "auth.revoke_token"}
PLUGIN_SWITCHES = {"plugins.disable_plugin", "plugins_api.disable_plugin"}


@dataclass
class Matrix:
    app: Flask
    world: World
    clients: dict[str, FlaskClient]
    tokens: dict[str, dict[str, str]]
    #: the OpenAPI document: request bodies are built from its schemas
    spec: dict[str, Any]


def _log_in(app: Flask, world: World, actor: str) -> FlaskClient:
    client = app.test_client()
    if actor != "anonymous":
        login = world.people[actor].login
        response = client.post("/login", data={"login": login, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _token(world: World, actor: str) -> dict[str, str]:
    from portal.extensions import db

    return {} if actor == "anonymous" else world.token(db.session, actor)


@pytest.fixture(scope="module")
def matrix(_migrated_app: Flask) -> Iterator[Matrix]:
    """The world, and every actor's logged-in client and bearer token, built once."""
    from portal.extensions import db

    app = _migrated_app
    app.extensions["portal.clock"].set(START)
    app.test_client_class = IsolatedClient
    with app.app_context():
        world = build_world(db.session)
        yield Matrix(
            app=app,
            world=world,
            clients={actor: _log_in(app, world, actor) for actor in ACTORS},
            tokens={actor: _token(world, actor) for actor in ACTORS},
            spec=app.test_client().get(f"{API}/openapi.json").get_json(),
        )
    _empty_tables(app)


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every route, static files and the API's docs aside."""
    return sorted(
        (rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if not rule.endpoint.endswith("static") and rule.endpoint != "api.swagger_assets"
    )


def _url(endpoint: str, rule: str, ids: dict[str, Any]) -> str:
    names = {
        **ARGUMENTS,
        **BLUEPRINT_ARGUMENTS.get(endpoint.split(".", 1)[0], {}),
        **ENDPOINT_ARGUMENTS.get(endpoint, {}),
    }
    url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(ids[names[m.group(1)]]), rule)
    if endpoint in QUERIES:
        url += "?" + re.sub(r"{([^}]+)}", lambda m: str(ids[m.group(1)]), QUERIES[endpoint])
    return url


def _schema_value(
    spec: dict[str, Any], name: str, schema: dict[str, Any], ids: dict[str, Any]
) -> Any:
    """A value of ``schema`` that passes the API's validation, so the request reaches the
    service and its gate: required fields only, real ids of the world, the first of an enum."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if name in BODY_VALUES:
        return BODY_VALUES[name]
    if "enum" in schema:
        return schema["enum"][0]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {
            key: _schema_value(spec, key, props[key], ids) for key in schema.get("required", [])
        }
    if kind == "array":
        return [_schema_value(spec, name, schema.get("items", {}), ids)]
    if kind == "integer":
        return ids[BODY_IDS[name]] if name in BODY_IDS else 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if fmt == "date":
        return (START + timedelta(days=1)).date().isoformat()
    if fmt == "date-time":
        return (START + timedelta(hours=1)).isoformat()
    if fmt == "decimal":
        return "1.00"
    return "matrix"


def _api_body(m: Matrix, endpoint: str, method: str, rule: str) -> dict[str, Any] | None:
    if endpoint in BODIES:
        return BODIES[endpoint]
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
    operation = m.spec["paths"][path][method.lower()]
    body = operation.get("requestBody")
    if body is None:
        return None
    schema = body["content"]["application/json"]["schema"]
    extras = {k: m.world.ids[v] for k, v in BODY_EXTRAS.get(endpoint, {}).items()}
    return {**_schema_value(m.spec, "", schema, m.world.ids), **extras}


def _outcome(m: Matrix, endpoint: str, actor: str, method: str, rule: str) -> str:
    """``ok`` (the gate let the actor through), ``empty`` (an API list with nothing in it),
    ``login``, ``403``, ``404``, or ``500``."""
    url = _url(endpoint, rule, m.world.ids)
    api = url.startswith(API)
    if endpoint in SESSION_ENDING:
        client = _log_in(m.app, m.world, actor)
        headers = _token(m.world, actor) if api else {}
    else:
        client = m.clients[actor]
        headers = m.tokens[actor] if api else {}
    if method == "GET":
        response = client.get(url, headers=headers)
    elif api:
        body = _api_body(m, endpoint, method, rule)
        response = client.open(url, method=method, json=body, headers=headers)
    else:
        response = client.open(url, method=method, data={})
    if endpoint in PLUGIN_SWITCHES:
        _enable_plugin(m)
    status = response.status_code
    if status >= 500:
        return "500"
    if status == 401 or (status in (302, 303) and "/login" in response.location):
        return "login"
    if status in (403, 404):
        return str(status)
    if api and method == "GET" and status == 200 and _items(response.get_json()) == []:
        return "empty"
    return "ok"


def _items(body: Any) -> Any:
    """The list an API list answers, bare or in a page's ``items``."""
    return body.get("items") if isinstance(body, dict) else body


def _enable_plugin(m: Matrix) -> None:
    from portal.extensions import db
    from portal.plugins.registry import set_enabled

    set_enabled(db.session, actor=m.world.people["admin"], name=m.world.ids["plugin"], enabled=True)
    db.session.commit()


def _declared(endpoint: str, method: str) -> bool:
    return (endpoint, method) in TABLE or endpoint in TABLE


def test_every_route_is_declared(matrix: Matrix) -> None:
    """A new route needs its row in the table (and a stale row is removed)."""
    routes = {(endpoint, method) for endpoint, method, _rule in _routes(matrix.app)}
    missing = sorted(route for route in routes if not _declared(*route))
    assert not missing, f"declare these routes in TABLE: {missing}"
    endpoints = {endpoint for endpoint, _method in routes}
    stale = [row for row in TABLE if (row if isinstance(row, str) else row[0]) not in endpoints]
    assert not stale, f"these rows name no route: {stale}"


#: every endpoint of the table, the plugin switches last (they change the world by design)
ENDPOINTS = sorted(
    {row if isinstance(row, str) else row[0] for row in TABLE},
    key=lambda endpoint: (endpoint in PLUGIN_SWITCHES, endpoint),
)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_actor_gets_what_the_table_declares(matrix: Matrix, endpoint: str) -> None:
    """Each method and actor on the route: the declared outcome; mismatches listed at once."""
    mismatches = []
    for rule in matrix.app.url_map.iter_rules(endpoint):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            access = access_of(endpoint, method)
            for actor in ACTORS:
                want = expected(access, actor)
                got = _outcome(matrix, endpoint, actor, method, rule.rule)
                # an allowed reader may find nothing in a list; a refused one must
                if got != want and (want, got) != ("ok", "empty"):
                    mismatches.append(f"{method} {rule.rule} {actor}: want {want}, got {got}")
    assert not mismatches, "\n".join(mismatches)


# --- the operators' copy ------------------------------------------------------------------------

DOC = Path(__file__).parents[2] / "docs" / "authorization.md"
_REWRITE = "PORTAL_WRITE_AUTHORIZATION_DOC"
_ANSWERS = {
    "login": "sign-in",
    "403": "403",
    "404": "404",
    "empty": "an empty list",
    "ok": "the page",
}


def _who(access: Access) -> str:
    if access.everyone:
        return "everyone"
    if access.logged_in:
        return "any account"
    who = [role.value.replace("_", " ") for role in Role if role in access.roles]
    if access.owner:
        who.append("the member concerned")
    if access.referrer:
        who.append("the customer's referrer")
    if access.persons:
        who.append("the person named in it")
    where = " (own store)" if any(role.needs_store for role in access.roles) else ""
    return (", ".join(who) or "nobody") + where


def _others(access: Access) -> str:
    if access.everyone or access.logged_in:
        return ""
    answer = _ANSWERS[access.refused]
    if access.visible:
        answer += "; 403 to those who may read it"
    for actor, got in access.known:
        answer += f"; known: {actor} gets {_ANSWERS[got]}"
    return answer


def render_doc(app: Flask) -> str:
    """docs/authorization.md: the declared table, one line per route and method."""
    lines = [
        "# Who may do what",
        "",
        "Every route of the portal and its bundled plugins, who passes its gate and what",
        "everyone else gets. Generated from the declared table of",
        "`tests/integration/test_authorization_matrix.py`, which proves each line for every",
        "role, another store's manager, the member concerned, another member and a visitor",
        "on SQLite and PostgreSQL. Store roles act in their own store; head-office roles and",
        "administrators in every store their grant covers. Visitors who are not signed in",
        "are sent to sign in (401 on the API). To regenerate after changing the table:",
        "",
        "```",
        f"{_REWRITE}=1 .venv/bin/pytest tests/integration/test_authorization_matrix.py "
        '-k "doc and sqlite"',
        "```",
        "",
        "| Route | Method | Allowed | Others get |",
        "|---|---|---|---|",
    ]
    for endpoint, method, rule in sorted(_routes(app), key=lambda r: (r[2], r[1])):
        access = access_of(endpoint, method)
        lines.append(f"| `{rule}` | {method} | {_who(access)} | {_others(access)} |")
    return "\n".join(lines) + "\n"


def test_the_operators_doc_lists_every_route_as_declared(matrix: Matrix) -> None:
    text = render_doc(matrix.app)
    if os.environ.get(_REWRITE):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, f"regenerate with {_REWRITE}=1"
