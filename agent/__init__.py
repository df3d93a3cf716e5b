"""muniops.agent"""
