//! What the functions do to state, over HTTP and read back through the observation functions:
//! defaults from the group, "Current value.", batches and cards (D7 to D11), validation=1 (D14),
//! all-or-nothing (D10), tenancy.

use std::collections::BTreeSet;

use enswitch_fake::fake::Settings;
use enswitch_fake::workbench::Config;
use serde_json::{Value, json};

use crate::support::Fake;

fn cards(fake: &Fake, rest: &str) -> Vec<Value> {
    let reply = fake.call("cards/list", "user", rest);
    assert_eq!(reply.code(), "200", "{}", reply.body);
    reply.data().as_array().unwrap().clone()
}

#[test]
fn a_batch_takes_the_groups_new_defaults_after_an_update() {
    let fake = Fake::start();
    let update = "id=123;card_length=8;method=sequential;pin_minimum=5;pin_maximum=6;currency=EUR";
    assert_eq!(
        fake.call("cards/groups/update", "user", update).code(),
        "204"
    );
    let created = fake.call(
        "cards/batches/create",
        "user",
        "cardgroup=123;batch_name=new;number=4",
    );
    assert_eq!(created.code(), "200");
    let batch = created.data()["id"].clone();

    let rows = cards(&fake, &format!("batch={batch}"));
    assert_eq!(rows.len(), 4);
    let numbers: Vec<u64> = rows
        .iter()
        .map(|c| c["card"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        numbers,
        [10_000_000, 10_000_001, 10_000_002, 10_000_003],
        "sequential from the lowest 8-digit number"
    );
    for card in &rows {
        assert_eq!(
            card["pin"].as_str().unwrap().len(),
            5,
            "pin_length defaults to pin_minimum (D11)"
        );
        assert_eq!(card["currency"], "EUR");
        assert_eq!(card["balance"], "0.00");
        assert_eq!(card["cardgroup"], 123);
        assert_eq!(card["locked"], 0);
    }
}

#[test]
fn parameters_given_to_a_batch_override_the_groups_defaults() {
    let fake = Fake::start();
    let rest = "cardgroup=123;batch_name=x;number=2;card_length=16;pin_length=0;currency=GBP;balance=5.25;lock_cards=1;locked=1";
    let batch = fake.call("cards/batches/create", "user", rest).data()["id"].clone();
    for card in cards(&fake, &format!("batch={batch}")) {
        let number = card["card"].as_str().unwrap();
        assert_eq!(number.len(), 16);
        assert!(!number.starts_with('0'));
        assert_eq!(card["pin"], "");
        assert_eq!(
            (
                card["currency"].clone(),
                card["balance"].clone(),
                card["locked"].clone()
            ),
            (json!("GBP"), json!("5.25"), json!(1))
        );
    }
    let batches = fake
        .call("cards/batches/list", "user", "cardgroup=123")
        .data();
    let made = batches
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == batch);
    assert_eq!(made.unwrap()["locked"], 1);
}

#[test]
fn an_update_changes_only_the_fields_it_names() {
    let fake = Fake::start();
    let before = fake.call("cards/groups/get", "user", "id=123").data();
    assert_eq!(
        fake.call("cards/groups/update", "user", "id=123;name=Renamed")
            .code(),
        "204"
    );
    let after = fake.call("cards/groups/get", "user", "id=123").data();
    let mut expected = before.clone();
    expected["name"] = json!("Renamed");
    assert_eq!(after, expected);
}

#[test]
fn pin_minimum_is_checked_against_the_stored_pin_maximum() {
    let fake = Fake::start();
    // Group 123 has pin_maximum 8 (the create default): raising only the minimum past it fails.
    let reply = fake.call("cards/groups/update", "user", "id=123;pin_minimum=9");
    assert_eq!(reply.outcome(), "400 pin_minimum");
    assert_eq!(
        fake.call(
            "cards/groups/update",
            "user",
            "id=123;pin_minimum=9;pin_maximum=9"
        )
        .code(),
        "204"
    );
    let reply = fake.call("cards/groups/update", "user", "id=123;pin_maximum=3");
    assert_eq!(reply.code(), "400");
}

#[test]
fn several_batches_get_distinct_ids_and_numbered_names_d7_d8() {
    let fake = Fake::start();
    let reply = fake.call(
        "cards/batches/create",
        "user",
        "cardgroup=123;batch_name=Promo;batch_number=3;number=2",
    );
    let ids: Vec<i64> = reply
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 3);
    let batches = fake
        .call("cards/batches/list", "user", "cardgroup=123")
        .data();
    // The seed's own batch of group 123 is listed too; the three are the new ones.
    let made: Vec<&serde_json::Value> = batches
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| ids.contains(&b["id"].as_i64().unwrap()))
        .collect();
    let names: Vec<&str> = made.iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Promo 1", "Promo 2", "Promo 3"]);
    assert!(made.iter().all(|b| b["cards"] == 2));
    // One batch answers an object, not an array of one.
    let one = fake
        .call(
            "cards/batches/create",
            "user",
            "cardgroup=123;batch_name=Solo",
        )
        .data();
    assert!(one.is_object() && one["id"].is_i64());
}

#[test]
fn card_numbers_are_unique_across_the_system_and_pins_are_digits_d9() {
    let fake = Fake::start();
    for (group, user) in [(123, "user"), (124, "other")] {
        let rest = format!("cardgroup={group};batch_name=x;card_length=5;number=2000");
        assert_eq!(fake.call("cards/batches/create", user, &rest).code(), "200");
    }
    let mut all = cards(&fake, "cardgroup=123");
    let other = fake.call("cards/list", "other", "cardgroup=124").data();
    all.extend(other.as_array().unwrap().iter().cloned());
    // Only the new ones: the seed's cards have 10 digits.
    all.retain(|c| c["card"].as_str().unwrap().len() == 5);
    let numbers: BTreeSet<&str> = all.iter().map(|c| c["card"].as_str().unwrap()).collect();
    assert_eq!(
        numbers.len(),
        4000,
        "no number is given twice, even to another customer"
    );
    for card in &all {
        let number = card["card"].as_str().unwrap();
        assert!(
            number.len() == 5
                && !number.starts_with('0')
                && number.bytes().all(|b| b.is_ascii_digit())
        );
        let pin = card["pin"].as_str().unwrap();
        assert!(pin.len() == 4 && pin.bytes().all(|b| b.is_ascii_digit()));
    }
}

#[test]
fn sequential_numbers_continue_after_the_highest_of_their_length() {
    let fake = Fake::start();
    // Group 125 is sequential with 10-digit numbers; the highest 10-digit number in the seed
    // (of any customer) is card 3456789012.
    fake.call(
        "cards/batches/create",
        "user",
        "cardgroup=125;batch_name=a;number=3",
    );
    fake.call(
        "cards/batches/create",
        "user",
        "cardgroup=125;batch_name=b;number=2",
    );
    let numbers: Vec<u64> = cards(&fake, "cardgroup=125")
        .iter()
        .map(|c| c["card"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        numbers,
        (3_456_789_013..3_456_789_018).collect::<Vec<u64>>()
    );
}

#[test]
fn running_out_of_numbers_is_500_and_creates_nothing_d10() {
    let fake = Fake::start();
    let fill = "cardgroup=123;batch_name=fill;card_length=4;number=8999";
    assert_eq!(
        fake.call("cards/batches/create", "user", fill).code(),
        "200"
    );
    let before = fake.state();
    // One 4-digit number is left; two batches of one card each need two.
    let reply = fake.call(
        "cards/batches/create",
        "user",
        "cardgroup=123;batch_name=x;card_length=4;batch_number=2",
    );
    assert_eq!(reply.outcome(), "500 number");
    assert_eq!(fake.state(), before, "all or nothing: no batch, no card");
    // The last free number can still be had, at random.
    assert_eq!(
        fake.call(
            "cards/batches/create",
            "user",
            "cardgroup=123;batch_name=last;card_length=4"
        )
        .code(),
        "200"
    );
}

#[test]
fn validation_1_changes_nothing_d14() {
    let fake = Fake::start();
    let before = fake.state();
    let checks = [
        (
            "cards/batches/create",
            "cardgroup=123;batch_name=x;number=50;validation=1",
        ),
        (
            "cards/groups/update",
            "id=123;name=changed;card_length=5;validation=1",
        ),
        ("cards/groups/create", "name=new;plan=2;validation=1"),
    ];
    for (function, rest) in checks {
        let reply = fake.call(function, "user", rest);
        assert_eq!(
            reply.body, r#"{"responses":[{"code":"201","key":"","message":"OK"}]}"#,
            "{function}"
        );
    }
    assert_eq!(fake.state(), before);
}

#[test]
fn more_cards_than_the_cap_is_400_on_number() {
    let fake = Fake::with(
        Config {
            fake: Settings {
                max_cards: 10,
                ..Settings::default()
            },
            ..Config::default()
        },
        1,
    );
    assert_eq!(
        fake.call(
            "cards/batches/create",
            "user",
            "cardgroup=123;batch_name=x;number=10"
        )
        .code(),
        "200"
    );
    let reply = fake.call(
        "cards/batches/create",
        "user",
        "cardgroup=123;batch_name=x;number=6;batch_number=2",
    );
    assert_eq!(reply.outcome(), "400 number");
}

#[test]
fn d11_d12_value_rules() {
    let fake = Fake::start();
    let rejected = [
        ("card_length=3", "card_length"),
        ("card_length=21", "card_length"),
        ("pin_length=21", "pin_length"),
        ("number=0", "number"),
        ("batch_number=-1", "batch_number"),
        ("balance=-0.01", "balance"),
        ("balance=1.23456", "balance"),
        ("balance=1e3", "balance"),
        ("number=+1", "number"),
        ("number=1.0", "number"),
        ("number=0x10", "number"),
        ("number=99999999999999999999", "number"),
        ("currency=usd", "currency"),
        ("lock_cards=2", "lock_cards"),
        ("validation=2", "validation"),
        ("cardgroup=", "cardgroup"),
    ];
    for (bad, key) in rejected {
        // The first occurrence of a name wins (D3), so the bad value goes first.
        let rest = format!("{bad};batch_name=x;cardgroup=123");
        let reply = fake.call("cards/batches/create", "user", &rest);
        assert_eq!(reply.outcome(), format!("400 {key}"), "{bad}");
    }
}

#[test]
fn tenancy_a_reseller_acts_below_itself_a_customer_only_on_itself() {
    let fake = Fake::start();
    // The reseller (customer 2) sees groups of customers 10 and 11 below it.
    assert_eq!(
        fake.call("cards/groups/update", "reseller", "id=123;name=by+reseller")
            .code(),
        "204"
    );
    assert_eq!(
        fake.call("cards/groups/get", "reseller", "id=124").code(),
        "200"
    );
    // A customer sees neither its sibling's groups nor its reseller's view.
    assert_eq!(
        fake.call("cards/groups/get", "other", "id=123").code(),
        "404"
    );
    assert_eq!(
        fake.call(
            "cards/batches/create",
            "other",
            "cardgroup=123;batch_name=x"
        )
        .code(),
        "404"
    );
    // The system owner sees everyone.
    assert_eq!(
        fake.call("cards/groups/get", "admin", "id=126").code(),
        "200"
    );
    // Listing another customer's batches is 400 (the page's own wording), one's own is fine.
    let reply = fake.call("cards/batches/list", "user", "customer=11");
    assert_eq!(reply.outcome(), "400 customer");
    assert_eq!(
        fake.call("cards/batches/list", "reseller", "customer=11")
            .code(),
        "200"
    );
    // A rate plan of a sibling customer cannot be given to one's own group.
    let reply = fake.call("cards/groups/update", "user", "id=123;plan=4");
    assert_eq!(reply.outcome(), "400 plan");
}

#[test]
fn a_created_group_reads_back_with_its_defaults() {
    let fake = Fake::start();
    let reply = fake.call(
        "cards/groups/create",
        "user",
        "name=Fresh;plan=2;card_length=14",
    );
    assert_eq!(reply.code(), "200");
    let id = reply.data()["id"].as_i64().unwrap();
    assert!(id > 126);
    let group = fake
        .call("cards/groups/get", "user", &format!("id={id}"))
        .data();
    assert_eq!(group["customer"], 10, "the caller's customer by default");
    assert_eq!(group["card_length"], 14);
    assert_eq!(group["currency"], "USD", "the system currency by default");
    assert_eq!(group["method"], "random");
    assert_eq!(group["charge_period"], "monthly");
    assert_eq!(group["balance"], "0.00");
}

#[test]
fn cards_list_sorts_pages_and_counts() {
    let fake = Fake::start();
    let batch = fake
        .call(
            "cards/batches/create",
            "user",
            "cardgroup=123;batch_name=x;number=7",
        )
        .data()["id"]
        .clone();
    let numbers = |rest: &str| -> Vec<String> {
        cards(&fake, &format!("batch={batch};{rest}"))
            .iter()
            .map(|c| c["card"].as_str().unwrap().to_owned())
            .collect()
    };
    let sorted = numbers("sort=card");
    let mut expected = sorted.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    let descending = numbers("sort=card;descending=1");
    assert_eq!(
        descending,
        expected.iter().rev().cloned().collect::<Vec<_>>()
    );
    assert_eq!(numbers("limit=3;offset=2"), expected[2..5]);
    assert_eq!(
        fake.call("cards/list", "user", &format!("batch={batch};count=1"))
            .data(),
        json!({"count": 7})
    );
    assert_eq!(
        fake.call(
            "cards/list",
            "user",
            &format!("batch={batch};pages=1;limit=3")
        )
        .data(),
        json!({"pages": 3})
    );
    let reply = fake.call("cards/list", "user", "batch=999");
    assert_eq!(reply.outcome(), "404 batch");
}

/// cards/update's decisions (spec/cards/update.yaml): a card is named by its exact number; it
/// moves only within its customer, even for a reseller who sees both; a PIN fits its group.
#[test]
fn cards_update_names_a_card_exactly_and_moves_it_within_its_customer() {
    let fake = Fake::start();
    let update = |user: &str, rest: &str| {
        let reply = fake.call("cards/update", user, rest);
        (reply.code(), reply.key())
    };
    let missing = ("404".to_owned(), "card".to_owned());
    assert_eq!(update("user", "card=01234567890;locked=1"), missing);
    assert_eq!(update("user", "card=9999999999;locked=1"), missing);
    assert_eq!(
        update("user", "card=3456789012;locked=1"),
        missing,
        "another customer's"
    );
    // The reseller sees customers 10 and 11, yet card 1234567890 (of 10) may not go to 124 (of 11).
    assert_eq!(
        update("reseller", "card=1234567890;cardgroup=124"),
        ("400".to_owned(), "cardgroup".to_owned())
    );
    assert_eq!(
        update("user", "card=1234567890;cardgroup=124"),
        ("400".to_owned(), "cardgroup".to_owned()),
        "a group the user cannot see"
    );
    // Group 125's PINs have exactly 6 digits; group 123's 4 to 8.
    assert_eq!(
        update("user", "card=1234567890;pin=123"),
        ("400".to_owned(), "pin".to_owned())
    );
    assert_eq!(
        update("user", "card=1234567890;pin=12a4"),
        ("400".to_owned(), "pin".to_owned())
    );
    assert_eq!(
        update("user", "card=1234567890;cardgroup=125;pin=1234"),
        ("400".to_owned(), "pin".to_owned()),
        "the PIN is checked against the group the card moves to"
    );
    assert_eq!(
        update("user", "card=1234567890;cardgroup=125;pin=123456").0,
        "204"
    );
    assert_eq!(
        update("user", "card=1234567890;balance=-2.50").0,
        "204",
        "credit"
    );
    let card = cards(&fake, "cardgroup=125")
        .into_iter()
        .find(|c| c["card"] == "1234567890")
        .expect("the card is in its new group");
    assert_eq!(
        (
            card["pin"].clone(),
            card["balance"].clone(),
            card["batch"].clone()
        ),
        (json!("123456"), json!("-2.50"), json!(123)),
        "it keeps its batch"
    );
}

/// A batch's lock shows on each of its cards while it lasts; each card keeps its own flag.
#[test]
fn a_locked_batch_locks_its_cards_in_cards_list_until_unlocked() {
    let fake = Fake::start();
    let locks = |fake: &Fake| -> Vec<i64> {
        cards(fake, "batch=123")
            .iter()
            .map(|c| c["locked"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(locks(&fake), [0, 0, 1]);
    assert_eq!(
        fake.call("cards/batches/update", "user", "id=123;locked=1")
            .code(),
        "204"
    );
    assert_eq!(locks(&fake), [1, 1, 1]);
    assert_eq!(
        fake.call("cards/batches/update", "user", "id=123;locked=0")
            .code(),
        "204"
    );
    assert_eq!(locks(&fake), [0, 0, 1]);
    assert_eq!(
        fake.call("cards/groups/update", "user", "id=123;locked=1")
            .code(),
        "204"
    );
    assert_eq!(
        locks(&fake),
        [1, 1, 1],
        "a locked group locks its cards too"
    );
}

/// cards/files/upload and delete (spec/cards/files/*.yaml): exactly one of data and sound, data a
/// WAV of at most 512 KiB in Base64 however a client escapes it, a sound of the caller's own, the
/// ten names exactly; the prompts show on the control plane, never their bytes.
#[test]
fn prompts_are_uploaded_from_wav_or_sound_and_deleted_once() {
    use base64::Engine;
    let fake = Fake::start();
    let upload = |rest: &str| {
        let reply = fake.call("cards/files/upload", "user", rest);
        (reply.code(), reply.key())
    };
    let ok = ("204".to_owned(), String::new());
    let refused = |key: &str| ("400".to_owned(), key.to_owned());
    // A WAV whose Base64 has a '+' and a '/', sent unescaped: the '+' arrives as a space.
    let mut wav = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
    wav.extend([0, 0, 0xfb, 0xef, 0xbf]);
    let text = base64::engine::general_purpose::STANDARD.encode(&wav);
    assert!(text.contains('+') && text.contains('/'), "{text}");
    assert_eq!(
        upload(&format!("cardgroup=123;file=goodbye;data={text}")),
        ok
    );
    assert_eq!(
        upload("cardgroup=123;file=goodbye;data=;sound=456"),
        ok,
        "empty data is none"
    );
    assert_eq!(
        upload("cardgroup=123;file=goodbye;sound=0"),
        refused("data"),
        "sound=0 is none"
    );
    assert_eq!(
        upload(&format!("cardgroup=123;file=goodbye;data={text};sound=456")),
        refused("data")
    );
    assert_eq!(
        upload("cardgroup=123;file=goodbye;sound=457"),
        refused("sound"),
        "another's sound"
    );
    assert_eq!(
        upload("cardgroup=123;file=Goodbye;sound=456"),
        refused("file")
    );
    assert_eq!(
        upload("cardgroup=124;file=goodbye;sound=456"),
        ("404".to_owned(), "cardgroup".to_owned())
    );
    let mut big = b"RIFF\x00\x00\x00\x00WAVE".to_vec();
    big.resize(512 * 1024 + 1, 0);
    let big = base64::engine::general_purpose::STANDARD.encode(&big);
    let reply = fake.post(
        "/api/json/cards/files/upload/",
        Some("application/x-www-form-urlencoded"),
        &format!(
            "auth_username=user&auth_password=password&cardgroup=123&file=expired&data={}",
            big.replace('+', "%2B").replace('/', "%2F")
        ),
    );
    assert_eq!(
        (reply.code(), reply.key()),
        refused("data"),
        "one byte past 512 KiB"
    );
    let noplan = fake.call(
        "cards/files/upload",
        "noplan",
        "cardgroup=126;file=goodbye;sound=456",
    );
    assert_eq!(noplan.code(), "403");

    assert_eq!(
        upload(&format!("cardgroup=123;file=expired;data={text}")),
        ok
    );
    let groups = fake.get("/_fake/groups").json();
    let prompts = &groups["rows"][0]["prompts"];
    assert_eq!(
        prompts,
        &json!({
            "balance": {"sound": 456},
            "destination": {"sound": 456},
            "expired": {"wav_bytes": wav.len()},
            "goodbye": {"sound": 456},
        })
    );
    let delete = |file: &str| {
        fake.call(
            "cards/files/delete",
            "user",
            &format!("cardgroup=123;file={file}"),
        )
        .code()
    };
    assert_eq!(delete("expired"), "204");
    assert_eq!(delete("expired"), "404");
    assert_eq!(delete("in-use"), "404", "never set");
    assert_eq!(delete("nope"), "400");
}
