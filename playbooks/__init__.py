"""muniops.playbooks"""
