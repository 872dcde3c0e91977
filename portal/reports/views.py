"""Pages of the reports package: the SLA report and the compliance report, with their
charts and CSV downloads."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal import clock
from portal.accounts.permissions import Action, can, require
from portal.compliance.catalogue import Measure
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import zone_of
from portal.reports import compliance, services
from portal.reports.charts import measures_chart, month_label, rectifications_chart, sla_chart
from portal.reports.forms import ComplianceReportForm, SlaReportForm, policy_choices
from portal.stores.forms import store_choices
from portal.stores.services import all_stores
from portal.web.forms import PortalForm, apply_errors

bp = Blueprint("reports", __name__, template_folder="templates")


def hours(seconds: float | None) -> str:
    """A duration as h:mm ("—" when there is none)."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _check_filters(form: PortalForm, store_field: Any, action: Action) -> date:
    """Validate a report's filters, ``store_field`` offering the viewer's stores; today in
    the chosen store's zone (or the viewer's only store's; else the default zone). 404
    without the report's right, or for a store outside the viewer's scope."""
    require(current_user, action, hide=True)
    stores = [
        s for s in all_stores(db.session) if not s.is_head_office and can(current_user, action, s)
    ]
    store_field.choices = store_choices(stores, _("All my stores"))
    form.validate()
    if store_field.errors and store_field.data:
        raise NotFound(_("No such store."))
    store = next((s for s in stores if s.id == store_field.data), None)
    zone = zone_of(store or (stores[0] if len(stores) == 1 else None))
    return clock.now().astimezone(zone).date()


def _form_and_report() -> tuple[SlaReportForm, services.SlaReport | None, int]:
    """Parse the filters; the report, or the form with its errors (422)."""
    form = SlaReportForm(request.args)
    form.policy.choices = policy_choices()
    today = _check_filters(form, form.store, Action.VIEW_SLA_REPORT)
    report = None
    if not form.errors:
        try:
            period = services.check_period(form.start.data, form.end.data, today)
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
    return _csv_download(report_csv(report), name)


def _csv_download(text: str, name: str) -> Response:
    return Response(
        "\ufeff" + text,  # the BOM makes spreadsheet programs read UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- compliance report (R18, R19) -----------------------------------------------------------


def days_left(item: compliance.OpenRectification) -> str:
    """Days to a rectification's deadline, or how long it is overdue."""
    if item.days_left > 0:
        return ngettext("%(num)d day left", "%(num)d days left", item.days_left)
    if item.days_left == 0:
        return _("Last day today")
    return ngettext("Overdue by %(num)d day", "Overdue by %(num)d days", -item.days_left)


def _compliance_form_and_report() -> tuple[ComplianceReportForm, compliance.CaseReport | None, int]:
    """Parse the filters; the case report, or the form with its errors (422)."""
    form = ComplianceReportForm(request.args)
    today = _check_filters(form, form.store_id, Action.VIEW_COMPLIANCE_REPORT)
    if form.errors:
        return form, None, 422
    try:
        period = compliance.check_months(form.from_.data, form.to.data, today)
    except ValidationFailed as exc:
        apply_errors(form, exc.errors)
        return form, None, 422
    report = compliance.case_report(
        db.session, actor=current_user, period=period, store_id=form.store_id.data or None
    )
    form.from_.data, form.to.data = period.first, period.last
    return form, report, 200


def _compliance_page(
    form: ComplianceReportForm, report: compliance.CaseReport | None, status: int
) -> tuple[str, int]:
    rectifications = None
    if report is not None:
        rectifications = compliance.open_rectifications(
            db.session,
            actor=current_user,
            now=clock.now(),
            store_id=report.store_id,
            cursor=request.args.get("cursor"),
            limit=current_app.config["PORTAL_PAGE_SIZE"],
        )
    return render_template(
        "reports/compliance.html",
        form=form,
        report=report,
        chart=measures_chart(report) if report is not None else None,
        rectifications=rectifications,
        rectifications_chart=(
            rectifications_chart(rectifications.weeks) if rectifications is not None else None
        ),
        month_label=month_label,
        days_left=days_left,
    ), status


@bp.get("/reports/compliance")
@login_required
def compliance_report() -> tuple[str, int]:
    """R18/R19: cases and measures per month, open rectifications by due date; with charts."""
    return _compliance_page(*_compliance_form_and_report())


def compliance_csv(report: compliance.CaseReport) -> str:
    """The case report's table as CSV: one row a month (``YYYY-MM``), then the total."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("Month"), _("Cases opened"), _("Cases decided"), *(m.label for m in Measure)]
    )
    for row in [*report.rows, report.total]:
        writer.writerow(
            [
                str(row.month) if row.month else _("All"),
                row.opened,
                row.decided,
                *row.measures.values(),
            ]
        )
    return out.getvalue()


@bp.get("/reports/compliance.csv")
@login_required
def compliance_report_csv() -> Response | tuple[str, int]:
    """The compliance report's month table as a CSV download."""
    form, report, status = _compliance_form_and_report()
    if report is None:
        return _compliance_page(form, report, status)
    name = f"compliance-{report.period.first}-{report.period.last}.csv"
    return _csv_download(compliance_csv(report), name)
