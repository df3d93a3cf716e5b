"""Syslog messages: parsing RFC 5424 and RFC 3164 (BSD) lines, and the UDP and TCP
receivers (RFC 6587 framing: octet counting or one message a line) on asyncio."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")

_PRI = re.compile(r"^<(\d{1,3})>")
# <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]
_RFC5424 = re.compile(r"^1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+) ?(.*)$",
                      re.DOTALL)
# <PRI>Mmm dd hh:mm:ss HOSTNAME TAG: MSG (devices often add sequence numbers, years, '*')
_RFC3164 = re.compile(r"^(?:\d+: )?\*?([A-Z][a-z]{2} [ \d]\d (?:\d{4} )?\d\d:\d\d:\d\d"
                      r"(?:\.\d+)?(?: [A-Z]{2,5})?):? (?:(\S+) )?(.*)$", re.DOTALL)


@dataclass(frozen=True)
class SyslogMessage:
    severity: str
    facility: int
    hostname: str
    app: str
    text: str  # the message after the header and the tag

    @property
    def line(self) -> str:
        """What the rules match: the tag (Cisco puts its mnemonic there) and the text."""
        return f"{self.app}: {self.text}" if self.app else self.text


def parse(raw: bytes) -> SyslogMessage:
    """A syslog datagram or frame, leniently: a line with no header is all message."""
    line = raw.decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r\n\x00")
    pri, body = 13, line  # user.notice, RFC 3164's default
    m = _PRI.match(line)
    if m and int(m.group(1)) <= 191:
        pri, body = int(m.group(1)), line[m.end():]
    severity, facility = SEVERITIES[pri % 8], pri // 8
    if (r5 := _RFC5424.match(body)) is not None:
        host, app, text = r5.group(2), r5.group(3), r5.group(7).lstrip("\ufeff")
        return SyslogMessage(severity, facility, "" if host == "-" else host,
                             "" if app == "-" else app, text)
    if (r3 := _RFC3164.match(body)) is not None:
        host, rest = r3.group(2) or "", r3.group(3)
        if host.endswith(":"):  # no hostname: the tag came right after the time
            host, rest = "", f"{host} {rest}"
        app, _, text = rest.partition(": ")
        if not text or " " in app:
            app, text = "", rest
        return SyslogMessage(severity, facility, host, app.split("[")[0], text)
    return SyslogMessage(severity, facility, "", "", body)


Handler = Callable[[str, bytes], None]  # (sender address, raw message)


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, handle: Handler) -> None:
        self.handle = handle

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.handle(str(addr[0]), data)


async def serve_udp(sock: socket.socket, handle: Handler) -> asyncio.DatagramTransport:
    """Serve on a bound socket (``sockets.open_socket``: its buffer, its drop count)."""
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: _Udp(handle), sock=sock)
    return transport


async def serve_tcp(host: str, port: int, handle: Handler, max_bytes: int) -> asyncio.Server:
    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sender = str(writer.get_extra_info("peername")[0])
        try:
            while frame := await read_frame(reader, max_bytes):
                handle(sender, frame)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            log.info("syslog tcp %s: %s", sender, exc)
        finally:
            writer.close()

    return await asyncio.start_server(client, host, port, limit=max_bytes + 16)


async def read_frame(reader: asyncio.StreamReader, max_bytes: int) -> bytes:
    """One message: ``LEN SP MSG`` (octet counting) or up to LF (non-transparent framing);
    b"" at the end of the stream."""
    first = await reader.read(1)
    if not first:
        return b""
    if first.isdigit():
        head = first + await reader.readuntil(b" ")
        if head[:-1].isdigit():
            size = int(head[:-1])
            if size > max_bytes:
                raise ValueError(f"frame of {size} bytes, more than {max_bytes}")
            return await reader.readexactly(size)
        return (head + await reader.readline()).rstrip(b"\n")
    return (first + await reader.readline()).rstrip(b"\n")
