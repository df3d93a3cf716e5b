"""The local lab: real peers (PostgreSQL, snmpsim, snmpd, fake Cisco IOS over SSH,
Prometheus...) started on 127.0.0.1 on free ports with private config and data, stopped
by PID. The demo, the tests and the benchmarks all start their peers from here."""
