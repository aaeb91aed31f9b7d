//! Diagnostics: what a client got wrong that Enswitch passes over in silence. A name it does not
//! take is ignored (D4), a name given twice is read once (D3), and some values are read by a
//! leniency the vendor never promised; the answer is the same as ever, so the client's mistake
//! costs nothing until it costs a customer. A [`Diagnostic`] says what happened to one parameter,
//! in a sentence, with the name the client probably meant.
//!
//! Computed beside the call and never changing its answer, except in strict mode, which answers
//! the first one as a 400 (`ApiError::diagnosed`). Cheap when there is nothing to say: the walk
//! that validation makes anyway marks the pairs worth a look (`validate::Sent`), and only those
//! are looked at here; the suggestion search runs for unknown names alone.
//!
//! A diagnostic holds names, never values: a value may be a password. A name is shown as
//! `fake::redact` leaves it and cut at `NAME_LIMIT` characters.

use serde::{Deserialize, Serialize};

use crate::fake::params::{Pair, RawParams};
use crate::fake::redact;
use crate::spec::{Function, Spec, Variant};

/// What kind of mistake a diagnostic is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticKind {
    /// A name the function does not take (ignored, D4).
    Unknown,
    /// A parameter's name in the wrong case (`CardGroup`): names are case-sensitive.
    WrongCase,
    /// A parameter's name with spaces before or after it.
    StraySpace,
    /// A name given more than once in the query string or in the body (the first is read, D3).
    Repeated,
    /// A name given in the query string and in the body with different values (the query
    /// string's is read, D3).
    QueryAndBody,
    /// A value accepted only by a reading the vendor does not document.
    Lenient,
    /// A parameter the call's other parameters make meaningless, where the spec says so.
    Meaningless,
}

impl DiagnosticKind {
    /// Every kind, in a fixed order: the journal keeps a kind as its index here.
    pub const ALL: [DiagnosticKind; 7] = [
        DiagnosticKind::Unknown,
        DiagnosticKind::WrongCase,
        DiagnosticKind::StraySpace,
        DiagnosticKind::Repeated,
        DiagnosticKind::QueryAndBody,
        DiagnosticKind::Lenient,
        DiagnosticKind::Meaningless,
    ];
}

/// One thing a call's client got wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub kind: DiagnosticKind,
    /// The parameter as the client named it (redacted and cut, see the module's doc).
    pub param: String,
    /// What happened to it, in a sentence.
    pub message: String,
    /// The parameter it probably meant to name, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// The most characters of a client's name a diagnostic shows.
const NAME_LIMIT: usize = 64;

/// The most diagnostics one call has: past a handful, more say nothing new.
pub(crate) const MAX_PER_CALL: usize = 16;

/// The names of the decisions a lenient reading rests on, as the docs number them.
const READINGS: &str = "D2";
const VALUES: &str = "D12";

impl Diagnostic {
    fn new(kind: DiagnosticKind, param: &str, message: String) -> Diagnostic {
        Diagnostic {
            kind,
            param: shown(param),
            message,
            suggestion: None,
        }
    }

    fn suggesting(mut self, name: &str) -> Diagnostic {
        self.suggestion = Some(name.to_owned());
        self
    }

    /// A value with a leading zero, read as a number.
    pub(crate) fn leading_zero(param: &str) -> Diagnostic {
        Diagnostic::new(
            DiagnosticKind::Lenient,
            param,
            format!(
                "{param} has a leading zero, read as the number without it ({VALUES}); the vendor \
                 does not say that Enswitch reads it so."
            ),
        )
    }

    /// Base64 with spaces (read as `+`) or line breaks (dropped).
    pub(crate) fn loose_base64(param: &str, spaces: bool) -> Diagnostic {
        let reading = if spaces {
            "spaces, read as the '+' they were before the URL was decoded (send '+' as %2B)"
        } else {
            "line breaks, which are dropped"
        };
        Diagnostic::new(
            DiagnosticKind::Lenient,
            param,
            format!(
                "{param} has {reading}; the vendor does not say that Enswitch reads Base64 so."
            ),
        )
    }

    /// A parameter given where a variant of the answer leaves no use for it.
    pub(crate) fn meaningless(param: &str, variant: &Variant) -> Diagnostic {
        // "Only how many cards there are." → "only how many cards there are".
        let answer = variant.description.trim_end_matches('.');
        let mut letters = answer.chars();
        let answer: String = letters
            .next()
            .map(|first| first.to_lowercase().chain(letters).collect())
            .unwrap_or_default();
        Diagnostic::new(
            DiagnosticKind::Meaningless,
            param,
            format!(
                "{param} has no effect with {}={}: the answer is {answer}.",
                variant.parameter, variant.value
            ),
        )
    }
}

/// A name as a diagnostic shows it: redacted (a secret written into a name is not shown) and cut.
fn shown(name: &str) -> String {
    let name = redact(name);
    match name.char_indices().nth(NAME_LIMIT) {
        Some((cut, _)) => format!("{}…", &name[..cut]),
        None => name.into_owned(),
    }
}

/// The diagnostics of the names in `raw` that the walk marked (`suspects`, indexes of pairs, in
/// order): names `function` does not take, names given more than once, and pairs read
/// leniently. One diagnostic a name, and at most `MAX_PER_CALL` a call, so that a body of half
/// a million made-up names costs one pass over it, not a search for each.
pub(crate) fn of_names(
    spec: &Spec,
    function: &Function,
    raw: &RawParams,
    suspects: &[usize],
) -> Vec<Diagnostic> {
    let mut found: Vec<Diagnostic> = Vec::new();
    let mut said: Vec<&str> = Vec::new();
    let mut next = suspects.iter().copied().peekable();
    for (i, pair) in raw.pairs_read().enumerate() {
        if found.len() == MAX_PER_CALL {
            break;
        }
        match next.peek() {
            None => break,
            Some(&at) if at != i => continue,
            Some(_) => next.next(),
        };
        let name = pair.name;
        if said.contains(&name) {
            continue;
        }
        said.push(name);
        let diagnostic = if !is_taken(function, name) {
            Some(unknown(spec, function, name))
        } else if raw.pairs_read().filter(|p| p.name == name).nth(1).is_some() {
            let same: Vec<Pair<'_>> = raw.pairs_read().filter(|p| p.name == name).collect();
            repeated(name, &same)
        } else if pair.no_equals {
            let message = format!(
                "{name} is sent as a bare name, without '=', and read as empty ({READINGS}); the \
                 vendor does not say that Enswitch reads it so."
            );
            Some(Diagnostic::new(DiagnosticKind::Lenient, name, message))
        } else if pair.loose_percent {
            let message = format!(
                "{name} has a '%' not followed by two hex digits, kept as it is ({READINGS}); send \
                 '%' as %25."
            );
            Some(Diagnostic::new(DiagnosticKind::Lenient, name, message))
        } else {
            None
        };
        found.extend(diagnostic);
    }
    found
}

/// Whether `function` takes `name`: one of its parameters, or `auth_token`, which every
/// function takes in place of a username and password.
pub(crate) fn is_taken(function: &Function, name: &str) -> bool {
    name == "auth_token" || function.position(name).is_some()
}

/// A name `function` does not take: a known name in the wrong case or with spaces, or one with
/// the nearest name it does take, and the functions that take it.
fn unknown(spec: &Spec, function: &Function, name: &str) -> Diagnostic {
    let path = &function.path;
    let shown_name = shown(name);
    let trimmed = name.trim();
    let same_letters = function
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .find(|p| p.eq_ignore_ascii_case(trimmed));
    if let Some(meant) = same_letters {
        let (kind, why) = if meant == trimmed {
            (DiagnosticKind::StraySpace, "has spaces around it")
        } else if trimmed != name {
            (
                DiagnosticKind::WrongCase,
                "is in the wrong case and has spaces around it",
            )
        } else {
            (DiagnosticKind::WrongCase, "is in the wrong case")
        };
        let message = format!(
            "\"{shown_name}\" {why}, so it is not {meant} and {path} ignores it (D4); names are \
             exact. Did you mean {meant}?"
        );
        return Diagnostic::new(kind, name, message).suggesting(meant);
    }
    let elsewhere: Vec<&str> = spec
        .functions()
        .iter()
        .filter(|f| f.position(name).is_some())
        .map(|f| f.path.as_str())
        .collect();
    let nearest = nearest(function, name);
    let mut message = match elsewhere.as_slice() {
        [] => format!("{shown_name} is not a parameter of {path}, which ignores it (D4)"),
        paths => format!(
            "{shown_name} is a parameter of {}, not of {path}, which ignores it (D4)",
            list(paths)
        ),
    };
    match nearest {
        Some(meant) => {
            message.push_str("; did you mean ");
            message.push_str(meant);
            message.push('?');
            Diagnostic::new(DiagnosticKind::Unknown, name, message).suggesting(meant)
        }
        None => {
            message.push('.');
            Diagnostic::new(DiagnosticKind::Unknown, name, message)
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The parameter of `function` nearest `name` by edit distance, if one is near enough to be a
/// slip of the keyboard: at most a third of the name's letters apart, and never more than three.
fn nearest<'f>(function: &'f Function, name: &str) -> Option<&'f str> {
    let letters = name.chars().count();
    if letters > NAME_LIMIT {
        return None;
    }
    let within = (letters / 3).clamp(1, 3);
    function
        .parameters
        .iter()
        .map(|p| (strsim::levenshtein(name, &p.name), p.name.as_str()))
        .filter(|(distance, _)| *distance <= within)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// A name given more than once: `Repeated` if any part (query string, body) holds it twice,
/// `QueryAndBody` if each holds it once with different values; nothing if the two agree.
fn repeated(name: &str, same: &[Pair<'_>]) -> Option<Diagnostic> {
    let in_body = same.iter().filter(|p| p.in_body).count();
    let in_query = same.len() - in_body;
    let differ = same.iter().any(|p| p.value != same[0].value);
    let first_from = if same[0].in_body {
        "the body"
    } else {
        "the query string"
    };
    if in_query > 1 || in_body > 1 {
        let values = if differ {
            "different values"
        } else {
            "the same value"
        };
        let message = format!(
            "{name} is given {} times, with {values}; the first, in {first_from}, is read (D3).",
            same.len()
        );
        return Some(Diagnostic::new(DiagnosticKind::Repeated, name, message));
    }
    differ.then(|| {
        let message = format!(
            "{name} is given in the query string and in the body with different values; the \
             query string's is read (D3)."
        );
        Diagnostic::new(DiagnosticKind::QueryAndBody, name, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> &'static Spec {
        static SPEC: std::sync::OnceLock<Spec> = std::sync::OnceLock::new();
        SPEC.get_or_init(|| Spec::embedded().unwrap())
    }

    fn names(path: &str, query: &str, body: Option<&str>) -> Vec<Diagnostic> {
        let function = spec().function(path).unwrap();
        let raw = RawParams::parse(query, body.map(str::as_bytes));
        let every: Vec<usize> = (0..raw.len()).collect();
        of_names(spec(), function, &raw, &every)
    }

    #[test]
    fn an_unknown_name_gets_the_nearest_name_of_the_function() {
        let found = names("cards/batches/create", "numbr=5", None);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, DiagnosticKind::Unknown);
        assert_eq!(found[0].param, "numbr");
        assert_eq!(found[0].suggestion.as_deref(), Some("number"));
        assert_eq!(
            found[0].message,
            "numbr is not a parameter of cards/batches/create, which ignores it (D4); did you \
             mean number?"
        );
        assert!(
            names("cards/list", "frobnicate=1", None)[0]
                .suggestion
                .is_none()
        );
    }

    #[test]
    fn an_unknown_name_says_which_functions_take_it() {
        let found = names("cards/list", "card_length=10", None);
        assert_eq!(
            found[0].message,
            "card_length is a parameter of cards/batches/create, cards/groups/create and \
             cards/groups/update, not of cards/list, which ignores it (D4)."
        );
    }

    #[test]
    fn case_and_spaces_are_told_apart_from_unknown_names() {
        let case = &names("cards/list", "CardGroup=1", None)[0];
        assert_eq!(case.kind, DiagnosticKind::WrongCase);
        assert_eq!(case.suggestion.as_deref(), Some("cardgroup"));
        let spaced = &names("cards/list", "+cardgroup=1", None)[0];
        assert_eq!(spaced.kind, DiagnosticKind::StraySpace);
        assert_eq!(spaced.param, " cardgroup");
        assert!(
            spaced
                .message
                .starts_with("\" cardgroup\" has spaces around it")
        );
    }

    #[test]
    fn repeats_say_which_was_read_and_agreeing_halves_say_nothing() {
        let twice = &names("cards/list", "cardgroup=1;cardgroup=2", None)[0];
        assert_eq!(twice.kind, DiagnosticKind::Repeated);
        assert_eq!(
            twice.message,
            "cardgroup is given 2 times, with different values; the first, in the query string, \
             is read (D3)."
        );
        let split = &names("cards/list", "cardgroup=1", Some("cardgroup=2"))[0];
        assert_eq!(split.kind, DiagnosticKind::QueryAndBody);
        assert!(names("cards/list", "cardgroup=1", Some("cardgroup=1")).is_empty());
        // One diagnostic for a name, however often it comes.
        assert_eq!(
            names("cards/list", "limit=1;limit=1;limit=1", None).len(),
            1
        );
    }

    #[test]
    fn bare_names_and_loose_percents_are_lenient_readings() {
        let bare = &names("cards/groups/update", "name", None)[0];
        assert_eq!(bare.kind, DiagnosticKind::Lenient);
        assert!(bare.message.contains("bare name"), "{}", bare.message);
        let loose = &names("cards/groups/update", "name=100%", None)[0];
        assert_eq!(loose.kind, DiagnosticKind::Lenient);
        assert!(loose.message.contains("%25"), "{}", loose.message);
    }

    #[test]
    fn no_value_and_no_secret_is_ever_shown() {
        let found = names(
            "cards/list",
            "auth_password=hunter2;auth_password=other;x%3Dauth_password%3Dhunter2=1",
            None,
        );
        let text = serde_json::to_string(&found).unwrap();
        assert!(
            !text.contains("hunter2") && !text.contains("other"),
            "{text}"
        );
        assert_eq!(found.len(), 2, "{text}");
    }

    #[test]
    fn a_call_has_a_bounded_number_of_diagnostics_however_many_names_it_makes_up() {
        let made_up: Vec<String> = (0..200_000).map(|i| format!("x{i}=1")).collect();
        let found = names("cards/list", &made_up.join("&"), None);
        assert_eq!(found.len(), MAX_PER_CALL);
        assert_eq!(found[0].param, "x0");
        // The same name again and again is one diagnostic.
        let again = vec!["nope=1"; 100_000].join("&");
        assert_eq!(names("cards/list", &again, None).len(), 1);
    }

    #[test]
    fn a_long_name_is_cut() {
        let long = "x".repeat(1000);
        let found = names("cards/list", &format!("{long}=1"), None);
        assert_eq!(found[0].param.chars().count(), NAME_LIMIT + 1);
    }
}
