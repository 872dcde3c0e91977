"""The violation catalogue (R17, R19-R21): collected from the plugins once at start-up.

Like the SLA policies, the catalogue holds every *loaded* plugin's violations, disabled
plugins' included, each with its owner: a case opened while the plugin was enabled keeps
resolving its code (:func:`get_violation`), while the catalogue shown and offered for new
cases (:func:`catalogue`) holds only the enabled plugins' entries. A case must never be
able to mean two violations, so a plugin that reuses a code already taken (or returns
something other than violations) fails to register: it is shown failed with the reason
and left disabled, and the portal starts with the others' catalogue.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, current_app

from portal.accounts.models import User
from portal.accounts.permissions import Action, require
from portal.compliance.catalogue import Violation, ViolationKind

log = logging.getLogger(__name__)

_EXTENSION = "portal.compliance"


class DuplicateViolationCode(ValueError):
    """Two catalogue entries share a code (raised at start-up)."""


@dataclass(frozen=True)
class Catalogue:
    """Every loaded plugin's violations by code, with the plugin that contributed each."""

    violations: dict[str, Violation]
    owners: dict[str, str]


@dataclass(frozen=True)
class CatalogueSection:
    """The entries of one kind, for the page and the API (R17, R19-R21)."""

    kind: ViolationKind
    violations: list[Violation]


def build_catalogue(contributed: Iterable[tuple[str, Violation]]) -> Catalogue:
    """The catalogue of ``(plugin name, violation)`` pairs; a code used twice, or an item
    that is not a :class:`Violation`, is refused with the plugins named."""
    violations: dict[str, Violation] = {}
    owners: dict[str, str] = {}
    for plugin_name, violation in contributed:
        if not isinstance(violation, Violation):
            raise TypeError(
                f"{plugin_name}: portal_violation_catalogue must return Violation items, "
                f"not {type(violation).__name__}"
            )
        if violation.code in violations:
            raise DuplicateViolationCode(
                f"violation code {violation.code} is used by {owners[violation.code]} and "
                f"{plugin_name}: codes must be unique across plugins"
            )
        violations[violation.code] = violation
        owners[violation.code] = plugin_name
    return Catalogue(violations=violations, owners=owners)


def init_app(app: Flask) -> None:
    """Collect the catalogue at start-up; the first plugin to load keeps a code, and one
    that reuses it (or raises, or returns something else) fails to register."""
    plugins = app.extensions["portal.plugins"]
    contributed: list[tuple[str, Violation]] = []
    # in registration order, so the plugin that loaded first keeps its codes
    for plugin_name, items in reversed(plugins.collect_by_plugin("portal_violation_catalogue")):
        mine = [(plugin_name, violation) for violation in items]
        try:
            build_catalogue([*contributed, *mine])
        except (DuplicateViolationCode, TypeError) as exc:
            plugins.fail(plugin_name, f"portal_violation_catalogue: {exc}")
            continue
        contributed += mine
    app.extensions[_EXTENSION] = build_catalogue(contributed)


def reload_catalogue(app: Flask) -> Catalogue:
    """Collect again (after a test registered a throwaway plugin)."""
    init_app(app)
    return app.extensions[_EXTENSION]


def _table() -> Catalogue:
    if _EXTENSION not in current_app.extensions:
        init_app(current_app)
    return current_app.extensions[_EXTENSION]


def catalogue() -> list[Violation]:
    """The enabled plugins' violations, by kind (R17, R19, R20, R21 order), then code."""
    table = _table()
    plugins = current_app.extensions["portal.plugins"]
    enabled = {name for name in set(table.owners.values()) if plugins.is_enabled(name)}
    kinds = list(ViolationKind)
    return sorted(
        (v for code, v in table.violations.items() if table.owners[code] in enabled),
        key=lambda v: (kinds.index(v.kind), v.code),
    )


def get_violation(code: str) -> Violation:
    """The violation ``code``, its plugin enabled or not (cases keep their codes);
    KeyError for a code nobody contributed."""
    return _table().violations[code]


def catalogue_for(
    actor: User | None, *, kind: ViolationKind | None = None
) -> list[CatalogueSection]:
    """The catalogue as compliance officers, head office and admins read it, one section
    per kind that has entries (only ``kind``'s when given)."""
    require(actor, Action.VIEW_CATALOGUE)
    entries = catalogue()
    return [
        CatalogueSection(k, [v for v in entries if v.kind is k])
        for k in ViolationKind
        if (kind is None or k is kind) and any(v.kind is k for v in entries)
    ]
