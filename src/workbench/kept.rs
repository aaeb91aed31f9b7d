//! An entry as the journal keeps it: its fixed-size fields inline, and everything of variable
//! length (the function, the parameters, the answer) copied once into one buffer. So recording a
//! call costs one allocation, and dropping the oldest entry, which by then has long left every
//! cache, touches that one buffer and nothing else. (An [`Entry`] is six allocations: measured
//! in paired rounds, the journal kept that way cost the server 6 % of its throughput, most of it
//! in cache misses when the oldest entries were dropped.)
//!
//! Secrets never reach the buffer: a value of `auth_password` or `auth_token` is kept as the
//! mark that it was redacted, without its bytes, and any other text (the function, a name, a
//! value) is kept as `fake::redact` leaves it, so that a secret written inside
//! another value (a proxy that encoded the `;` before it) is not kept either. Readers get an
//! [`Entry`] back, built when they read.
//!
//! An entry is bounded, so that what one reader is shown is: the parameters are kept until
//! `PARAMS_LIMIT` bytes (the rest counted, not kept), the answer until `ANSWER_LIMIT`.
//!
//! The buffer holds the function, then for each pair a flags byte (UTF-8 as sent, redacted), the
//! name and the value, each its length (LEB128: one byte below 128) then its bytes; then for
//! each diagnostic (most calls have none) its kind's byte, its parameter, sentence and
//! suggestion (empty for none) as texts; the rest is the answer, cut at `ANSWER_LIMIT` bytes
//! with `…` after the cut.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;

use super::entry::{ANSWER_LIMIT, Entry, PARAMS_LIMIT};
use crate::fake::{
    Diagnostic, DiagnosticKind, REDACTED, RawParams, is_secret, redact, redact_body,
};

/// Flags of a kept pair.
const UTF8: u8 = 1;
const REDACTED_VALUE: u8 = 2;

/// One call as the workbench hands it to the journal: borrowed, copied once when kept.
#[derive(Debug)]
pub(super) struct CallRecord<'a> {
    pub(super) namespace: Option<&'a Arc<str>>,
    pub(super) seq: u64,
    pub(super) time: i64,
    /// When it arrived, by the wall clock: milliseconds since 1970.
    pub(super) received_ms: u64,
    pub(super) function: &'a str,
    pub(super) method: Cow<'static, str>,
    pub(super) params: &'a RawParams,
    pub(super) code: &'static str,
    pub(super) fault: Option<&'static str>,
    pub(super) took_us: u64,
    /// The answer's body; `None` when the connection was closed instead.
    pub(super) answer: Option<&'a [u8]>,
    /// What the client got wrong (names and sentences, never values).
    pub(super) diagnostics: &'a [Diagnostic],
}

#[derive(Debug)]
pub(super) struct Kept {
    /// The journal's own number for it, counting every world's entries: where a live reader is.
    id: u64,
    namespace: Option<Arc<str>>,
    seq: u64,
    time: i64,
    received_ms: u64,
    took_us: u64,
    code: &'static str,
    fault: Option<&'static str>,
    method: Cow<'static, str>,
    /// How many pairs were sent past `PARAMS_LIMIT` and not kept.
    params_cut: u32,
    /// Where the function ends and the pairs begin in `data`.
    function_end: u32,
    /// Where the pairs end and the diagnostics begin in `data`.
    pairs_end: u32,
    /// Where the diagnostics end and the answer begins in `data`.
    diagnostics_end: u32,
    answered: bool,
    data: Box<[u8]>,
}

impl Kept {
    pub(super) fn new(call: &CallRecord<'_>, id: u64) -> Kept {
        let function = redact(call.function);
        let answer = call
            .answer
            .map(|body| KeptAnswer::of(body, call.function == "user/login"));
        // The size as sent, within the limit; a redaction may change it, which costs a copy.
        let mut pairs_len = 0;
        let mut pairs_kept = 0;
        for (name, value) in call.params.pairs() {
            let value = if is_secret(name) { "" } else { value };
            let size = 1 + text_size(name.len()) + text_size(value.len());
            if pairs_len + size > PARAMS_LIMIT {
                break;
            }
            pairs_len += size;
            pairs_kept += 1;
        }
        let diagnostics_len: usize = call
            .diagnostics
            .iter()
            .map(|d| {
                let suggestion = d.suggestion.as_deref().unwrap_or_default();
                1 + text_size(d.param.len())
                    + text_size(d.message.len())
                    + text_size(suggestion.len())
            })
            .sum();
        let size = function.len()
            + pairs_len
            + diagnostics_len
            + answer.as_ref().map_or(0, KeptAnswer::len);
        let mut data = Vec::with_capacity(size);
        data.extend_from_slice(function.as_bytes());
        let function_end = offset(&data);
        for (name, value, utf8) in call.params.pairs_checked().take(pairs_kept) {
            let secret = is_secret(name);
            data.push(if utf8 { UTF8 } else { 0 } | if secret { REDACTED_VALUE } else { 0 });
            // A secret's name is only its name; its value is not kept at all.
            let (name, value) = if secret {
                (Cow::Borrowed(name), Cow::Borrowed(""))
            } else {
                (redact(name), redact(value))
            };
            push_text(&mut data, &name);
            push_text(&mut data, &value);
        }
        let pairs_end = offset(&data);
        for d in call.diagnostics {
            let kind = DiagnosticKind::ALL.iter().position(|k| *k == d.kind);
            data.push(u8::try_from(kind.expect("every kind is in ALL")).expect("a few kinds"));
            push_text(&mut data, &d.param);
            push_text(&mut data, &d.message);
            push_text(&mut data, d.suggestion.as_deref().unwrap_or_default());
        }
        let diagnostics_end = offset(&data);
        if let Some(answer) = &answer {
            answer.write(&mut data);
        }
        Kept {
            id,
            namespace: call.namespace.cloned(),
            seq: call.seq,
            time: call.time,
            received_ms: call.received_ms,
            took_us: call.took_us,
            code: call.code,
            fault: call.fault,
            method: call.method.clone(),
            params_cut: u32::try_from(call.params.len() - pairs_kept).unwrap_or(u32::MAX),
            function_end,
            pairs_end,
            diagnostics_end,
            answered: call.answer.is_some(),
            data: data.into_boxed_slice(),
        }
    }

    pub(super) fn id(&self) -> u64 {
        self.id
    }

    pub(super) fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    pub(super) fn seq(&self) -> u64 {
        self.seq
    }

    pub(super) fn function(&self) -> &str {
        text(&self.data[..self.function_end as usize])
    }

    /// What keeping this entry costs: its own size and its buffer's.
    pub(super) fn bytes(&self) -> usize {
        std::mem::size_of::<Kept>() + self.data.len()
    }

    /// The entry as readers see it.
    pub(super) fn entry(&self) -> Entry {
        let (function_end, pairs_end) = (self.function_end as usize, self.pairs_end as usize);
        let diagnostics_end = self.diagnostics_end as usize;
        let mut pairs = &self.data[function_end..pairs_end];
        let mut params = RawParams::default();
        while let Some((&flags, rest)) = pairs.split_first() {
            let (name, rest) = take_text(rest);
            let (value, rest) = take_text(rest);
            let redacted = (flags & REDACTED_VALUE != 0).then_some(REDACTED);
            params.push(name, value, flags & UTF8 != 0, redacted);
            pairs = rest;
        }
        let mut kept = &self.data[pairs_end..diagnostics_end];
        let mut diagnostics = Vec::new();
        while let Some((&kind, rest)) = kept.split_first() {
            let (param, rest) = take_text(rest);
            let (message, rest) = take_text(rest);
            let (suggestion, rest) = take_text(rest);
            diagnostics.push(Diagnostic {
                kind: DiagnosticKind::ALL[usize::from(kind)],
                param: param.to_owned(),
                message: message.to_owned(),
                suggestion: (!suggestion.is_empty()).then(|| suggestion.to_owned()),
            });
            kept = rest;
        }
        Entry {
            id: self.id,
            namespace: self.namespace.clone(),
            seq: self.seq,
            time: self.time,
            at: self.received_ms,
            function: self.function().to_owned(),
            method: self.method.clone(),
            params,
            params_cut: self.params_cut,
            code: self.code,
            fault: self.fault,
            took_us: self.took_us,
            answer: self
                .answered
                .then(|| Bytes::copy_from_slice(&self.data[diagnostics_end..])),
            diagnostics,
        }
    }
}

/// An answer's body as it will be kept: cut at `ANSWER_LIMIT` bytes (`…` marks the cut), and
/// then, if it is `user/login`'s, redacted, so that the token it issues (even cut through) is
/// not kept. The fake writes no other secret into an answer (a path it echoes is redacted where
/// the message is made), so the others are kept as they are, unread.
struct KeptAnswer<'a> {
    kept: Cow<'a, [u8]>,
    cut: bool,
}

impl<'a> KeptAnswer<'a> {
    fn of(body: &'a [u8], issues_tokens: bool) -> KeptAnswer<'a> {
        let kept = &body[..body.len().min(ANSWER_LIMIT)];
        KeptAnswer {
            kept: if issues_tokens {
                redact_body(kept)
            } else {
                Cow::Borrowed(kept)
            },
            cut: body.len() > ANSWER_LIMIT,
        }
    }

    fn len(&self) -> usize {
        self.kept.len() + if self.cut { '…'.len_utf8() } else { 0 }
    }

    fn write(&self, data: &mut Vec<u8>) {
        data.extend_from_slice(&self.kept);
        if self.cut {
            data.extend_from_slice("…".as_bytes());
        }
    }
}

/// Where `data` ends, as an offset kept in an entry: an entry is bounded far below 4 GiB (its
/// pairs, diagnostics and answer are), but a function path is as long as its request.
fn offset(data: &[u8]) -> u32 {
    u32::try_from(data.len()).expect("an entry is bounded well below 4 GiB")
}

/// What `push_text` writes for a text of `length` bytes.
fn text_size(length: usize) -> usize {
    let bits = usize::BITS - length.leading_zeros();
    (bits.div_ceil(7).max(1) as usize) + length
}

fn push_text(data: &mut Vec<u8>, text: &str) {
    let mut length = text.len();
    while length >= 0x80 {
        data.push((length & 0x7f) as u8 | 0x80);
        length >>= 7;
    }
    data.push(length as u8);
    data.extend_from_slice(text.as_bytes());
}

/// A text `push_text` wrote, and what follows it.
fn take_text(data: &[u8]) -> (&str, &[u8]) {
    let mut length = 0;
    let mut shift = 0;
    let mut at = 0;
    loop {
        let byte = data[at];
        at += 1;
        length |= usize::from(byte & 0x7f) << shift;
        shift += 7;
        if byte < 0x80 {
            break;
        }
    }
    let (bytes, rest) = data[at..].split_at(length);
    (text(bytes), rest)
}

/// Bytes that were a `str` when they were kept (an answer cut inside a character shows U+FFFD
/// where it is read, never here: only the function and pairs are read as text).
fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("kept from a str, cut at its boundaries")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call<'a>(params: &'a RawParams, answer: Option<&'a [u8]>) -> CallRecord<'a> {
        CallRecord {
            namespace: None,
            seq: 9,
            time: 1_700_000_000,
            received_ms: 1_700_000_000_123,
            function: "cards/groups/update",
            method: Cow::Owned("PATCH".to_owned()),
            params,
            code: "400",
            fault: Some("error"),
            took_us: 12,
            answer,
            diagnostics: &[],
        }
    }

    #[test]
    fn an_entry_reads_back_as_it_was_recorded() {
        // Escapes, a value not UTF-8, repeats, an empty value, and a value of 300 bytes (its
        // length takes two bytes).
        let long = "x".repeat(300);
        let query = format!("name=New+group%20%C3%A9;bad=%FF;id=1;id=2;flag;long={long}");
        let params = RawParams::parse(&query, Some(b"body=1"));
        let namespace = Arc::from("team");
        let answer = br#"{"responses":[{"code":"400"}]}"#;
        let diagnostics = [
            Diagnostic {
                kind: DiagnosticKind::Repeated,
                param: "id".into(),
                message: "id is given 2 times.".into(),
                suggestion: None,
            },
            Diagnostic {
                kind: DiagnosticKind::Meaningless,
                param: "é".repeat(100),
                message: "m".repeat(200),
                suggestion: Some("name".into()),
            },
        ];
        let mut call = call(&params, Some(answer));
        call.namespace = Some(&namespace);
        call.diagnostics = &diagnostics;
        let entry = Kept::new(&call, 1).entry();
        assert_eq!(
            entry,
            Entry {
                id: 1,
                namespace: Some(namespace),
                seq: 9,
                time: 1_700_000_000,
                at: 1_700_000_000_123,
                function: "cards/groups/update".into(),
                method: "PATCH".into(),
                params: params.clone(),
                params_cut: 0,
                code: "400",
                fault: Some("error"),
                took_us: 12,
                answer: Some(Bytes::from_static(answer)),
                diagnostics: diagnostics.to_vec(),
            }
        );
        let checked: Vec<_> = entry.params.pairs_checked().collect();
        assert_eq!(checked[1], ("bad", "\u{FFFD}", false));
        assert_eq!(checked.last(), Some(&("body", "1", true)));
        let closed = Kept::new(&self::call(&params, None), 1).entry();
        assert_eq!(closed.answer, None);
    }

    #[test]
    fn secrets_never_reach_the_buffer() {
        let params = RawParams::parse(
            "auth_username=user;auth_password=s3cret%C3%A9;auth_token=eyJ.sent;a=1",
            None,
        );
        let answer = br#"{"data":{"auth_token":"eyJ.issued","auth_token_expiry":60}}"#;
        let mut call = call(&params, Some(answer));
        call.function = "user/login";
        let kept = Kept::new(&call, 1);
        let buffer = String::from_utf8_lossy(&kept.data);
        for secret in ["s3cret", "eyJ.sent", "eyJ.issued"] {
            assert!(!buffer.contains(secret), "{secret} kept in {buffer:?}");
        }
        let entry = kept.entry();
        let shown: Vec<_> = entry.params.pairs().collect();
        assert_eq!(
            shown,
            [
                ("auth_username", "user"),
                ("auth_password", REDACTED),
                ("auth_token", REDACTED),
                ("a", "1")
            ]
        );
        assert_eq!(
            entry.answer.as_deref(),
            Some(&br#"{"data":{"auth_token":"[redacted]","auth_token_expiry":60}}"#[..])
        );
    }

    /// Issue 28, item 5: a proxy that encodes `;` and `=` again turns the whole query into one
    /// value (or one name), the password inside it; a path that is no function may hold one too.
    #[test]
    fn a_secret_inside_another_name_value_or_path_is_not_kept() {
        let params = RawParams::parse(
            "auth_username=user%3Bauth_password%3DPa%3Css%3E%26%221+x%3By%3Bid%3D1;\
             auth_username%3Duser%3Bauth_password%3DPa%3Css",
            None,
        );
        let mut call = call(&params, Some(b"{}"));
        call.function = "/api/json/cards/list%3Fauth_password%3DPa%3Css";
        let kept = Kept::new(&call, 1);
        let buffer = String::from_utf8_lossy(&kept.data);
        for secret in ["Pa<ss", "Pa%3Css", "x;y"] {
            assert!(!buffer.contains(secret), "{secret} kept in {buffer:?}");
        }
        let entry = kept.entry();
        let shown: Vec<_> = entry.params.pairs().collect();
        assert_eq!(
            shown,
            [
                ("auth_username", "user;auth_password=[redacted]"),
                ("auth_username=user;auth_password=[redacted]", "")
            ]
        );
        assert_eq!(
            entry.function,
            "/api/json/cards/list%3Fauth_password%3D[redacted]"
        );
    }

    /// Issue 28, item 2: a megabyte of `a&a&…` is kept as its first `PARAMS_LIMIT` bytes of
    /// pairs, and the rest counted.
    #[test]
    fn parameters_past_the_limit_are_counted_not_kept() {
        let body = "a&".repeat(512 * 1024);
        let params = RawParams::parse("", Some(body.as_bytes()));
        let kept = Kept::new(&call(&params, None), 1);
        assert!(kept.data.len() <= "cards/groups/update".len() + PARAMS_LIMIT);
        let entry = kept.entry();
        assert_eq!(entry.params.len() + entry.params_cut as usize, 512 * 1024);
        assert!(
            entry.params.len() > 1000,
            "{} pairs kept",
            entry.params.len()
        );
        assert!(entry.params_cut > 0);
        let small = Kept::new(&call(&RawParams::parse("id=1", None), None), 1);
        assert_eq!(small.entry().params_cut, 0);
    }

    #[test]
    fn a_long_answer_is_cut_and_a_cut_through_a_token_hides_it() {
        let params = RawParams::default();
        let body = vec![b'7'; ANSWER_LIMIT + 10];
        let entry = Kept::new(&call(&params, Some(&body)), 1).entry();
        let kept = entry.answer.unwrap();
        assert_eq!(kept.len(), ANSWER_LIMIT + '…'.len_utf8());
        assert!(kept.ends_with("…".as_bytes()));

        let mut body = vec![b' '; ANSWER_LIMIT - 20];
        body.extend_from_slice(br#""auth_token":"eyJ.a.long.token.cut.in.two"}"#);
        let mut login = call(&params, Some(&body));
        login.function = "user/login";
        let kept = Kept::new(&login, 1);
        assert!(!String::from_utf8_lossy(&kept.data).contains("eyJ"));
        let answer = kept.entry().answer.unwrap();
        assert!(answer.ends_with(b":[redacted]\xE2\x80\xA6"), "{answer:?}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 256,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed),
            ..proptest::test_runner::Config::default()
        })]

        /// Whatever the values, a secret's is shown as `[redacted]` and is not in the buffer
        /// (which is byte for byte the buffer of the same call with every secret left empty),
        /// and every other pair reads back as sent.
        #[test]
        fn any_secret_is_left_out_and_the_rest_kept(
            pairs in proptest::collection::vec(
                (proptest::sample::select(vec!["auth_password", "auth_token", "name"]), ".*"),
                0..6,
            ),
        ) {
            let params = RawParams::from_pairs(pairs.iter().map(|(n, v)| (*n, v.as_str())));
            let emptied = RawParams::from_pairs(
                pairs.iter().map(|(n, v)| (*n, if is_secret(n) { "" } else { v.as_str() })),
            );
            let kept = Kept::new(&call(&params, None), 1);
            proptest::prop_assert_eq!(&kept.data, &Kept::new(&call(&emptied, None), 1).data);
            let shown: Vec<_> = kept.entry().params.pairs().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
            let expected: Vec<_> = pairs
                .iter()
                .map(|(n, v)| (n.to_string(), if is_secret(n) { REDACTED.to_owned() } else { v.clone() }))
                .collect();
            proptest::prop_assert_eq!(shown, expected);
        }
    }

    #[test]
    fn what_an_entry_costs_is_its_size_and_its_buffer() {
        let params = RawParams::parse("id=1;name=a", None);
        let kept = Kept::new(&call(&params, Some(b"{}")), 1);
        let buffer = "cards/groups/update".len() + (1 + 1 + 2 + 1 + 1) + (1 + 1 + 4 + 1 + 1) + 2;
        assert_eq!(kept.data.len(), buffer);
        assert_eq!(kept.bytes(), std::mem::size_of::<Kept>() + buffer);
    }
}
