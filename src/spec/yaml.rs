//! Reading our YAML files (the spec, the seed) into serde types with errors a person can act on:
//! each names the file, the line and column, and the path of the field inside the file.
//! serde-saphyr refuses duplicate keys and reports where; serde_path_to_error adds the path.

use std::fmt;

use serde::de::DeserializeOwned;

/// One problem in one file: `file:line:column: field: message`, or `file: message` for one about
/// the whole file (line 0).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.shown())]
pub struct FileError {
    pub file: String,
    pub line: u64,
    pub column: u64,
    /// Path of the field inside the file: `parameters[4].default`.
    pub field: String,
    pub message: String,
}

impl FileError {
    fn shown(&self) -> String {
        let FileError {
            file,
            line,
            column,
            field,
            message,
        } = self;
        match (line, field.is_empty()) {
            (0, true) => format!("{file}: {message}"),
            (0, false) => format!("{file}: {field}: {message}"),
            _ => format!("{file}:{line}:{column}: {field}: {message}"),
        }
    }
}

/// Every problem found, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileErrors(pub Vec<FileError>);

impl std::error::Error for FileErrors {}

impl fmt::Display for FileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl FileErrors {
    /// One error about a whole file or directory (it cannot be read, say).
    pub fn whole(file: impl Into<String>, message: impl Into<String>) -> FileErrors {
        FileErrors(vec![FileError {
            file: file.into(),
            line: 0,
            column: 0,
            field: String::new(),
            message: message.into(),
        }])
    }
}

/// Parses `text` (the contents of `file`) into `T`.
pub(crate) fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, FileError> {
    // The parser's default budget (250,000 nodes, a million events, 64 MiB of text in scalars)
    // refuses a seed of some thirty thousand cards. A document holds no more nodes and events
    // than it has bytes, so the caps grow with the text; what they guard against (an alias
    // replaying what it names, again and again) stays bounded, by the text's length.
    let size = text.len();
    let options = serde_saphyr::options! {
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_nodes: size.max(250_000),
            max_events: size.max(1_000_000),
            max_total_scalar_bytes: size.max(64 << 20),
        },
    };
    let mut path = String::new();
    let result = serde_saphyr::with_deserializer_from_str_with_options(text, options, |de| {
        serde_path_to_error::deserialize(de).map_err(|e| {
            path = e.path().to_string();
            e.into_inner()
        })
    });
    result.map_err(|error| {
        let (line, column) = error.location().map_or((0, 0), |l| (l.line(), l.column()));
        let (field, message) = describe(&path, &error.without_snippet().to_string());
        FileError {
            file: file.to_owned(),
            line,
            column,
            field,
            message,
        }
    })
}

/// Makes serde-saphyr's message and serde_path_to_error's path read as one of ours: the location
/// suffix goes (we print our own), `Spanned`'s inner `value` step goes, and a duplicate key's
/// unknown last step (`?`) becomes the key's name.
fn describe(path: &str, message: &str) -> (String, String) {
    let message = match message.rsplit_once(" at line ") {
        Some((text, _)) => text,
        None => message,
    };
    let steps: Vec<&str> = path.split('.').filter(|step| *step != "value").collect();
    let mut field = steps.join(".");
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split_once(", set ").map_or(rest, |(key, _)| key);
        if let Some(parent) = field.strip_suffix('?') {
            field = format!("{parent}{key}");
        }
        return (field, format!("duplicate key `{key}`"));
    }
    if field == "." || field.is_empty() {
        field = "(top)".into();
    }
    (field, message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// More nodes than the parser's default budget (250,000) load when the text holds them.
    #[test]
    fn a_long_document_is_not_refused_for_its_length() {
        let text = format!("[{}0]", "0, ".repeat(400_000));
        let numbers: Vec<i64> = parse("long.yaml", &text).unwrap();
        assert_eq!(numbers.len(), 400_001);
    }

    /// Aliases that replay what they name, nine levels deep (a billion nodes from a few hundred
    /// bytes), are still refused.
    #[test]
    fn an_alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let previous = format!("*a{}", level - 1);
            let items = [previous.as_str(); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        let refused =
            parse::<std::collections::BTreeMap<String, serde_json::Value>>("bomb.yaml", &text);
        assert!(refused.is_err(), "{} bytes loaded", text.len());
    }
}
