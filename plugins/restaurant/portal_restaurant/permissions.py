"""What the restaurant vertical lets whom do; declared to the core's permission table.

Store roles act in their own store; head-office roles and administrators read across the
stores their grant covers. ``portal.accounts.permissions.can`` checks these names exactly
as it checks the core's actions, including the store of the object.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.accounts.permissions import Permission
from portal.accounts.roles import Role

#: R22: record a customer's meal at the store (reservation or walk-in table)
RECORD_VISIT = "restaurant.record_visit"
#: read the store's visits (list, API, member page)
VIEW_VISITS = "restaurant.view_visits"
#: R22: see who qualifies as a VIP candidate in a month
VIEW_CANDIDATES = "restaurant.view_candidates"
#: the week's birthday and wedding-anniversary greetings of a store
VIEW_GREETINGS = "restaurant.view_greetings"

_HEAD_OFFICE = {Role.HQ_SERVICE, Role.HQ_HEAD, Role.ADMIN}

PERMISSIONS = (
    Permission(
        action=RECORD_VISIT,
        roles=frozenset({Role.STAFF, Role.STORE_MANAGER}),
        label=_l("Record visits"),
    ),
    Permission(
        action=VIEW_VISITS,
        roles=frozenset({Role.STAFF, Role.STORE_MANAGER, *_HEAD_OFFICE}),
        label=_l("Read visits"),
    ),
    Permission(
        action=VIEW_CANDIDATES,
        roles=frozenset({Role.STAFF, Role.STORE_MANAGER, *_HEAD_OFFICE}),
        label=_l("Read VIP candidates"),
    ),
    Permission(
        action=VIEW_GREETINGS,
        roles=frozenset({Role.STORE_MANAGER, *_HEAD_OFFICE}),
        label=_l("Read greetings"),
    ),
)
