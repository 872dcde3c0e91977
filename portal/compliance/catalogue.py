"""What a vertical supplies to compliance (``portal_violation_catalogue``): the listed
violations (R17, R19-R21) and, for each, the measures of the penalty ladder (R18) allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Measure(StrEnum):
    """R18: the penalty ladder, lowest first."""

    ORAL_WARNING = "oral_warning"
    WRITTEN_CIRCULAR = "written_circular"
    MANDATORY_TRAINING = "mandatory_training"
    SUSPENSION = "suspension"
    REVOCATION = "revocation"
    COMPENSATION = "compensation"
    REFERRAL = "referral"

    @property
    def label(self) -> str:
        return str(MEASURE_LABELS[self])


class ViolationKind(StrEnum):
    PROHIBITED_ACT = "prohibited_act"  # R17: the twelve prohibited acts
    SERIOUS = "serious"  # R17: the eight serious violations
    RECTIFIABLE = "rectifiable"  # R19: failures answered first by a rectification notice
    FEES = "fees"  # R20: irregular charging, unpaid fees
    REVOCATION_GROUND = "revocation_ground"  # R21

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


#: codes are printed on notices and typed into searches: short, upper case, no spaces
CODE = re.compile(r"[A-Z][A-Z0-9-]{1,19}")

MEASURE_LABELS = {
    Measure.ORAL_WARNING: _l("Oral warning"),
    Measure.WRITTEN_CIRCULAR: _l("Written circular"),
    Measure.MANDATORY_TRAINING: _l("Mandatory training"),
    Measure.SUSPENSION: _l("Suspension of the membership"),
    Measure.REVOCATION: _l("Revocation of the membership"),
    Measure.COMPENSATION: _l("Compensation of at least the illicit gain"),
    Measure.REFERRAL: _l("Referral to the judicial authorities"),
}

KIND_LABELS = {
    ViolationKind.PROHIBITED_ACT: _l("Prohibited acts"),
    ViolationKind.SERIOUS: _l("Serious violations"),
    ViolationKind.RECTIFIABLE: _l("Failures to be rectified by a deadline"),
    ViolationKind.FEES: _l("Fee failures"),
    ViolationKind.REVOCATION_GROUND: _l("Grounds for revocation"),
}


@dataclass(frozen=True)
class Violation:
    """One catalogue entry. ``code`` is stable (cases refer to it); ``title`` translated."""

    code: str
    title: str
    kind: ViolationKind
    measures: frozenset[Measure]

    def __post_init__(self) -> None:
        if not CODE.fullmatch(self.code):
            raise ValueError(f"violation code {self.code!r} is not 2-20 of A-Z, 0-9 and -")
        if not self.measures:
            raise ValueError(f"violation {self.code} allows no measure")
        object.__setattr__(self, "kind", ViolationKind(self.kind))
        object.__setattr__(self, "measures", frozenset(Measure(m) for m in self.measures))

    @property
    def ladder(self) -> list[Measure]:
        """The allowed measures in the order of the R18 ladder, lowest first."""
        return [m for m in Measure if m in self.measures]
