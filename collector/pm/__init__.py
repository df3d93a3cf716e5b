"""Preventive maintenance in the collector: the plan job, metrics and the ``pm`` CLI.
The plan, tasks and records themselves live in ``muniops.inventory.pm``."""

from muniops.collector.core.feature import Command, Feature

FEATURE = Feature(
    name="pm",
    summary="Preventive maintenance: the plan, what is due, what was done",
    panel="Maintenance and reports",
    config="pm",
    runtime="muniops.collector.pm.runtime:PmRuntime",
    commands=(Command("pm", "muniops.collector.pm.cli:app",
                      "Preventive maintenance: the plan, what is due, what was done."),),
)
