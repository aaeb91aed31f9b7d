#!/usr/bin/env python3
"""Validates every exchange of a conformance run against the fake's own OpenAPI document.

Usage: openapi-exchanges.py FAKE_BASE_URL -- COMMAND...

Listens on 127.0.0.1 (a port of its own), passes every request to the fake at FAKE_BASE_URL
(`http://127.0.0.1:PORT`) and back, and runs COMMAND
with `{proxy}` in its arguments replaced by its own base URL; COMMAND is meant to be
`enswitch-fake check --target {proxy}/api/json/`. Each API exchange is judged with openapi-core
against the document the fake serves at `/_fake/openapi.json`:

- every answer must match the document's answer for its status (body schema included);
- a request the fake accepted (an Enswitch code 2xx) must be one the document accepts;
- a request the document rejects must have been refused by the fake (4xx).

The Enswitch code is the envelope's (`responses[0].code`), or the HTTP status where there is no
envelope (a 204 from a fake that mirrors codes), so the fake may run in either `--http-status`.
A path with the trailing slash of the vendor's examples is judged as the path without it, the
one the document lists (D2 takes both), and one inside the run's own namespace
(`/_ns/<name>/api/json/...`, which `check` makes on a fake) as the same path outside it. A run in
which no API exchange came through is a failure: it judged nothing.

A request the document accepts and the fake refuses is counted, not failed: rules across
parameters and references to objects are the fake's to check (the Schemathesis configuration
the fake serves, /_fake/schemathesis.toml, says which). Exits 1 if any exchange breaks a rule above or COMMAND fails, printing each without
credentials (they are never written anywhere).
"""

import json
import re
import sys
import threading
import urllib.parse
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from relaying import forward, run_through, send_back

SECRET_NAMES = {"auth_password", "auth_token"}


def pairs(text):
    """The name=value pairs of a query or form body, split on `;` and `&` as the API does."""
    out = []
    for part in text.replace(";", "&").split("&"):
        if part:
            name, _, value = part.partition("=")
            out.append((urllib.parse.unquote_plus(name), urllib.parse.unquote_plus(value)))
    return out


def shown(params):
    return ";".join(f"{n}={'[redacted]' if n in SECRET_NAMES else v}" for n, v in params)


class Judge:
    def __init__(self, document):
        self.openapi = OpenAPI.from_dict(document)
        self.counts = Counter()
        self.problems = []
        self.lock = threading.Lock()

    def judge(self, method, path, query, body, content_type, status, answer, answer_type):
        params = pairs(query)
        form = pairs(body.decode("utf-8", "replace")) if method == "POST" else []
        request = MockRequest(
            "http://fake", method, path, args=params, data=body, content_type=content_type or ""
        )
        response = MockResponse(answer, status_code=status, content_type=answer_type or "")
        code = status
        try:
            code = int(json.loads(answer)["responses"][0]["code"])
        except (ValueError, KeyError, IndexError, TypeError):
            pass
        request_errors = [str(e) for e in self.openapi.unmarshal_request(request).errors]
        response_errors = [
            str(e) for e in self.openapi.unmarshal_response(request, response).errors
        ]
        accepted = 200 <= code < 300
        problem = None
        if response_errors:
            problem = f"the answer does not match the document: {response_errors}"
        elif accepted and request_errors:
            problem = f"the fake accepted a request the document rejects: {request_errors}"
        elif request_errors and not 400 <= code < 500:
            problem = f"a request the document rejects was answered {code}"
        with self.lock:
            self.counts["exchanges"] += 1
            self.counts["answer valid"] += not response_errors
            if request_errors:
                self.counts["request rejected by the document, refused by the fake"] += 1
            elif accepted:
                self.counts["request valid, accepted"] += 1
            else:
                self.counts["request valid, refused by a rule the document cannot state"] += 1
            if problem:
                who = f"{method} {path} {shown(params + form)} -> {code} (HTTP {status})"
                self.problems.append(f"{who}: {problem}")


def handler(upstream, judge):
    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def relay(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, answer_headers, answer_body = forward(upstream + self.path, self, body)
            path, _, query = self.path.partition("?")
            # The run's own namespace (`check` against a fake makes one): the same API.
            path = re.sub(r"^/_ns/[^/]+", "", path)
            if path.startswith("/api/json/"):
                judge.judge(
                    self.command,
                    path.rstrip("/"),
                    query,
                    body,
                    self.headers.get("Content-Type"),
                    status,
                    answer_body,
                    (answer_headers.get("Content-Type") or "").split(";")[0],
                )
            send_back(self, status, answer_headers, answer_body)

        do_GET = relay
        do_POST = relay
        # The runner drops its namespace when it is done.
        do_DELETE = relay

    return Proxy


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    upstream = sys.argv[1].rstrip("/")
    with urllib.request.urlopen(upstream + "/_fake/openapi.json") as answer:
        document = json.load(answer)
    # Requests go to the proxy, not to the fake's own address.
    document["servers"] = [{"url": "http://fake/api/json"}]
    judge = Judge(document)
    command, returncode = run_through(handler(upstream, judge), sys.argv[3:])
    for name, count in judge.counts.items():
        print(f"{count:6} {name}")
    for problem in judge.problems[:50]:
        print("PROBLEM", problem)
    if judge.problems:
        print(f"{len(judge.problems)} exchange(s) break the document")
    if returncode != 0:
        print(f"{' '.join(command)} exited {returncode}")
    # A run that sent nothing through the relay judged nothing: that is a failure, not a pass.
    if not judge.counts["exchanges"]:
        print("no API exchange came through the relay")
    sys.exit(1 if judge.problems or returncode != 0 or not judge.counts["exchanges"] else 0)


if __name__ == "__main__":
    main()
