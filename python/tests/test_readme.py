import json
import urllib.request


def test_a_batch_in_a_world_of_my_own(enswitch):  # enswitch: a fresh namespace for this test
    url = enswitch.api_url + "cards/batches/create/?auth_username=user;auth_password=password;cardgroup=123;batch_name=mine"
    answer = json.loads(urllib.request.urlopen(url).read())
    assert answer["responses"][0]["code"] == "200"

    sent = enswitch.requests(function="cards/batches/create")  # what the client sent
    assert ["batch_name", "mine"] in sent[0]["params"]
    enswitch.fault("cards/list", error=500, times=1)  # the next cards/list answers 500
