"""The collector's SSH layer: the only code that speaks netmiko or paramiko.

Everything else sends commands through ``SshSession.send_command`` and sees muniops' own
typed errors (``errors.py``), never a library exception."""

from muniops.collector.core.feature import Command, Feature

FEATURE = Feature(
    name="ssh",
    summary="SSH playbooks: configuration backups, facts, compliance, PM health",
    panel="Network",
    config="playbooks",
    runtime="muniops.collector.ssh.runtime:SshRuntime",
    routers=("muniops.collector.ssh.routes:router",),
    commands=(
        Command("playbook", "muniops.collector.ssh.cli:app",
                "Declarative SSH playbooks: backups, facts, compliance, PM health."),
        Command("compliance", "muniops.collector.ssh.cli:compliance_app",
                "Failing compliance checks across the fleet."),
    ),
)
