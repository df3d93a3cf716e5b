"""Discovery: what is on the municipal networks, what the register does not know, and where
it is plugged in. Active scapy sweeps, passive SNMP tables, reconciliation with the register."""
