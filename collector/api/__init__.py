"""muniops.collector.api"""
