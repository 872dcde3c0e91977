"""Server-side SVG charts (pygal): no JavaScript, no CDN, safe to embed in a page."""

from __future__ import annotations

import math
import sys

import pygal
from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from pygal.etree import etree
from pygal.style import Style

from portal.compliance.catalogue import Measure
from portal.reports.compliance import CaseReport, Month, WeekCount
from portal.reports.services import SlaReport

# pygal appends a legacy import hook (for its optional map plugins, unused here) to
# sys.meta_path; it lacks find_spec, so every later failed import warns (ImportWarning).
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family="system-ui, sans-serif",
    colors=("#2f6f4f", "#c47f17", "#b03a2e"),
)


#: R18: the ladder from green (oral warning) to dark red (referral)
_LADDER_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family="system-ui, sans-serif",
    colors=("#2f6f4f", "#6b8e23", "#c4a717", "#c47f17", "#b03a2e", "#7d3c98", "#4a235a"),
)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _chart(
    kind: type[pygal.graph.graph.Graph], *, title: str, no_data: str, bars: int, **options: object
) -> pygal.graph.graph.Graph:
    """A chart in the portal's look.

    ``js=[]`` drops pygal's tooltip script (the CSP allows no script); the SVG is built by
    pygal's XML writer, which escapes every label, so it is embedded as it comes.
    """
    return kind(
        js=[],
        style=options.pop("style", _STYLE),
        width=800,
        height=360,
        legend_at_bottom=True,
        x_label_rotation=20 if bars > 6 else 0,
        truncate_label=24,
        print_values=False,
        disable_xml_declaration=True,
        explicit_size=False,
        show_y_guides=True,
        no_data_text=no_data,
        title=title,
        **options,
    )


def sla_chart(report: SlaReport) -> Markup:
    """R5: share decided within the SLA, and median / 90th-percentile hours, per row."""
    chart = _chart(
        pygal.Bar,
        title=_("Time to decision and share within the SLA"),
        no_data=_("No decisions in this period"),
        bars=len(report.rows),
    )
    rows = [row for row in report.rows if row.decided]  # a chart of decisions only
    chart.x_labels = [row.label for row in rows]
    if rows:  # pygal fails on a secondary axis without any value
        chart.add(_("Within SLA (%)"), [round((r.within_share or 0) * 100, 1) for r in rows])
        chart.add(_("Median (hours)"), [_hours(r.median_seconds) for r in rows], secondary=True)
        chart.add(
            _("90th percentile (hours)"), [_hours(r.p90_seconds) for r in rows], secondary=True
        )
    return Markup(without_scripts(chart))  # noqa: S704 - serialized by the XML writer


def _count_axis(chart: pygal.graph.graph.Graph, top: int) -> None:
    """Whole numbers on the y axis of a chart of counts (pygal would tick 0.2, 0.4 ...)."""
    step = max(1, math.ceil(top / 8))
    chart.y_labels = list(range(0, top + step, step))


def month_label(month: Month) -> str:
    """A month as its reader writes it ("Nov 2026", "2026年11月")."""
    return format_skeleton("yMMM", month.first_day, locale=get_locale())


def week_label(week: WeekCount) -> str:
    if week.week is None:
        return _("Overdue")
    return _("Week of %(day)s", day=format_skeleton("MMMd", week.week, locale=get_locale()))


def measures_chart(report: CaseReport) -> Markup:
    """R18: the measures decided per month, stacked in ladder order."""
    chart = _chart(
        pygal.StackedBar,
        title=_("Measures decided per month"),
        no_data=_("No measures decided in this period"),
        bars=len(report.rows),
        style=_LADDER_STYLE,
    )
    chart.x_labels = [month_label(row.month) for row in report.rows if row.month]
    if any(report.total.measures.values()):
        for measure in Measure:
            chart.add(measure.label, [row.measures[measure] for row in report.rows])
        _count_axis(chart, max(sum(row.measures.values()) for row in report.rows))
    return Markup(without_scripts(chart))  # noqa: S704 - serialized by the XML writer


def rectifications_chart(weeks: list[WeekCount]) -> Markup:
    """R19: open rectifications per due week, the overdue ones first."""
    chart = _chart(
        pygal.Bar,
        title=_("Open rectifications by due week"),
        no_data=_("No open rectifications"),
        bars=len(weeks),
        show_legend=False,
    )
    chart.x_labels = [week_label(w) for w in weeks]
    if any(w.count for w in weeks):
        overdue, *later = weeks  # the overdue bar in the ladder's red
        chart.add(
            _("Open rectifications"),
            [{"value": overdue.count, "color": "#b03a2e"}, *(w.count for w in later)],
        )
        _count_axis(chart, max(w.count for w in weeks))
    return Markup(without_scripts(chart))  # noqa: S704 - serialized by the XML writer


def without_scripts(chart: pygal.graph.graph.Graph) -> str:
    """The chart's SVG with every ``<script>`` removed.

    pygal writes its configuration (labels included) into an inline script even with
    ``js=[]``; the page's CSP would refuse to run it, and text inside a script is not
    escaped like the rest, so it goes. The XML writer escapes everything that remains.
    """
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return str(etree.tostring(tree, encoding="unicode"))
