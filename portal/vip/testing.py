"""Factories for tests of VIP files: ``dummy_customer``, ``complete_values``,
``dummy_vip_file`` (a file in any state). Plain functions, so every test module (and the
demo data) can use them without a conftest."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.members import ownership
from portal.members.models import Member
from portal.vip import services
from portal.vip.models import VipFile

#: valid mainland identity numbers (checksums included); the first is the customer's
ID_NUMBERS = (
    "610113198504120039",
    "610113198504120055",
    "11010519491231002X",
    "610113199001010019",
    "440304198808081238",
)

STAGE_1 = {
    "full_name": "王建国",
    "mobile": "13912345678",
    "id_number": ID_NUMBERS[0],
    "employer": "陕西华为技术有限公司",
    "address": "西安市高新路25号3单元501室",
    "other_phone": "029-88886666",
}
STAGE_2 = {
    "birthday": date(1985, 4, 12),
    "preferences": "不吃辣; 喜欢靠窗的包间",
    "contact_time": "evening",
}


def complete_values(**changes: Any) -> dict[str, Any]:
    """Values that make a file complete in both stages (R4) and pass R2; ``changes``
    replace some (None clears one)."""
    return {**STAGE_1, **STAGE_2, **changes}


def dummy_customer(
    session: Session,
    referrer: User,
    *,
    store_id: int,
    full_name: str = "王建国",
    mobile: str = "13912345678",
) -> Member:
    """A customer entered by ``referrer``, who refers them (R8)."""
    member = ownership.enter_customer(
        session, actor=referrer, store_id=store_id, full_name=full_name, mobile=mobile
    )
    assert isinstance(member, Member), member
    session.flush()
    return member


def dummy_vip_file(
    session: Session,
    referrer: User,
    member: Member,
    *,
    values: dict[str, Any] | None = None,
    submit: bool = True,
) -> VipFile:
    """A started file of ``member`` filled with ``values`` (default: complete), submitted
    unless ``submit`` is False. Commits."""
    file = services.start_file(session, actor=referrer, member=member)
    services.save_draft(
        session,
        actor=referrer,
        file=file,
        values=complete_values(mobile=member.mobile) if values is None else values,
    )
    if submit:
        services.submit(session, actor=referrer, file=file)
    session.commit()
    return file
