"""Reports the department hands in: built from the store (``build``), then rendered as a
terminal table, CSV, XLSX, printable HTML or PDF in a calendar and a language
(``render``)."""

from muniops.collector.core.feature import Command, Feature

FEATURE = Feature(
    name="reports",
    summary="Reports the department hands in",
    panel="Maintenance and reports",
    config="reports",
    runtime="muniops.collector.reports.runtime:ReportsRuntime",
    routers=("muniops.collector.reports.routes:router",),
    commands=(Command("report", "muniops.collector.reports.cli:app",
                      "Reports: PM, antivirus, assets, warranty, retirement, activity."),),
)
