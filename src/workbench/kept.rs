//! An entry as the journal keeps it: its fixed-size fields inline, and everything of variable
//! length (the function, the parameters, the answer) copied once into one buffer. So recording a
//! call costs one allocation, and dropping the oldest entry, which by then has long left every
//! cache, touches that one buffer and nothing else. (An [`Entry`] is six allocations: measured
//! in paired rounds, the journal kept that way cost the server 6 % of its throughput, most of it
//! in cache misses when the oldest entries were dropped.)
//!
//! Secrets never reach the buffer: a value of `auth_password` or `auth_token` is kept as the
//! mark that it was redacted, without its bytes, and the token `user/login` issues is replaced
//! in its answer as the answer is copied. Readers get an [`Entry`] back, built when they read.
//!
//! The buffer holds the function, then for each pair a flags byte (UTF-8 as sent, redacted), the
//! name and the value, each its length (LEB128: one byte below 128) then its bytes; the rest is
//! the answer, cut at `ANSWER_LIMIT` bytes with `…` after the cut.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;

use super::journal::{ANSWER_LIMIT, Entry, REDACTED};
use crate::fake::RawParams;

/// Parameters whose values are never kept.
const SECRET_NAMES: [&str; 2] = ["auth_password", "auth_token"];

/// Where the token `user/login` issues sits in its answer.
const ISSUED_TOKEN: &[u8] = br#""auth_token":""#;

/// Flags of a kept pair.
const UTF8: u8 = 1;
const REDACTED_VALUE: u8 = 2;

/// One call as the workbench hands it to the journal: borrowed, copied once when kept.
#[derive(Debug)]
pub(super) struct Call<'a> {
    pub(super) namespace: Option<&'a Arc<str>>,
    pub(super) seq: u64,
    pub(super) time: i64,
    pub(super) function: &'a str,
    pub(super) method: Cow<'static, str>,
    pub(super) params: &'a RawParams,
    pub(super) code: &'static str,
    pub(super) fault: Option<&'static str>,
    pub(super) took_us: u64,
    /// The answer's body; `None` when the connection was closed instead.
    pub(super) answer: Option<&'a [u8]>,
}

#[derive(Debug)]
pub(super) struct Kept {
    namespace: Option<Arc<str>>,
    seq: u64,
    time: i64,
    took_us: u64,
    code: &'static str,
    fault: Option<&'static str>,
    method: Cow<'static, str>,
    /// Where the function ends and the pairs begin in `data`.
    function_end: usize,
    /// Where the pairs end and the answer begins in `data`.
    pairs_end: usize,
    answered: bool,
    data: Box<[u8]>,
}

impl Kept {
    pub(super) fn new(call: &Call<'_>) -> Kept {
        let answer = call
            .answer
            .map(|body| Answer::of(body, call.function == "user/login"));
        let pairs_len: usize = call
            .params
            .pairs()
            .map(|(name, value)| {
                let value = if is_secret(name) { "" } else { value };
                1 + text_size(name) + text_size(value)
            })
            .sum();
        let size = call.function.len() + pairs_len + answer.as_ref().map_or(0, Answer::len);
        let mut data = Vec::with_capacity(size);
        data.extend_from_slice(call.function.as_bytes());
        let function_end = data.len();
        for (name, value, utf8) in call.params.pairs_checked() {
            let secret = is_secret(name);
            data.push(if utf8 { UTF8 } else { 0 } | if secret { REDACTED_VALUE } else { 0 });
            push_text(&mut data, name);
            push_text(&mut data, if secret { "" } else { value });
        }
        let pairs_end = data.len();
        if let Some(answer) = answer {
            answer.write(&mut data);
        }
        debug_assert_eq!(
            data.len(),
            size,
            "the size is reckoned exactly: no reallocation"
        );
        Kept {
            namespace: call.namespace.cloned(),
            seq: call.seq,
            time: call.time,
            took_us: call.took_us,
            code: call.code,
            fault: call.fault,
            method: call.method.clone(),
            function_end,
            pairs_end,
            answered: call.answer.is_some(),
            data: data.into_boxed_slice(),
        }
    }

    pub(super) fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    pub(super) fn seq(&self) -> u64 {
        self.seq
    }

    pub(super) fn function(&self) -> &str {
        text(&self.data[..self.function_end])
    }

    /// What keeping this entry costs: its own size and its buffer's.
    pub(super) fn bytes(&self) -> usize {
        std::mem::size_of::<Kept>() + self.data.len()
    }

    /// Brings the start of the buffer, and the allocator's header before it, into the cache.
    pub(super) fn prefetch_buffer(&self) {
        super::journal::prefetch(self.data.as_ptr().wrapping_sub(16));
    }

    /// The entry as readers see it.
    pub(super) fn entry(&self) -> Entry {
        let mut pairs = &self.data[self.function_end..self.pairs_end];
        let mut params = RawParams::default();
        while let Some((&flags, rest)) = pairs.split_first() {
            let (name, rest) = take_text(rest);
            let (value, rest) = take_text(rest);
            let redacted = (flags & REDACTED_VALUE != 0).then_some(REDACTED);
            params.push(name, value, flags & UTF8 != 0, redacted);
            pairs = rest;
        }
        Entry {
            namespace: self.namespace.clone(),
            seq: self.seq,
            time: self.time,
            function: self.function().to_owned(),
            method: self.method.clone(),
            params,
            code: self.code,
            fault: self.fault,
            took_us: self.took_us,
            answer: self
                .answered
                .then(|| Bytes::copy_from_slice(&self.data[self.pairs_end..])),
        }
    }
}

/// An answer's body as it will be kept: cut at `ANSWER_LIMIT` bytes, and with the token
/// `user/login` issued (the bytes in `token`) replaced by `[redacted]`.
struct Answer<'a> {
    kept: &'a [u8],
    token: Option<std::ops::Range<usize>>,
    cut: bool,
}

impl<'a> Answer<'a> {
    fn of(body: &'a [u8], issues_tokens: bool) -> Answer<'a> {
        let kept = &body[..body.len().min(ANSWER_LIMIT)];
        // Looked for in the whole body, so that a cut through the token hides what is kept of it.
        let token = issues_tokens
            .then(|| issued_token(body))
            .flatten()
            .filter(|token| token.start < kept.len())
            .map(|token| token.start..token.end.min(kept.len()));
        Answer {
            kept,
            token,
            cut: body.len() > ANSWER_LIMIT,
        }
    }

    fn len(&self) -> usize {
        let token = self.token.as_ref().map_or(0, |t| t.len());
        let redacted = if self.token.is_some() {
            REDACTED.len()
        } else {
            0
        };
        let cut = if self.cut { '…'.len_utf8() } else { 0 };
        self.kept.len() - token + redacted + cut
    }

    fn write(&self, data: &mut Vec<u8>) {
        match &self.token {
            Some(token) => {
                data.extend_from_slice(&self.kept[..token.start]);
                data.extend_from_slice(REDACTED.as_bytes());
                data.extend_from_slice(&self.kept[token.end..]);
            }
            None => data.extend_from_slice(self.kept),
        }
        if self.cut {
            data.extend_from_slice("…".as_bytes());
        }
    }
}

/// Where the value of the answer's `"auth_token":"…"` lies.
fn issued_token(answer: &[u8]) -> Option<std::ops::Range<usize>> {
    let start = memchr::memmem::find(answer, ISSUED_TOKEN)? + ISSUED_TOKEN.len();
    let length = memchr::memchr(b'"', &answer[start..])?;
    Some(start..start + length)
}

fn is_secret(name: &str) -> bool {
    SECRET_NAMES.contains(&name)
}

/// What `push_text` writes for `text`.
fn text_size(text: &str) -> usize {
    let bits = usize::BITS - text.len().leading_zeros();
    (bits.div_ceil(7).max(1) as usize) + text.len()
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

/// Bytes that were a `str` when they were kept.
fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("kept from a str, cut at its boundaries")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call<'a>(params: &'a RawParams, answer: Option<&'a [u8]>) -> Call<'a> {
        Call {
            namespace: None,
            seq: 9,
            time: 1_700_000_000,
            function: "cards/groups/update",
            method: Cow::Owned("PATCH".to_owned()),
            params,
            code: "400",
            fault: Some("error"),
            took_us: 12,
            answer,
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
        let mut call = call(&params, Some(answer));
        call.namespace = Some(&namespace);
        let entry = Kept::new(&call).entry();
        assert_eq!(
            entry,
            Entry {
                namespace: Some(namespace),
                seq: 9,
                time: 1_700_000_000,
                function: "cards/groups/update".into(),
                method: "PATCH".into(),
                params: params.clone(),
                code: "400",
                fault: Some("error"),
                took_us: 12,
                answer: Some(Bytes::from_static(answer)),
            }
        );
        let checked: Vec<_> = entry.params.pairs_checked().collect();
        assert_eq!(checked[1], ("bad", "\u{FFFD}", false));
        assert_eq!(checked.last(), Some(&("body", "1", true)));
        let closed = Kept::new(&self::call(&params, None)).entry();
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
        let kept = Kept::new(&call);
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

    #[test]
    fn a_long_answer_is_cut_and_a_cut_through_a_token_hides_it() {
        let params = RawParams::default();
        let body = vec![b'7'; ANSWER_LIMIT + 10];
        let entry = Kept::new(&call(&params, Some(&body))).entry();
        let kept = entry.answer.unwrap();
        assert_eq!(kept.len(), ANSWER_LIMIT + '…'.len_utf8());
        assert!(kept.ends_with("…".as_bytes()));

        let mut body = vec![b' '; ANSWER_LIMIT - 20];
        body.extend_from_slice(br#""auth_token":"eyJ.a.long.token.cut.in.two"}"#);
        let mut login = call(&params, Some(&body));
        login.function = "user/login";
        let kept = Kept::new(&login);
        assert!(!String::from_utf8_lossy(&kept.data).contains("eyJ"));
        let answer = kept.entry().answer.unwrap();
        assert!(answer.ends_with(b"\"[redacted]\xE2\x80\xA6"), "{answer:?}");
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
            let kept = Kept::new(&call(&params, None));
            proptest::prop_assert_eq!(&kept.data, &Kept::new(&call(&emptied, None)).data);
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
        let kept = Kept::new(&call(&params, Some(b"{}")));
        let buffer = "cards/groups/update".len() + (1 + 1 + 2 + 1 + 1) + (1 + 1 + 4 + 1 + 1) + 2;
        assert_eq!(kept.data.len(), buffer);
        assert_eq!(kept.bytes(), std::mem::size_of::<Kept>() + buffer);
    }
}
