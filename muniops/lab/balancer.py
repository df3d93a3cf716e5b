"""A TCP load balancer on 127.0.0.1 in front of several ``muniops serve`` workers, for the
tests of several processes at the centre: each new connection goes to the next backend in
turn, and a backend that refuses the connection (killed) is skipped for the next one, as
haproxy or nginx do with a passive health check. A connection cut by a dying backend is
cut for the client too; nothing is retried here (the client retries, as an agent does)."""

from __future__ import annotations

import collections
import contextlib
import socket
import threading
from types import TracebackType

from muniops.lab.net import free_port


class Balancer:
    def __init__(self, backends: list[int], port: int | None = None) -> None:
        self.backends = backends
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.served: collections.Counter[int] = collections.Counter()  # backend -> connections
        self.active: collections.Counter[int] = collections.Counter()  # ... open now
        self.cut: collections.Counter[int] = collections.Counter()  # ... ended with no answer
        self._turn = 0
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._thread = threading.Thread(target=self._accept, name="balancer", daemon=True)

    def __enter__(self) -> Balancer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.close()
        self._thread.join(5)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:  # closed: the balancer stops
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _next(self) -> list[int]:
        with self._lock:
            start, self._turn = self._turn, self._turn + 1
        n = len(self.backends)
        return [self.backends[(start + i) % n] for i in range(n)]

    def _serve(self, client: socket.socket) -> None:
        for port in self._next():
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=2)
            except OSError:
                continue  # this backend is down: the next one
            upstream.settimeout(None)
            with self._lock:
                self.served[port] += 1
                self.active[port] += 1
            answered = [0]
            back = threading.Thread(target=_pipe, args=(upstream, client, answered),
                                    daemon=True)
            back.start()
            _pipe(client, upstream, [0])
            back.join()
            upstream.close()
            with self._lock:
                self.active[port] -= 1
                self.cut[port] += answered[0] == 0
            break
        client.close()


def _pipe(src: socket.socket, dst: socket.socket, copied: list[int]) -> None:
    """Copy ``src`` to ``dst`` until ``src`` ends or fails (counting the bytes in
    ``copied``); then end ``dst``'s writing side (a failure cuts the whole connection, as
    a dead backend's reset does)."""
    try:
        while data := src.recv(65536):
            copied[0] += len(data)
            dst.sendall(data)
    except OSError:
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        return
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)
