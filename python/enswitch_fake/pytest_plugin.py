"""pytest fixtures for enswitch-fake, registered by the ``pytest11`` entry point on install.

- ``enswitch_fake`` (session): one ``EnswitchFake`` for the whole run. Override it in your
  ``conftest.py`` to start it otherwise (``EnswitchFake(tls=True)``, a seed file, a token).
- ``enswitch`` (function): a ``Namespace`` of that fake no other test sees, dropped after the test.

``pytest --enswitch-contract DIR`` writes, when the session ends, a consumer contract of what the
tests' clients did: one scenario per test that made API calls (``contract-<test>``), for
``enswitch-fake check --fixtures DIR --target URL --config FILE`` against the real Enswitch. A
test whose calls cannot be a contract is named, with why, in the summary. With
``--enswitch-contract-read-only`` each call that changed state is sent as a ``validation=1``
probe instead, for a target that must not change.

``pytest --enswitch-strict-client`` makes each test's namespace strict: a call whose client got
something wrong that Enswitch passes over (an unknown or misspelled parameter, a name given
twice) is answered 400, its key the parameter, so the test fails at that call.

    def test_batch(enswitch):
        client = MyEnswitchClient(enswitch.api_url, "user", "password")
        client.create_batch(cardgroup=123, name="mine")
        assert enswitch.requests(function="cards/batches/create")[0]["code"] == "200"
"""

from __future__ import annotations

import hashlib
import itertools
import re
from typing import Any, Dict, Iterator, List

import pytest

from enswitch_fake import EnswitchFake, EnswitchFakeError, Namespace, write_contract

_numbers = itertools.count(1)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("enswitch-fake").addoption(
        "--enswitch-strict-client",
        action="store_true",
        default=False,
        help="answer a call with a diagnostic (an unknown or misspelled parameter, a name given "
        "twice) with a 400 in each test's namespace: a deviation from Enswitch, for tests",
    )
    parser.getgroup("enswitch-fake").addoption(
        "--enswitch-contract",
        metavar="DIR",
        default=None,
        help="when the session ends, write what each test's client did as a consumer contract "
        "under DIR (one scenario per test), for `enswitch-fake check --fixtures DIR`",
    )
    parser.getgroup("enswitch-fake").addoption(
        "--enswitch-contract-read-only",
        action="store_true",
        default=False,
        help="with --enswitch-contract: send each call that changed state as a validation=1 "
        "probe, for a target that must not change",
    )


_contracts = pytest.StashKey[List[Dict[str, Any]]]()
_problems = pytest.StashKey[List[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_contracts] = []
    config.stash[_problems] = []


def _scenario_name(nodeid: str) -> str:
    """A contract name (1 to 64 of A-Z, a-z, 0-9, _ and -) for a test, the same every run."""
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", nodeid).strip("-") or "test"
    if len(readable) <= 64:
        return readable
    digest = hashlib.sha1(nodeid.encode()).hexdigest()[:8]
    return readable[:55].rstrip("-") + "-" + digest


def _keep_contract(config: pytest.Config, namespace: Namespace, nodeid: str) -> None:
    try:
        read_only = config.getoption("enswitch_contract_read_only")
        contract = namespace.contract(name=_scenario_name(nodeid), read_only=read_only)
        config.stash[_contracts].append(contract)
    except EnswitchFakeError as error:
        # A test that made no API call has nothing to check.
        if "no API call" not in str(error):
            config.stash[_problems].append(f"{nodeid}: {error}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    directory = session.config.getoption("enswitch_contract")
    contracts = session.config.stash.get(_contracts, [])
    if directory and contracts:
        for contract in contracts:
            write_contract(contract, directory)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    directory = config.getoption("enswitch_contract")
    if not directory:
        return
    contracts = config.stash.get(_contracts, [])
    terminalreporter.write_line(
        f"enswitch-fake: wrote {len(contracts)} contract scenario(s) to {directory}"
    )
    for problem in config.stash.get(_problems, []):
        terminalreporter.write_line(f"enswitch-fake: no contract for {problem}", yellow=True)


@pytest.fixture(scope="session")
def enswitch_fake() -> Iterator[EnswitchFake]:
    """One fake for the session: the bundled binary on a free loopback port."""
    with EnswitchFake() as fake:
        yield fake


@pytest.fixture
def enswitch(enswitch_fake: EnswitchFake, request: pytest.FixtureRequest) -> Iterator[Namespace]:
    """A fresh namespace for this test, named after it, dropped when it ends."""
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")[:48] or "test"
    namespace = enswitch_fake.namespace(f"{readable}-{next(_numbers)}")
    namespace.reset()
    if request.config.getoption("enswitch_strict_client"):
        namespace.strict_client()
    yield namespace
    if request.config.getoption("enswitch_contract"):
        _keep_contract(request.config, namespace, request.node.nodeid)
    namespace.drop()
