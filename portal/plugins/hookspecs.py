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
    from datetime import date, datetime

    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from portal.accounts.models import User
    from portal.accounts.permissions import Permission
    from portal.compliance.catalogue import Violation
    from portal.events import Event
    from portal.members.models import Member
    from portal.memberships.policies import RefundPolicy, RightsAndObligations
    from portal.notifications.models import Notification
    from portal.records.retention import RetentionPolicy
    from portal.sla.policies import SlaPolicy
    from portal.stores.models import Store
    from portal.vip.fields import FieldSpec


# --- setup ----------------------------------------------------------------------------------


@hookspec
def portal_blueprints() -> Iterable[Blueprint]:
    """Flask blueprints the plugin serves: pages, templates, static files and API endpoints.

    Called once while the app is created; every blueprint of every loaded plugin is
    registered (Flask cannot unregister one later), and while the plugin is disabled its
    routes answer 404. All implementations are called.

    A plain :class:`flask.Blueprint` serves pages; give it ``template_folder`` (templates
    under ``templates/<plugin>/``) and ``static_folder`` as needed. A
    :class:`portal.api.blueprint.Blueprint` (flask-smorest) is an API blueprint: it is
    mounted under ``/api/v1`` + its ``url_prefix``, exempt from CSRF (bearer tokens only),
    and documented in ``/api/v1/openapi.json``.

    :return: an iterable of blueprints of either kind.

    .. versionadded:: 0.1
    .. versionchanged:: 0.3 API blueprints join ``/api/v1`` and the OpenAPI document.

    Example::

        bp = Blueprint("restaurant", __name__, url_prefix="/restaurant",
                       template_folder="templates")
        api = portal.api.blueprint.Blueprint("restaurant_api", __name__,
                                             url_prefix="/restaurant")

        @hookimpl
        def portal_blueprints():
            return [bp, api]
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
    """Alembic version directories of the plugin: its own branch on top of core's schema.

    Called once while the app is created, for every loaded plugin (disabled ones too:
    their tables stay). ``flask portal setup`` upgrades to ``heads``: core and every
    branch. The plugin's first revision has ``down_revision = None``,
    ``branch_labels = ("<plugin>",)`` and ``depends_on`` the core revision it needs;
    its tables are prefixed ``<plugin>_``. All implementations are called.

    :return: an iterable of absolute directory paths holding revision files.

    .. versionadded:: 0.1
    .. versionchanged:: 0.3 read by the migration environment.

    Example::

        @hookimpl
        def portal_migration_dirs():
            return [str(Path(__file__).parent / "migrations")]
    """


@hookspec
def portal_permissions() -> Iterable[Permission]:
    """Actions the plugin checks, with the roles allowed each.

    Called once while the app is created. Each action is named ``<plugin>.<verb_noun>``
    (with another name the plugin fails to register and is left disabled) and is then
    checked like a core action:
    ``can(actor, "restaurant.record_visit", visit)`` is true when the actor holds one of
    the roles for the object's store (``obj.store_id``) or for every store. All
    implementations are called.

    :return: an iterable of :class:`portal.accounts.permissions.Permission`.

    .. versionadded:: 0.3

    Example::

        @hookimpl
        def portal_permissions():
            return [Permission("restaurant.record_visit", {Role.STAFF, Role.STORE_MANAGER})]
    """


@hookspec
def portal_demo_data(session: Session) -> None:
    """Add the plugin's demo data to the core's (``flask portal setup``, ``make run``).

    Called once, when the demo is loaded into an empty database, after the core's demo:
    stores XA01, BJ01 and SH01 and the demo logins (``manager.xa``, ``staff.xa`` ...,
    password ``huiyuan-demo``) exist. Create data through your services so it passes your
    rules; the caller commits. An exception stops the set-up with its traceback. All
    implementations are called.

    :param session: the database session; do not commit it.

    .. versionadded:: 0.3

    Example::

        @hookimpl
        def portal_demo_data(session):
            store = session.scalar(select(Store).where(Store.code == "XA01"))
            add_wine(session, actor=ShellOperator("demo-data"), store=store, name="长城干红")
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


@hookspec
def portal_dashboard_items(user: User) -> Iterable[dict[str, Any]]:
    """Entries for the "your work" panel of a staff member's home page.

    Called while the home page is rendered for ``user`` (who holds at least one staff
    role). All implementations are called; their entries follow the core's.

    :param user: the logged-in account.
    :return: an iterable of ``{"label": str, "url": str}``, optionally with ``"counts"``: a
        list of ``(label, number, url)`` shown beside the entry (cap large numbers yourself).

    .. versionadded:: 0.3

    Example::

        @hookimpl
        def portal_dashboard_items(user):
            if not can(user, "restaurant.record_visit"):
                return []
            return [{"label": _("Record a visit"), "url": url_for("restaurant.new_visit")}]
    """


# --- rules ----------------------------------------------------------------------------------


@hookspec
def portal_validate_member(data: dict[str, Any], strictness: str) -> dict[str, list[str]] | None:
    """Extra checks on a member or VIP file before it is saved.

    Called after the core's R2 checks passed: on self-registration and profile edits with
    ``"member"``, when a VIP file is submitted with ``"vip"``. All implementations are
    called and their errors merged; any error refuses the whole save.

    :param data: the normalized field values about to be saved.
    :param strictness: ``"member"`` or ``"vip"``.
    :return: ``{field: [message, ...]}`` for wrong fields, or None when all is well.

    .. versionadded:: 0.1
    .. versionchanged:: 0.3 called for member records too.

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


@hookspec(firstresult=True)
def portal_vip_qualifies(member: Member, store: Store, month: date) -> bool | str | None:
    """Whether a customer qualifies to become a VIP of a store (R22 for restaurants).

    Called before a VIP file is started. ``firstresult``: the first implementation that
    returns something other than None decides; with no answer, everyone qualifies.

    :param member: the customer.
    :param store: the store the VIP file would belong to.
    :param month: the first day of the current month in the store's time zone.
    :return: True to let the file start; False, or a translated message saying why, to
        refuse it; None for no opinion.

    .. versionadded:: 0.3

    Example::

        @hookimpl
        def portal_vip_qualifies(member, store, month):
            if visits_in(member, month) >= 2:
                return True
            return _("Two visits in a calendar month make a VIP (R22).")
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


@hookspec
def portal_retention_policies() -> Iterable[RetentionPolicy]:
    """Service records of the plugin and how long they are kept (R26).

    Called by ``flask portal purge`` for every enabled plugin (a disabled plugin's records
    are left alone). All implementations are called; a key the core or another plugin
    already uses stops the purge with an error. Each policy names a table with a
    single-column integer primary key, the column that starts the clock (a UTC instant
    or a date), which rows are finished (open work is never purged) and which are tied
    to a product still in force (kept, whatever their age). The period defaults to three
    years; operators change it with ``PORTAL_RETENTION_<KEY>``. Rows of other tables
    that point at a purged row must go with it by ``ON DELETE CASCADE``, or be exempted.

    :return: an iterable of :class:`portal.records.retention.RetentionPolicy`.

    .. versionadded:: 0.4

    Example::

        @hookimpl
        def portal_retention_policies():
            return [RetentionPolicy(key="restaurant_visits", label=_l("Table visits"),
                                    table=Visit.__table__, clock="visited_at")]
    """


# --- memberships and compliance -------------------------------------------------------------


@hookspec(firstresult=True)
def portal_rights_and_obligations(membership_type: str) -> RightsAndObligations | None:
    """The rights and obligations of a membership type (R15), shown to its members.

    ``firstresult``: the first implementation that knows the type answers.

    :param membership_type: the type's key, e.g. ``"exchange.trading"``.
    :return: :class:`portal.memberships.policies.RightsAndObligations`, or None when the
        plugin does not know the type.

    .. versionadded:: 0.3

    Example::

        @hookimpl
        def portal_rights_and_obligations(membership_type):
            if membership_type != "exchange.trading":
                return None
            return RightsAndObligations(rights=(_("Trade under the rules"),),
                                        obligations=(_("Pay the fees"),))
    """


@hookspec
def portal_violation_catalogue() -> Iterable[Violation]:
    """Violations compliance works from (R17, R19-R21), each with the measures allowed.

    Collected once at start-up from every loaded plugin; the catalogue page, the API and
    new cases use the enabled plugins' entries. All implementations are called; the
    plugin that loads first keeps a code, and one reusing it fails to register.

    :return: an iterable of :class:`portal.compliance.catalogue.Violation`.

    .. versionadded:: 0.3

    Example::

        @hookimpl
        def portal_violation_catalogue():
            return [Violation("EX-P01", _("Trading without the trader's instruction"),
                              ViolationKind.PROHIBITED_ACT,
                              frozenset({Measure.WRITTEN_CIRCULAR, Measure.SUSPENSION}))]
    """


@hookspec(firstresult=True)
def portal_refund_policy(membership_type: str, ended_by: str) -> RefundPolicy | None:
    """How the risk deposit of an ended membership is refunded (R16).

    Called when a membership ends. ``firstresult``: the first policy returned applies;
    with none, the deposit is refunded whole at the announcement.

    :param membership_type: the type's key.
    :param ended_by: ``"member"`` (ended by the member), ``"announcement"`` (terminated
        by announcement) or ``"revocation"``.
    :return: :class:`portal.memberships.policies.RefundPolicy`, or None.

    .. versionadded:: 0.3

    Example::

        @hookimpl
        def portal_refund_policy(membership_type, ended_by):
            return RefundPolicy((RefundTranche(4, Decimal("0.40")),
                                 RefundTranche(6, Decimal("0.60"))))
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
    """React to something that happened: ``member.registered``, ``vip.approved``,
    ``vip.rejected``, ``sla.breached`` ... (the list is in ``docs/plugins.md``).

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


@hookspec
def portal_tick(session: Session, now: datetime) -> int | None:
    """Time-driven work of the plugin (greetings on the day, due reminders).

    Called by every run of ``flask portal tick`` (every minute under ``make run``), after
    the SLA engine's steps, once per enabled plugin. The core commits after each plugin;
    an exception is logged and rolled back and the other plugins still run. Several tick
    runners may run at once (on several machines): make the work idempotent, e.g. with
    the notification outbox's ``key``.

    :param session: the database session to work in; do not commit it.
    :param now: the current instant (UTC), from the portal's clock.
    :return: how many things were done (shown in the tick's output), or None.

    .. versionadded:: 0.3

    Example::

        @hookimpl
        def portal_tick(session, now):
            return send_birthday_greetings(session, now=now)
    """
