"""A lean HTTP/1.1 load generator: N keep-alive connections over asyncio, each sending
prepared requests one after another and reading each answer whole.

On a 2-core machine the generator competes with the server it measures, so it does as
little as it can per request: the requests are built (and gzipped) before the clock
starts, an answer is read by its Content-Length and checked by a substring, and there is
no HTTP client library. ``Load.cpu_seconds`` is this process's own CPU over the run, so a
benchmark can say what the generator cost."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def post_request(host: str, port: int, path: str, body: bytes,
                 headers: Iterable[tuple[str, str]] = ()) -> bytes:
    """The bytes of one ``POST`` with ``body``, keep-alive."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive",
             f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Load:
    """What one run measured: requests per second over the wall time, each request's
    latency (sorted), the answers that were not ``expect``, and this process's CPU."""

    rate: float
    latencies: list[float]
    wall_seconds: float
    cpu_seconds: float
    failures: list[tuple[int, bytes]] = field(default_factory=list)

    def pct(self, q: float) -> float:
        """The ``q`` quantile of latency, in milliseconds."""
        values = self.latencies
        return values[min(len(values) - 1, int(q * len(values)))] * 1000


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _connection(host: str, port: int, requests: Sequence[bytes], order: list[int],
                      latencies: list[float], failures: list[tuple[int, bytes]],
                      expect: bytes) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while order:
            request = requests[order.pop()]
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                    break
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            status = int(head[9:12])
            if status != 200 or expect not in body:
                failures.append((status, body[:300]))
    finally:
        writer.close()


async def _run(host: str, port: int, requests: Sequence[bytes], concurrency: int,
               expect: bytes) -> Load:
    order = list(range(len(requests)))[::-1]  # popped from the end: sent in list order
    latencies: list[float] = []
    failures: list[tuple[int, bytes]] = []
    cpu0, t0 = _cpu(), time.perf_counter()
    await asyncio.gather(*(_connection(host, port, requests, order, latencies, failures,
                                       expect) for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    return Load(len(requests) / wall, sorted(latencies), wall, cpu, failures)


def run(host: str, port: int, requests: Sequence[bytes], concurrency: int,
        expect: bytes = b'"accepted"') -> Load:
    """Send every request, ``concurrency`` at a time (one keep-alive connection each)."""
    return asyncio.run(_run(host, port, requests, concurrency, expect))
