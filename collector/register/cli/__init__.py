"""The register's CLI groups: ``sites``, ``people``, ``assets``, ``repairs``."""
