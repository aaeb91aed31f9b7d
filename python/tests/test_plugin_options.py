"""The pytest plugin's options, each in a test session of its own (pytester)."""

from __future__ import annotations

import importlib.metadata

#: A client test with the issue's typo: it expects the fake to refuse the call.
TYPO_TEST = '''
import json
import urllib.request


def test_the_typo_is_refused(enswitch):
    url = enswitch.api_url + (
        "cards/batches/create/?auth_username=user;auth_password=password;"
        "cardgroup=123;batch_name=typo;numbr=5"
    )
    envelope = json.loads(urllib.request.urlopen(url).read())
    assert envelope["responses"][0]["key"] == "numbr"
'''


def plugin_args() -> list[str]:
    """``-p`` for the plugin when it is not installed (a checkout on PYTHONPATH)."""
    installed = any(
        entry.name == "enswitch_fake" for entry in importlib.metadata.entry_points(group="pytest11")
    )
    return [] if installed else ["-p", "enswitch_fake.pytest_plugin"]


def test_strict_client_makes_a_typo_fail_the_test_at_its_call(pytester):
    pytester.makepyfile(TYPO_TEST)
    strict = pytester.runpytest_subprocess(*plugin_args(), "--enswitch-strict-client")
    strict.assert_outcomes(passed=1)
    # Without it, the fake answers as Enswitch: 200, and the client's test cannot tell.
    lenient = pytester.runpytest_subprocess(*plugin_args())
    lenient.assert_outcomes(failed=1)
