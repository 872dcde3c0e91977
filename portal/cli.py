"""``flask portal ...``: set-up, demo data, stores, accounts and roles from the shell."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import inspect, select

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.accounts.operator import ShellOperator
from portal.accounts.roles import Role
from portal.database import driver_message, is_unavailable
from portal.errors import DomainError, ValidationFailed
from portal.extensions import db
from portal.plugins.manager import PluginManager
from portal.stores import services as stores
from portal.stores.models import Store

portal_cli = AppGroup("portal", help="Huiyuan Portal administration.")


def _fail(exc: DomainError) -> None:
    db.session.rollback()
    if isinstance(exc, ValidationFailed):
        lines = [
            f"{field}: {'; '.join(str(m) for m in msgs)}" for field, msgs in exc.errors.items()
        ]
        raise click.ClickException("\n".join(lines))
    raise click.ClickException(str(exc.message))


class Unavailable(click.ClickException):
    """The database is down or locked: a message, not a traceback, and the exit status
    cron and systemd read as "try again later"."""

    exit_code = 75  # EX_TEMPFAIL

    def __init__(self, exc: BaseException) -> None:
        super().__init__(f"database unavailable, nothing done: {driver_message(exc)}")


@portal_cli.command("setup")
@click.option("--demo/--no-demo", default=True, help="Load demo data into an empty database.")
def setup_command(demo: bool) -> None:
    """Migrate the database and, the first time only, load the demo data."""
    upgrade(revision="heads")  # core and every plugin branch
    fresh = db.session.scalar(select(Store.id).limit(1)) is None
    if demo and fresh:
        from portal.demo import load_demo_data

        load_demo_data(db.session)
        db.session.commit()
        click.echo("Demo data loaded.")
    elif demo:
        click.echo("Database already holds data; demo data not loaded again.")
    if demo:
        from portal.demo import DEMO_LOGINS, DEMO_PASSWORD

        click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for login, role in DEMO_LOGINS:
            click.echo(f"  {login:<16} {role}")


@portal_cli.command("create-store")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--timezone", help="IANA zone; default: the deployment's PORTAL_DEFAULT_TIMEZONE.")
@click.option("--head-office", is_flag=True)
def create_store_command(code: str, name: str, timezone: str | None, head_office: bool) -> None:
    """Open a store (or the head office)."""
    zone = timezone or current_app.config["PORTAL_DEFAULT_TIMEZONE"]
    try:
        store = stores.create_store(
            db.session,
            actor=ShellOperator(),
            data=stores.StoreData(code=code, name=name, timezone=zone, is_head_office=head_office),
        )
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Store {store.code} created (id {store.id}).")


@portal_cli.command("create-user")
@click.option("--login", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--email")
@click.option("--mobile")
@click.password_option()
def create_user_command(
    login: str, display_name: str, email: str | None, mobile: str | None, password: str
) -> None:
    """Create a staff account."""
    try:
        user = accounts.create_account(
            db.session,
            actor=ShellOperator(),
            data=accounts.NewAccount(
                login=login,
                display_name=display_name,
                password=password,
                email=email,
                mobile=mobile,
            ),
        )
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Account {user.login} created (id {user.id}).")


@portal_cli.command("grant-role")
@click.argument("login")
@click.argument("role", type=click.Choice([str(r) for r in Role]))
@click.option("--store", "store_code", help="Store code; leave out for all stores.")
def grant_role_command(login: str, role: str, store_code: str | None) -> None:
    """Grant ROLE to the account LOGIN, in one store or across all."""
    user = db.session.scalar(select(User).where(User.login == login.lower()))
    if user is None:
        raise click.ClickException(f"No account {login}.")
    store = None
    if store_code:
        store = db.session.scalar(select(Store).where(Store.code == store_code.upper()))
        if store is None:
            raise click.ClickException(f"No store {store_code}.")
    try:
        accounts.grant_role(
            db.session, actor=ShellOperator(), user=user, role=Role(role), store=store
        )
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(
        f"{user.login} is now {role}" + (f" in {store.code}." if store else " (all stores).")
    )


@portal_cli.command("tick")
@click.option("--every", type=click.FloatRange(min=1), help="Repeat every SECONDS until stopped.")
@click.option("--batch", type=click.IntRange(min=1), default=500, show_default=True)
def tick_command(every: float | None, batch: int) -> None:
    """Send due SLA reminders and escalations, then deliver due messages."""
    from portal.sla import runner

    if every is None:
        try:
            result = runner.run_once(batch)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            raise Unavailable(exc) from exc
        click.echo(f"tick: {result}")
    else:
        runner.run_forever(every, batch, click.echo)


@portal_cli.group("plugins")
def plugins_group() -> None:
    """Installed plugins."""


@plugins_group.command("list")
def list_plugins() -> None:
    """Name, version, status, hooks and load error of every installed plugin."""
    manager: PluginManager = current_app.extensions["portal.plugins"]
    if not manager.plugins:
        click.echo("No plugins installed.")
    disabled = manager.disabled()
    for info in manager.plugins.values():
        state = "loaded" if info.loaded else "FAILED"
        enabled = "enabled" if info.loaded and info.name not in disabled else "disabled"
        click.echo(
            f"{info.name} {info.version or '-'} [{state}, {enabled}] "
            f"hooks: {', '.join(info.hooks) or '-'}"
        )
        if info.error:
            click.echo("  " + info.error.strip().splitlines()[-1])


def _set_plugin_enabled(name: str, enabled: bool) -> None:
    from portal.plugins import registry

    try:
        registry.set_enabled(db.session, actor=ShellOperator(), name=name, enabled=enabled)
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Plugin {name} is {'enabled' if enabled else 'disabled'} in every worker.")


@plugins_group.command("enable")
@click.argument("name")
def enable_plugin(name: str) -> None:
    """Enable the plugin NAME: its hooks and pages work again, in every worker."""
    _set_plugin_enabled(name, True)


@plugins_group.command("disable")
@click.argument("name")
def disable_plugin(name: str) -> None:
    """Disable the plugin NAME: its hooks are skipped and its pages answer 404."""
    _set_plugin_enabled(name, False)


@portal_cli.command("check-db")
def check_db() -> None:
    """Print the database URL (without password) and its tables."""
    url = db.engine.url.render_as_string(hide_password=True)
    click.echo(url)
    click.echo(", ".join(sorted(inspect(db.engine).get_table_names())))


@portal_cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup_command(file: Path) -> None:
    """Write a consistent backup of the database to FILE, while the portal runs."""
    from portal.records import backup

    try:
        with _progress("Backing up") as progress:
            revisions = backup.backup(db.engine, file, progress)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc.message)) from None
    click.echo(f"Backup written to {file} (schema {', '.join(revisions)}).")


@portal_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@click.option("--yes", is_flag=True, help="Do not ask before replacing data (with --force).")
def restore_command(file: Path, force: bool, yes: bool) -> None:
    """Restore the backup FILE into the database, then migrate it to this version."""
    from alembic.script import ScriptDirectory

    from portal.audit.services import record
    from portal.records import backup

    operator = ShellOperator()
    try:
        backup.restorable_kind(file, db.engine)  # before any question is asked
        revisions = backup.backup_revisions(file)
        script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
        backup.check_revisions(revisions, script)
        if backup.holds_data(db.engine):
            if not force:
                raise click.ClickException(
                    "The database already holds data; --force replaces it with the backup."
                )
            if not yes:
                click.confirm(
                    f"Replace every table of {_database_label()} with {file}?", abort=True
                )
        db.session.remove()
        with _progress("Restoring") as progress:
            backup.restore(db.engine, file, progress)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc.message)) from None
    upgrade(revision="heads")  # a backup of an older version gets this version's schema
    # the audit log came back with the backup; the restore itself is the next event in it
    record(
        db.session,
        actor=None,
        actor_label=operator.login,
        action="database.restored",
        object_type="database",
        after={"file": file.name, "revisions": revisions, "forced": force},
    )
    db.session.commit()
    click.echo(f"Restored {file} (schema {', '.join(revisions)}) into {_database_label()}.")


@portal_cli.command("purge")
@click.option("--apply", is_flag=True, help="Delete; without it the command only reports.")
@click.option("--yes", is_flag=True, help="Do not ask before deleting (with --apply).")
@click.option("--policy", "keys", multiple=True, help="Only this policy; repeatable.")
@click.option("--batch", type=click.IntRange(min=1), default=1000, show_default=True)
def purge_command(apply: bool, yes: bool, keys: tuple[str, ...], batch: int) -> None:
    """R26: delete service records past their retention period; a dry run without --apply."""
    from portal import clock
    from portal.records import retention

    config = current_app.config
    try:
        chosen = retention.app_policies()
        unknown = set(keys) - {p.key for p in chosen}
        if unknown:
            raise click.ClickException(f"No retention policy {', '.join(sorted(unknown))}.")
        chosen = [p for p in chosen if not keys or p.key in keys]
        periods = {p.key: retention.period_years(p, config) for p in chosen}
    except retention.RetentionConfigError as exc:
        raise click.ClickException(str(exc)) from None
    zone = retention.deployment_zone(config)
    today = retention.local_today(clock.now(), zone)
    if apply and not yes:
        click.confirm("Delete the records past their retention period for good?", abort=True)
    click.echo(f"{'Purging' if apply else 'Dry run (nothing deleted; --apply deletes)'}, {today}:")
    for policy in chosen:
        years = periods[policy.key]
        if apply:
            outcome = retention.purge_policy(
                db.session,
                policy,
                actor=ShellOperator(),
                years=years,
                today=today,
                zone=zone,
                batch=batch,
            )
        else:
            outcome = retention.survey(db.session, policy, years=years, today=today, zone=zone)
        verb = "deleted" if apply else "to delete"
        click.echo(
            f"{policy.key}: {policy.label}\n"
            f"  kept {years} year{'s' if years > 1 else ''}: "
            f"{outcome.due} started before {outcome.cutoff} {verb}"
        )
        if outcome.exempt:
            click.echo(f"  {outcome.exempt} as old kept: {policy.exempt_reason}")
    db.session.rollback()  # a dry run leaves no transaction open


def _database_label() -> str:
    return db.engine.url.render_as_string(hide_password=True)


@contextlib.contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A click progress bar fed with ``(done, total)`` reports; drawn once total is known."""
    with click.progressbar(length=0, label=label, show_pos=True) as bar:

        def report(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        yield report


def _refused_while_disabled(command: click.Command, plugin_name: str) -> click.Command:
    """Make a plugin's command refuse to run while its plugin is disabled (a group's
    callback runs before its subcommands, so they are covered too)."""
    if getattr(command, "portal_plugin", None) is not None or command.callback is None:
        return command  # already wrapped (the command objects outlive one app)
    callback = command.callback

    def guarded(*args: Any, **kwargs: Any) -> Any:
        manager: PluginManager = current_app.extensions["portal.plugins"]
        if not manager.is_enabled(plugin_name):
            raise click.ClickException(
                f"The plugin {plugin_name} is disabled; "
                f"`flask portal plugins enable {plugin_name}` enables it."
            )
        return callback(*args, **kwargs)

    command.callback = functools.update_wrapper(guarded, callback)
    command.portal_plugin = plugin_name  # type: ignore[attr-defined]
    return command


def init_app(app: Flask, plugins: PluginManager) -> None:
    # every loaded plugin's commands (click has no way to take one back); they refuse to
    # run while their plugin is disabled
    for plugin_name, commands in plugins.collect_by_plugin("portal_cli_commands"):
        for command in commands:
            portal_cli.add_command(_refused_while_disabled(command, plugin_name))
    app.cli.add_command(portal_cli)
