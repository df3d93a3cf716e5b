"""muniops.inventory"""
