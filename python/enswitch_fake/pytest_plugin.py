"""pytest fixtures for enswitch-fake, registered by the ``pytest11`` entry point on install.

- ``enswitch_fake`` (session): one ``EnswitchFake`` for the whole run. Override it in your
  ``conftest.py`` to start it otherwise (``EnswitchFake(tls=True)``, a seed file, a token).
- ``enswitch`` (function): a ``Namespace`` of that fake no other test sees, dropped after the test.

``pytest --enswitch-strict-client`` makes each test's namespace strict: a call whose client got
something wrong that Enswitch passes over (an unknown or misspelled parameter, a name given
twice) is answered 400, its key the parameter, so the test fails at that call.

    def test_batch(enswitch):
        client = MyEnswitchClient(enswitch.api_url, "user", "password")
        client.create_batch(cardgroup=123, name="mine")
        assert enswitch.requests(function="cards/batches/create")[0]["code"] == "200"
"""

from __future__ import annotations

import itertools
import re
from typing import Iterator

import pytest

from enswitch_fake import EnswitchFake, Namespace

_numbers = itertools.count(1)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("enswitch-fake").addoption(
        "--enswitch-strict-client",
        action="store_true",
        default=False,
        help="answer a call with a diagnostic (an unknown or misspelled parameter, a name given "
        "twice) with a 400 in each test's namespace: a deviation from Enswitch, for tests",
    )


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
    namespace.drop()
