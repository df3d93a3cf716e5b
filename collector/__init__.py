"""muniops.collector"""
