"""A private certificate authority and the collector's certificate, for a municipality
without a PKI of its own: ``muniops tls init``. Agents are given the CA file at enrolment
(``muniops-agent enroll --ca-file``) and verify the collector with it.

Made with ``cryptography`` (the library paramiko already brings): EC P-256 keys, the CA
valid ten years, the collector's certificate two years, with every name and address the
agents will use in its subjectAltName."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from muniops.inventory.errors import Conflict, InvalidInput

CA_DAYS, SERVER_DAYS = 3650, 730


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path
    ca_key: Path
    cert: Path
    key: Path

    @classmethod
    def under(cls, folder: Path) -> TlsFiles:
        return cls(folder / "ca.pem", folder / "ca-key.pem", folder / "collector.pem",
                   folder / "collector-key.pem")


def _names(hosts: list[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for host in hosts:
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            if not host or any(c.isspace() for c in host):
                raise InvalidInput("host", f"not a host name or address: {host!r}") from None
            out.append(x509.DNSName(host))
    return out


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM,
                                   serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))


def init(folder: Path, hosts: list[str], organisation: str, *, force: bool = False
         ) -> TlsFiles:
    """Make the CA and the collector's certificate for ``hosts`` in ``folder``."""
    if not hosts:
        raise InvalidInput("host", "name at least one host name or address agents will use")
    files = TlsFiles.under(folder)
    if files.ca_cert.exists() and not force:
        raise Conflict(f"{files.ca_cert} exists: agents already trust that CA "
                       "(--force makes a new one, and every agent must be given it)")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                         x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} muniops CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=CA_DAYS))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False),
                         critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
            .add_extension(x509.SubjectAlternativeName(_names(hosts)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write_key(files.ca_key, ca_key)
    _write_key(files.key, key)
    files.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return files


def fingerprint(cert_pem: Path) -> str:
    """``sha256:`` and the hex SHA-256 of the certificate's DER bytes: what ``muniops-agent
    enroll --pin`` takes, for agents that trust the collector's certificate itself."""
    cert = x509.load_pem_x509_certificate(cert_pem.read_bytes())
    return "sha256:" + cert.fingerprint(hashes.SHA256()).hex()
