"""The package's own tests: the fixtures and methods its README documents, against the bundled
binary, with the standard library's HTTP client over HTTP and HTTPS."""

from __future__ import annotations

import json
import os
import socket
import ssl
import urllib.error
import urllib.request

import pytest

from enswitch_fake import EnswitchFake, EnswitchFakeError

AUTH = "auth_username=user;auth_password=password"

#: A world of a test's own: one customer under a system owner, one user, one card group.
SEED = {
    "system_currency": "EUR",
    "customers": [
        {"id": 1, "name": "Top", "rate_plan": 1},
        {"id": 7, "name": "Mine", "parent": 1, "rate_plan": 1},
    ],
    "rate_plans": [{"id": 1, "name": "Only", "customer": 1, "privileges": ["cards"]}],
    "roles": [{"name": "full", "privileges": {"cards": "full", "user": "full"}}],
    "users": [{"id": 9, "username": "alice", "password": "alice-pw", "customer": 7, "role": "full"}],
    "card_groups": [{"id": 500, "customer": 7, "fields": {"name": "Alice cards", "plan": 1}}],
}


def call(api_url: str, function: str, query: str, context: ssl.SSLContext | None = None) -> dict:
    """One API call by GET, as a client would make it; the envelope."""
    with urllib.request.urlopen(f"{api_url}{function}/?{query}", timeout=30, context=context) as answer:
        return json.loads(answer.read())


def test_a_batch_created_in_the_tests_namespace_is_in_its_journal(enswitch):
    envelope = call(enswitch.api_url, "cards/batches/create", f"{AUTH};cardgroup=123;batch_name=mine;number=2")
    assert envelope["responses"][0]["code"] == "200"
    sent = enswitch.requests(function="cards/batches/create")
    assert len(sent) == 1
    assert ["batch_name", "mine"] in sent[0]["params"]
    assert ["auth_password", "[redacted]"] in sent[0]["params"]
    assert sent[0]["namespace"] == enswitch.name


def test_an_injected_500_answers_the_next_call_only(enswitch):
    rule = enswitch.fault("cards/list", error=500, times=1)
    assert rule["times"] == 1
    failed = call(enswitch.api_url, "cards/list", f"{AUTH};batch=123")
    assert failed["responses"][0]["code"] == "500"
    again = call(enswitch.api_url, "cards/list", f"{AUTH};batch=123")
    assert again["responses"][0]["code"] == "200"


def test_a_typo_is_diagnosed_and_strict_mode_refuses_it(enswitch):
    typo = f"{AUTH};cardgroup=123;batch_name=typo;numbr=5"
    envelope = call(enswitch.api_url, "cards/batches/create", typo)
    assert envelope["responses"][0]["code"] == "200"
    told = enswitch.diagnostics()
    assert told["calls"] == 1
    assert told["diagnostics"][0]["param"] == "numbr"
    assert told["diagnostics"][0]["suggestion"] == "number"
    assert enswitch.requests()[-1]["diagnostics"][0]["kind"] == "unknown"

    enswitch.strict_client()
    refused = call(enswitch.api_url, "cards/batches/create", typo)
    assert refused["responses"][0]["code"] == "400"
    assert refused["responses"][0]["key"] == "numbr"
    assert enswitch.diagnostics()["strict_client"] is True
    enswitch.strict_client(False)
    again = call(enswitch.api_url, "cards/batches/create", typo)
    assert again["responses"][0]["code"] == "200"


@pytest.mark.parametrize("as_yaml", [False, True])
def test_a_seed_makes_the_world_exactly_that(enswitch, as_yaml):
    if as_yaml:
        enswitch.reset(seed=json.dumps(SEED))  # JSON is YAML: sent as text
    else:
        enswitch.reset(seed=SEED)
    group = call(enswitch.api_url, "cards/groups/get", "auth_username=alice;auth_password=alice-pw;id=500")
    assert group["data"]["name"] == "Alice cards"
    gone = call(enswitch.api_url, "cards/groups/get", f"{AUTH};id=123")
    assert gone["responses"][0]["code"] == "401"
    assert list(enswitch.state()["card_groups"]) == ["500"]


def test_a_bad_seed_is_refused_with_the_servers_words_and_changes_nothing(enswitch):
    before = enswitch.state()
    with pytest.raises(EnswitchFakeError, match=r"users\[0\]: missing field `username`"):
        enswitch.reset(seed={"users": [{"id": 1}]})
    assert enswitch.state() == before


def test_a_world_built_by_calls_is_saved_and_loaded_again(enswitch, enswitch_fake):
    made = call(enswitch.api_url, "cards/groups/create", f"{AUTH};name=Built%20here;plan=2")
    group = made["data"]["id"]
    call(enswitch.api_url, "cards/batches/create", f"{AUTH};cardgroup={group};batch_name=built;number=2")
    saved = enswitch.seed()
    assert "password" not in json.dumps(saved["users"])

    copy = enswitch_fake.namespace(enswitch.name + "-copy")
    try:
        copy.reset(seed=saved)
        assert copy.seed() == saved
        # The users kept their passwords, and the group and its batch are there.
        batches = call(copy.api_url, "cards/batches/list", f"{AUTH};cardgroup={group}")["data"]
        assert [b["name"] for b in batches] == ["built"]
    finally:
        copy.drop()


# Two tests that each create a batch named after themselves: neither sees the other's.
@pytest.mark.parametrize("name", ["first", "second"])
def test_tests_do_not_see_each_others_worlds(enswitch, name):
    assert enswitch.requests() == []
    call(enswitch.api_url, "cards/batches/create", f"{AUTH};cardgroup=123;batch_name={name}")
    batches = call(enswitch.api_url, "cards/batches/list", AUTH)["data"]
    names = {b["name"] for b in batches}
    assert name in names
    assert {"first", "second"} - {name} - names == {"first", "second"} - {name}


def test_https_with_the_made_ca_and_only_with_it():
    with EnswitchFake(tls=True) as fake:
        assert fake.url.startswith("https://127.0.0.1:")
        assert os.path.isfile(fake.ca_path)
        trusting = ssl.create_default_context(cafile=fake.ca_path)
        envelope = call(fake.api_url, "cards/groups/get", f"{AUTH};id=123", trusting)
        assert envelope["data"]["id"] == 123
        ns = fake.namespace("over-tls")
        ns.fault("cards/groups/get", http_503=True, times=1)
        with pytest.raises(urllib.error.HTTPError) as refused:
            call(ns.api_url, "cards/groups/get", f"{AUTH};id=123", trusting)
        assert refused.value.code == 503
        assert len(ns.requests()) == 1
        with pytest.raises(urllib.error.URLError) as untrusted:
            call(fake.api_url, "cards/groups/get", f"{AUTH};id=123", ssl.create_default_context())
        assert isinstance(untrusted.value.reason, ssl.SSLCertVerificationError)


def test_the_admin_token_is_passed_through():
    with EnswitchFake(admin_token="s3cret-token") as fake:
        ns = fake.namespace("guarded")
        ns.reset()
        assert ns.requests() == []
        status, _ = fake.http("GET", "/_fake/requests")
        assert status == 401


def test_start_errors_carry_the_servers_message(tmp_path):
    with pytest.raises(EnswitchFakeError, match="nope.yaml"):
        EnswitchFake(seed_file=tmp_path / "nope.yaml").start()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EnswitchFakeError, match="in use"):
            EnswitchFake(addr=f"127.0.0.1:{port}").start()
    with pytest.raises(EnswitchFakeError, match="cannot run"):
        EnswitchFake(binary=str(tmp_path / "no-such-binary")).start()
