"""A local SMTP server (aiosmtpd) on 127.0.0.1 that requires STARTTLS with a throwaway
self-signed certificate (openssl), keeping each message it is given, for the alert tests."""

from __future__ import annotations

import email
import email.policy
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from muniops.lab.net import free_port


@dataclass
class Mailbox:
    port: int
    ca_file: Path  # the server's certificate: what a client trusts
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpts, m in self.messages if address in rcpts]


class _Keep:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, _server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        if not session.ssl:  # aiosmtpd enforces it; said again so a test cannot pass without
            return "530 STARTTLS first"
        with self.box.lock:
            self.box.messages.append((list(envelope.rcpt_tos), msg))
        return "250 kept"


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "smtp.crt", folder / "smtp.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@contextmanager
def running_smtp() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    folder = Path(tempfile.mkdtemp(prefix="muniops-smtp-"))
    cert, key = self_signed(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox(free_port(), cert)
    controller = Controller(_Keep(box), hostname="127.0.0.1", port=box.port,
                            tls_context=context, require_starttls=True)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
