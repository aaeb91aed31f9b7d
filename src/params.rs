//! `RawParams`: the parameters exactly as sent, decoded but untyped. Splits on `;` and `&` alike
//! (the vendor's examples use `;`, working clients `&`, D2), decodes `+` and percent escapes, and
//! keeps every pair in order: the query string first, then the form body, so that the first
//! occurrence of a name wins (D3). Knows nothing of types or of the spec.

/// Parameters in the order they were sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawParams {
    pairs: Vec<(String, String)>,
}

impl RawParams {
    /// The query string, then the form body (if any).
    pub fn parse(query: &str, body: Option<&[u8]>) -> RawParams {
        let mut pairs = Vec::new();
        split_into(query.as_bytes(), &mut pairs);
        if let Some(body) = body {
            split_into(body, &mut pairs);
        }
        RawParams { pairs }
    }

    /// Pairs already decoded, in order (for callers that are not HTTP, such as the seed).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> RawParams {
        RawParams { pairs }
    }

    /// The first value given for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every pair, in order, repeats included, owned.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.pairs
    }

    /// Every pair, in order, repeats included.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

fn split_into(input: &[u8], pairs: &mut Vec<(String, String)>) {
    for piece in input.split(|b| *b == b';' || *b == b'&') {
        if piece.is_empty() {
            continue;
        }
        let (name, value) = match piece.iter().position(|b| *b == b'=') {
            Some(at) => (&piece[..at], &piece[at + 1..]),
            None => (piece, &b""[..]),
        };
        pairs.push((decode(name), decode(value)));
    }
}

/// `+` is a space and `%XX` a byte; a `%` not followed by two hex digits stays as it is. Bytes
/// that are not UTF-8 become U+FFFD.
fn decode(input: &[u8]) -> String {
    // Most names and values carry no escapes: one copy, no byte-by-byte rebuild.
    if !input.iter().any(|b| *b == b'%' || *b == b'+')
        && let Ok(text) = std::str::from_utf8(input)
    {
        return text.to_owned();
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < input.len() => match (hex(input[i + 1]), hex(input[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        RawParams::parse(query, None).pairs().to_vec()
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
    fn a_name_without_a_value_is_empty_and_empty_pieces_are_skipped() {
        let p = RawParams::parse(";;flag;&a=", None);
        assert_eq!(p.get("flag"), Some(""));
        assert_eq!(p.get("a"), Some(""));
        assert_eq!(p.pairs().len(), 2);
    }
}
