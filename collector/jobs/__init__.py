"""Long operations started over the API — an SNMP poll now, a playbook run, a discovery
sweep — run in the background and answer with a job id; ``GET /api/v1/jobs/{id}`` says
how it is going. The registry is in-process (``JobsRuntime``): jobs live in the memory
of the ``muniops serve`` process that started them and are gone when it restarts."""

from muniops.collector.core.feature import Feature

FEATURE = Feature(
    name="jobs",
    summary="Background jobs started over the API",
    panel="Service",
    runtime="muniops.collector.jobs.runtime:JobsRuntime",
    routers=("muniops.collector.jobs.routes:router",),
)
