"""Every feature of the collector, in the order ``muniops --help`` lists their commands.
Adding a feature is a folder with a ``FEATURE`` declaration and a line here."""

from muniops.collector.agents import FEATURE as AGENTS
from muniops.collector.backups import FEATURE as BACKUPS
from muniops.collector.core.feature import Feature, check_unique
from muniops.collector.devices import FEATURE as DEVICES
from muniops.collector.discovery import FEATURE as DISCOVERY
from muniops.collector.district import FEATURE as DISTRICT
from muniops.collector.events import FEATURE as EVENTS
from muniops.collector.jobs import FEATURE as JOBS
from muniops.collector.kpi import FEATURE as KPI
from muniops.collector.licences import FEATURE as LICENCES
from muniops.collector.pm import FEATURE as PM
from muniops.collector.register import FEATURE as REGISTER
from muniops.collector.reports import FEATURE as REPORTS
from muniops.collector.snmp import FEATURE as SNMP
from muniops.collector.ssh import FEATURE as SSH
from muniops.collector.system import FEATURE as SYSTEM
from muniops.collector.web import FEATURE as WEB

FEATURES: tuple[Feature, ...] = (REGISTER, DEVICES, SNMP, SSH, EVENTS, DISCOVERY, AGENTS,
                                 LICENCES, BACKUPS, PM, KPI, REPORTS, DISTRICT, SYSTEM, JOBS,
                                 WEB)
check_unique(FEATURES)
