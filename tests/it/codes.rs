//! Every response code the vendor lists for the two core functions, provoked over HTTP and pinned
//! as envelopes; the order of the checks (D5) and the keys of errors (D6).

use crate::support::Fake;

/// Runs `cases` (name, user, function, parameters) in order on one fake and lists each answer.
fn transcript(fake: &Fake, cases: &[(&str, &str, &str, &str)]) -> String {
    let mut out = String::new();
    for (name, user, function, rest) in cases {
        let reply = fake.call(function, user, rest);
        assert_eq!(reply.status, 200, "{name}");
        out.push_str(&format!(
            "{name}\n  {user} {function} {rest}\n  {}\n",
            reply.body
        ));
    }
    out
}

#[test]
fn cards_batches_create_answers_every_code_on_its_page() {
    let fake = Fake::start();
    let text = transcript(
        &fake,
        &[
            (
                "200 one batch",
                "user",
                "cards/batches/create",
                "cardgroup=123;batch_name=x",
            ),
            (
                "201 validation",
                "user",
                "cards/batches/create",
                "cardgroup=123;batch_name=x;validation=1",
            ),
            (
                "400 missing batch_name",
                "user",
                "cards/batches/create",
                "cardgroup=123",
            ),
            (
                "400 bad method",
                "user",
                "cards/batches/create",
                "cardgroup=123;batch_name=x;method=shuffled",
            ),
            (
                "401 wrong password",
                "nobody",
                "cards/batches/create",
                "cardgroup=123;batch_name=x",
            ),
            (
                "402 read-only role",
                "reader",
                "cards/batches/create",
                "cardgroup=123;batch_name=x",
            ),
            (
                "402 role without cards",
                "nocards",
                "cards/batches/create",
                "cardgroup=123;batch_name=x",
            ),
            (
                "404 another customer's group",
                "user",
                "cards/batches/create",
                "cardgroup=124;batch_name=x",
            ),
            (
                "404 no such group",
                "user",
                "cards/batches/create",
                "cardgroup=999;batch_name=x",
            ),
            (
                "200 fill every 4-digit number",
                "user",
                "cards/batches/create",
                "cardgroup=123;batch_name=fill;card_length=4;method=sequential;number=9000",
            ),
            (
                "500 no 4-digit number left",
                "user",
                "cards/batches/create",
                "cardgroup=123;batch_name=more;card_length=4;number=1",
            ),
        ],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn cards_groups_update_answers_every_code_on_its_page() {
    let fake = Fake::start();
    let text = transcript(
        &fake,
        &[
            (
                "201 validation",
                "user",
                "cards/groups/update",
                "id=123;name=x;validation=1",
            ),
            (
                "204 updated",
                "user",
                "cards/groups/update",
                "id=123;name=x",
            ),
            (
                "400 bad charge_period",
                "user",
                "cards/groups/update",
                "id=123;charge_period=hourly",
            ),
            (
                "401 unknown user",
                "nobody",
                "cards/groups/update",
                "id=123",
            ),
            (
                "402 read-only role",
                "reader",
                "cards/groups/update",
                "id=123;name=x",
            ),
            (
                "403 rate plan without cards",
                "noplan",
                "cards/groups/update",
                "id=126;name=x",
            ),
            (
                "404 another customer's group",
                "user",
                "cards/groups/update",
                "id=124;name=x",
            ),
            (
                "404 no such group",
                "user",
                "cards/groups/update",
                "id=999;name=x",
            ),
        ],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn checks_run_in_the_order_of_d5() {
    let fake = Fake::start();
    let update = |user: &str, rest: &str| fake.call("cards/groups/update", user, rest).outcome();
    // 401 before everything: a bad password with bad parameters.
    assert_eq!(update("nobody", "id=x"), "401");
    // 402 before 403 and 400: a read-only user, bad parameters.
    assert_eq!(update("reader", "id=x"), "402");
    // 403 before 400.
    assert_eq!(update("noplan", "id=x"), "403");
    // 400 (parameters, in spec order) before 404: a foreign group and a bad later parameter.
    assert_eq!(
        update("user", "id=124;clock=0;card_length=2"),
        "400 card_length"
    );
    // 404 before a 400 that needs state: a foreign group, and pins the wrong way round.
    assert_eq!(
        update("user", "id=124;pin_minimum=9;pin_maximum=5"),
        "404 id"
    );
    // The state 400 once the group is the caller's own.
    assert_eq!(
        update("user", "id=123;pin_minimum=9;pin_maximum=5"),
        "400 pin_minimum"
    );
    // validation=1 answers 201 only after every check has passed (D14).
    assert_eq!(update("user", "id=999;validation=1"), "404 id");
    assert_eq!(update("user", "id=123;plan=4;validation=1"), "400 plan");
    assert_eq!(update("user", "id=123;plan=1;validation=1"), "201");
}

#[test]
fn a_missing_auth_username_is_401_not_400() {
    let fake = Fake::start();
    let reply = fake.get("/api/json/cards/groups/update/?id=123");
    assert_eq!(reply.outcome(), "401");
}

#[test]
fn d13_403_only_where_the_function_lists_it() {
    let fake = Fake::start();
    // cards/batches/create lists no 403: the user whose rate plan lacks cards may create batches.
    assert_eq!(
        fake.call(
            "cards/batches/create",
            "noplan",
            "cardgroup=126;batch_name=x"
        )
        .code(),
        "200"
    );
    assert_eq!(
        fake.call("cards/groups/update", "noplan", "id=126;name=x")
            .code(),
        "403"
    );
    // Read functions list no 403 either.
    assert_eq!(
        fake.call("cards/groups/get", "noplan", "id=126").code(),
        "200"
    );
}

#[test]
fn read_only_roles_may_read_but_not_write() {
    let fake = Fake::start();
    assert_eq!(
        fake.call("cards/groups/get", "reader", "id=123").code(),
        "200"
    );
    assert_eq!(
        fake.call("cards/list", "reader", "cardgroup=123").code(),
        "200"
    );
    assert_eq!(fake.call("cards/batches/list", "reader", "").code(), "200");
    assert_eq!(
        fake.call("cards/groups/create", "reader", "name=x;plan=2")
            .code(),
        "402"
    );
    assert_eq!(
        fake.call("cards/groups/get", "nocards", "id=123").code(),
        "402"
    );
}
