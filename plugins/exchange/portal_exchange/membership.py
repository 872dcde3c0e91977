"""The exchange's membership type: its rights and obligations (R15, seed 000 articles 12
and 13) and how its risk deposit is refunded (R16)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.memberships.policies import RefundPolicy, RefundTranche, RightsAndObligations

#: the one membership type the regulation knows: a member unit (会员单位) of the exchange
MEMBER = "exchange.member"

RIGHTS_AND_OBLIGATIONS = RightsAndObligations(
    rights=(
        _l("Do business under the exchange's rules and regulations"),
        _l(
            "Receive the exchange's trading information and related services (chargeable "
            "items and their rates as the exchange sets them)"
        ),
        _l("Take part first in the exchange's new business"),
        _l("Receive the exchange's business guidance and professional training"),
        _l("Make comments and suggestions on the exchange's work"),
        _l("Transfer or end the membership under these rules"),
    ),
    obligations=(
        _l("Obey the national laws, regulations and rules"),
        _l("Obey the exchange's rules and regulations"),
        _l("Accept the exchange's supervision and take part in the activities it organises"),
        _l(
            "Protect the interests of every party to a trade and help the exchange deal "
            "with sudden or unusual events"
        ),
        _l("Keep confidential what must be kept confidential"),
        _l("Pay the fees the exchange sets"),
    ),
)

#: R16: 40% of the deposit four months after the announcement, the remaining 60% after six;
#: on revocation the entry and management fees are kept (article 20 (5))
REFUND_POLICY = RefundPolicy(
    tranches=(RefundTranche(4, Decimal("0.40")), RefundTranche(6, Decimal("0.60"))),
    refund_fees_on_revocation=False,
)
