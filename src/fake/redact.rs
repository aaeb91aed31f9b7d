//! Keeping secrets out of text: the value of `auth_password` or `auth_token` becomes
//! `[redacted]` wherever it follows such a name, however the name and its separator are spelled.
//! Matching the secret's own bytes cannot work (a target may echo half of it, a proxy may encode
//! it again), so the name is what is looked for:
//!
//! - each letter of the name in either case, or percent-encoded (once or more: `%5F`,
//!   `%255F`), or escaped as JSON (`\u005f`) or HTML (`&#95;`, `&#x5f;`) would write it;
//! - then, past any quotes, backslashes and spaces (in the same spellings), `=` or `:`;
//! - then the value, which runs to the end of the line: a secret may hold `;`, `&`, quotes or
//!   spaces, so no other character can be trusted to end it.
//!
//! Texts that are JSON are walked instead ([`redact_json`]), so that they stay JSON: each string
//! is redacted as a line, and the value of a key that is a secret's name is replaced whole.
//! Everything that writes what a client or a target sent (the journal, the request log, the
//! runner's snapshots, reports and errors) goes through here.

use std::borrow::Cow;

use serde_json::Value as Json;

/// The parameters whose values are secrets.
pub const SECRET_PARAMS: [&str; 2] = ["auth_password", "auth_token"];

/// What a secret's value becomes.
pub const REDACTED: &str = "[redacted]";

/// Whether `name` (as decoded) is one of the secret parameters.
pub fn is_secret(name: &str) -> bool {
    SECRET_PARAMS.contains(&name)
}

/// `text` with the value after every spelling of a secret's name, up to the end of its line,
/// replaced by `[redacted]`. Borrowed when nothing is found, which is almost always.
#[inline]
pub fn redact(text: &str) -> Cow<'_, str> {
    // Most names and values a client sends are shorter than any secret with its name.
    if text.len() < SHORTEST {
        return Cow::Borrowed(text);
    }
    redact_found(text)
}

fn redact_found(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let Some(first) = find(bytes, 0) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut found = Some(first);
    while let Some(Found { value, end }) = found {
        out.push_str(&text[copied..value]);
        out.push_str(REDACTED);
        copied = end;
        found = find(bytes, end);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Whether [`redact`] would change `bytes` (read as text).
pub fn holds_secret(bytes: &[u8]) -> bool {
    find(bytes, 0).is_some()
}

/// Every string in `json` redacted as [`redact`] does, every key too, and the value of a key
/// that spells a secret's name replaced by `"[redacted]"`, so that the document stays JSON.
pub fn redact_json(json: &mut Json) {
    match json {
        Json::String(text) => {
            if let Cow::Owned(redacted) = redact(text) {
                *text = redacted;
            }
        }
        Json::Array(items) => items.iter_mut().for_each(redact_json),
        Json::Object(fields) => {
            let secret_key = |key: &str| is_name(key.as_bytes());
            if !fields
                .keys()
                .any(|k| secret_key(k) || holds_secret(k.as_bytes()))
            {
                fields.values_mut().for_each(redact_json);
                return;
            }
            let taken = std::mem::take(fields);
            for (key, mut value) in taken {
                if secret_key(&key) && !matches!(&value, Json::String(s) if s.is_empty()) {
                    value = Json::String(REDACTED.to_owned());
                } else {
                    redact_json(&mut value);
                }
                fields.insert(redact(&key).into_owned(), value);
            }
        }
        Json::Null | Json::Bool(_) | Json::Number(_) => {}
    }
}

/// A body as it can be shown: JSON stays JSON (redacted by [`redact_json`]); anything else is
/// redacted line by line. Borrowed when nothing is found.
pub fn redact_body(body: &[u8]) -> Cow<'_, [u8]> {
    if !holds_secret(body) {
        return Cow::Borrowed(body);
    }
    if let Ok(mut json) = serde_json::from_slice::<Json>(body) {
        redact_json(&mut json);
        return Cow::Owned(serde_json::to_vec(&json).expect("JSON values serialize"));
    }
    Cow::Owned(
        redact(&String::from_utf8_lossy(body))
            .into_owned()
            .into_bytes(),
    )
}

/// Where a found secret's value starts and where its line ends.
struct Found {
    value: usize,
    end: usize,
}

/// The shortest text that can hold a secret: `auth_token=` and one byte.
const SHORTEST: usize = "auth_token=".len() + 1;

/// Whether `text` may hold a secret at all: it is long enough, and has a separator in some
/// spelling (`=`, `:`, or the start of an escape). A quick look that rules out almost every name
/// and value a client sends, and several of them at once when they are looked at together.
pub fn may_hold_secret(text: &[u8]) -> bool {
    if text.len() < SHORTEST {
        false
    } else if text.len() <= 64 {
        // Under a cache line, a look-up a byte costs less than memchr's dispatch.
        text.iter().any(|b| SEPARATING[usize::from(*b)])
    } else {
        memchr::memchr3(b'=', b':', b'%', text).is_some()
            || memchr::memchr2(b'\\', b'&', text).is_some()
    }
}

/// The bytes a separator's spelling starts with.
const SEPARATING: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let bytes = *b"=:%\\&";
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

/// The first secret's value at or after `from` that is not empty.
fn find(text: &[u8], from: usize) -> Option<Found> {
    if !may_hold_secret(&text[from..]) {
        return None;
    }
    let mut at = from;
    while at < text.len() {
        // A name's first letter is `a`, or an escape of it.
        let next = text[at..]
            .iter()
            .position(|b| matches!(b, b'a' | b'A' | b'%' | b'\\' | b'&'))?;
        at += next;
        if let Some(name) = name_end(text, at)
            && let Some(value) = value_start(text, name)
        {
            let end = line_end(text, value);
            if end > value {
                return Some(Found { value, end });
            }
        }
        at += 1;
    }
    None
}

/// The end of a secret parameter's name spelled at `at`, if one is.
fn name_end(text: &[u8], at: usize) -> Option<usize> {
    SECRET_PARAMS.iter().find_map(|name| {
        name.bytes()
            .try_fold(at, |i, letter| Some(i + spelled(&text[i..], letter)?))
    })
}

/// Where the value starts, if a separator follows the name that ends at `at` (past a few quotes,
/// backslashes and spaces): right after it, so that a quote or space the secret begins with is
/// hidden with the rest.
fn value_start(text: &[u8], mut at: usize) -> Option<usize> {
    // A name is followed by a few of them at most; a long run is something else.
    for _ in 0..8 {
        let rest = &text[at..];
        if let Some(separator) = spelled(rest, b'=').or_else(|| spelled(rest, b':')) {
            return Some(at + separator);
        }
        at += quoting(rest)?;
    }
    None
}

/// Whether `text` is exactly a name and the quoting that may follow it (a JSON key).
fn is_name(text: &[u8]) -> bool {
    let Some(mut at) = name_end(text, 0) else {
        return false;
    };
    while at < text.len() {
        match quoting(&text[at..]) {
            Some(length) => at += length,
            None => return false,
        }
    }
    true
}

/// How many bytes at the start of `text` are a quote, a backslash or a space, in any spelling.
fn quoting(text: &[u8]) -> Option<usize> {
    [b'"', b'\'', b'\\', b' ', b'\t', b'+']
        .iter()
        .find_map(|quote| spelled(text, *quote))
        .or_else(|| text.starts_with(b"&quot;").then_some(6))
        .or_else(|| text.starts_with(b"&apos;").then_some(6))
}

/// The end of the line the value at `at` is on.
fn line_end(text: &[u8], at: usize) -> usize {
    text[at..]
        .iter()
        .position(|b| matches!(b, b'\n' | b'\r'))
        .map_or(text.len(), |n| at + n)
}

/// How many bytes at the start of `text` spell `letter`: itself (in either case), or an escape.
fn spelled(text: &[u8], letter: u8) -> Option<usize> {
    match *text.first()? {
        byte if byte.eq_ignore_ascii_case(&letter) => Some(1),
        b'%' => percent(&text[1..], letter).map(|n| n + 1),
        b'\\' => {
            let hex = text.get(1..6).filter(|h| h[0] == b'u')?;
            (number(&hex[1..], 16)? == u32::from(letter)).then_some(6)
        }
        b'&' if text.get(1) == Some(&b'#') => {
            let (radix, digits) = match text.get(2) {
                Some(b'x' | b'X') => (16, 3),
                _ => (10, 2),
            };
            let semicolon = text.iter().take(12).position(|b| *b == b';')?;
            let code = number(&text[digits..semicolon], radix)?;
            (code == u32::from(letter)).then_some(semicolon + 1)
        }
        _ => None,
    }
}

/// After a `%`: two hex digits that are `letter`, or `25` (a `%` encoded again) then the same.
fn percent(text: &[u8], letter: u8) -> Option<usize> {
    let byte = u8::try_from(number(text.get(..2)?, 16)?).ok()?;
    if byte.eq_ignore_ascii_case(&letter) {
        Some(2)
    } else if byte == b'%' {
        percent(&text[2..], letter).map(|n| n + 2)
    } else {
        None
    }
}

/// `digits` read in `radix`; `None` if one is not a digit or there are none.
fn number(digits: &[u8], radix: u32) -> Option<u32> {
    if digits.is_empty() || digits.len() > 7 {
        return None;
    }
    digits.iter().try_fold(0, |n: u32, d| {
        Some(n * radix + char::from(*d).to_digit(radix)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The password the issue's reports leaked, with a space, `+`, `&`, `;`, `%`, quotes, `<`
    /// and a letter beyond ASCII.
    const PASSWORD: &str = "Pa<ss>&\"1 x;y+%é'";

    fn form_encoded(text: &str) -> String {
        let mut out = String::new();
        for byte in text.bytes() {
            match byte {
                b' ' => out.push('+'),
                b if b.is_ascii_alphanumeric() => out.push(char::from(b)),
                b => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }

    fn all_encoded(text: &str) -> String {
        text.bytes().map(|b| format!("%{b:02x}")).collect()
    }

    fn assert_hidden(text: &str) {
        let redacted = redact(text);
        for secret in [PASSWORD, "Pa<ss", "Pa%3Css", "Pa&lt;ss", "x;y"] {
            assert!(!redacted.contains(secret), "{secret} left in {redacted}");
        }
        assert!(redacted.contains(REDACTED), "{redacted}");
    }

    #[test]
    fn a_password_is_hidden_in_every_spelling_a_client_or_proxy_writes() {
        let encoded = form_encoded(PASSWORD);
        let spellings = [
            format!("auth_username=user;auth_password={PASSWORD};id=1"),
            format!("auth_username=user&auth_password={encoded}&id=1"),
            // A proxy that encodes `;` and `=` again, once or twice.
            format!("auth_username=user%3Bauth_password%3D{encoded}%3Bid%3D1"),
            format!("auth_username=user%253Bauth_password%253D{encoded}"),
            format!("{}%3D{encoded}", all_encoded("auth_password")),
            format!("AUTH_PASSWORD={PASSWORD}"),
            format!(
                "{{\"auth_password\":\"{}\"}}",
                PASSWORD.replace('"', "\\\"")
            ),
            format!("{{\\\"auth_password\\\": \\\"{PASSWORD}"),
            format!("auth\\u005fpassword\\u003d{PASSWORD}"),
            format!("auth&#95;password&#x3D;{}", "Pa&lt;ss&gt;&amp;&quot;1 x;y"),
            format!("unknown parameter: auth_password = {PASSWORD}"),
            // Echoed and cut short: what is left of the value still goes.
            "message: auth_password=Pa<ss>&\"".to_owned(),
        ];
        for text in spellings {
            assert_hidden(&text);
        }
    }

    #[test]
    fn a_token_is_hidden_and_what_precedes_it_and_later_lines_are_kept() {
        let text = "GET /api/json/cards/list/?auth_token=eyJ.a.b\nnext line";
        assert_eq!(
            redact(text),
            "GET /api/json/cards/list/?auth_token=[redacted]\nnext line"
        );
    }

    #[test]
    fn names_that_only_begin_like_a_secret_and_texts_without_one_are_left_alone() {
        for text in [
            "auth_token_expiry=60",
            "auth_username=user;id=1",
            "the auth_password parameter is required",
            "auth_password=",
            "auth_password=\nnext",
            "%zz & &#; \\u12",
            "",
        ] {
            assert!(matches!(redact(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn json_stays_json_with_every_secret_replaced() {
        let mut json = serde_json::json!({
            "data": { "auth_token": "eyJ.secret", "auth_token_expiry": 60, "auth_password": "" },
            "responses": [{ "message": "auth_username=u;auth_password=secret" }],
            "auth_password=secret": 1,
        });
        redact_json(&mut json);
        assert_eq!(
            json,
            serde_json::json!({
                "data": { "auth_token": "[redacted]", "auth_token_expiry": 60, "auth_password": "" },
                "responses": [{ "message": "auth_username=u;auth_password=[redacted]" }],
                "auth_password=[redacted]": 1,
            })
        );
        let body = redact_body(br#"{"data":{"auth_token":"eyJ.x"}}"#);
        assert_eq!(&body[..], br#"{"data":{"auth_token":"[redacted]"}}"#);
        let page = redact_body(b"<p>auth_password=secret</p>\n<p>more</p>");
        assert_eq!(&page[..], b"<p>auth_password=[redacted]\n<p>more</p>");
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 512,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x5ec4e7),
            ..proptest::test_runner::Config::default()
        })]

        /// Whatever the secret (but a newline, which ends a line) and however it is written
        /// after its name, none of it is left; and what comes before the name is kept.
        #[test]
        fn no_secret_survives_in_any_encoding(
            secret in "[^\n\r]{4,24}",
            before in "[a-z=;&]{0,12}",
            spelling in 0..4usize,
            name in proptest::sample::select(SECRET_PARAMS.to_vec()),
        ) {
            let written = match spelling {
                0 => secret.clone(),
                1 => form_encoded(&secret),
                2 => all_encoded(&secret),
                _ => serde_json::to_string(&secret).unwrap(),
            };
            let text = format!("{before};{name}={written}");
            let redacted = redact(&text);
            let kept = format!("{};", before);
            proptest::prop_assert!(redacted.starts_with(&kept));
            proptest::prop_assert!(!redacted.contains(&written), "{} in {}", written, redacted);
            proptest::prop_assert!(redacted.ends_with(REDACTED));
        }
    }
}
