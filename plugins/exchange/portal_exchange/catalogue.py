"""The exchange's violation catalogue (R17, R19-R21), from its membership regulation
(seed 000, chapters 6 and 7) with the measures of the R18 ladder allowed for each entry.

Codes are stable: cases and notices refer to them, so an entry is never renumbered; a
withdrawn entry keeps its code retired. The mapping (docs/exchange.md explains each):

- ``EX-P01``..``EX-P12``: article 14's twelve prohibited acts. Article 18 lists items 1-9
  again as failures answered by a rectification notice or circular with a deadline,
  revocation when the rectification fails: those entries allow a written circular and
  revocation, and the steps between. Acts that bring an illicit gain allow compensation;
  acts that may be crimes (fraud, unlicensed financial business) allow referral.
- ``EX-S01``..``EX-S08``: article 15's serious violations ("dealt with severely"): no oral
  warning; suspension and revocation always allowed.
- ``EX-R01``..``EX-R03``: article 18 items 10-12, the failures that exist only there.
- ``EX-F01``..``EX-F03``: article 19's fee failures: a warning talk with the senior
  management (an oral warning) and mandatory training, nothing else.
- ``EX-V01``..``EX-V05``: article 20's revocation grounds: revocation; breaking the law
  also allows referral to the judicial authorities (article 17 (7)).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.compliance.catalogue import Measure, Violation, ViolationKind

ORAL = Measure.ORAL_WARNING
CIRCULAR = Measure.WRITTEN_CIRCULAR
TRAINING = Measure.MANDATORY_TRAINING
SUSPENSION = Measure.SUSPENSION
REVOCATION = Measure.REVOCATION
COMPENSATION = Measure.COMPENSATION
REFERRAL = Measure.REFERRAL

#: article 18: a rectification notice or circular with a deadline, revocation if it fails
RECTIFICATION = frozenset({CIRCULAR, TRAINING, SUSPENSION, REVOCATION})
#: the same for failures mild enough to start with an oral warning
MILD_RECTIFICATION = RECTIFICATION | {ORAL}
#: conduct that harms traders for gain and may be fraud
HARM_FOR_GAIN = RECTIFICATION | {COMPENSATION, REFERRAL}


def _entries(
    kind: ViolationKind, rows: list[tuple[str, str, frozenset[Measure]]]
) -> list[Violation]:
    return [Violation(code, title, kind, measures) for code, title, measures in rows]


PROHIBITED_ACTS = _entries(
    ViolationKind.PROHIBITED_ACT,
    [
        ("EX-P01", _l("Not strictly checking traders' admission conditions"), MILD_RECTIFICATION),
        (
            "EX-P02",
            _l(
                "Trading without the trader's instruction, against the trader's will or "
                "in the trader's name"
            ),
            HARM_FOR_GAIN,
        ),
        (
            "EX-P03",
            _l("Signing agreements on behalf of traders or asking traders for money or goods"),
            HARM_FOR_GAIN,
        ),
        (
            "EX-P04",
            _l("Spreading or supplying false information to induce traders to open accounts"),
            HARM_FOR_GAIN,
        ),
        (
            "EX-P05",
            _l("Publishing false or misleading information to induce traders to trade maliciously"),
            HARM_FOR_GAIN,
        ),
        ("EX-P06", _l("Promising returns to traders"), RECTIFICATION | {COMPENSATION}),
        (
            "EX-P07",
            _l("Disparaging peers or competing for business by improper means"),
            MILD_RECTIFICATION,
        ),
        (
            "EX-P08",
            _l("Explaining products or trading rules to traders untruthfully or with exaggeration"),
            MILD_RECTIFICATION,
        ),
        (
            "EX-P09",
            _l("Not explaining the agreement's content and its risks to traders when signing"),
            MILD_RECTIFICATION,
        ),
        (
            "EX-P10",
            _l(
                "Programmatic high-frequency or swing trading, or other acts that upset "
                "the market's stability"
            ),
            frozenset({CIRCULAR, SUSPENSION, REVOCATION, COMPENSATION}),
        ),
        (
            "EX-P11",
            _l(
                "Trading insurance, credit, gold or other financial products without the "
                "approval of the State Council's financial regulator"
            ),
            frozenset({CIRCULAR, SUSPENSION, REVOCATION, COMPENSATION, REFERRAL}),
        ),
        (
            "EX-P12",
            _l("Other acts prohibited by laws and regulations"),
            frozenset({CIRCULAR, SUSPENSION, REVOCATION, COMPENSATION, REFERRAL}),
        ),
    ],
)

SERIOUS_VIOLATIONS = _entries(
    ViolationKind.SERIOUS,
    [
        (
            "EX-S01",
            _l("Illegal fund-raising or financing in disguise under the membership"),
            frozenset({SUSPENSION, REVOCATION, COMPENSATION, REFERRAL}),
        ),
        (
            "EX-S02",
            _l("Business beyond the agreed business in the member's name"),
            frozenset({CIRCULAR, SUSPENSION, REVOCATION, COMPENSATION}),
        ),
        (
            "EX-S03",
            _l("Promising traders kick-backs, guaranteed profits or shared risks"),
            frozenset({CIRCULAR, SUSPENSION, REVOCATION, COMPENSATION, REFERRAL}),
        ),
        (
            "EX-S04",
            _l("Misleading traders about the bidding mechanism or continuous collective bidding"),
            frozenset({CIRCULAR, TRAINING, SUSPENSION, REVOCATION, COMPENSATION}),
        ),
        (
            "EX-S05",
            _l("Funds out of proportion to the trading volume"),
            frozenset({CIRCULAR, SUSPENSION, REVOCATION}),
        ),
        (
            "EX-S06",
            _l("Taking part in activities that upset the market's fairness and stability"),
            frozenset({SUSPENSION, REVOCATION, COMPENSATION, REFERRAL}),
        ),
        (
            "EX-S07",
            _l("Irregular trading as determined by the exchange"),
            frozenset({CIRCULAR, SUSPENSION, REVOCATION, COMPENSATION}),
        ),
        (
            "EX-S08",
            _l(
                "Losses to the exchange, other members or traders through lax supervision "
                "or concealment"
            ),
            frozenset({CIRCULAR, TRAINING, SUSPENSION, REVOCATION, COMPENSATION}),
        ),
    ],
)

#: article 18: answered by a rectification notice or circular; failing it, revocation
RECTIFIABLE_FAILURES = _entries(
    ViolationKind.RECTIFIABLE,
    [
        (
            "EX-R01",
            _l(
                "Not reporting in writing a change of business situation, registered "
                "capital, legal representative, team or business contact"
            ),
            frozenset({CIRCULAR, REVOCATION}),
        ),
        (
            "EX-R02",
            _l(
                "Not performing the member's duties or not cooperating with the "
                "exchange's activities"
            ),
            frozenset({CIRCULAR, REVOCATION}),
        ),
        (
            "EX-R03",
            _l("Other failures the exchange's rules call for rectification"),
            frozenset({CIRCULAR, REVOCATION}),
        ),
    ],
)

#: article 19: a warning talk with the senior management and mandatory training
FEE_FAILURES = _entries(
    ViolationKind.FEES,
    [
        ("EX-F01", _l("Irregular charging"), frozenset({ORAL, TRAINING})),
        ("EX-F02", _l("Not paying the exchange's fees on time"), frozenset({ORAL, TRAINING})),
        (
            "EX-F03",
            _l("Other fee failures under the exchange's rules"),
            frozenset({ORAL, TRAINING}),
        ),
    ],
)

#: article 20: the membership is revoked (its fees are not refunded, R16)
REVOCATION_GROUNDS = _entries(
    ViolationKind.REVOCATION_GROUND,
    [
        (
            "EX-V01",
            _l(
                "Privately transferring or renting out the membership, or handing its "
                "trading to others to manage or run"
            ),
            frozenset({REVOCATION}),
        ),
        (
            "EX-V02",
            _l("Doing business other than the exchange's in the name of the exchange's business"),
            frozenset({REVOCATION}),
        ),
        (
            "EX-V03",
            _l(
                "Three months in a row without trading and without good reason while "
                "joining another venue unreported"
            ),
            frozenset({REVOCATION}),
        ),
        (
            "EX-V04",
            _l("Breaking national laws or regulations"),
            frozenset({REVOCATION, REFERRAL}),
        ),
        (
            "EX-V05",
            _l("Other violations the exchange's rules answer with revocation"),
            frozenset({REVOCATION}),
        ),
    ],
)

CATALOGUE: list[Violation] = (
    PROHIBITED_ACTS + SERIOUS_VIOLATIONS + RECTIFIABLE_FAILURES + FEE_FAILURES + REVOCATION_GROUNDS
)
