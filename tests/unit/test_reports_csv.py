"""The SLA report's CSV: the page's figures, and no cell a spreadsheet runs as a formula."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Flask
from flask_babel import Babel

from portal.reports.services import GroupBy, Period, ReportRow, SlaReport
from portal.reports.views import hours, report_csv, share


def test_r5_csv_rows_and_formula_cells_are_neutralized():
    app = Flask(__name__)
    Babel(app)
    row = ReportRow(1, "=HYPERLINK(1)", decided=2, within_sla=1, durations=[3600.0, 7200.0])
    report = SlaReport(
        "vip_review", GroupBy.STORE, Period(date(2026, 11, 1), date(2026, 11, 2)), [row], row
    )
    with app.app_context():
        rows = list(csv.reader(io.StringIO(report_csv(report))))
    assert rows[1] == ["'=HYPERLINK(1)", "2", "1", "0.5000", "1.50", "1.90", "0", "0"]


def test_r5_durations_show_as_hours_and_minutes():
    assert hours(None) == "—"
    assert hours(3.5 * 3600) == "3:30"
    assert hours(59) == "0:01"
    assert share(5 / 6) == "83.3 %"
    assert share(None) == "—"
