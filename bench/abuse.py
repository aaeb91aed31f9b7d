#!/usr/bin/env python3
"""Memory and responsiveness of a release `serve` under readers that abuse it (issue 28): each
scenario runs on a fresh server and prints its peak resident memory (VmHWM), the memory once
the abusers have gone, and how long `/_fake/health` took meanwhile. Run from the repository root
after `cargo build --release`:

    python3 bench/abuse.py            # all three, about a minute
    python3 bench/abuse.py streams    # or one: streams, reads, readers

- streams: 200 `/_fake/events` streams that never read, and 100 POSTs of 1 MiB of `a&a&...`;
  then the streams' clients go.
- reads:   64 POSTs of 1 MiB over 8 namespaces, then one `/_fake/requests?tail&namespace=*
  &limit=10000` and one namespace's first page, then eight readers of 25 such pages each at
  once, `/_fake/health` asked every 20 ms throughout.
- readers: the same journal, then 600 clients that each ask for that page, close their sending
  side and never read (`--max-connections 1000`, so none is turned away).

Budgets (issue 28): every peak under 600 MB and falling back once the abusers go; health under
100 ms while the journal is read. Traffic goes to 127.0.0.1 only; every loop is bounded.
"""

import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flood import request, rss_mb as status_mb  # noqa: E402  (the same two helpers)

FAKE = "target/release/enswitch-fake"
BODY = b"a&" * (512 * 1024)
AUTH = "auth_username=user;auth_password=password"
PAGE = "/_fake/requests?tail&namespace=*&limit=10000"


def silent(port, path, half_close=False):
    """A client that asks for `path` and reads nothing, its receive buffer small."""
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect(("127.0.0.1", port))
    client.sendall(f"GET {path} HTTP/1.1\r\nHost: f\r\n\r\n".encode())
    if half_close:
        client.shutdown(socket.SHUT_WR)
    return client


class Health(threading.Thread):
    """Asks `/_fake/health` every 20 ms until stopped; the slowest answer, in ms."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.slowest = 0.0
        self.asked = 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            started = time.monotonic()
            status, _ = request(self.port, "GET", "/_fake/health")
            assert status == 200, status
            self.slowest = max(self.slowest, (time.monotonic() - started) * 1000)
            self.asked += 1
            time.sleep(0.02)

    def stop(self):
        self.stopping.set()
        self.join()
        return self.slowest


class Server:
    def __init__(self, *args):
        self.process = subprocess.Popen(
            [FAKE, "serve", "--addr", "127.0.0.1:0", "--log-format", "off", *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        first = self.process.stdout.readline().strip()
        self.port = int(first.rsplit(":", 1)[1])

    def rss(self):
        return status_mb(self.process.pid, "VmRSS")

    def peak(self):
        return status_mb(self.process.pid, "VmHWM")

    def post_flood(self, posts, namespaces=1):
        for i in range(posts):
            world = f"/_ns/flood-{i % namespaces}" if namespaces > 1 else ""
            path = f"{world}/api/json/cards/list/?{AUTH};cardgroup=123"
            status, _ = request(self.port, "POST", path, BODY)
            assert status == 200, status

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def settle(server, seconds=3.0):
    """The resident memory after `seconds`, once the abusers have gone."""
    time.sleep(seconds)
    return server.rss()


def streams():
    server = Server()
    idle = server.rss()
    clients = [silent(server.port, "/_fake/events?namespace=*") for _ in range(200)]
    time.sleep(0.5)
    server.post_flood(100)
    during = server.rss()
    for client in clients:
        client.close()
    after = settle(server)
    peak = server.peak()
    server.stop()
    return [("idle", idle), ("200 streams + 100 POSTs, at the end", during), ("peak", peak),
            ("3 s after the clients left", after)], None


def reads():
    server = Server()
    server.post_flood(64, namespaces=8)
    filled = server.rss()
    health = Health(server.port)
    health.start()
    timings = []
    for path in (PAGE, "/_ns/flood-0/_fake/requests"):
        started = time.monotonic()
        status, page = request(server.port, "GET", path)
        assert status == 200, status
        timings.append(f"{path}: {(time.monotonic() - started) * 1000:.0f} ms, {len(page) // 1024} KiB")

    def keep_reading():
        for _ in range(25):
            request(server.port, "GET", PAGE)

    threads = [threading.Thread(target=keep_reading) for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    eight = time.monotonic() - started
    slowest = health.stop()
    peak = server.peak()
    after = settle(server, 1.0)
    server.stop()
    rows = [("journal filled", filled), ("peak", peak), ("after", after)]
    notes = "; ".join(timings) + (
        f"\n  eight readers, 25 pages each: {eight * 1000:.0f} ms; /_fake/health meanwhile: "
        f"slowest {slowest:.1f} ms of {health.asked}"
    )
    return rows, notes


def readers():
    server = Server("--max-connections", "1000")
    server.post_flood(64, namespaces=8)
    filled = server.rss()
    clients = [silent(server.port, PAGE, half_close=True) for _ in range(600)]
    time.sleep(2.0)
    pinned = server.rss()
    status, _ = request(server.port, "GET", "/_fake/health")
    assert status == 200, status
    for client in clients:
        client.close()
    after = settle(server)
    peak = server.peak()
    server.stop()
    return [("journal filled", filled), ("600 readers pinned", pinned), ("peak", peak),
            ("3 s after they left", after)], None


SCENARIOS = {"streams": streams, "reads": reads, "readers": readers}


def main():
    names = sys.argv[1:] or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"bench/abuse.py: unknown scenario {unknown[0]}; there are: {', '.join(SCENARIOS)}",
              file=sys.stderr)
        return 2
    for name in names:
        rows, notes = SCENARIOS[name]()
        print(f"{name}:")
        for label, mb in rows:
            print(f"  {label:<40} {mb:8.1f} MB")
        if notes:
            print(f"  {notes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
