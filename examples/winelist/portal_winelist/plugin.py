"""Wine lists for stores: a page, a table, a command, a permission, a nav entry."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal import hookimpl
from portal.accounts.operator import ShellOperator
from portal.accounts.permissions import Permission
from portal.accounts.roles import Role
from portal.errors import DomainError
from portal.extensions import db
from portal.stores.models import Store
from portal_winelist import models  # noqa: F401  (the table must be in the metadata)
from portal_winelist.services import ADD_WINE, add_wine, wine_lists

PACKAGE_DIR = Path(__file__).parent

bp = Blueprint("winelist", __name__, url_prefix="/winelist", template_folder="templates")


@bp.get("/")
def show_wines() -> str:
    """The wine list of every open store."""
    return render_template("winelist/index.html", lists=wine_lists(db.session))


@click.command("winelist-add")
@click.option("--store", "code", required=True, help="The store's code, e.g. XA01.")
@click.argument("name")
def add_wine_command(code: str, name: str) -> None:
    """Put a wine on a store's list."""
    store = db.session.scalar(select(Store).where(Store.code == code))
    if store is None:
        raise click.ClickException(f"no store {code}")
    try:
        wine = add_wine(db.session, actor=ShellOperator(), store=store, name=name)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(getattr(exc, "errors", exc.message))) from None
    db.session.commit()
    click.echo(f"added {wine.name} to {store.code}")


@hookimpl
def portal_blueprints() -> list[Blueprint]:
    return [bp]


@hookimpl
def portal_cli_commands() -> list[click.Command]:
    return [add_wine_command]


@hookimpl
def portal_translation_dirs() -> list[str]:
    return [str(PACKAGE_DIR / "translations")]


@hookimpl
def portal_migration_dirs() -> list[str]:
    return [str(PACKAGE_DIR / "migrations")]


@hookimpl
def portal_permissions() -> list[Permission]:
    return [Permission(ADD_WINE, frozenset({Role.STORE_MANAGER}))]


@hookimpl
def portal_nav_items(user: object) -> list[dict[str, str]]:
    return [{"label": _("Wine list"), "url": url_for("winelist.show_wines")}]
