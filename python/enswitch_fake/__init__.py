"""Drive enswitch-fake, a stateful fake Enswitch, from Python tests.

    from enswitch_fake import EnswitchFake

    with EnswitchFake() as fake:                  # the bundled binary, a free port
        ns = fake.namespace("t1")                 # a world no other test sees
        ns.api_url                                # the base URL for the client under test
        ns.reset(seed={...})                      # the world becomes exactly this seed
        ns.fault("cards/list", error=500, times=1)
        ns.requests(function="cards/batches/create")  # what the client sent, oldest first
        write_contract(ns.contract(), "contract/")    # those calls, to check the real Enswitch

The pytest plugin (``enswitch_fake.pytest_plugin``, registered on install) gives a session
fixture ``enswitch_fake`` and a function fixture ``enswitch``: a fresh namespace per test.

Only the standard library is used: the server is the binary, started with ``serve``; the
control plane (``/_fake/``) is plain HTTP(S) with JSON.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import ssl
import subprocess
import sys
import sysconfig
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Deque, Dict, List, Mapping, Optional, Sequence, Union

__all__ = ["EnswitchFake", "EnswitchFakeError", "Namespace", "find_binary", "write_contract"]

#: What a seed may be given as: a mapping (sent as JSON) or YAML text.
Seed = Union[Mapping[str, Any], str]

_BINARY = "enswitch-fake"


class EnswitchFakeError(RuntimeError):
    """The fake could not start, or refused what it was asked; the message is the server's."""


def find_binary() -> str:
    """The enswitch-fake binary: ``$ENSWITCH_FAKE_BIN``, else the one installed with this
    package (beside the interpreter's scripts), else one on the ``PATH``."""
    given = os.environ.get("ENSWITCH_FAKE_BIN")
    if given:
        return given
    name = _BINARY + (".exe" if sys.platform == "win32" else "")
    for scheme in (None, "posix_user", "nt_user"):
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        candidate = os.path.join(scripts, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(_BINARY)
    if found:
        return found
    raise EnswitchFakeError(
        "enswitch-fake binary not found: install this package (pip install enswitch-fake), "
        "put enswitch-fake on the PATH, or set ENSWITCH_FAKE_BIN"
    )


class EnswitchFake:
    """One ``enswitch-fake serve`` process on a port of its own, stopped on exit.

    ``tls=True`` serves HTTPS with a CA made at start, whose certificate is at ``ca_path``;
    ``admin_token`` is required of every control-plane call (and sent by this class);
    ``seed_file`` replaces the embedded seed; ``args`` are further ``serve`` flags.
    """

    def __init__(
        self,
        *,
        binary: Optional[str] = None,
        addr: str = "127.0.0.1:0",
        tls: bool = False,
        admin_token: Optional[str] = None,
        seed_file: Optional[Union[str, os.PathLike]] = None,
        args: Sequence[str] = (),
        start_timeout: float = 30.0,
    ) -> None:
        self._binary = binary
        self._addr = addr
        self._tls = tls
        self.admin_token = admin_token
        self._seed_file = seed_file
        self._args = list(args)
        self._start_timeout = start_timeout
        self._process: Optional[subprocess.Popen] = None
        self._tmp: Optional[str] = None
        self._stderr: Deque[str] = collections.deque(maxlen=200)
        #: The request log's last lines (the server's stdout after its banner).
        self.log: Deque[str] = collections.deque(maxlen=1000)
        self.url = ""
        self.ca_path: Optional[str] = None
        self._context: Optional[ssl.SSLContext] = None

    # -- the process ---------------------------------------------------------------------------

    def start(self) -> "EnswitchFake":
        """Starts the server and waits for its ``listening on URL`` line."""
        if self._process is not None:
            return self
        binary = self._binary or find_binary()
        command = [binary, "serve", "--addr", self._addr]
        if self._tls:
            import tempfile

            self._tmp = tempfile.mkdtemp(prefix="enswitch-fake-")
            self.ca_path = os.path.join(self._tmp, "ca.pem")
            command += ["--tls", "--tls-ca-file", self.ca_path]
        if self._seed_file is not None:
            command += ["--seed-file", os.fspath(self._seed_file)]
        command += self._args
        env = dict(os.environ)
        env.pop("ENSWITCH_FAKE_ADMIN_TOKEN", None)
        if self.admin_token is not None:
            # By the environment, so the token is not in the process list.
            env["ENSWITCH_FAKE_ADMIN_TOKEN"] = self.admin_token
        try:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                env=env,
                text=True,
                encoding="utf-8",
                errors="replace",
            )
        except OSError as error:
            raise EnswitchFakeError(f"cannot run {binary}: {error}") from error
        self._process = process
        first: List[str] = []
        got_line = threading.Event()

        def read_stdout() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                if not got_line.is_set():
                    first.append(line.rstrip("\n"))
                    got_line.set()
                else:
                    self.log.append(line.rstrip("\n"))
            got_line.set()

        def read_stderr() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                self._stderr.append(line.rstrip("\n"))

        threading.Thread(target=read_stdout, daemon=True).start()
        stderr_reader = threading.Thread(target=read_stderr, daemon=True)
        stderr_reader.start()
        got_line.wait(self._start_timeout)
        line = first[0] if first else ""
        if not line.startswith("listening on "):
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            stderr_reader.join(timeout=5)
            self._process = None
            said = "\n".join(self._stderr).strip() or line or "no output"
            raise EnswitchFakeError(f"enswitch-fake serve did not start (exit {process.returncode}): {said}")
        self.url = line[len("listening on ") :].strip()
        if self.ca_path:
            self._context = ssl.create_default_context(cafile=self.ca_path)
        return self

    def stop(self) -> None:
        """Stops the server (SIGTERM, then SIGKILL after 10 s)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "EnswitchFake":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- worlds --------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """The default world's base URL: ``http(s)://ADDR/api/json/``."""
        return self.root.api_url

    @property
    def root(self) -> "Namespace":
        """The default world, as a namespace without a name."""
        return Namespace(self, None)

    def namespace(self, name: str) -> "Namespace":
        """The world ``name`` (1 to 64 of A-Z, a-z, 0-9, _ and -), made from the seed when it is
        first used."""
        return Namespace(self, name)

    def namespaces(self) -> List[Dict[str, Any]]:
        """The namespaces the server holds."""
        return self._control("GET", "/_fake/ns")["namespaces"]

    # -- HTTP ----------------------------------------------------------------------------------

    def _control(
        self,
        method: str,
        path: str,
        body: Optional[bytes] = None,
        content_type: Optional[str] = None,
    ) -> Any:
        """A control-plane call; its JSON answer, or EnswitchFakeError with the server's error."""
        status, text = self.http(method, path, body, content_type, control=True)
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        if status >= 400:
            if isinstance(answer, dict) and "error" in answer:
                problems = answer.get("problems") or []
                message = "; ".join([answer["error"], *problems])
            else:
                message = text.strip()
            raise EnswitchFakeError(f"{method} {path}: HTTP {status}: {message}")
        return answer

    def http(
        self,
        method: str,
        path: str,
        body: Optional[bytes] = None,
        content_type: Optional[str] = None,
        *,
        control: bool = False,
    ) -> "tuple[int, str]":
        """Sends one request to the server (``path`` from its root); returns the HTTP status and
        the body. The admin token goes with control-plane calls."""
        if not self.url:
            raise EnswitchFakeError("the fake is not started (use start() or a with block)")
        request = urllib.request.Request(self.url + path, data=body, method=method)
        if content_type:
            request.add_header("Content-Type", content_type)
        if control:
            request.add_header("Accept", "application/json")
        if control and self.admin_token is not None:
            request.add_header("Authorization", f"Bearer {self.admin_token}")
        try:
            with urllib.request.urlopen(request, timeout=60, context=self._context) as answer:
                return answer.status, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")


def write_contract(contract: Mapping[str, Any], directory: Union[str, os.PathLike]) -> None:
    """Writes a contract (``Namespace.contract()``) under ``directory``, made if missing, for
    ``enswitch-fake check --fixtures DIRECTORY``; a contract of the same name is replaced."""
    root = os.fspath(directory)
    for relative, text in contract["files"].items():
        path = os.path.join(root, *relative.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)


class Namespace:
    """One world of a running fake: the default one (``name`` None) or a named namespace."""

    def __init__(self, fake: EnswitchFake, name: Optional[str]) -> None:
        self.fake = fake
        self.name = name
        self._prefix = "" if name is None else "/_ns/" + urllib.parse.quote(name, safe="")

    @property
    def api_url(self) -> str:
        """The base URL a client under test is given: ``…/_ns/<name>/api/json/``."""
        return f"{self.fake.url}{self._prefix}/api/json/"

    def reset(self, seed: Optional[Seed] = None) -> None:
        """Back to the server's seed, or, given ``seed`` (a mapping, or YAML text), exactly that
        world. A seed with problems raises EnswitchFakeError naming each; the world is then as it
        was."""
        if seed is None:
            self.fake._control("POST", self._prefix + "/_fake/reset")
        elif isinstance(seed, str):
            self.fake._control("POST", self._prefix + "/_fake/reset", seed.encode(), "application/yaml")
        else:
            body = json.dumps(seed).encode()
            self.fake._control("POST", self._prefix + "/_fake/reset", body, "application/json")

    def fault(
        self,
        function: str,
        *,
        error: Optional[Union[int, str]] = None,
        message: str = "Fault injected.",
        key: str = "",
        http_503: bool = False,
        close: bool = False,
        delay_ms: Optional[int] = None,
        times: Optional[int] = None,
        probability: Optional[float] = None,
    ) -> Dict[str, Any]:
        """Adds a fault rule for ``function`` (or ``*``) in this world; exactly one of ``error``
        (an envelope code, answered instead of acting), ``http_503``, ``close`` or ``delay_ms``.
        Returns the rule as the server keeps it."""
        chosen = [error is not None, http_503, close, delay_ms is not None]
        if sum(chosen) != 1:
            raise ValueError("give exactly one of error=, http_503=, close=, delay_ms=")
        action: Any
        if error is not None:
            action = {"error": {"code": str(error), "key": key, "message": message}}
        elif http_503:
            action = "http_503"
        elif close:
            action = "close"
        else:
            action = {"delay": {"ms": delay_ms}}
        rule: Dict[str, Any] = {"function": function, "action": action}
        if times is not None:
            rule["times"] = times
        if probability is not None:
            rule["probability"] = probability
        body = json.dumps(rule).encode()
        return self.fake._control("POST", self._prefix + "/_fake/faults", body, "application/json")

    def clear_faults(self) -> None:
        """Removes every fault rule of this world."""
        self.fake._control("DELETE", self._prefix + "/_fake/faults")

    def requests(self, function: Optional[str] = None) -> List[Dict[str, Any]]:
        """What clients sent to this world (the journal's entries, ``auth_password`` redacted),
        oldest first; only calls of ``function`` if given."""
        entries: List[Dict[str, Any]] = []
        after: Optional[int] = None
        while True:
            query = {"limit": "10000"}
            if function is not None:
                query["function"] = function
            if after is not None:
                query["after"] = str(after)
            page = self.fake._control(
                "GET", self._prefix + "/_fake/requests?" + urllib.parse.urlencode(query)
            )
            entries.extend(page["requests"])
            if "next" not in page:
                return entries
            after = page["next"]

    def diagnostics(self) -> Dict[str, Any]:
        """What this world's clients got wrong since start or reset, that Enswitch passes over in
        silence (an unknown or misspelled parameter, a name given twice, a lenient reading):
        ``{"calls", "counts", "diagnostics", ...}`` as ``/_fake/diagnostics`` answers. Each
        journal entry of ``requests()`` has its own ``diagnostics`` too."""
        return self.fake._control("GET", self._prefix + "/_fake/diagnostics")

    def strict_client(self, strict: bool = True) -> None:
        """From the next call on, a call of this world with a diagnostic is answered 400, its key
        the parameter, so a client's test fails at the call that is wrong (a deviation from
        Enswitch, for tests; ``strict=False`` goes back)."""
        body = json.dumps({"strict_client": strict}).encode()
        self.fake._control(
            "POST", self._prefix + "/_fake/strict-client", body, "application/json"
        )

    def contract(self, name: Optional[str] = None, read_only: bool = False) -> Dict[str, Any]:
        """This world's API calls since its last reset as a consumer contract (``/_fake/contract``):
        ``{"name", "steps", "files", "notes"}``, ``files`` mapping each path to its text; write it
        with ``write_contract``. ``name`` names its scenario (``contract-NAME``; default: the
        namespace's name); ``read_only`` sends each call that changed state as a
        ``validation=1`` probe instead. Raises EnswitchFakeError, naming the call, when the calls
        cannot be one (none made, an answer longer than the journal keeps)."""
        query: Dict[str, str] = {}
        if name is not None:
            query["name"] = name
        if read_only:
            query["read_only"] = "1"
        path = self._prefix + "/_fake/contract"
        if query:
            path += "?" + urllib.parse.urlencode(query)
        return self.fake._control("GET", path)

    def state(self) -> Dict[str, Any]:
        """The whole world as JSON (passwords left out)."""
        return self.fake._control("GET", self._prefix + "/_fake/state")

    def seed(self) -> Dict[str, Any]:
        """The world as a seed: what ``reset(seed=...)`` takes, to have this world again (here or
        in another namespace of the same server). Users' passwords are left out; a reset keeps
        each user's password from the world it replaces."""
        return self.fake._control("GET", self._prefix + "/_fake/seed")

    def drop(self) -> None:
        """Drops this namespace: its world and journal are gone."""
        if self.name is None:
            raise EnswitchFakeError("the default world cannot be dropped; reset() it instead")
        self.fake._control("DELETE", "/_fake/ns/" + urllib.parse.quote(self.name, safe=""))

    def __repr__(self) -> str:
        return f"Namespace({self.name!r}, api_url={self.api_url!r})"
