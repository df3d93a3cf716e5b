"""A real SMTP server for tests and the demo: aiosmtpd on 127.0.0.1 with STARTTLS
required (a self-signed certificate for 127.0.0.1 made on the spot) and, optionally,
a username and password. Received messages are kept as ``email.message.Message``."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from muniops.lab.net import free_port


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 (the certificate is its own CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@dataclass
class Mailbox:
    port: int
    ca_file: Path
    messages: list[Message] = field(default_factory=list)
    # what each session said before its message: was it encrypted, who logged in
    sessions: list[dict[str, Any]] = field(default_factory=list)

    def to(self, address: str) -> list[Message]:
        """The messages sent to ``address`` (as the envelope says)."""
        return [m for m, s in zip(self.messages, self.sessions, strict=True)
                if address in s["rcpt"]]


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        self.box.messages.append(email.message_from_bytes(raw, policy=email.policy.default))
        self.box.sessions.append({"tls": session.ssl is not None,
                                  "login": getattr(session, "auth_data", None),
                                  "rcpt": list(envelope.rcpt_tos)})
        return "250 OK"


class _Auth:
    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username.encode(), password.encode()

    def __call__(self, server: Any, session: Session, envelope: Envelope, mechanism: str,
                 auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.username
              and auth_data.password == self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


@contextmanager
def running_smtp(directory: Path, *, username: str = "", password: str = "") -> Iterator[Mailbox]:
    """An SMTP server that refuses mail before STARTTLS, stopped on leaving."""
    cert, key = self_signed(directory)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox(free_port(), cert)
    kwargs: dict[str, Any] = {}
    if username:
        kwargs |= {"authenticator": _Auth(username, password), "auth_required": True,
                   "auth_require_tls": True}
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port,
                            tls_context=context, require_starttls=True, **kwargs)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
