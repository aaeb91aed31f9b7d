#!/usr/bin/env python3
"""Memory of a fake flooded with parameters (issue 12, item 9): 64 POSTs of 1 MiB of `a&a&...`
(half a million parameters each), spread over 8 namespaces, to a release `serve`. Prints the
resident memory before, at its peak, and after a reset of every namespace, and how long one
`GET /_fake/requests` of the busiest namespace takes. Run from the repository root after
`cargo build --release`:

    python3 bench/flood.py

Budgets: peak RSS under 600 MB, the journal read under 2 s.
"""

import http.client
import subprocess
import sys
import time

FAKE = "target/release/enswitch-fake"
POSTS = 64
NAMESPACES = 8
BODY = b"a&" * (512 * 1024)


def rss_mb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def request(port, method, path, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    connection.request(method, path, body=body, headers=headers)
    answer = connection.getresponse()
    data = answer.read()
    connection.close()
    return answer.status, data


def main():
    server = subprocess.Popen(
        [FAKE, "serve", "--addr", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(server.stdout.readline().strip().rsplit(":", 1)[1])
        request(port, "GET", "/_fake/health")
        before = rss_mb(server.pid)
        started = time.monotonic()
        for i in range(POSTS):
            path = (
                f"/_ns/flood-{i % NAMESPACES}/api/json/cards/list/"
                "?auth_username=user;auth_password=password;cardgroup=123"
            )
            status, _ = request(port, "POST", path, BODY)
            assert status == 200, status
        posting = time.monotonic() - started
        after_posts = rss_mb(server.pid)
        started = time.monotonic()
        status, page = request(port, "GET", "/_ns/flood-7/_fake/requests")
        read = time.monotonic() - started
        assert status == 200, status
        for i in range(NAMESPACES):
            request(port, "POST", f"/_ns/flood-{i}/_fake/reset")
        after_reset = rss_mb(server.pid)
        peak = rss_mb(server.pid, "VmHWM")
        print(f"{POSTS} POSTs of {len(BODY) // 1024} KiB in {NAMESPACES} namespaces: {posting:.1f} s")
        print(f"RSS before {before:.1f} MB, after the posts {after_posts:.1f} MB, peak {peak:.1f} MB, "
              f"after resetting every namespace {after_reset:.1f} MB")
        print(f"GET /_fake/requests of one namespace: {read * 1000:.0f} ms, {len(page) / 1e6:.1f} MB")
        ok = peak < 600 and read < 2
        print("budgets (peak RSS < 600 MB, the read < 2 s):", "met" if ok else "NOT MET")
        return 0 if ok else 1
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
