"""The R18 penalty ladder as pure arithmetic: which measures a case proposes.

No database and no Flask: the decision service feeds in the case's violations and the
measures earlier cases against the same member ended in, and shows what comes out as
the proposal; an officer who decides otherwise writes down why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from portal.compliance.catalogue import Measure, Violation, ViolationKind

#: R18: the steps that escalate, lowest first. Compensation and referral are not steps:
#: they go with whichever step is decided (compensation when there is an illicit gain).
STEPS: tuple[Measure, ...] = (
    Measure.ORAL_WARNING,
    Measure.WRITTEN_CIRCULAR,
    Measure.MANDATORY_TRAINING,
    Measure.SUSPENSION,
    Measure.REVOCATION,
)
#: R20: a fee failure is answered by a warning talk and mandatory training
FEE_MEASURES = frozenset({Measure.ORAL_WARNING, Measure.MANDATORY_TRAINING})


class Basis(StrEnum):
    """Why the proposal is what it is (shown next to it)."""

    FIRST = "first"
    REPEAT = "repeat"
    FEES = "fees"
    REVOCATION_GROUND = "revocation_ground"
    NOT_RECTIFIED = "not_rectified"


@dataclass(frozen=True)
class Proposal:
    measures: tuple[Measure, ...]
    basis: Basis


def level(measure: Measure) -> int:
    """The measure's rank on the ladder (0 oral warning ... 6 referral)."""
    return list(Measure).index(measure)


def allowed(violations: Iterable[Violation]) -> frozenset[Measure]:
    """R18: the measures a case may decide: those any of its violations allows."""
    result: frozenset[Measure] = frozenset()
    for violation in violations:
        result |= violation.measures
    return result


def in_ladder_order(measures: Iterable[Measure]) -> tuple[Measure, ...]:
    chosen = set(measures)
    return tuple(m for m in Measure if m in chosen)


def propose(
    violations: Sequence[Violation],
    previous: Iterable[Measure] = (),
    *,
    illicit_gain: Decimal | None = None,
    rectification_failed: bool = False,
) -> Proposal:
    """The measures to propose for a case citing ``violations``.

    ``previous`` are the measures earlier decided cases against the same member ended in.
    - R21 grounds, or a failed rectification (R19), propose revocation.
    - R20 fee failures propose the warning talk and mandatory training.
    - Otherwise the first case proposes the lowest step its violations allow; a repeat
      proposes the lowest allowed step above the highest one reached before (the highest
      allowed step when nothing is above it).
    Compensation joins the proposal when an illicit gain is recorded and it is allowed.
    """
    if not violations:
        raise ValueError("a proposal needs at least one violation")
    permitted = allowed(violations)
    kinds = {v.kind for v in violations}
    extras = {Measure.COMPENSATION} if illicit_gain and illicit_gain > 0 else set()
    extras &= permitted
    if Measure.REVOCATION in permitted and (
        rectification_failed or ViolationKind.REVOCATION_GROUND in kinds
    ):
        basis = Basis.NOT_RECTIFIED if rectification_failed else Basis.REVOCATION_GROUND
        return Proposal(in_ladder_order({Measure.REVOCATION} | extras), basis)
    if ViolationKind.FEES in kinds and FEE_MEASURES & permitted:
        return Proposal(in_ladder_order((FEE_MEASURES & permitted) | extras), Basis.FEES)
    steps = [m for m in STEPS if m in permitted]
    if not steps:
        # only side measures allowed (compensation, referral): propose them all
        return Proposal(in_ladder_order(permitted), Basis.FIRST)
    reached = [STEPS.index(m) for m in previous if m in STEPS]
    if not reached:
        return Proposal(in_ladder_order({steps[0]} | extras), Basis.FIRST)
    above = [m for m in steps if STEPS.index(m) > max(reached)]
    return Proposal(in_ladder_order({above[0] if above else steps[-1]} | extras), Basis.REPEAT)
