"""The receivers' UDP sockets: bound before the loop starts (a busy or privileged port
fails at once), with a large receive buffer for bursts, and what the kernel dropped for
each of them (its receive buffer was full), read from /proc/net/udp."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def open_socket(host: str, port: int, receive_buffer: int) -> socket.socket:
    """The UDP socket, bound here so a busy or privileged port fails at start, with a
    large receive buffer for bursts (root may exceed net.core.rmem_max)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    force = getattr(socket, "SO_RCVBUFFORCE", None)
    try:
        sock.setsockopt(socket.SOL_SOCKET, force or socket.SO_RCVBUF, receive_buffer)
    except PermissionError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def socket_drops(sock: socket.socket) -> int | None:
    """Datagrams the kernel dropped for this socket (its receive buffer was full), from
    /proc/net/udp{,6}; None where that cannot be read."""
    try:
        inode = str(os.fstat(sock.fileno()).st_ino)
    except OSError:
        return None
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) >= 13 and cols[9] == inode:
                return int(cols[12])
    return None
