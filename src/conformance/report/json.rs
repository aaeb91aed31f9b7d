//! For tools: one JSON object per line, a case per line as it finishes, then the summary.

use std::io::Write;

use serde_json::json;

use crate::conformance::outcome::{CaseResult, Reporter, Summary};

pub(crate) struct JsonLines {
    out: Box<dyn Write>,
}

impl JsonLines {
    pub(crate) fn new(out: Box<dyn Write>) -> JsonLines {
        JsonLines { out }
    }
}

impl Reporter for JsonLines {
    fn start(&mut self, _total: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn case(&mut self, result: &CaseResult) -> std::io::Result<()> {
        let mut line = serde_json::to_value(result).expect("results serialize");
        line["type"] = json!("case");
        writeln!(self.out, "{line}")
    }

    fn finish(&mut self, summary: &Summary) -> std::io::Result<()> {
        let mut line = serde_json::to_value(summary).expect("summaries serialize");
        line["type"] = json!("summary");
        writeln!(self.out, "{line}")?;
        self.out.flush()
    }
}
