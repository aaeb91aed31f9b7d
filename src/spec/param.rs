//! One parameter of a function: the vendor's row (name, type, description, required, default)
//! and the rules a validator applies to a value that has passed its type (allowed values, range,
//! format). Checking those rules lives here so the loader (for defaults) and the server (for
//! requests) apply the same ones.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::spec::value::{ParamType, Value};
use crate::spec::{Context, Provenance};

#[derive(Debug, Clone, Serialize)]
pub struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ParamType,
    /// The vendor's words.
    pub description: String,
    pub required: bool,
    /// The vendor's Required cell when it says more than Yes or No.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_cell: Option<String>,
    pub default: Option<DefaultValue>,
    pub allowed: Option<Allowed>,
    pub range: Option<Range>,
    /// The most decimal places a Decimal takes; without it, D12's four.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub places: Option<Places>,
    pub format: Option<Format>,
    pub refers_to: Option<RefersTo>,
}

/// What a parameter takes when the request leaves it out.
#[derive(Debug, Clone, Serialize)]
pub struct DefaultValue {
    pub source: DefaultSource,
    /// The vendor's Default cell verbatim, where it differs from how `source` prints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    pub provenance: Provenance,
}

impl DefaultValue {
    /// The Default cell as the vendor's page writes it.
    pub fn cell(&self) -> String {
        self.cell.clone().unwrap_or_else(|| self.source.shown())
    }
}

impl DefaultSource {
    /// The default as a table cell: an empty literal is shown as `""` so it cannot be mistaken
    /// for "no default".
    pub fn shown(&self) -> String {
        match self {
            DefaultSource::Literal(value) if value.to_string().is_empty() => "\"\"".into(),
            other => other.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultSource {
    /// A fixed value ("0.00").
    Literal(Value),
    /// "Default for group.": the named field of the card group.
    GroupField(String),
    /// "Current value.": an update leaves the field as it is.
    CurrentValue,
    /// A value from the caller or the system (its currency, its customer).
    Context(Context),
}

impl DefaultSource {
    /// Whether the default may stand in for an absent parameter with a value of its own. "Current
    /// value." leaves the stored field where it is, and "All card groups in customer." is no
    /// value but the absence of a filter.
    pub fn gives_value(&self) -> bool {
        !matches!(
            self,
            DefaultSource::CurrentValue | DefaultSource::Context(Context::AllCardGroups)
        )
    }
}

impl fmt::Display for DefaultSource {
    /// The text of the vendor's "Default value" column.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DefaultSource::Literal(value) => write!(f, "{value}"),
            DefaultSource::GroupField(_) => f.write_str("Default for group."),
            DefaultSource::CurrentValue => f.write_str("Current value."),
            DefaultSource::Context(Context::SystemCurrency) => f.write_str("System currency."),
            DefaultSource::Context(Context::CallerCustomer) => {
                f.write_str("Customer of authentication user.")
            }
            DefaultSource::Context(Context::AllCardGroups) => {
                f.write_str("All card groups in customer.")
            }
        }
    }
}

/// The only values a parameter may take, already parsed to its type.
#[derive(Debug, Clone, Serialize)]
pub struct Allowed {
    pub values: Vec<Value>,
    pub provenance: Provenance,
}

/// Inclusive bounds of a number, of the parameter's own type.
#[derive(Debug, Clone, Serialize)]
pub struct Range {
    pub min: Option<Value>,
    pub max: Option<Value>,
    pub provenance: Provenance,
}

/// At most `max` digits after the point (fewer than D12's four).
#[derive(Debug, Clone, Serialize)]
pub struct Places {
    pub max: u32,
    pub provenance: Provenance,
}

impl Param {
    /// The most decimal places the parameter takes: its own rule, else D12's.
    pub fn max_places(&self) -> u32 {
        self.places
            .as_ref()
            .map_or(crate::spec::value::DECIMAL_PLACES, |p| p.max)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Format {
    pub name: FormatName,
    pub provenance: Provenance,
}

/// Named text formats; a closed set so every consumer (validator, OpenAPI) knows each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatName {
    /// Three capital letters, as ISO 4217 codes are written (D12).
    CurrencyCode,
    /// One or more ASCII digits: a whole number at least 0 held in a String.
    Digits,
    /// Nothing but ASCII digits, possibly none: a PIN.
    DigitsOrEmpty,
    /// Base64 of a WAV file (a RIFF header of form WAVE) of at most `MAX_WAV_BYTES`; or nothing.
    Wav,
}

/// The largest WAV file an upload may carry once decoded: 512 KiB, a minute of telephone audio
/// (8 kHz, 8-bit), whose Base64 (about 700 KB) fits the server's default body limit of 1 MiB.
pub const MAX_WAV_BYTES: usize = 512 * 1024;

impl FormatName {
    /// The type of parameter the format applies to.
    pub fn param_type(self) -> ParamType {
        match self {
            FormatName::Wav => ParamType::Base64,
            _ => ParamType::String,
        }
    }

    pub fn matches(self, text: &str) -> bool {
        match self {
            FormatName::CurrencyCode => {
                text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase())
            }
            FormatName::Digits => !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()),
            FormatName::DigitsOrEmpty => text.bytes().all(|b| b.is_ascii_digit()),
            // Empty is no file at all (the parameter's default), not a broken one.
            FormatName::Wav if text.is_empty() => true,
            FormatName::Wav => crate::spec::value::decode_base64(text).is_some_and(|bytes| {
                bytes.len() >= 12
                    && bytes.len() <= MAX_WAV_BYTES
                    && bytes.starts_with(b"RIFF")
                    && &bytes[8..12] == b"WAVE"
            }),
        }
    }

    /// The same rule as a regular expression, for exports.
    pub fn pattern(self) -> &'static str {
        match self {
            FormatName::CurrencyCode => "^[A-Z]{3}$",
            FormatName::Digits => "^[0-9]+$",
            FormatName::DigitsOrEmpty => "^[0-9]*$",
            // Nothing, or Base64 whose bytes start RIFF....WAVE: "UklGR", seven characters that
            // hold the size, then "QVZF" (a regular expression cannot check the size or the
            // decoding).
            FormatName::Wav => "^$|^UklGR[A-Za-z0-9+/]{7}QVZF",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            FormatName::CurrencyCode => "three capital letters",
            FormatName::Digits => "one or more digits",
            FormatName::DigitsOrEmpty => "digits only",
            FormatName::Wav => "a WAV file (RIFF, form WAVE) of at most 512 KiB, Base64 encoded",
        }
    }
}

/// The parameter names a stored object; a value naming none gives the `missing` code.
#[derive(Debug, Clone, Serialize)]
pub struct RefersTo {
    pub resource: ResourceKind,
    pub missing: crate::spec::Code,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    CardGroup,
    Batch,
    RatePlan,
    Customer,
    /// A card, named by its number.
    Card,
    /// A sound (a recording the customer has uploaded), by id.
    Sound,
}

/// Which rule a typed value broke. Each carries what a message needs to say why.
#[derive(Debug, Clone, PartialEq)]
pub enum Violation {
    NotAllowed { allowed: Vec<Value> },
    BelowMinimum { min: Value },
    AboveMaximum { max: Value },
    TooManyPlaces { max: u32 },
    BadFormat { format: FormatName },
}

impl fmt::Display for Violation {
    /// Lowercase, to follow "`<name>` ...".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::NotAllowed { allowed } => {
                let list: Vec<String> = allowed.iter().map(|v| format!("\"{v}\"")).collect();
                write!(f, "must be one of {}", list.join(", "))
            }
            Violation::BelowMinimum { min } => write!(f, "must be at least {min}"),
            Violation::AboveMaximum { max } => write!(f, "must be at most {max}"),
            Violation::TooManyPlaces { max } => write!(f, "may have at most {max} decimal places"),
            Violation::BadFormat { format } => write!(f, "must be {}", format.describe()),
        }
    }
}

impl Param {
    /// Checks a value of this parameter's type against its allowed set, range, places and
    /// format, in that order; the first broken rule is the one reported (D5).
    pub fn check(&self, value: &Value) -> Result<(), Violation> {
        if let Some(allowed) = &self.allowed
            && !allowed.values.contains(value)
        {
            return Err(Violation::NotAllowed {
                allowed: allowed.values.clone(),
            });
        }
        if let Some(range) = &self.range {
            if let Some(min) = &range.min
                && value.compare(min) == Some(Ordering::Less)
            {
                return Err(Violation::BelowMinimum { min: min.clone() });
            }
            if let Some(max) = &range.max
                && value.compare(max) == Some(Ordering::Greater)
            {
                return Err(Violation::AboveMaximum { max: max.clone() });
            }
        }
        if let (Some(places), Value::Decimal(decimal)) = (&self.places, value)
            && decimal.scale() > places.max
        {
            return Err(Violation::TooManyPlaces { max: places.max });
        }
        if let (Some(format), Value::String(text)) = (&self.format, value)
            && !format.name.matches(text)
        {
            return Err(Violation::BadFormat {
                format: format.name,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(ty: ParamType) -> Param {
        Param {
            name: "x".into(),
            ty,
            description: String::new(),
            required: false,
            required_cell: None,
            default: None,
            allowed: None,
            range: None,
            places: None,
            format: None,
            refers_to: None,
        }
    }

    #[test]
    fn allowed_values_compare_as_typed_values() {
        let mut flag = param(ParamType::Integer);
        flag.allowed = Some(Allowed {
            values: vec![Value::Integer(0), Value::Integer(1)],
            provenance: Provenance::Documented,
        });
        assert_eq!(flag.check(&Value::Integer(1)), Ok(()));
        assert!(matches!(
            flag.check(&Value::Integer(2)),
            Err(Violation::NotAllowed { .. })
        ));
    }

    #[test]
    fn range_bounds_are_inclusive() {
        let mut length = param(ParamType::Integer);
        length.range = Some(Range {
            min: Some(Value::Integer(4)),
            max: Some(Value::Integer(20)),
            provenance: Provenance::Inferred,
        });
        assert_eq!(length.check(&Value::Integer(4)), Ok(()));
        assert_eq!(length.check(&Value::Integer(20)), Ok(()));
        assert_eq!(
            length.check(&Value::Integer(3)),
            Err(Violation::BelowMinimum {
                min: Value::Integer(4)
            })
        );
        assert_eq!(
            length.check(&Value::Integer(21)),
            Err(Violation::AboveMaximum {
                max: Value::Integer(20)
            })
        );
    }

    #[test]
    fn places_limit_the_digits_after_the_point() {
        let mut amount = param(ParamType::Decimal);
        assert_eq!(amount.max_places(), crate::spec::value::DECIMAL_PLACES);
        amount.places = Some(Places {
            max: 2,
            provenance: Provenance::Observed,
        });
        let value = |text: &str| ParamType::Decimal.parse(text).unwrap();
        assert_eq!(amount.check(&value("1.25")), Ok(()));
        assert_eq!(amount.check(&value("1")), Ok(()));
        assert_eq!(
            amount.check(&value("1.125")),
            Err(Violation::TooManyPlaces { max: 2 })
        );
        assert_eq!(
            Violation::TooManyPlaces { max: 2 }.to_string(),
            "may have at most 2 decimal places"
        );
    }

    #[test]
    fn currency_codes_are_three_capital_letters() {
        let mut currency = param(ParamType::String);
        currency.format = Some(Format {
            name: FormatName::CurrencyCode,
            provenance: Provenance::Inferred,
        });
        assert_eq!(currency.check(&Value::String("USD".into())), Ok(()));
        for bad in ["usd", "US", "USDX", "U5D", ""] {
            assert!(
                currency.check(&Value::String(bad.into())).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn violations_read_as_the_end_of_a_sentence() {
        let allowed = Violation::NotAllowed {
            allowed: vec![
                Value::String("random".into()),
                Value::String("sequential".into()),
            ],
        };
        assert_eq!(
            allowed.to_string(),
            r#"must be one of "random", "sequential""#
        );
    }
}
