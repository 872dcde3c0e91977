"""Fixtures of the renovation tests: a store's desk, its supervisor, a customer, cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from portal_renovation import services
from portal_renovation.models import RenovationCase

from portal.accounts.models import User
from portal.accounts.roles import Role


@pytest.fixture
def supervisor(make_user: Callable[..., User], dummy_store: Any) -> User:
    """A site supervisor: staff of the store."""
    return make_user("supervisor", Role.STAFF, dummy_store, display_name="李工长")


@pytest.fixture
def colleague(make_user: Callable[..., User], dummy_store: Any) -> User:
    return make_user("colleague", Role.STAFF, dummy_store, display_name="赵客服")


@pytest.fixture
def customer(make_member: Callable[..., Any]) -> Any:
    return make_member(full_name="王建国", mobile="13800138000")


@pytest.fixture
def make_case(
    db_session: Any, staff: User, customer: Any, dummy_store: Any
) -> Callable[..., RenovationCase]:
    """``make_case(kind="repair", severity="serious", actor=..., earlier_number=...)``."""

    def factory(actor: User | None = None, **fields: Any) -> RenovationCase:
        data = {
            "store_id": dummy_store.id,
            "member_id": customer.id,
            "kind": "complaint",
            "channel": "call",
            "severity": "normal",
            "subject": "卫生间漏水",
            "description": "客户来电反映卫生间地面渗水到楼下",
            **fields,
        }
        case = services.log_case(db_session, actor=actor or staff, data=services.NewCase(**data))
        db_session.commit()
        return case

    return factory


@pytest.fixture
def dummy_case(make_case: Callable[..., RenovationCase]) -> RenovationCase:
    return make_case()


@pytest.fixture
def dummy_repair(make_case: Callable[..., RenovationCase]) -> RenovationCase:
    return make_case(kind="repair", subject="橱柜门脱落")
