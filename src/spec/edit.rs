//! Changes a spec file's text the way a person would: one rule line of one parameter replaced,
//! added or removed, parameter blocks put in another order, a top-level key set, and every other
//! line (comments, the vendor's rows, blank lines) kept as it was. `learn` writes what it
//! observed through this, so its output diffs cleanly against the spec it started from.
//!
//! It reads the layout this repository's spec files have: `parameters:` at the left margin, each
//! parameter starting `  - name: NAME`, its keys indented four spaces, each rule on one line
//! (`    range: {min: "4", max: "20", provenance: inferred}`). A file laid out otherwise is
//! refused with the file and the reason, never half-edited.

/// Why a file could not be edited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct EditError {
    pub file: String,
    pub reason: String,
}

/// A spec file's text, split into what comes before the parameters, each parameter's block, and
/// what comes after.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecText {
    head: Vec<String>,
    params: Vec<ParamBlock>,
    tail: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct ParamBlock {
    name: String,
    /// The `  - name:` line and every line up to the next block.
    lines: Vec<String>,
}

/// The keys whose lines new rule lines go before, so that a rule lands where a person would put
/// it: after `default`, `allowed` and `range`, before `format` and `refers_to`.
const LATER_KEYS: [&str; 2] = ["format", "refers_to"];

impl SpecText {
    pub fn parse(file: &str, text: &str) -> Result<SpecText, EditError> {
        let error = |reason: &str| EditError {
            file: file.to_owned(),
            reason: reason.to_owned(),
        };
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let start = lines
            .iter()
            .position(|l| l == "parameters:")
            .ok_or_else(|| error("no `parameters:` line at the left margin"))?;
        // The parameters end at the next key at the left margin.
        let end = lines[start + 1..]
            .iter()
            .position(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
            .map_or(lines.len(), |n| start + 1 + n);
        let mut head = lines[..=start].to_vec();
        let mut params: Vec<ParamBlock> = Vec::new();
        for line in &lines[start + 1..end] {
            if let Some(name) = line.strip_prefix("  - name: ") {
                params.push(ParamBlock {
                    name: name.trim().to_owned(),
                    lines: vec![line.clone()],
                });
            } else if let Some(block) = params.last_mut() {
                block.lines.push(line.clone());
            } else if line.trim().is_empty() || line.trim_start().starts_with('#') {
                head.push(line.clone());
            } else {
                return Err(error(&format!(
                    "a parameter does not start `  - name: NAME` (line {line:?})"
                )));
            }
        }
        if params.is_empty() {
            return Err(error("no parameter starts `  - name: NAME`"));
        }
        Ok(SpecText {
            head,
            params,
            tail: lines[end..].to_vec(),
        })
    }

    /// Replaces the `key:` line of `param` with `line` (the text after `    key: `), adds it if
    /// there is none, or removes it when `line` is `None`.
    pub fn set_rule(
        &mut self,
        file: &str,
        param: &str,
        key: &str,
        line: Option<&str>,
    ) -> Result<(), EditError> {
        let block = self
            .params
            .iter_mut()
            .find(|b| b.name == param)
            .ok_or_else(|| EditError {
                file: file.to_owned(),
                reason: format!("no parameter {param}"),
            })?;
        let prefix = format!("    {key}:");
        let at = block.lines.iter().position(|l| l.starts_with(&prefix));
        match (at, line) {
            (Some(at), Some(line)) => block.lines[at] = format!("{prefix} {line}"),
            (Some(at), None) => {
                block.lines.remove(at);
            }
            (None, Some(line)) => {
                let before = block
                    .lines
                    .iter()
                    .position(|l| {
                        LATER_KEYS
                            .iter()
                            .any(|k| l.starts_with(&format!("    {k}:")))
                    })
                    .unwrap_or_else(|| last_key_line(&block.lines) + 1);
                block.lines.insert(before, format!("{prefix} {line}"));
            }
            (None, None) => {}
        }
        Ok(())
    }

    /// Puts the parameter blocks named in `order` into that order, in the places they held;
    /// every other block stays where it is.
    pub fn order(&mut self, order: &[String]) {
        let slots: Vec<usize> = self
            .params
            .iter()
            .enumerate()
            .filter(|(_, b)| order.contains(&b.name))
            .map(|(i, _)| i)
            .collect();
        let moved: Vec<ParamBlock> = order
            .iter()
            .filter_map(|name| self.params.iter().find(|b| &b.name == name).cloned())
            .collect();
        for (slot, block) in slots.into_iter().zip(moved) {
            self.params[slot] = block;
        }
    }

    /// Sets the top-level `key:` line after the parameters to `key: line`, adding it at the end
    /// of the file if there is none.
    pub fn set_top(&mut self, key: &str, line: &str) {
        let prefix = format!("{key}:");
        let new = format!("{prefix} {line}");
        match self.tail.iter().position(|l| l.starts_with(&prefix)) {
            Some(at) => self.tail[at] = new,
            None => {
                if self.tail.last().is_some_and(|l| !l.trim().is_empty()) {
                    self.tail.push(String::new());
                }
                self.tail.push(new);
            }
        }
    }

    pub fn text(&self) -> String {
        let mut text = String::new();
        let blocks = self.params.iter().flat_map(|b| &b.lines);
        for line in self.head.iter().chain(blocks).chain(&self.tail) {
            text.push_str(line);
            text.push('\n');
        }
        text
    }
}

/// The index of the last line of a block that is not blank or a comment (where a new key goes
/// after).
fn last_key_line(lines: &[String]) -> usize {
    lines
        .iter()
        .rposition(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# a comment
function: x/y
parameters:
  - name: a
    type: Integer
    required: false
    range: {min: \"1\", max: \"9\", provenance: inferred}
    refers_to: {resource: card_group, missing: 404, provenance: documented}

  - name: b
    type: Decimal
    required: true
responses:
  - {code: 200, description: OK}
";

    #[test]
    fn unchanged_text_is_given_back_byte_for_byte() {
        assert_eq!(SpecText::parse("f", TEXT).unwrap().text(), TEXT);
    }

    #[test]
    fn rules_are_replaced_added_before_later_keys_and_removed() {
        let mut spec = SpecText::parse("f", TEXT).unwrap();
        spec.set_rule(
            "f",
            "a",
            "range",
            Some("{min: \"2\", provenance: observed}"),
        )
        .unwrap();
        spec.set_rule("f", "a", "places", Some("{max: 2, provenance: observed}"))
            .unwrap();
        spec.set_rule("f", "b", "places", Some("{max: 1, provenance: observed}"))
            .unwrap();
        spec.set_rule("f", "b", "required", Some("false")).unwrap();
        spec.set_rule("f", "a", "missing", None).unwrap();
        let text = spec.text();
        assert!(text.contains(
            "    range: {min: \"2\", provenance: observed}\n    places: {max: 2, provenance: observed}\n    refers_to:"
        ), "{text}");
        assert!(
            text.contains(
                "    required: false\n    places: {max: 1, provenance: observed}\nresponses:"
            ),
            "{text}"
        );
        spec.set_rule("f", "a", "range", None).unwrap();
        assert!(!spec.text().contains("range:"));
        assert!(spec.set_rule("f", "c", "range", None).is_err());
    }

    #[test]
    fn blocks_swap_places_and_a_top_level_key_is_set() {
        let mut spec = SpecText::parse("f", TEXT).unwrap();
        spec.order(&["b".to_owned(), "a".to_owned()]);
        spec.set_top("observed", "{target: h, date: 2026-01-01}");
        let text = spec.text();
        assert!(text.find("- name: b").unwrap() < text.find("- name: a").unwrap());
        assert!(
            text.ends_with("\nobserved: {target: h, date: 2026-01-01}\n"),
            "{text}"
        );
        spec.set_top("observed", "{target: g, date: 2026-01-02}");
        assert_eq!(spec.text().matches("observed:").count(), 1);
    }

    #[test]
    fn a_file_laid_out_otherwise_is_refused_with_its_name() {
        let error =
            SpecText::parse("odd.yaml", "function: x\nparameters:\n- name: a\n").unwrap_err();
        assert_eq!(error.file, "odd.yaml");
        assert!(SpecText::parse("f", "function: x\n").is_err());
    }
}
