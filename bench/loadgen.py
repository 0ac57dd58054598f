"""A lean HTTP/1.1 load generator for loopback benchmarks.

The server and the generator share this machine's two cores, so every microsecond the
generator spends is taken from the server. One process drives all connections from a
single selector loop over raw keep-alive sockets, builds each request from a prepared
template, and parses only the status line, Content-Length and (for ingestion) the
"accepted" count. Unlike a tool that stops mid-flight at its deadline (wrk), it stops
sending at the deadline and waits for every answer, so the events it counts as
acknowledged can be compared exactly with the rows stored.
"""

import json
import os
import random
import re
import selectors
import socket
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

ACCEPTED = re.compile(rb'"accepted":\s*(\d+)')
# A request still unanswered this long after the deadline counts as an error.
DRAIN_SECONDS = 30.0


class BatchBody:
    """Bodies of `size` events with uuids unique across processes and runs.

    Picklable; `bind` gives each generator process its own uuid prefix.
    """

    def __init__(self, name: str, size: int = 100):
        self.name, self.size = name, size
        self.prefix = ""
        self.serial = 0

    def bind(self) -> None:
        self.prefix = f"{random.SystemRandom().getrandbits(32):08x}-{os.getpid() % 65536:04x}"

    def __call__(self) -> bytes:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        # printf-style on purpose: the only placeholder left is the uuid's serial number.
        template = (f'{{"name":"{self.name}","uuid":"{self.prefix}-4000-8000-%012x",'
                    f'"timestamp":"{now}","anonymous_id":"bench","page_url":"/bench"}}')
        start, self.serial = self.serial, self.serial + self.size
        events = ",".join(template % number  # noqa: UP031
                          for number in range(start, self.serial))
        return f'{{"sent_at":"{now}","events":[{events}]}}'.encode()


class NoBody:
    """A GET with no body, such as an authenticated read of /me."""

    method = "GET"

    def bind(self) -> None:
        pass

    def __call__(self) -> bytes:
        return b""


class TrackBody:
    """A single feature click; the server assigns the uuid."""

    def __init__(self, name: str):
        self.body = json.dumps({"feature_name": name}).encode()

    def bind(self) -> None:
        pass

    def __call__(self) -> bytes:
        return self.body


@dataclass
class Connection:
    sock: socket.socket
    port: int
    outgoing: bytes = b""
    incoming: bytearray = field(default_factory=bytearray)
    started: float = 0.0


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    accepted: int = 0
    errors: int = 0
    elapsed: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)


def request_bytes(host: str, path: str, headers: dict, body: bytes, method: str = "POST"
                  ) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def complete_response(buffer: bytearray) -> tuple[int, bytes, int, bool] | None:
    """(status, body, bytes used, whether the server closes the connection) once the
    buffer holds a whole response, else None."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).lower()
    match = re.search(rb"content-length:\s*(\d+)", head)
    length = int(match.group(1)) if match else 0
    total = end + 4 + length
    if len(buffer) < total:
        return None
    closes = b"\r\nconnection: close" in head
    return int(head[9:12]), bytes(buffer[end + 4:total]), total, closes


def drive(arguments: tuple) -> Tally:
    """One generator process: `connections` keep-alive sockets, one request in flight each,
    spread in turn over `ports` (one port, or several instances of a server)."""
    ports, path, headers, body_factory, seconds, connections = arguments
    ports = (ports,) if isinstance(ports, int) else tuple(ports)
    body_factory.bind()
    method = getattr(body_factory, "method", "POST")
    # A read answers 200; ingestion 201 or 202 (a 200 on /track means nothing was stored).
    succeeded = (200,) if method == "GET" else (201, 202)
    selector = selectors.DefaultSelector()
    tally = Tally()
    started = time.monotonic()
    deadline = started + seconds

    # A body factory may vary headers per request (a User-Agent, a forwarded address):
    # its `headers()` is called right after the body, for the same request.
    varied = getattr(body_factory, "headers", None)

    def send_next(connection: Connection) -> None:
        body = body_factory()
        sent = {**headers, **varied()} if varied else headers
        connection.outgoing = request_bytes(f"127.0.0.1:{connection.port}", path, sent, body,
                                            method)
        connection.started = time.perf_counter()
        flush(connection)

    def flush(connection: Connection) -> None:
        sent = connection.sock.send(connection.outgoing)
        connection.outgoing = connection.outgoing[sent:]
        selector.modify(connection.sock, selectors.EVENT_WRITE if connection.outgoing
                        else selectors.EVENT_READ, connection)

    def reconnect(connection: Connection) -> None:
        selector.unregister(connection.sock)
        connection.sock.close()
        open_connection(connection.port)

    def open_connection(port: int) -> None:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        connection = Connection(sock, port)
        selector.register(sock, selectors.EVENT_READ, connection)
        send_next(connection)

    for number in range(connections):
        open_connection(ports[number % len(ports)])
    in_flight = connections
    while in_flight:
        if time.monotonic() > deadline + DRAIN_SECONDS:
            tally.errors += in_flight
            break
        for key, events in selector.select(timeout=1.0):
            connection: Connection = key.data
            try:
                if events & selectors.EVENT_WRITE:
                    flush(connection)
                    continue
                chunk = connection.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed by the server")
                connection.incoming += chunk
                response = complete_response(connection.incoming)
                if response is None:
                    continue
            except OSError:
                tally.errors += 1
                if time.monotonic() < deadline:
                    reconnect(connection)
                else:
                    selector.unregister(connection.sock)
                    connection.sock.close()
                    in_flight -= 1
                continue
            status, body, used, closes = response
            del connection.incoming[:used]
            tally.latencies_ms.append((time.perf_counter() - connection.started) * 1000)
            tally.statuses[status] = tally.statuses.get(status, 0) + 1
            if status in succeeded:
                match = ACCEPTED.search(body)
                tally.accepted += int(match.group(1)) if match else 1
            else:
                tally.errors += 1
            if time.monotonic() < deadline:
                if closes:  # sync workers answer one request per connection
                    reconnect(connection)
                else:
                    send_next(connection)
            else:
                selector.unregister(connection.sock)
                connection.sock.close()
                in_flight -= 1
    tally.elapsed = time.monotonic() - started
    return tally


def run_load(port: int | tuple[int, ...], path: str, headers: dict, body_factory,
             seconds: float, connections: int = 8, processes: int = 1) -> dict:
    """Load `path` for `seconds`; every request sent before the deadline is answered. With
    several ports (instances of one service), each process's connections alternate
    between them."""
    share = max(1, connections // processes)
    with ProcessPoolExecutor(max_workers=processes) as pool:
        tallies = list(pool.map(drive, [(port, path, headers, body_factory, seconds, share)]
                                * processes))
    # From the first request sent to the last answer received, in the slowest process.
    elapsed = max(tally.elapsed for tally in tallies)
    latencies = [value for tally in tallies for value in tally.latencies_ms]
    statuses: dict[int, int] = {}
    for tally in tallies:
        for status, count in tally.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return {"elapsed": elapsed, "requests": len(latencies),
            "accepted": sum(tally.accepted for tally in tallies),
            "errors": sum(tally.errors for tally in tallies), "statuses": statuses,
            "latencies_ms": latencies}
