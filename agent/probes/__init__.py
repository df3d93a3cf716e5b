"""One small module per source: ``host`` (psutil), ``dmi`` (SMBIOS), ``packages``
(dpkg/rpm), ``clamav`` and ``linux_av`` (Linux antivirus), ``windows`` (every Windows source)."""
