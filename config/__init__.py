"""muniops.config"""
