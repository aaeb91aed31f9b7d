//! How a fuzzer's bytes become a request; shared by the fuzz targets and by the regression test
//! that replays their findings (`tests/it/fuzz.rs`), so a saved input means the same everywhere.

use enswitch_fake::fake::{ApiRequest, Method};

/// The functions a `handle` input may call: the spec's, one that does not exist, and one with
/// a trailing path.
pub const PATHS: [&str; 8] = [
    "/api/json/cards/batches/create/",
    "/api/json/cards/batches/list/",
    "/api/json/cards/groups/create/",
    "/api/json/cards/groups/get/",
    "/api/json/cards/groups/update/",
    "/api/json/cards/list/",
    "/api/json/cards/nothing/",
    "/api/json/cards/groups/update/extra",
];

/// `params`: bytes up to the first newline are the query (read as text, lossily), the rest the
/// form body.
pub fn split(data: &[u8]) -> (String, &[u8]) {
    match data.iter().position(|b| *b == b'\n') {
        Some(at) => (
            String::from_utf8_lossy(&data[..at]).into_owned(),
            &data[at + 1..],
        ),
        None => (String::from_utf8_lossy(data).into_owned(), &[]),
    }
}

/// `handle`: the first byte picks the path, the second the method and content type, the rest
/// is query and body as `split` reads them.
pub fn request(data: &[u8]) -> Option<ApiRequest> {
    let [path, how, rest @ ..] = data else {
        return None;
    };
    let (query, body) = split(rest);
    let (method, content_type) = match how % 5 {
        0 => (Method::Get, None),
        1 => (Method::Post, Some("application/x-www-form-urlencoded")),
        2 => (Method::Post, None),
        3 => (Method::Post, Some("application/json")),
        _ => (Method::Other("PUT".into()), None),
    };
    Some(ApiRequest {
        method,
        path: PATHS[usize::from(*path) % PATHS.len()].to_owned(),
        query,
        content_type: content_type.map(str::to_owned),
        admin_token: None,
        accept: None,
        body: body.to_vec(),
    })
}

/// The fake the `handle` target drives: the embedded spec and seed, at most 100 cards a call so
/// no input spends its time making cards.
pub fn app() -> enswitch_fake::workbench::Workbench {
    use enswitch_fake::fake::{DEFAULT_RNG_SEED, Settings, seed};
    use enswitch_fake::spec::Spec;
    use enswitch_fake::workbench::{Config, Workbench};
    let spec = Spec::embedded().expect("the embedded spec loads");
    let world = seed::load(&spec, seed::EMBEDDED_NAME, seed::EMBEDDED, DEFAULT_RNG_SEED)
        .expect("the embedded seed loads");
    let config = Config {
        fake: Settings {
            max_cards: 100,
            ..Settings::default()
        },
        ..Config::default()
    };
    Workbench::new(spec, world, config)
}

/// What every answer must be: an answer (no fault closes the connection here), HTTP 200 (or
/// 405/415 for a request that is no API call), an envelope of three strings with a three-digit
/// code, and never code 500.
pub fn check(reply: &enswitch_fake::workbench::Reply) -> Result<(), String> {
    let answer = reply.answer().ok_or("the connection was closed")?;
    if ![200, 405, 415].contains(&answer.status) {
        return Err(format!("HTTP {}", answer.status));
    }
    let json: serde_json::Value = serde_json::from_slice(&answer.body).map_err(|e| {
        format!(
            "not JSON ({e}): {:?}",
            String::from_utf8_lossy(&answer.body)
        )
    })?;
    let first = &json["responses"][0];
    let code = first["code"].as_str().ok_or("no code")?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("code {code:?}"));
    }
    if !first["key"].is_string() || !first["message"].is_string() {
        return Err(format!("an envelope without key or message: {json}"));
    }
    if code == "500" {
        return Err(format!("a 500: {json}"));
    }
    Ok(())
}
