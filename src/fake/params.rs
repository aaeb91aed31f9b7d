//! `RawParams`: the parameters exactly as sent, decoded but untyped. Splits on `;` and `&` alike
//! (the vendor's examples use `;`, working clients `&`, D2), decodes `+` and percent escapes, and
//! keeps every pair in order: the query string first, then the form body, so that the first
//! occurrence of a name wins (D3). Remembers where the body began, and each pair that took a
//! lenient reading (no `=`, a `%` kept as it was), for the diagnostics. Knows nothing of types
//! or of the spec.

/// Parameters in the order they were sent. Every decoded name and value lives in one text
/// buffer, and each pair is a pair of spans into it: two allocations per request, however many
/// parameters it has.
#[derive(Clone, Default)]
pub struct RawParams {
    text: String,
    spans: Vec<Span>,
    /// The index of the first pair of the form body; `None` without one.
    body_from: Option<usize>,
}

/// Where one pair's name and value lie in `RawParams::text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    name: (usize, usize),
    value: (usize, usize),
    /// Whether the value's bytes, once decoded, were UTF-8 (if not, `text` holds U+FFFD for
    /// each bad sequence).
    utf8: bool,
    /// What is shown instead of a value that was not kept.
    redacted: Option<&'static str>,
    /// The lenient readings it took (`NO_EQUALS`, `LOOSE_PERCENT`), usually none.
    readings: u8,
}

/// A pair sent as a bare name, read as that name with an empty value.
const NO_EQUALS: u8 = 1;
/// A value with a `%` not followed by two hex digits, kept as it was.
const LOOSE_PERCENT: u8 = 2;

/// One pair as validation reads it: what was sent, and how it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pair<'a> {
    pub name: &'a str,
    pub value: &'a str,
    /// Whether the value's bytes, once decoded, were UTF-8.
    pub utf8: bool,
    /// Whether it came in the form body rather than the query string.
    pub in_body: bool,
    /// Sent as a bare name (`flag`, no `=`), read as an empty value.
    pub no_equals: bool,
    /// Its value has a `%` not followed by two hex digits, kept as it was (D2).
    pub loose_percent: bool,
}

/// Room for this many pairs is made up front; a request with more grows the list once or twice.
const USUAL_PAIRS: usize = 8;

impl RawParams {
    /// The query string, then the form body (if any).
    pub fn parse(query: &str, body: Option<&[u8]>) -> RawParams {
        let body_len = body.map_or(0, <[u8]>::len);
        let mut params = RawParams {
            text: String::with_capacity(query.len() + body_len),
            spans: Vec::with_capacity(USUAL_PAIRS),
            body_from: None,
        };
        params.split(query.as_bytes());
        if let Some(body) = body {
            params.body_from = Some(params.spans.len());
            params.split(body);
        }
        params
    }

    /// Pairs already decoded, in order (for callers that are not HTTP, such as the seed).
    pub fn from_pairs<N: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> RawParams {
        let mut params = RawParams::default();
        for (name, value) in pairs {
            params.push(name.as_ref(), value.as_ref(), true, None);
        }
        params
    }

    /// Appends one pair already decoded: `utf8` says whether its value was UTF-8 as sent, and
    /// `redacted`, if given, is shown instead of a value that was not kept (the journal's way
    /// of giving back what it stored).
    pub fn push(&mut self, name: &str, value: &str, utf8: bool, redacted: Option<&'static str>) {
        let name = self.push_text(name);
        let value = self.push_text(value);
        self.spans.push(Span {
            name,
            value,
            utf8,
            redacted,
            readings: 0,
        });
    }

    /// The first value given for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Every pair, in order, repeats included.
    pub fn pairs(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.pairs_checked().map(|(name, value, _)| (name, value))
    }

    /// Every pair with whether its value was UTF-8 as sent: a value that was not is shown with
    /// U+FFFD in place of its bad bytes, and validation refuses it.
    pub fn pairs_checked(&self) -> impl ExactSizeIterator<Item = (&str, &str, bool)> + '_ {
        self.spans.iter().map(|s| {
            let value = s.redacted.unwrap_or_else(|| self.slice(s.value));
            (self.slice(s.name), value, s.utf8)
        })
    }

    /// Every pair with whether its value was UTF-8 as sent and whether reading it took a
    /// lenient reading (see `pairs_read` for which): validation's one walk, kept as lean as
    /// `pairs_checked`.
    pub(crate) fn pairs_flagged(&self) -> impl ExactSizeIterator<Item = (&str, &str, bool, bool)> {
        self.spans.iter().map(|s| {
            let value = s.redacted.unwrap_or_else(|| self.slice(s.value));
            (self.slice(s.name), value, s.utf8, s.readings != 0)
        })
    }

    /// Every pair with where it came from and how it was read, in order.
    pub(crate) fn pairs_read(&self) -> impl ExactSizeIterator<Item = Pair<'_>> + '_ {
        let body_from = self.body_from.unwrap_or(usize::MAX);
        self.spans.iter().enumerate().map(move |(i, s)| Pair {
            name: self.slice(s.name),
            value: s.redacted.unwrap_or_else(|| self.slice(s.value)),
            utf8: s.utf8,
            in_body: i >= body_from,
            no_equals: s.readings & NO_EQUALS != 0,
            loose_percent: s.readings & LOOSE_PERCENT != 0,
        })
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    fn slice(&self, (start, end): (usize, usize)) -> &str {
        &self.text[start..end]
    }

    fn push_text(&mut self, text: &str) -> (usize, usize) {
        let start = self.text.len();
        self.text.push_str(text);
        (start, self.text.len())
    }

    /// Splits `input` into pairs. Most requests carry no escape at all: then the text is
    /// `input` itself, copied once, and the pairs are spans into that copy.
    fn split(&mut self, input: &[u8]) {
        let plain = memchr::memchr2(b'%', b'+', input).is_none();
        let copied = match std::str::from_utf8(input) {
            Ok(text) if plain => Some(self.push_text(text).0),
            _ => None,
        };
        let mut start = 0;
        while start < input.len() {
            let end =
                memchr::memchr2(b';', b'&', &input[start..]).map_or(input.len(), |at| start + at);
            let piece = &input[start..end];
            if !piece.is_empty() {
                let equals = memchr::memchr(b'=', piece);
                let (name, value) = match equals {
                    Some(at) => (&piece[..at], &piece[at + 1..]),
                    None => (piece, &b""[..]),
                };
                let bare = if equals.is_none() { NO_EQUALS } else { 0 };
                let span = match copied {
                    Some(base) => {
                        let name_at = base + start;
                        let value_at = equals.map_or(name_at + piece.len(), |at| name_at + at + 1);
                        Span {
                            name: (name_at, name_at + name.len()),
                            value: (value_at, value_at + value.len()),
                            utf8: true,
                            redacted: None,
                            readings: bare,
                        }
                    }
                    None => {
                        let (name, _) = self.decode(name);
                        let (value, decoded) = self.decode(value);
                        Span {
                            name,
                            value,
                            utf8: decoded.utf8,
                            redacted: None,
                            readings: bare | if decoded.loose { LOOSE_PERCENT } else { 0 },
                        }
                    }
                };
                self.spans.push(span);
            }
            start = end + 1;
        }
    }

    /// Appends `input` decoded to the buffer; its span, and how it decoded.
    fn decode(&mut self, input: &[u8]) -> ((usize, usize), Decoded) {
        let start = self.text.len();
        let decoded = decode_into(input, &mut self.text);
        ((start, self.text.len()), decoded)
    }
}

/// Equal when they hold the same pairs, flags included, however their text is laid out.
impl PartialEq for RawParams {
    fn eq(&self, other: &RawParams) -> bool {
        let redacted = |s: &Span| s.redacted.is_some();
        self.pairs_checked().eq(other.pairs_checked())
            && self
                .spans
                .iter()
                .map(redacted)
                .eq(other.spans.iter().map(redacted))
    }
}

impl Eq for RawParams {}

impl std::fmt::Debug for RawParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.pairs()).finish()
    }
}

/// Shown as a list of `[name, value]` pairs, as the journal has always shown them.
impl serde::Serialize for RawParams {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.pairs())
    }
}

/// How a name or value decoded.
#[derive(Debug, Clone, Copy)]
struct Decoded {
    /// Its bytes were UTF-8.
    utf8: bool,
    /// It had a `%` not followed by two hex digits, kept as it was.
    loose: bool,
}

/// `+` is a space and `%XX` a byte; a `%` not followed by two hex digits stays as it is. Bytes
/// that are not UTF-8 become U+FFFD.
fn decode_into(input: &[u8], out: &mut String) -> Decoded {
    // Most names and values carry no escapes: one copy, no byte-by-byte rebuild.
    if !input.iter().any(|b| *b == b'%' || *b == b'+')
        && let Ok(text) = std::str::from_utf8(input)
    {
        out.push_str(text);
        return Decoded {
            utf8: true,
            loose: false,
        };
    }
    let mut loose = false;
    let mut bytes = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => bytes.push(b' '),
            b'%' if i + 2 < input.len() => match (hex(input[i + 1]), hex(input[i + 2])) {
                (Some(hi), Some(lo)) => {
                    bytes.push(hi << 4 | lo);
                    i += 2;
                }
                _ => {
                    loose = true;
                    bytes.push(b'%');
                }
            },
            b'%' => {
                loose = true;
                bytes.push(b'%');
            }
            byte => bytes.push(byte),
        }
        i += 1;
    }
    let utf8 = match String::from_utf8(bytes) {
        Ok(text) => {
            out.push_str(&text);
            true
        }
        Err(bad) => {
            out.push_str(&String::from_utf8_lossy(bad.as_bytes()));
            false
        }
    };
    Decoded { utf8, loose }
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        RawParams::parse(query, None)
            .pairs()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn semicolon_and_ampersand_separators_are_equivalent() {
        assert_eq!(pairs("a=1;b=2"), pairs("a=1&b=2"));
        assert_eq!(pairs("a=1;b=2&c=3").len(), 3);
    }

    #[test]
    fn plus_and_percent_escapes_are_decoded() {
        let p = RawParams::parse("name=New+group%20%C3%A9;x=%41%2b", None);
        assert_eq!(p.get("name"), Some("New group é"));
        assert_eq!(p.get("x"), Some("A+"));
    }

    #[test]
    fn a_broken_escape_is_kept_literally() {
        let p = RawParams::parse("a=100%;b=%zz;c=%4", None);
        assert_eq!(p.get("a"), Some("100%"));
        assert_eq!(p.get("b"), Some("%zz"));
        assert_eq!(p.get("c"), Some("%4"));
    }

    #[test]
    fn the_first_occurrence_wins_and_the_query_comes_before_the_body() {
        let p = RawParams::parse("id=1;id=2", Some(b"id=3&name=x"));
        assert_eq!(p.get("id"), Some("1"));
        assert_eq!(p.get("name"), Some("x"));
    }

    #[test]
    fn values_that_are_not_utf8_are_marked() {
        let p = RawParams::parse("a=%FF;b=%C3%A9;%FF=c", None);
        let checked: Vec<_> = p.pairs_checked().collect();
        assert_eq!(
            checked,
            [
                ("a", "\u{FFFD}", false),
                ("b", "é", true),
                ("\u{FFFD}", "c", true)
            ]
        );
    }

    #[test]
    fn a_name_without_a_value_is_empty_and_empty_pieces_are_skipped() {
        let p = RawParams::parse(";;flag;&a=", None);
        assert_eq!(p.get("flag"), Some(""));
        assert_eq!(p.get("a"), Some(""));
        assert_eq!(p.len(), 2);
    }
}
