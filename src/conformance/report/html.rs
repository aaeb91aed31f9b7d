//! For people: one HTML file to open from disk or send to whoever must act on it. It holds
//! everything it shows (styles inline, no script, no fonts or images from anywhere), so it reads
//! the same offline, in a mail attachment, or years later.
//!
//! From the top: the verdict and the counts; a table by function and outcome; the cases that did
//! not pass, those that failed the same rule the same way shown once with their count and ids,
//! each with its rule and provenance, the requests, the expected and the actual answer and the
//! diff between them; the coverage of the spec (each parameter's rules by family, each
//! function's own rules, each documented code: which case exercised it and how it ended); and the
//! skipped cases with their reasons. What it shows came through the runner, which has already
//! scrubbed every password and token from it. The markup is also well-formed XML, so any XML
//! parser can check it. Long lines wrap rather than widen the page: it reads without scrolling
//! sideways in a window 1400 pixels wide.

use std::io::Write;

use crate::conformance::coverage::{Coverage, Family, FunctionCoverage, Item};
use crate::conformance::outcome::{CaseResult, Outcome, Reporter, Summary};
use crate::conformance::report::escape;
use crate::conformance::snapshot::Snapshot;
use crate::spec::Spec;

/// The outcome labels, in the order the report shows them.
const LABELS: [&str; 6] = ["passed", "failed", "unverified", "new", "skipped", "broken"];

/// The families a parameter's rules fall in: the coverage table's columns.
const PARAMETER_FAMILIES: [Family; 6] = [
    Family::Missing,
    Family::Type,
    Family::Allowed,
    Family::Range,
    Family::Format,
    Family::Reference,
];

const STYLE: &str = "
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1d232a; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #d0d7de; }
.meta { color: #57606a; }
.verdict { display: inline-block; padding: .3rem .8rem; border-radius: .3rem; font-weight: 600; color: #fff; }
.verdict.pass { background: #1a7f37; } .verdict.fail { background: #cf222e; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: .25rem .55rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f6f8fa; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.zero { color: #aab2bb; }
.badge { border-radius: .25rem; padding: 0 .35rem; font-size: .85em; font-weight: 600; white-space: nowrap; }
.passed { background: #dafbe1; color: #116329; } .failed, .broken, .uncovered { background: #ffebe9; color: #a40e26; }
.unverified { background: #fff8c5; color: #7d4e00; } .new { background: #ddf4ff; color: #0550ae; }
.skipped, .na { background: #eaeef2; color: #57606a; }
.case { border: 1px solid #d0d7de; border-radius: .4rem; padding: .6rem 1rem; margin: 1rem 0; }
.case h3 { margin: .2rem 0; font-size: 1rem; font-family: ui-monospace, monospace; }
pre { background: #f6f8fa; padding: .6rem; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 13px; margin: .3rem 0; }
.cols { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: .8rem; }
.ids { font-family: ui-monospace, monospace; font-size: .85em; color: #57606a; }
.diff .add { background: #dafbe1; display: block; } .diff .del { background: #ffebe9; display: block; }
.diff .at { color: #8250df; display: block; }
td.cov { font-size: .85em; white-space: nowrap; }
";

pub(crate) struct Html {
    out: Box<dyn Write>,
    spec: Spec,
    /// What was checked, as the report's heading says it (no credentials).
    target: String,
    results: Vec<CaseResult>,
}

impl Html {
    pub(crate) fn new(out: Box<dyn Write>, spec: Spec, target: String) -> Html {
        Html {
            out,
            spec,
            target,
            results: Vec::new(),
        }
    }
}

impl Reporter for Html {
    fn start(&mut self, _total: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn case(&mut self, result: &CaseResult) -> std::io::Result<()> {
        self.results.push(result.clone());
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> std::io::Result<()> {
        let coverage = Coverage::of(&self.spec, &self.results);
        let mut page = String::new();
        head(&mut page, &self.target, summary, &coverage);
        by_function(&mut page, summary);
        not_passed(&mut page, &self.results);
        coverage_view(&mut page, &coverage);
        skipped(&mut page, &self.results);
        page.push_str("</body>\n</html>\n");
        self.out.write_all(page.as_bytes())?;
        self.out.flush()
    }
}

fn head(page: &mut String, target: &str, summary: &Summary, coverage: &Coverage) {
    let (class, verdict) = if summary.failed {
        ("fail", "FAILED")
    } else {
        ("pass", "PASSED")
    };
    let counts: Vec<String> = LABELS
        .iter()
        .map(|label| format!("{} {label}", summary.count(label)))
        .collect();
    page.push_str(&format!("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>enswitch-fake check: {verdict}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Conformance report</h1>\n<p class=\"meta\">enswitch-fake {version} · target: {target}</p>\n\
         <p><span class=\"verdict {class}\">{verdict}</span> {counts} · coverage {percent}% \
         ({covered} of {total} rules and codes)</p>\n",
        version = env!("CARGO_PKG_VERSION"),
        target = escape(target),
        counts = counts.join(", "),
        percent = coverage.percent,
        covered = coverage.covered,
        total = coverage.total,
    ));
}

fn by_function(page: &mut String, summary: &Summary) {
    page.push_str("<h2 id=\"functions\">By function</h2>\n<table>\n<tr><th>function</th>");
    for label in LABELS {
        page.push_str(&format!("<th>{label}</th>"));
    }
    page.push_str("</tr>\n");
    let total = std::iter::once(("total", &summary.total));
    let rows = summary
        .by_function
        .iter()
        .map(|(f, counts)| (f.as_str(), counts))
        .chain(total);
    for (function, counts) in rows {
        page.push_str(&format!("<tr><td>{}</td>", escape(function)));
        for label in LABELS {
            let n = counts.get(label).copied().unwrap_or(0);
            let class = if n == 0 { "n zero" } else { "n" };
            page.push_str(&format!("<td class=\"{class}\">{n}</td>"));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table>\n");
}

fn not_passed(page: &mut String, results: &[CaseResult]) {
    let shown: Vec<&CaseResult> = results
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Passed | Outcome::Skipped { .. }))
        .collect();
    // Cases that went wrong the same way (the same lines differ, whatever the request around
    // them) are one block: the first case's exchange, and every case's id and rule.
    let mut groups: Vec<(String, Vec<&CaseResult>)> = Vec::new();
    for result in &shown {
        let key = difference(&result.outcome);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, group)) => group.push(result),
            None => groups.push((key, vec![result])),
        }
    }
    page.push_str(&format!(
        "<h2 id=\"cases\">Cases that did not pass ({})</h2>\n",
        shown.len()
    ));
    if shown.is_empty() {
        page.push_str("<p>None: every case that ran passed.</p>\n");
    } else if groups.len() < shown.len() {
        page.push_str(&format!(
            "<p>{} ways of going wrong: the cases whose answers differ in the same lines are \
             shown once, with the id and rule of each.</p>\n",
            groups.len()
        ));
    }
    for (_, group) in groups {
        let result = group[0];
        let label = result.outcome.label();
        let count = if group.len() > 1 {
            format!(" <span class=\"badge {label}\">× {}</span>", group.len())
        } else {
            String::new()
        };
        page.push_str(&format!("<div class=\"case\" id=\"{id}\">\n<h3><span class=\"badge {label}\">{label}</span> {id}{count}</h3>\n\
             <p>Rule ({provenance}): {rule}</p>\n",
            id = escape(&result.id),
            provenance = result.provenance,
            rule = escape(&result.rule),
        ));
        if group.len() > 1 {
            page.push_str(&format!(
                "<details><summary>The same difference in {} cases</summary>\n<table class=\"ids\">\n",
                group.len()
            ));
            for other in &group {
                page.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td></tr>\n",
                    escape(&other.id),
                    escape(&other.rule)
                ));
            }
            page.push_str("</table></details>\n");
        }
        match &result.outcome {
            Outcome::Broken { error } => {
                page.push_str(&format!("<p>Could not be run: {}</p>\n", escape(error)));
            }
            Outcome::Failed { diff } | Outcome::Unverified { diff } | Outcome::New { diff } => {
                if let Some(exchange) = &result.exchange {
                    exchange_view(page, &exchange.actual, exchange.expected.as_ref());
                }
                page.push_str(
                    "<p>Difference (<code>-</code> expected, <code>+</code> actual):</p>\n",
                );
                diff_view(page, diff);
            }
            Outcome::Passed | Outcome::Skipped { .. } => {}
        }
        for file in group.iter().filter_map(|r| r.wrote.as_ref()) {
            page.push_str(&format!(
                "<p>Answer written to <code>{}</code></p>\n",
                escape(&file.display().to_string())
            ));
        }
        page.push_str("</div>\n");
    }
}

/// What tells one way of going wrong from another: the outcome, and the lines of its diff that
/// differ (not the hunks' context, which holds each case's own request), or its error.
fn difference(outcome: &Outcome) -> String {
    let mut key = outcome.label().to_owned();
    match outcome {
        Outcome::Failed { diff } | Outcome::Unverified { diff } | Outcome::New { diff } => {
            for line in diff.lines() {
                let changed = (line.starts_with('+') && !line.starts_with("+++"))
                    || (line.starts_with('-') && !line.starts_with("---"));
                if changed {
                    key.push('\n');
                    key.push_str(line);
                }
            }
        }
        Outcome::Broken { error } => key.push_str(error),
        Outcome::Passed | Outcome::Skipped { .. } => {}
    }
    key
}

/// The requests, then the expected and the actual answer side by side.
fn exchange_view(page: &mut String, actual: &Snapshot, expected: Option<&Snapshot>) {
    page.push_str("<p>Requests (credentials left out):</p>\n<pre>");
    for step in &actual.steps {
        page.push_str(&format!("{}\n", escape(&step.request)));
    }
    page.push_str("</pre>\n<div class=\"cols\">\n<div><p>Expected (the reviewed snapshot)</p>\n");
    match expected {
        Some(expected) => {
            page.push_str(&format!("<pre>{}</pre>", escape(&answers_text(expected))));
        }
        None => page.push_str("<p><em>No snapshot yet: the answer needs review.</em></p>"),
    }
    page.push_str(&format!(
        "</div>\n<div><p>Actual</p>\n<pre>{}</pre></div>\n</div>\n",
        escape(&answers_text(actual))
    ));
}

/// Each step's answer as JSON, without the request already shown.
fn answers_text(snapshot: &Snapshot) -> String {
    let answers: Vec<serde_json::Value> = snapshot
        .steps
        .iter()
        .map(|step| {
            let mut answer = serde_json::json!({
                "code": step.code, "key": step.key, "message": step.message,
            });
            if let Some(data) = &step.data {
                answer["data"] = data.clone();
            }
            answer
        })
        .collect();
    let shown = match answers.as_slice() {
        [one] => one.clone(),
        _ => serde_json::Value::Array(answers),
    };
    serde_json::to_string_pretty(&shown).expect("JSON serializes")
}

fn diff_view(page: &mut String, diff: &str) {
    page.push_str("<pre class=\"diff\">");
    for line in diff.lines() {
        let class = match line.as_bytes().first() {
            Some(b'+') if !line.starts_with("+++") => "add",
            Some(b'-') if !line.starts_with("---") => "del",
            Some(b'@') => "at",
            _ => "",
        };
        if class.is_empty() {
            page.push_str(&format!("{}\n", escape(line)));
        } else {
            page.push_str(&format!("<span class=\"{class}\">{}</span>", escape(line)));
        }
    }
    page.push_str("</pre>\n");
}

fn coverage_view(page: &mut String, coverage: &Coverage) {
    page.push_str(&format!(
        "<h2 id=\"coverage\">Coverage: {}% ({} of {})</h2>\n\
         <p>For each function: each parameter's rules by family, the function's own rules, and \
         each documented answer code. A cell names how many cases exercised it and how they \
         ended; <span class=\"badge uncovered\">none</span> means no case did; a blank means \
         the spec has no such rule.</p>\n",
        coverage.percent, coverage.covered, coverage.total
    ));
    for function in &coverage.functions {
        function_coverage(page, function);
    }
}

fn function_coverage(page: &mut String, function: &FunctionCoverage) {
    page.push_str(&format!(
        "<section id=\"coverage-{name}\">\n<h3>{name}</h3>\n<table>\n<tr><th>parameter</th>",
        name = escape(&function.function)
    ));
    for family in PARAMETER_FAMILIES {
        page.push_str(&format!("<th>{}</th>", family.as_str()));
    }
    page.push_str("</tr>\n");
    let mut parameters: Vec<&str> = Vec::new();
    for item in &function.rules {
        let is_parameter_rule = item.family.is_some_and(|f| PARAMETER_FAMILIES.contains(&f));
        if let Some(name) = item.parameter.as_deref().filter(|_| is_parameter_rule)
            && !parameters.contains(&name)
        {
            parameters.push(name);
        }
    }
    for name in parameters {
        page.push_str(&format!("<tr><td>{}</td>", escape(name)));
        for family in PARAMETER_FAMILIES {
            let item = function
                .rules
                .iter()
                .find(|i| i.family == Some(family) && i.parameter.as_deref() == Some(name));
            match item {
                Some(item) => cell(page, item),
                None => page.push_str("<td></td>"),
            }
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table>\n<table>\n<tr><th>the function's own</th><th>cases</th></tr>\n");
    for item in function
        .rules
        .iter()
        .filter(|i| !i.family.is_some_and(|f| PARAMETER_FAMILIES.contains(&f)))
    {
        page.push_str(&format!("<tr><td>{}</td>", escape(&item.label())));
        cell(page, item);
        page.push_str("</tr>\n");
    }
    for item in &function.codes {
        page.push_str(&format!("<tr><td>{}</td>", escape(&item.label())));
        cell(page, item);
        page.push_str("</tr>\n");
    }
    page.push_str("</table>\n</section>\n");
}

/// One coverage cell: `none`, or the count of cases and their outcomes, the case ids on hover.
fn cell(page: &mut String, item: &Item) {
    if !item.covered() {
        page.push_str("<td class=\"cov\"><span class=\"badge uncovered\">none</span></td>");
        return;
    }
    let outcomes: Vec<String> = item
        .outcomes
        .iter()
        .map(|(label, n)| format!("<span class=\"badge {label}\">{n} {label}</span>"))
        .collect();
    page.push_str(&format!(
        "<td class=\"cov\" title=\"{}\">{}</td>",
        escape(&item.cases.join("\n")),
        outcomes.join(" ")
    ));
}

fn skipped(page: &mut String, results: &[CaseResult]) {
    let skipped: Vec<(&str, &str)> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Skipped { reason } => Some((r.id.as_str(), reason.as_str())),
            _ => None,
        })
        .collect();
    if skipped.is_empty() {
        return;
    }
    page.push_str(&format!(
        "<h2 id=\"skipped\">Skipped ({})</h2>\n<table>\n<tr><th>case</th><th>why</th></tr>\n",
        skipped.len()
    ));
    for (id, reason) in skipped {
        page.push_str(&format!(
            "<tr><td>{}</td><td>{}</td></tr>\n",
            escape(id),
            escape(reason)
        ));
    }
    page.push_str("</table>\n");
}
