"""Preventive maintenance in the collector: the plan job, metrics, the ``pm`` CLI and API.
The plan, tasks and records themselves live in ``muniops.inventory.pm``."""

from muniops.collector.core.feature import Command, Feature

FEATURE = Feature(
    name="pm",
    summary="Preventive maintenance: the plan, what is due, what was done",
    panel="Maintenance and reports",
    config="pm",
    runtime="muniops.collector.pm.runtime:PmRuntime",
    routers=("muniops.collector.pm.routes:router",),
    commands=(Command("pm", "muniops.collector.pm.cli:app",
                      "Preventive maintenance: the plan, what is due, what was done."),),
)
