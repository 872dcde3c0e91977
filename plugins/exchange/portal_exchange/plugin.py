"""The exchange vertical: memberships, risk deposits and compliance (R15-R21).

So far it supplies the exchange's regulation to the core engines: the violation catalogue
(R17, R19-R21), the rights and obligations of its membership type (R15) and the deposit
refund policy (R16); the about page shows them. Its hooks are the entry point
``exchange`` in the ``portal.plugins`` group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from portal import hookimpl
from portal.accounts.permissions import Action, can
from portal.compliance.catalogue import Violation
from portal.memberships.policies import RefundPolicy, RightsAndObligations
from portal_exchange import demo
from portal_exchange.catalogue import CATALOGUE
from portal_exchange.membership import MEMBER, REFUND_POLICY, RIGHTS_AND_OBLIGATIONS

PACKAGE_DIR = Path(__file__).parent

bp = Blueprint("exchange", __name__, url_prefix="/exchange", template_folder="templates")


@bp.get("/about")
def show_about() -> str:
    """What the exchange plugin offers; open to everybody (the regulation is public)."""
    return render_template(
        "exchange/about.html",
        terms=RIGHTS_AND_OBLIGATIONS,
        policy=REFUND_POLICY,
        may_view_catalogue=current_user.is_authenticated
        and can(current_user, Action.VIEW_CATALOGUE),
    )


@hookimpl
def portal_blueprints() -> list[Blueprint]:
    return [bp]


@hookimpl
def portal_translation_dirs() -> list[str]:
    return [str(PACKAGE_DIR / "translations")]


@hookimpl
def portal_violation_catalogue() -> list[Violation]:
    """R17, R19-R21: the regulation's prohibited acts, serious violations, rectifiable and
    fee failures and revocation grounds (see portal_exchange.catalogue for the mapping)."""
    return CATALOGUE


@hookimpl
def portal_rights_and_obligations(membership_type: str) -> RightsAndObligations | None:
    """R15: articles 12 and 13 of the regulation, for the exchange's member units."""
    return RIGHTS_AND_OBLIGATIONS if membership_type == MEMBER else None


@hookimpl
def portal_refund_policy(membership_type: str, ended_by: str) -> RefundPolicy | None:
    """R16: 40% after four months, 60% after six, however the membership ended; the fees
    are kept on revocation."""
    return REFUND_POLICY if membership_type == MEMBER else None


@hookimpl
def portal_demo_data(session: Any) -> None:
    """The membership department JY01 with six member firms, their memberships, deposits,
    refunds, cases and notices (see portal_exchange.demo)."""
    demo.add_demo_data(session)
