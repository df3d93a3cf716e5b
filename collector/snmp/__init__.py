"""SNMP polling: the client session (the only module that speaks pysnmp), device profiles
as YAML data, the poller, wireless link state and the events a poll records."""
