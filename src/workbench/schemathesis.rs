//! `GET /_fake/schemathesis.toml`: a Schemathesis configuration for this fake, made from its spec
//! and its world, so that a team runs Schemathesis with one file. It names a user of the world
//! who may use every function, the world's objects that user may act on as the values of the
//! parameters that refer to objects (so that valid requests reach something), and turns off only
//! what the OpenAPI document cannot state, each with its reason as a comment:
//!
//! - on POST, "schema-valid request rejected" and "schema-violating request accepted": a
//!   parameter may be in the query or the body (D2), so neither requires it, and the first of two
//!   occurrences wins (D3);
//! - on a GET whose function has rules across parameters (the spec's `constraints`), "schema-
//!   valid request rejected";
//! - a 500 where the function's page lists one (`cards/batches/create` when card numbers run out,
//!   D10) is not a server error.
//!
//! No password leaves the fake: the configuration reads the user's from the environment.

use std::fmt::Write as _;

use crate::fake::World;
use crate::fake::world::User;
use crate::spec::{Function, ResourceKind, Spec};

/// The environment variable the configuration reads the user's password from.
const PASSWORD_VARIABLE: &str = "ENSWITCH_FAKE_PASSWORD";

/// The configuration for a fake serving `spec` on `world`.
pub(super) fn config(spec: &Spec, world: &World) -> String {
    let mut out = String::new();
    out.push_str(
        "\
# Schemathesis for enswitch-fake, made by GET /_fake/schemathesis.toml for this fake's spec and
# world. Run it against a fake that mirrors the Enswitch code into the HTTP status (an HTTP-level
# tool cannot tell a 400 inside an HTTP 200 from acceptance), with a card cap that keeps the
# generated batches small:
#
#   enswitch-fake serve --http-status mirror --max-cards 1000
#   curl -fo schemathesis.toml http://127.0.0.1:8080/_fake/schemathesis.toml
#   ENSWITCH_FAKE_PASSWORD=password st --config-file schemathesis.toml run \\
#     http://127.0.0.1:8080/_fake/openapi.json --url http://127.0.0.1:8080/api/json
#
# Every check runs unless turned off below, and each one turned off says why: a rule of the API
# that an OpenAPI document has no way to state, never a fault of the fake.

[checks]
enabled = true
",
    );
    let Some(user) = full_user(world) else {
        out.push_str(
            "\n# This world has no user whose role and rate plan allow every cards function: \
             give\n# Schemathesis credentials of your own ([auth.openapi.username] and \
             [auth.openapi.password]).\n",
        );
        exclusions(spec, &mut out);
        return out;
    };
    let _ = write!(
        out,
        "
# The world's user {name:?} (customer {customer}, role {role}). The fake never sends a
# password: set {PASSWORD_VARIABLE} to this user's (the embedded seed's users and their passwords
# are listed in the README).
[auth.openapi.username]
api_key = {quoted}

[auth.openapi.password]
api_key = \"${{{PASSWORD_VARIABLE}}}\"
",
        name = user.username,
        quoted = toml_string(&user.username),
        customer = user.customer,
        role = user.role,
    );
    exclusions(spec, &mut out);
    objects(spec, world, user, &mut out);
    out
}

/// The first user (by id) whose role has the `cards` privilege in full and whose customer's rate
/// plan allows it: one every cards function answers.
fn full_user(world: &World) -> Option<&User> {
    let mut users: Vec<&User> = world.users.values().collect();
    users.sort_by_key(|u| u.id);
    users.into_iter().find(|u| {
        let full = world
            .roles
            .get(&u.role)
            .and_then(|r| r.privileges.get("cards"))
            .is_some_and(|level| *level == crate::fake::Level::Full);
        let allowed = world
            .customers
            .get(&u.customer)
            .and_then(|c| world.rate_plans.get(&c.rate_plan))
            .is_some_and(|plan| plan.privileges.contains("cards"));
        full && allowed
    })
}

/// The checks turned off, where, and why.
fn exclusions(spec: &Spec, out: &mut String) {
    out.push_str(
        "
# D2: a POST may carry each parameter in its query string or its form body, so the document makes
# every parameter optional in both places, and a POST that sends a required one in neither is
# answered 400 (\"schema-valid request rejected\"). D3: a name given twice means its first
# occurrence, the query's before the body's, so an invalid value in the body beside a valid one in
# the query is not an error (\"schema-violating request accepted\").
[[operations]]
include-method = \"POST\"
checks.positive_data_acceptance.enabled = false
checks.negative_data_rejection.enabled = false
",
    );
    for f in spec.functions() {
        if f.constraints.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n# {}: rules across parameters, which no schema of one parameter states, so a\n\
             # request valid parameter by parameter may be answered 400 (\"schema-valid request \
             rejected\"):",
            f.path
        );
        for constraint in &f.constraints {
            let _ = writeln!(out, "# - {}", constraint.description);
        }
        let _ = writeln!(
            out,
            "[[operations]]\ninclude-method = \"GET\"\ninclude-path-regex = {}\n\
             checks.positive_data_acceptance.enabled = false",
            path_regex(f)
        );
    }
    for f in spec.functions() {
        if !f.responses.iter().any(|r| r.code.as_u16() == 500) {
            continue;
        }
        let _ = writeln!(
            out,
            "\n# {}: its page lists 500 among its answers (the fake gives it when card numbers \
             run out,\n# D10), so a 500 is not a server error here; any other 5xx still is.\n\
             [[operations]]\ninclude-path-regex = {}\n\
             checks.not_a_server_error.expected-statuses = [\"2xx\", \"3xx\", \"4xx\", \"500\"]",
            f.path,
            path_regex(f)
        );
    }
}

/// For each function that takes a reference to an object, the world's object of that kind that
/// `user` may act on, so that a valid request finds it rather than a 404.
fn objects(spec: &Spec, world: &World, user: &User, out: &mut String) {
    let mut said = false;
    for f in spec.functions() {
        let values: Vec<String> = f
            .parameters
            .iter()
            .filter_map(|p| {
                let kind = p.refers_to.as_ref()?.resource;
                Some(format!("{} = {}", p.name, object(world, user, kind)?))
            })
            .collect();
        if values.is_empty() {
            continue;
        }
        if !said {
            let _ = writeln!(
                out,
                "\n# The objects of the world that {:?} may act on, as the parameters that name \
                 objects, so that\n# a valid request reaches one (a generated id would find \
                 nothing).",
                user.username
            );
            said = true;
        }
        let _ = writeln!(
            out,
            "[[operations]]\ninclude-path-regex = {}\nparameters = {{ {} }}",
            path_regex(f),
            values.join(", ")
        );
    }
}

/// The id (TOML) of the first object of `kind` that belongs to `user`'s customer.
fn object(world: &World, user: &User, kind: ResourceKind) -> Option<String> {
    let customer = user.customer;
    match kind {
        ResourceKind::Customer => Some(customer.to_string()),
        ResourceKind::RatePlan => Some(world.customers.get(&customer)?.rate_plan.to_string()),
        ResourceKind::CardGroup => world
            .card_groups()
            .values()
            .find(|g| g.customer == customer)
            .map(|g| g.id.to_string()),
        ResourceKind::Batch => world
            .batches()
            .values()
            .find(|b| b.customer == customer)
            .map(|b| b.id.to_string()),
        ResourceKind::Card => world
            .cards()
            .iter()
            .find(|c| world.card_customer(c) == customer)
            .map(|c| toml_string(&c.card)),
        ResourceKind::Sound => world
            .sounds
            .values()
            .find(|s| s.customer == customer)
            .map(|s| s.id.to_string()),
    }
}

/// A path regex (a TOML string) that matches the function's path with the vendor's trailing
/// `/` and without.
fn path_regex(f: &Function) -> String {
    toml_string(&format!("^/{}/?$", f.path))
}

/// `text` as a TOML basic string: JSON's escapes are TOML's, but for DEL, which TOML wants
/// escaped too.
fn toml_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned())
        .to_string()
        .replace('\u{7f}', "\\u007f")
}
