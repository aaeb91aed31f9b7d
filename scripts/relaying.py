"""What the relays in scripts/ share (openapi-exchanges.py, prism-relay.py): pass one request on
and its answer back, as it came, with the standard library alone."""

import urllib.error
import urllib.request

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
