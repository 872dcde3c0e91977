"""What a vertical supplies to compliance (``portal_violation_catalogue``): the listed
violations (R17, R19-R21) and, for each, the measures of the penalty ladder (R18) allowed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Measure(StrEnum):
    """R18: the penalty ladder, lowest first."""

    ORAL_WARNING = "oral_warning"
    WRITTEN_CIRCULAR = "written_circular"
    MANDATORY_TRAINING = "mandatory_training"
    SUSPENSION = "suspension"
    REVOCATION = "revocation"
    COMPENSATION = "compensation"
    REFERRAL = "referral"


class ViolationKind(StrEnum):
    PROHIBITED_ACT = "prohibited_act"  # R17: the twelve prohibited acts
    SERIOUS = "serious"  # R17: the eight serious violations
    RECTIFIABLE = "rectifiable"  # R19: failures answered first by a rectification notice
    FEES = "fees"  # R20: irregular charging, unpaid fees
    REVOCATION_GROUND = "revocation_ground"  # R21


@dataclass(frozen=True)
class Violation:
    """One catalogue entry. ``code`` is stable (cases refer to it); ``title`` translated."""

    code: str
    title: str
    kind: ViolationKind
    measures: frozenset[Measure]

    def __post_init__(self) -> None:
        if not self.measures:
            raise ValueError(f"violation {self.code} allows no measure")
