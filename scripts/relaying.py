"""What the relays in scripts/ share (openapi-exchanges.py, prism-relay.py): pass one request on
and its answer back, as it came, with the standard library alone."""

import subprocess
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

#: The request headers a relay passes on; the rest are the connection's own.
PASSED_ON = ("content-type", "authorization", "accept")


def forward(url, handler, body):
    """Sends `handler`'s request (its method and the headers in PASSED_ON) to `url` with `body`;
    the answer's status, headers and body, an HTTP error's included."""
    headers = {k: v for k, v in handler.headers.items() if k.lower() in PASSED_ON}
    request = urllib.request.Request(
        url, data=body if handler.command == "POST" else None, headers=headers,
        method=handler.command,
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def send_back(handler, status, headers, body):
    """Answers `handler`'s client with what `forward` got."""
    handler.send_response(status)
    for name, value in headers.items():
        if name.lower() not in ("transfer-encoding", "connection", "content-length"):
            handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def run_through(handler, arguments, **run):
    """Serves `handler` (a request handler class) on a port of 127.0.0.1 while the command
    `arguments` runs, `{proxy}` in them replaced by the relay's base URL; `run` goes to
    `subprocess.run` (stdout is dropped). The command as run, and its exit code."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = f"http://127.0.0.1:{server.server_address[1]}"
    command = [arg.replace("{proxy}", proxy) for arg in arguments]
    try:
        finished = subprocess.run(command, stdout=subprocess.DEVNULL, **run)
    finally:
        server.shutdown()
    return command, finished.returncode
