#!/usr/bin/env python3
"""Feeds the conformance suite's requests to Prism's validating proxy, as a client behind such a
proxy must send them: `&` between parameters (a proxy re-encodes `;` as `%3B`, and the fake
behind it would see one parameter) and the vendor's paths, which end in `/`.

Usage: prism-relay.py PRISM_BASE_URL FAKE_BASE_URL PRISM_LOG -- COMMAND...

Listens on 127.0.0.1 (a port of its own) and passes each API request (`/api/json/<function>/`)
to Prism at PRISM_BASE_URL as `/<function>/`, its query and form body with `&` for `;`; Prism
passes it on to the fake's default world. The control plane (`/_fake/...`, which the runner uses
to reset the fake between cases) goes to the fake at FAKE_BASE_URL directly. A namespace the
runner makes for its run (`/_ns/<name>/...`) is the default world here: Prism proxies to one base
URL. Runs COMMAND with `{proxy}` in its arguments replaced by its own base URL (meant to be
`enswitch-fake check --target {proxy}/api/json/`). Then reads PRISM_LOG, Prism's output, and
exits 1 if Prism reported any response violation (an answer of the fake that breaks the
document), printing each; request violations are the suite's invalid requests, counted only.
COMMAND's own verdict is not this script's: the suite's cases compare answers, and some are
refused by Prism itself (a method the document does not list).
"""

import re
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler

from relaying import forward, run_through, send_back

# Prism writes the URLs it forwards, with their credentials; this script prints none of them.
SECRET = re.compile(r"(auth_password|auth_token)=[^&;\s]*")


def handler(prism, fake, counts):
    class Relay(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def relay(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            # The runner's namespace is the default world here.
            path = re.sub(r"^/_ns/[^/]+", "", path)
            api = path.startswith("/api/json/")
            if api:
                function = path.removeprefix("/api/json").strip("/")
                target = f"{prism}/{function}/" + (f"?{query.replace(';', '&')}" if query else "")
                form = (self.headers.get("Content-Type") or "").startswith("application/x-www-form")
                if form:
                    body = body.replace(b";", b"&")
            else:
                target = fake + path + (f"?{query}" if query else "")
            status, answer_headers, answer_body = forward(target, self, body)
            counts["relayed"] += api
            send_back(self, status, answer_headers, answer_body)

        do_GET = relay
        do_POST = relay
        do_DELETE = relay

    return Relay


def main():
    if len(sys.argv) < 6 or sys.argv[4] != "--":
        sys.exit(__doc__)
    prism, fake, log = sys.argv[1].rstrip("/"), sys.argv[2].rstrip("/"), sys.argv[3]
    counts = {"relayed": 0}
    _, returncode = run_through(
        handler(prism, fake, counts), sys.argv[5:], stderr=subprocess.DEVNULL
    )
    time.sleep(0.5)  # Prism's last lines
    lines = open(log, encoding="utf-8", errors="replace").read().splitlines()
    responses = [SECRET.sub(r"\1=[redacted]", l) for l in lines if "Violation: response" in l]
    requests = sum("Violation: request" in l for l in lines)
    forwarded = sum("Forwarding" in l for l in lines)
    print(f"{counts['relayed']} requests relayed, {forwarded} forwarded by Prism to the fake")
    print(f"{requests} request violations (the suite's invalid requests)")
    print(f"{len(responses)} response violations")
    print(f"the suite's run exited {returncode} (its verdict is not this script's)")
    for line in responses[:50]:
        print("VIOLATION", line.strip())
    if forwarded < counts["relayed"] // 2:
        print("Prism forwarded fewer than half of the requests: is the document the vendor's paths?")
        sys.exit(1)
    sys.exit(1 if responses else 0)


if __name__ == "__main__":
    main()
