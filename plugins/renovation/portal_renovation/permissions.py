"""The renovation vertical's actions and the roles allowed each (``portal_permissions``).

Store-scoped grants cover the cases of their store. R13 narrows acting further: of those
allowed ``ACT_ON_CASE``, only the owner acts, unless they hold ``MANAGE_CASE`` too
(the store manager as department head, R24).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.accounts.permissions import Permission
from portal.accounts.roles import Role

#: log a call, letter or visit as a case, and act on the cases one owns (R13, R14)
ACT_ON_CASE = "renovation.act_on_case"
#: read the cases of a store
VIEW_CASE = "renovation.view_case"
#: act on any case of the store: the department head (R24)
MANAGE_CASE = "renovation.manage_case"
#: R24: issue a penalty notice to the responsible employee
ISSUE_PENALTY = "renovation.issue_penalty"
#: read every penalty notice of a store (each employee reads their own anyway)
VIEW_PENALTIES = "renovation.view_penalties"

#: R11, R12: read the classes, follow-ups, projects and revisits of a store
VIEW_SERVICE = "renovation.view_service"
#: R11, R12: class customers, record follow-ups, register delivered projects, revisit them
FOLLOW_UP = "renovation.follow_up"
#: R11: name the responsible person of each class in each region
ASSIGN_LEADS = "renovation.assign_leads"

PERMISSIONS = (
    Permission(
        action=ACT_ON_CASE,
        roles=frozenset({Role.STAFF, Role.STORE_MANAGER}),
        label=_l("Log and act on complaint cases"),
    ),
    Permission(
        action=VIEW_CASE,
        roles=frozenset(
            {Role.STAFF, Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD, Role.ADMIN}
        ),
        label=_l("Read complaint cases"),
    ),
    Permission(
        action=MANAGE_CASE,
        roles=frozenset({Role.STORE_MANAGER}),
        label=_l("Act on any complaint case of the store"),
    ),
    Permission(
        action=ISSUE_PENALTY,
        roles=frozenset({Role.STORE_MANAGER}),
        label=_l("Issue penalty notices"),
    ),
    Permission(
        action=VIEW_PENALTIES,
        roles=frozenset({Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD, Role.ADMIN}),
        label=_l("Read penalty notices"),
    ),
    Permission(
        action=VIEW_SERVICE,
        roles=frozenset(
            {Role.STAFF, Role.STORE_MANAGER, Role.HQ_SERVICE, Role.HQ_HEAD, Role.ADMIN}
        ),
        label=_l("Read customer classes, follow-ups and revisits"),
    ),
    Permission(
        action=FOLLOW_UP,
        roles=frozenset({Role.STAFF, Role.STORE_MANAGER}),
        label=_l("Record follow-ups, projects and revisits"),
    ),
    Permission(
        action=ASSIGN_LEADS,
        roles=frozenset({Role.STORE_MANAGER}),
        label=_l("Name the responsible person of each class"),
    ),
)
