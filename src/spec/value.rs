//! A parameter's type and its typed value: the one place that turns text into an Integer, a
//! Decimal or a String by the rules of D12. The spec loader parses defaults, allowed values and
//! bounds with it, so the spec can never hold a value that the server itself would refuse.

use std::cmp::Ordering;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};

/// The types the vendor's pages use. Booleans are Integers restricted to 0 and 1; Base64 is
/// the type of uploaded file contents (`cards/files/upload`'s `data`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ParamType {
    String,
    Integer,
    Decimal,
    Base64,
}

/// Most digits after the point a Decimal may carry (D12).
pub const DECIMAL_PLACES: u32 = 4;

/// A value that has passed its type's syntax.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    String(String),
    Integer(i64),
    /// Keeps the scale it was written with, so "0.00" is shown as "0.00".
    Decimal(Decimal),
}

/// Why a text is not a value of a type. The wording is lowercase and meant to follow
/// "`<name>` ..." in a message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    #[error("must be a whole number: digits with an optional leading '-'")]
    NotInteger,
    #[error("is outside the range of a 64-bit integer")]
    IntegerTooLarge,
    #[error("must be a decimal number: digits, optionally '.' and up to {DECIMAL_PLACES} decimals")]
    NotDecimal,
    #[error("has more digits than a decimal can hold")]
    DecimalTooLarge,
    #[error("must be UTF-8 text; its percent escapes make bytes that are not")]
    NotUtf8,
    #[error("may not contain a NUL byte (%00)")]
    Nul,
    #[error("must be Base64: A-Z, a-z, 0-9, '+' and '/', with optional '=' padding")]
    NotBase64,
}

impl ParamType {
    /// Parses `text` as a value of this type. Strings accept any text but NUL, including the
    /// empty text.
    pub fn parse(self, text: &str) -> Result<Value, TypeError> {
        match self {
            ParamType::String if text.contains('\0') => Err(TypeError::Nul),
            ParamType::String => Ok(Value::String(text.to_owned())),
            ParamType::Integer => parse_integer(text).map(Value::Integer),
            ParamType::Decimal => parse_decimal(text).map(Value::Decimal),
            ParamType::Base64 => parse_base64(text).map(Value::String),
        }
    }

    /// The name the vendor's pages use.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "String",
            ParamType::Integer => "Integer",
            ParamType::Decimal => "Decimal",
            ParamType::Base64 => "Base64",
        }
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Optional '-', then one or more ASCII digits. Rejects '+', spaces, '0x', exponents and points,
/// all of which a lenient parser (Rust's `str::parse` accepts '+') would let through.
fn parse_integer(text: &str) -> Result<i64, TypeError> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TypeError::NotInteger);
    }
    text.parse().map_err(|_| TypeError::IntegerTooLarge)
}

/// Optional '-', digits, then optionally '.' and one to four digits. No exponent, no bare point.
fn parse_decimal(text: &str) -> Result<Decimal, TypeError> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let fraction_ok = fraction.is_none_or(|f| all_digits(f) && f.len() <= DECIMAL_PLACES as usize);
    if !all_digits(whole) || !fraction_ok {
        return Err(TypeError::NotDecimal);
    }
    Decimal::from_str_exact(text).map_err(|_| TypeError::DecimalTooLarge)
}

/// The standard alphabet, with or without the `=` padding.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Base64 text as a client may send it, made canonical: line breaks (as MIME wraps it) are
/// dropped, and a space is read as the `+` it was before a query string's decoding turned it
/// into one (a `+` left unescaped in a URL). The text is kept; `decode_base64` gives the bytes.
fn parse_base64(text: &str) -> Result<String, TypeError> {
    let canonical: String = text
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n'))
        .map(|c| if c == ' ' { '+' } else { c })
        .collect();
    match decode_base64(&canonical) {
        Some(_) => Ok(canonical),
        None => Err(TypeError::NotBase64),
    }
}

/// Bytes as canonical Base64 text, padded: what `decode_base64` reads back.
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    use base64::Engine;
    BASE64.encode(bytes)
}

/// The bytes of canonical Base64 text (a value of type Base64); `None` if it is not Base64.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    BASE64.decode(text).ok()
}

impl Value {
    /// The type this value belongs to.
    pub fn param_type(&self) -> ParamType {
        match self {
            Value::String(_) => ParamType::String,
            Value::Integer(_) => ParamType::Integer,
            Value::Decimal(_) => ParamType::Decimal,
        }
    }

    /// Orders two numbers of the same type; `None` for strings or mixed types, which the spec
    /// loader rules out before any range is compared.
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Integer(a), Value::Integer(b)) => Some(a.cmp(b)),
            (Value::Decimal(a), Value::Decimal(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => f.write_str(s),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Decimal(d) => write!(f, "{d}"),
        }
    }
}

/// Integers as JSON numbers; Decimals as strings so their scale ("0.00") survives.
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Integer(i) => serializer.serialize_i64(*i),
            Value::String(s) => serializer.serialize_str(s),
            Value::Decimal(_) => serializer.collect_str(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(text: &str) -> Result<Value, TypeError> {
        ParamType::Integer.parse(text)
    }

    fn dec(text: &str) -> Result<Value, TypeError> {
        ParamType::Decimal.parse(text)
    }

    #[test]
    fn integers_are_an_optional_minus_and_digits() {
        assert_eq!(int("42"), Ok(Value::Integer(42)));
        assert_eq!(int("-7"), Ok(Value::Integer(-7)));
        assert_eq!(int("007"), Ok(Value::Integer(7)));
        for bad in ["", "-", "+1", " 1", "1 ", "0x10", "1.0", "1e3", "١"] {
            assert_eq!(int(bad), Err(TypeError::NotInteger), "{bad:?}");
        }
    }

    #[test]
    fn integers_past_i64_are_refused_not_wrapped() {
        assert_eq!(int("9223372036854775807"), Ok(Value::Integer(i64::MAX)));
        assert_eq!(int("-9223372036854775808"), Ok(Value::Integer(i64::MIN)));
        assert_eq!(int("9223372036854775808"), Err(TypeError::IntegerTooLarge));
    }

    #[test]
    fn decimals_keep_their_scale_and_allow_four_places() {
        assert_eq!(dec("0.00").unwrap().to_string(), "0.00");
        assert_eq!(dec("-1.2345").unwrap().to_string(), "-1.2345");
        assert_eq!(dec("12").unwrap().to_string(), "12");
        for bad in [
            "", "1.", ".5", "1.23456", "1e3", "+1", "1,5", " 1", "--1", "1.-2",
        ] {
            assert_eq!(dec(bad), Err(TypeError::NotDecimal), "{bad:?}");
        }
    }

    #[test]
    fn decimals_with_forty_digits_are_too_large() {
        let forty = "1".repeat(40);
        assert_eq!(dec(&forty), Err(TypeError::DecimalTooLarge));
    }

    #[test]
    fn strings_take_any_text() {
        assert_eq!(
            ParamType::String.parse(""),
            Ok(Value::String(String::new()))
        );
        assert_eq!(
            ParamType::String.parse(" x+1 "),
            Ok(Value::String(" x+1 ".into()))
        );
    }

    #[test]
    fn base64_takes_padding_or_none_line_breaks_and_a_plus_turned_space() {
        let b64 = |text: &str| ParamType::Base64.parse(text);
        assert_eq!(b64("UklGRg=="), Ok(Value::String("UklGRg==".into())));
        assert_eq!(b64("UklGRg"), Ok(Value::String("UklGRg".into())));
        assert_eq!(b64("Ukl\r\nGRg=="), Ok(Value::String("UklGRg==".into())));
        assert_eq!(b64("a b/"), Ok(Value::String("a+b/".into())));
        assert_eq!(decode_base64("UklGRg==").unwrap(), b"RIFF");
        for bad in ["*", "UklGRg===", "U", "a-b_"] {
            assert_eq!(b64(bad), Err(TypeError::NotBase64), "{bad:?}");
        }
    }

    #[test]
    fn numbers_compare_only_within_their_type() {
        let one = Value::Integer(1);
        let two = Value::Integer(2);
        assert_eq!(one.compare(&two), Some(Ordering::Less));
        assert_eq!(
            dec("1.50").unwrap().compare(&dec("1.5").unwrap()),
            Some(Ordering::Equal)
        );
        assert_eq!(one.compare(&dec("1").unwrap()), None);
    }

    #[test]
    fn integers_serialize_as_numbers_and_decimals_as_text() {
        let json = serde_json::to_string(&[Value::Integer(3), dec("0.00").unwrap()]).unwrap();
        assert_eq!(json, r#"[3,"0.00"]"#);
    }
}
