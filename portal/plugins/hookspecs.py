"""Every hook a plugin may implement. Each docstring is the contract.

Arguments are keyword-only values the core owns; an implementation may accept any subset
of them, so adding an argument later never breaks a plugin. Hooks are only ever added to.
Unless a spec says ``firstresult``, every implementation is called and the core combines
the results. ``docs/plugins.md`` documents each of them (a test checks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portal.plugins.markers import hookspec

if TYPE_CHECKING:
    from collections.abc import Iterable

    import click
    from flask import Blueprint

    from portal.accounts.models import User
    from portal.events import Event
    from portal.members.models import Member
    from portal.notifications.models import Notification
    from portal.sla.policies import SlaPolicy
    from portal.vip.fields import FieldSpec


# --- setup ----------------------------------------------------------------------------------


@hookspec
def portal_blueprints() -> Iterable[Blueprint]:
    """Flask blueprints the plugin serves (pages, API endpoints, static files).

    Called once while the app is created; every blueprint of every loaded plugin is
    registered (Flask cannot unregister one later). All implementations are called.

    :return: an iterable of :class:`flask.Blueprint`.

    .. note:: Until the plugin registry arrives (issue 5), ``PORTAL_PLUGINS`` is the only
       switch; once a plugin can be disabled at runtime, its routes will answer 404.

    .. versionadded:: 0.1

    Example::

        bp = Blueprint("restaurant", __name__, url_prefix="/restaurant",
                       template_folder="templates")

        @hookimpl
        def portal_blueprints():
            return [bp]
    """


@hookspec
def portal_cli_commands() -> Iterable[click.Command]:
    """Click commands added under ``flask portal``.

    Called once while the app is created. All implementations are called.

    :return: an iterable of :class:`click.Command` (or groups).

    .. versionadded:: 0.1

    Example::

        @click.command("import-visits")
        def import_visits(): ...

        @hookimpl
        def portal_cli_commands():
            return [import_visits]
    """


@hookspec
def portal_translation_dirs() -> Iterable[str]:
    """Directories holding the plugin's gettext catalogs (``<dir>/<locale>/LC_MESSAGES``).

    Called once while the app is created; the catalogs are merged with the core's
    under the ``messages`` domain. All implementations are called.

    :return: an iterable of absolute directory paths.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def portal_translation_dirs():
            return [str(Path(__file__).parent / "translations")]
    """


@hookspec
def portal_migration_dirs() -> Iterable[str]:
    """Alembic version directories of the plugin (its own branch on top of core's head).

    All implementations are called.

    :return: an iterable of absolute directory paths.

    .. note:: Declared now so plugins can rely on the name; the migration environment
       starts reading it when the first plugin ships tables.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def portal_migration_dirs():
            return [str(Path(__file__).parent / "migrations")]
    """


# --- pages ----------------------------------------------------------------------------------


@hookspec
def portal_nav_items(user: User | None) -> Iterable[dict[str, Any]]:
    """Entries for the top navigation, shown to ``user`` (None when nobody is logged in).

    Called while each page is rendered. All implementations are called; their items
    follow the core's, the last registered plugin's first (pluggy calls in LIFO order).

    :param user: the logged-in account, or None.
    :return: an iterable of ``{"label": str, "url": str}``; labels are already translated.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def portal_nav_items(user):
            if user is not None and user.has_role(Role.STAFF):
                return [{"label": _("Visits"), "url": url_for("restaurant.visits")}]
            return []
    """


@hookspec
def portal_member_sections(member: Member, viewer: User) -> Iterable[dict[str, Any]]:
    """Sections added to a member's page (rights, deposits, visits ...).

    All implementations are called; each section is shown under its title.

    :param member: the member record shown.
    :param viewer: who is looking: the member, or staff allowed to see the record.
    :return: an iterable of ``{"title": str, "html": markupsafe.Markup}``.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def portal_member_sections(member, viewer):
            html = render_template("restaurant/visits_section.html", member=member)
            return [{"title": _("Visits"), "html": Markup(html)}]
    """


# --- rules ----------------------------------------------------------------------------------


@hookspec
def portal_validate_member(data: dict[str, Any], strictness: str) -> dict[str, list[str]] | None:
    """Extra checks on a member or VIP file before it is saved.

    Called after the core's R2 checks passed. All implementations are called and their
    errors merged.

    :param data: the normalized field values about to be saved.
    :param strictness: ``"member"`` or ``"vip"``.
    :return: ``{field: [message, ...]}`` for wrong fields, or None when all is well.

    .. note:: Declared in 0.1 so plugins can be written against it; the member services
       do not call it yet.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def portal_validate_member(data, strictness):
            if strictness == "vip" and not data.get("birthday"):
                return {"birthday": [_("A VIP file needs a birthday.")]}
            return None
    """


@hookspec
def portal_vip_fields(stage: int) -> Iterable[FieldSpec]:
    """Fields a vertical adds to stage 1 or stage 2 of the VIP file template (R4).

    Called whenever the template of a stage is built (form, API, completeness check).
    All implementations are called; their fields follow the core's. Field names must be
    unique: prefix them with the plugin name.

    :param stage: ``1`` or ``2``.
    :return: an iterable of :class:`portal.vip.fields.FieldSpec`.

    .. versionadded:: 0.2

    Example::

        @hookimpl
        def portal_vip_fields(stage):
            if stage == 2:
                return [FieldSpec("restaurant_taste", _l("Taste"), kind="text", required=True)]
            return []
    """


@hookspec
def portal_sla_policies() -> Iterable[SlaPolicy]:
    """SLA policies a vertical adds (a 48-hour repair promise, a rectification deadline).

    Called once per app when the policy table is built. All implementations are called;
    a policy whose key the core or another plugin already uses is refused at start-up.
    Operators can still override durations in configuration (``[sla.<key>]``).

    :return: an iterable of :class:`portal.sla.policies.SlaPolicy`.

    .. versionadded:: 0.2

    Example::

        @hookimpl
        def portal_sla_policies():
            return [SlaPolicy(key="renovation_repair", label=_l("Repair contact"),
                              duration=timedelta(hours=48), decider_roles=(Role.STORE_MANAGER,))]
    """


# --- notifications --------------------------------------------------------------------------


@hookspec(firstresult=True)
def portal_notification_send(notification: Notification, text: str) -> bool | None:
    """Deliver one outbox message by SMS, e-mail or another channel.

    Called by ``flask portal tick`` for each message that is due (quiet hours over).
    ``firstresult``: the first implementation that returns True has sent it; None
    passes it to the next. With no sender, the portal writes the message to its log.
    Delivery is at-least-once: raise (or return False) to have it retried later, and
    use ``notification.id`` to drop a repeat on the receiving side.

    :param notification: the :class:`portal.notifications.models.Notification` (channel,
        address, recipient).
    :param text: the message rendered in the recipient's language.
    :return: True when sent, False to retry later, None when this sender does not
        handle the channel.

    .. versionadded:: 0.2

    Example::

        @hookimpl
        def portal_notification_send(notification, text):
            if notification.channel != "sms":
                return None
            return my_sms_gateway.send(notification.address, text)
    """


# --- events ---------------------------------------------------------------------------------


@hookspec
def portal_on_event(event: Event) -> None:
    """React to something that happened (``member.registered``, ``member.updated`` ...).

    Called after the transaction that caused the event committed; an exception in a
    plugin is logged and does not undo the change or stop other plugins.

    All implementations are called, each on its own: the core catches and logs what one
    raises and goes on with the next.

    :param event: :class:`portal.events.Event` with ``name``, ``data`` and ``occurred_at``.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def portal_on_event(event):
            if event.name == "member.registered":
                send_welcome(event.data["member_id"])
    """
