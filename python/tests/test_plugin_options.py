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


#: A client test that makes a batch, lists its cards and changes one.
CLIENT_TEST = '''
import json
import urllib.request


def call(enswitch, function, params):
    url = enswitch.api_url + function + "/?auth_username=user;auth_password=password;" + params
    return json.loads(urllib.request.urlopen(url).read())


def test_a_batch_and_its_cards(enswitch):
    batch = call(enswitch, "cards/batches/create", "cardgroup=123;batch_name=py;number=2")
    cards = call(enswitch, "cards/list", "batch=%d" % batch["data"]["id"])["data"]
    changed = call(enswitch, "cards/update", "card=%s;balance=2.50" % cards[0]["card"])
    assert changed["responses"][0]["code"] == "204"


def test_no_call(enswitch):
    assert enswitch.api_url
'''


def test_a_contract_of_the_sessions_calls_is_written_and_checks_a_fresh_fake(pytester, tmp_path):
    import subprocess

    from enswitch_fake import find_binary

    pytester.makepyfile(test_client=CLIENT_TEST)
    out = tmp_path / "contract"
    run = pytester.runpytest_subprocess(*plugin_args(), "--enswitch-contract", str(out))
    run.assert_outcomes(passed=2)
    run.stdout.fnmatch_lines(["enswitch-fake: wrote 1 contract scenario(s) to *"])
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    name = "contract-test_client-py-test_a_batch_and_its_cards"
    assert written == [
        "contract.yaml",
        "normalize.yaml",
        f"scenarios/{name}.yaml",
        f"snapshots/scenario/{name}.json",
    ]
    scenario = (out / "scenarios" / f"{name}.yaml").read_text()
    assert '"card={card_2}", "balance=2.50"' in scenario
    for path in out.rglob("*"):
        if path.is_file():
            assert "password" not in path.read_text(), path
    checked = subprocess.run(
        [find_binary(), "check", "--in-process", "--fixtures", str(out)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "1 passed, 0 failed" in checked.stdout

    # Read-only: the batch is only validated, and the calls that needed it are left out.
    probes = tmp_path / "probes"
    run = pytester.runpytest_subprocess(
        *plugin_args(), "--enswitch-contract", str(probes), "--enswitch-contract-read-only"
    )
    run.assert_outcomes(passed=2)
    scenario = (probes / "scenarios" / f"{name}.yaml").read_text()
    assert '"number=2", "validation=1"]' in scenario
    assert "left out, it needs {batch_1}" in scenario
    assert "read_only: true" in scenario
