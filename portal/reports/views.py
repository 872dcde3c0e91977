"""Pages of the reports package: the SLA report with its chart and CSV download."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal import clock
from portal.accounts.permissions import Action, can, require
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import zone_of
from portal.reports import services
from portal.reports.charts import sla_chart
from portal.reports.forms import SlaReportForm, policy_choices
from portal.stores.forms import store_choices
from portal.stores.services import all_stores
from portal.web.forms import apply_errors

bp = Blueprint("reports", __name__, template_folder="templates")


def hours(seconds: float | None) -> str:
    """A duration as h:mm ("—" when there is none)."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _form_and_report() -> tuple[SlaReportForm, services.SlaReport | None, int]:
    """Parse the filters; the report, or the form with its errors (422)."""
    require(current_user, Action.VIEW_SLA_REPORT, hide=True)
    stores = [
        s
        for s in all_stores(db.session)
        if not s.is_head_office and can(current_user, Action.VIEW_SLA_REPORT, s)
    ]
    form = SlaReportForm(request.args)
    form.store.choices = store_choices(stores, _("All my stores"))
    form.policy.choices = policy_choices()
    form.validate()
    errors = {name: list(field.errors) for name, field in form._fields.items() if field.errors}
    if form.store.errors and form.store.data:
        raise NotFound(_("No such store."))
    store = next((s for s in stores if s.id == form.store.data), None)
    today = clock.now().astimezone(zone_of(store or (stores[0] if len(stores) == 1 else None)))
    report = None
    if not errors:
        try:
            period = services.check_period(form.start.data, form.end.data, today.date())
            report = services.sla_report(
                db.session,
                actor=current_user,
                period=period,
                policy=form.policy.data or None,
                store_id=form.store.data or None,
                group_by=services.GroupBy(form.group.data or "store"),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
    if report is not None:
        form.start.data, form.end.data = report.period.start, report.period.end
        return form, report, 200
    return form, None, 422


@bp.get("/reports/sla")
@login_required
def sla_report() -> tuple[str, int]:
    """R5/R6: decisions within the SLA, median and 90th percentile, breaches; with a chart."""
    form, report, status = _form_and_report()
    chart = sla_chart(report) if report is not None else None
    return render_template(
        "reports/sla.html", form=form, report=report, chart=chart, hours=hours, share=share
    ), status


#: a cell a spreadsheet would read as a formula is prefixed with an apostrophe
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def report_csv(report: services.SlaReport) -> str:
    """The report table as CSV (the same rows and figures as the page)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Store") if report.group_by == services.GroupBy.STORE else _("Reviewer"),
            _("Decided"),
            _("Within SLA"),
            _("Share within SLA"),
            _("Median time to decision (hours)"),
            _("90th percentile (hours)"),
            _("Breaches"),
            _("Breaches still open"),
        ]
    )
    for row in [*report.rows, report.total]:
        writer.writerow(
            [
                _cell(row.label),
                row.decided,
                row.within_sla,
                "" if row.within_share is None else f"{row.within_share:.4f}",
                "" if row.median_seconds is None else f"{row.median_seconds / 3600:.2f}",
                "" if row.p90_seconds is None else f"{row.p90_seconds / 3600:.2f}",
                row.breaches,
                row.open_breaches,
            ]
        )
    return out.getvalue()


@bp.get("/reports/sla.csv")
@login_required
def sla_report_csv() -> Response | tuple[str, int]:
    """The SLA report's table as a CSV download."""
    form, report, status = _form_and_report()
    if report is None:
        return render_template(
            "reports/sla.html", form=form, report=None, chart=None, hours=hours, share=share
        ), status
    name = f"sla-{report.policy or 'all'}-{report.period.start}-{report.period.end}.csv"
    return Response(
        "\ufeff" + report_csv(report),  # the BOM makes spreadsheet programs read UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
