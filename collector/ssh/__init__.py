"""The collector's SSH layer: the only code that speaks netmiko or paramiko.

Everything else sends commands through ``SshSession.send_command`` and sees muniops' own
typed errors (``errors.py``), never a library exception."""
