//! The bad-input corpus: hostile requests sent byte for byte over loopback, each with the answer
//! it must get. An API request the fake can read gets an envelope naming the parameter at fault;
//! one it cannot read as a request at all gets a plain HTTP 4xx. Never a 5xx, a dropped
//! connection or a hang; and after each one the state is byte-identical and the server answers.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::support::Fake;

const AUTH: &str = "auth_username=user;auth_password=password";
const UPDATE: &str = "/api/json/cards/groups/update/";
const CREATE: &str = "/api/json/cards/batches/create/";

/// What a case must be answered.
#[derive(Debug, Clone)]
enum Expect {
    /// HTTP 200 carrying this outcome: `"400 id"`, `"201"`.
    Api(&'static str),
    /// This HTTP status and the envelope outcome in its body.
    StatusApi(u16, &'static str),
    /// This HTTP status, the request never read as an API call.
    Http(u16),
}

struct Case {
    name: String,
    request: Vec<u8>,
    expect: Expect,
}

fn case(name: impl Into<String>, request: Vec<u8>, expect: Expect) -> Case {
    Case {
        name: name.into(),
        request,
        expect,
    }
}

/// A GET of `path` with `query` after the principal's credentials, as written (not encoded).
fn get(path: &str, query: &str) -> Vec<u8> {
    format!("GET {path}?{AUTH};{query} HTTP/1.1\r\nHost: fake\r\nConnection: close\r\n\r\n")
        .into_bytes()
}

/// A request with the given method, target, extra header lines and body (a Content-Length is
/// added for a non-empty body unless a header already frames it).
fn raw(method: &str, target: &str, headers: &[String], body: &[u8]) -> Vec<u8> {
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: fake\r\nConnection: close\r\n");
    for header in headers {
        head.push_str(header);
        head.push_str("\r\n");
    }
    let framed = headers.iter().any(|h| {
        let h = h.to_ascii_lowercase();
        h.starts_with("content-length") || h.starts_with("transfer-encoding")
    });
    if !body.is_empty() && !framed {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A POST of a form body to `path`, credentials in the query.
fn post_form(path: &str, body: &[u8]) -> Vec<u8> {
    raw(
        "POST",
        &format!("{path}?{AUTH}"),
        &["Content-Type: application/x-www-form-urlencoded".to_owned()],
        body,
    )
}

/// `body` as one chunk of a chunked body.
fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n0\r\n\r\n");
    out
}

fn corpus() -> Vec<Case> {
    use Expect::{Api, Http, StatusApi};
    let mut cases = Vec::new();
    let mut api = |name: &str, query: &str, expect: &'static str| {
        cases.push(case(name, get(UPDATE, query), Api(expect)));
    };

    // Percent escapes and text that is not text.
    api("escape: not hex", "id=%zz", "400 id");
    api("escape: one digit", "id=%4", "400 id");
    api("escape: trailing percent", "id=1%", "400 id");
    api("escape: bare percent", "id=%", "400 id");
    api(
        "escape: in an unknown name",
        "%zz=1;id=123;validation=1",
        "201",
    );
    api(
        "utf-8: lone bytes",
        "id=123;name=%FF%FE;validation=1",
        "400 name",
    );
    api(
        "utf-8: broken sequence",
        "id=123;name=%C3%28;validation=1",
        "400 name",
    );
    api(
        "utf-8: surrogate",
        "id=123;name=%ED%A0%80;validation=1",
        "400 name",
    );
    api(
        "utf-8: overlong",
        "id=123;name=%C0%AF;validation=1",
        "400 name",
    );
    api(
        "utf-8: valid, escaped",
        "id=123;name=%C3%A9t%C3%A9;validation=1",
        "201",
    );
    api(
        "nul: in a string",
        "id=123;name=a%00b;validation=1",
        "400 name",
    );
    api("nul: in an integer", "id=1%002", "400 id");

    // Integers.
    api("integer: past i64", "id=9223372036854775808", "400 id");
    api("integer: below i64", "id=-9223372036854775809", "400 id");
    api(
        "integer: 30 digits",
        "id=123456789012345678901234567890",
        "400 id",
    );
    api(
        "integer: i64 max names nothing",
        "id=9223372036854775807",
        "404 id",
    );
    api("integer: exponent", "id=1e3", "400 id");
    api("integer: escaped plus", "id=%2B1", "400 id");
    api("integer: plus is a space", "id=+1", "400 id");
    api("integer: leading space", "id=%20123", "400 id");
    api("integer: trailing space", "id=123%20", "400 id");
    api("integer: hex", "id=0x10", "400 id");
    api("integer: a point", "id=1.0", "400 id");
    api("integer: arabic-indic digit", "id=%D9%A1", "400 id");
    api("integer: fullwidth digit", "id=%EF%BC%91", "400 id");
    api("integer: minus alone", "id=-", "400 id");

    // Decimals.
    let forty = "1234567890123456789012345678901234567890";
    for (name, balance) in [
        ("decimal: 40 digits", forty.to_owned()),
        ("decimal: 40 decimals", format!("0.{forty}")),
        ("decimal: exponent", "1e3".to_owned()),
        ("decimal: bare point first", ".5".to_owned()),
        ("decimal: bare point last", "5.".to_owned()),
        ("decimal: comma", "1,5".to_owned()),
        ("decimal: NaN", "NaN".to_owned()),
        ("decimal: infinity", "inf".to_owned()),
        ("decimal: two minus signs", "--1".to_owned()),
    ] {
        api(
            name,
            &format!("id=123;balance={balance};validation=1"),
            "400 balance",
        );
    }

    // Empty, repeated and missing.
    api("empty: required integer", "id=", "400 id");
    api(
        "empty: optional integer",
        "id=123;card_length=;validation=1",
        "400 card_length",
    );
    api(
        "empty: allowed set",
        "id=123;method=;validation=1",
        "400 method",
    );
    api("empty: nothing but credentials", "", "400 id");
    api("empty: only separators", ";;;&&&", "400 id");
    api(
        "repeat: the first, bad, wins",
        "id=abc;id=123;validation=1",
        "400 id",
    );
    api(
        "repeat: the first, good, wins",
        "id=123;id=abc;validation=1",
        "201",
    );
    api("validation: 2", "id=123;validation=2", "400 validation");
    api("validation: -1", "id=123;validation=-1", "400 validation");
    api(
        "validation: a word",
        "id=123;validation=yes",
        "400 validation",
    );
    api("validation: 1.0", "id=123;validation=1.0", "400 validation");
    cases.push(case(
        "auth: none at all",
        raw("GET", &format!("{UPDATE}?id=123"), &[], b""),
        Api("401"),
    ));
    cases.push(case(
        "auth: a 64 KiB password",
        raw(
            "POST",
            UPDATE,
            &[],
            format!(
                "auth_username=user;auth_password={};id=123",
                "x".repeat(64 * 1024)
            )
            .as_bytes(),
        ),
        Api("401"),
    ));

    // Sizes.
    let big = "9".repeat(64 * 1024);
    cases.push(case(
        "size: a 64 KiB integer in a form",
        post_form(UPDATE, format!("id={big}").as_bytes()),
        Api("400 id"),
    ));
    cases.push(case(
        "size: a 64 KiB string with validation=1",
        post_form(
            UPDATE,
            format!("id=123;validation=1;name={}", "n".repeat(64 * 1024)).as_bytes(),
        ),
        Api("201"),
    ));
    let many: String = (0..10_000).map(|i| format!("x{i}={i};")).collect();
    cases.push(case(
        "size: 10,000 unknown parameters in a form",
        post_form(UPDATE, many.as_bytes()),
        Api("400 id"),
    ));
    let repeats = "id=abc;".repeat(10_000);
    cases.push(case(
        "size: 10,000 repeats of one name in a form",
        post_form(UPDATE, repeats.as_bytes()),
        Api("400 id"),
    ));
    cases.push(case(
        "size: 10,000 parameters in the query",
        get(UPDATE, &many),
        Http(431),
    ));
    cases.push(case(
        "size: a 64 KiB value in the query",
        get(UPDATE, &format!("id={big}")),
        Http(431),
    ));
    cases.push(case(
        "size: a request line of 100 KiB",
        get(&format!("/api/json/{}", "a".repeat(100 * 1024)), ""),
        Http(431),
    ));
    cases.push(case(
        "size: a body over the limit, announced",
        raw(
            "POST",
            UPDATE,
            &[
                "Content-Type: application/x-www-form-urlencoded".to_owned(),
                format!("Content-Length: {}", 2 * 1024 * 1024),
            ],
            b"",
        ),
        Http(413),
    ));
    cases.push(case(
        "size: a chunked body over the limit",
        raw(
            "POST",
            &format!("{UPDATE}?{AUTH}"),
            &["Transfer-Encoding: chunked".to_owned()],
            &chunked(&vec![b'x'; 1024 * 1024 + 1]),
        ),
        Http(413),
    ));
    let headers: Vec<String> = (0..200).map(|i| format!("X-Flood-{i}: {i}")).collect();
    cases.push(case(
        "headers: 200 of them",
        raw("GET", &format!("{UPDATE}?{AUTH};id=123"), &headers, b""),
        Http(431),
    ));
    cases.push(case(
        "headers: one of 70 KiB",
        raw(
            "GET",
            &format!("{UPDATE}?{AUTH};id=123"),
            &[format!("X-Big: {}", "h".repeat(70 * 1024))],
            b"",
        ),
        Http(431),
    ));

    // Methods.
    for method in ["PUT", "DELETE", "PATCH", "OPTIONS", "FOO"] {
        cases.push(case(
            format!("method: {method}"),
            raw(method, &format!("{UPDATE}?{AUTH};id=123;name=x"), &[], b""),
            StatusApi(405, "400"),
        ));
    }
    cases.push(case(
        "method: HEAD",
        raw("HEAD", &format!("{UPDATE}?{AUTH};id=123;name=x"), &[], b""),
        Http(405),
    ));
    cases.push(case(
        "method: not a token",
        raw("G(T", &format!("{UPDATE}?{AUTH}"), &[], b""),
        Http(400),
    ));

    // Bodies: content types, chunks, framing.
    for content_type in [
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
    ] {
        cases.push(case(
            format!("content-type: {content_type}"),
            raw(
                "POST",
                &format!("{UPDATE}?{AUTH}"),
                &[format!("Content-Type: {content_type}")],
                b"id=123;name=x",
            ),
            StatusApi(415, "400"),
        ));
    }
    cases.push(case(
        "content-type: none, read as a form",
        raw("POST", &format!("{UPDATE}?{AUTH}"), &[], b"id=abc"),
        Api("400 id"),
    ));
    cases.push(case(
        "content-type: with a charset, upper case",
        raw(
            "POST",
            &format!("{UPDATE}?{AUTH}"),
            &["Content-Type: APPLICATION/X-WWW-FORM-URLENCODED; charset=UTF-8".to_owned()],
            b"id=abc",
        ),
        Api("400 id"),
    ));
    cases.push(case(
        "chunked: a form in one chunk",
        raw(
            "POST",
            &format!("{UPDATE}?{AUTH}"),
            &[
                "Content-Type: application/x-www-form-urlencoded".to_owned(),
                "Transfer-Encoding: chunked".to_owned(),
            ],
            &chunked(b"id=abc"),
        ),
        Api("400 id"),
    ));
    cases.push(case(
        "chunked: a bad chunk size",
        raw(
            "POST",
            &format!("{UPDATE}?{AUTH}"),
            &["Transfer-Encoding: chunked".to_owned()],
            b"zz\r\nid=abc\r\n0\r\n\r\n",
        ),
        Http(400),
    ));
    cases.push(case(
        "framing: content-length not a number",
        raw(
            "POST",
            &format!("{UPDATE}?{AUTH}"),
            &["Content-Length: abc".to_owned()],
            b"id=abc",
        ),
        Http(400),
    ));
    cases.push(case(
        "framing: two content-lengths that differ",
        raw(
            "POST",
            &format!("{UPDATE}?{AUTH}"),
            &[
                "Content-Length: 6".to_owned(),
                "Content-Length: 7".to_owned(),
            ],
            b"id=abc",
        ),
        Http(400),
    ));
    cases.push(case(
        "framing: a header line without a colon",
        raw(
            "GET",
            &format!("{UPDATE}?{AUTH}"),
            &["Broken".to_owned()],
            b"",
        ),
        Http(400),
    ));
    cases.push(case(
        "request line: a raw space in the target",
        b"GET /api/json/cards/groups/update/?id=1 2 HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"
            .to_vec(),
        Http(400),
    ));
    cases.push(case(
        "request line: a raw NUL",
        b"GET /api/json/\0 HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n".to_vec(),
        Http(400),
    ));
    cases.push(case(
        "request line: a raw byte over 0x7F",
        b"GET /api/json/cards/groups/get/?id=\xff HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"
            .to_vec(),
        Http(400),
    ));
    cases.push(case(
        "request line: HTTP/1.0 without Host",
        format!("GET {UPDATE}?{AUTH};id=abc HTTP/1.0\r\n\r\n").into_bytes(),
        Api("400 id"),
    ));
    cases.push(case(
        "request line: absolute form",
        raw(
            "GET",
            &format!("http://fake{UPDATE}?{AUTH};id=abc"),
            &[],
            b"",
        ),
        Api("400 id"),
    ));

    // Paths.
    for (name, path) in [
        (
            "path: climbing to the control plane",
            "/api/json/../_fake/reset",
        ),
        (
            "path: one segment too many",
            "/api/json/cards/groups/update/extra/",
        ),
        ("path: doubled slashes", "/api/json//cards//groups/update"),
        (
            "path: a long unknown function",
            &format!("/api/json/{}", "f".repeat(4000)),
        ),
        (
            "path: escaped slashes",
            "/api/json/cards%2Fgroups%2Fupdate/",
        ),
    ] {
        cases.push(case(name, get(path, "id=123;name=x"), Api("404")));
    }
    cases.push(case(
        "namespace: a name that climbs",
        get("/_ns/%2e%2e/api/json/cards/groups/update/", "id=abc"),
        StatusApi(400, "400"),
    ));
    cases.push(case(
        "namespace: a name of 300 characters",
        get(
            &format!("/_ns/{}/api/json/cards/groups/update/", "n".repeat(300)),
            "id=abc",
        ),
        StatusApi(400, "400"),
    ));
    cases.push(case(
        "batch: 10^18 cards",
        get(
            CREATE,
            "cardgroup=123;batch_name=b;number=1000000000;batch_number=1000000000",
        ),
        Api("400 number"),
    ));
    cases
}

/// What came back: the status and the body, or why nothing did.
fn exchange(addr: SocketAddr, request: &[u8]) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    // The server may answer (413, 431) and close before reading everything: not an error here.
    let _ = stream.write_all(request);
    let mut raw = Vec::new();
    match stream.read_to_end(&mut raw) {
        Ok(_) => {}
        Err(e) if raw.is_empty() => return Err(format!("no answer: {e}")),
        Err(_) => {}
    }
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no complete answer: {text:?}"))?;
    let status = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line: {head:?}"))?;
    Ok((status, body.to_owned()))
}

fn outcome(body: &str) -> Result<String, String> {
    let json: serde_json::Value =
        serde_json::from_str(body).map_err(|e| format!("not JSON ({e}): {body}"))?;
    let code = json["responses"][0]["code"].as_str().unwrap_or("?");
    let key = json["responses"][0]["key"].as_str().unwrap_or("");
    Ok(if key.is_empty() {
        code.to_owned()
    } else {
        format!("{code} {key}")
    })
}

fn judge(expect: &Expect, answer: Result<(u16, String), String>) -> Result<(), String> {
    let (status, body) = answer?;
    match expect {
        Expect::Api(want) => {
            if status != 200 {
                return Err(format!("HTTP {status}, not 200: {body}"));
            }
            let got = outcome(&body)?;
            (got == *want)
                .then_some(())
                .ok_or_else(|| format!("answered {got}, not {want}: {body}"))
        }
        Expect::StatusApi(want_status, want) => {
            let got = outcome(&body)?;
            (status == *want_status && got == *want)
                .then_some(())
                .ok_or_else(|| format!("HTTP {status} {got}, not {want_status} {want}: {body}"))
        }
        Expect::Http(want) => (status == *want)
            .then_some(())
            .ok_or_else(|| format!("HTTP {status}, not {want}: {body}")),
    }
}

#[test]
fn every_hostile_request_gets_its_answer_and_changes_nothing() {
    let fake = Fake::start();
    let before = fake.state();
    let cases = corpus();
    assert!(cases.len() >= 60, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(why) = judge(&case.expect, exchange(fake.addr(), &case.request)) {
            failures.push(format!("{}: {why}", case.name));
        }
        let health = fake.get("/_fake/health");
        assert_eq!(
            health.status, 200,
            "after {}: the server stopped answering",
            case.name
        );
        assert_eq!(
            fake.state(),
            before,
            "after {}: the state changed",
            case.name
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn namespaces_are_capped_and_dropping_one_makes_room() {
    use enswitch_fake::fake::ApiRequest;
    use enswitch_fake::workbench::MAX_NAMESPACES;
    use enswitch_fake::workbench::Workbench;

    let app = Workbench::embedded().unwrap();
    // Reading a namespace's state makes the namespace (a health check alone does not).
    let visit = |name: &str| {
        let reply = app.serve(ApiRequest::get(&format!("/_ns/{name}/_fake/state")));
        let answer = reply.answer().expect("an answer");
        (
            answer.status,
            String::from_utf8(answer.body.to_vec()).unwrap(),
        )
    };
    for i in 0..MAX_NAMESPACES {
        assert_eq!(visit(&format!("n{i}")).0, 200, "namespace {i}");
    }
    let (status, body) = visit("one-too-many");
    assert_eq!(status, 400);
    assert!(body.contains("DELETE /_fake/ns/"), "{body}");
    assert_eq!(visit("n7").0, 200, "existing namespaces still answer");
    assert_eq!(app.drop_namespace("n7"), Ok(true));
    assert_eq!(visit("one-too-many").0, 200);
}
