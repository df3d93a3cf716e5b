"""muniops.collector.cli"""
