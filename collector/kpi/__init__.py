"""Performance indicators with targets for the monitoring committee: the ``kpis:``
section, the job that samples link, antivirus and configuration-backup states and keeps
the current periods' figures for ``/metrics``, the ``kpis`` CLI and API. The computation
is ``muniops.inventory.kpis``; the committee's report is ``muniops report kpis``."""

from muniops.collector.core.feature import Command, Feature

FEATURE = Feature(
    name="kpi",
    summary="Performance indicators: targets, actuals, periods",
    panel="Maintenance and reports",
    config="kpis",
    runtime="muniops.collector.kpi.runtime:KpiRuntime",
    routers=("muniops.collector.kpi.routes:router",),
    commands=(Command("kpis", "muniops.collector.kpi.cli:app",
                      "Performance indicators against their targets, by period."),),
)
