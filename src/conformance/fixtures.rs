//! Where the suite's data comes from: a `fixtures/` directory (the repository's, or `--fixtures
//! DIR`), or the copy embedded in the binary, which can be read but not written. Holds the
//! scenarios, the normalization rules and the snapshots.

use std::path::{Path, PathBuf};

use crate::conformance::case::Case;
use crate::conformance::normalize::{self, Rules};
use crate::conformance::{generate, scenario};
use crate::spec::Spec;
use crate::spec::yaml::FileErrors;

/// Every file under `fixtures/`, embedded at build time by `build.rs`.
const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/fixture_files.rs"));

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fixtures {
    Embedded,
    Dir(PathBuf),
}

impl Fixtures {
    /// `fixtures/` in the current directory if it holds snapshots, else the embedded copy.
    pub fn default_location() -> Fixtures {
        let here = PathBuf::from("fixtures");
        if here.join("snapshots").is_dir() {
            Fixtures::Dir(here)
        } else {
            Fixtures::Embedded
        }
    }

    pub fn dir(&self) -> Option<&Path> {
        match self {
            Fixtures::Embedded => None,
            Fixtures::Dir(dir) => Some(dir),
        }
    }

    /// The text of `relative` (`snapshots/cards/list/ok/required.json`), if the file exists.
    pub fn read(&self, relative: &str) -> Option<String> {
        match self {
            Fixtures::Embedded => EMBEDDED
                .iter()
                .find(|(p, _)| *p == relative)
                .map(|(_, t)| (*t).to_owned()),
            Fixtures::Dir(dir) => std::fs::read_to_string(dir.join(relative)).ok(),
        }
    }

    /// (relative path, text) of each file under `folder` ending in `.yaml`, sorted.
    fn yaml_under(&self, folder: &str) -> Vec<(String, String)> {
        let prefix = format!("{folder}/");
        match self {
            Fixtures::Embedded => EMBEDDED
                .iter()
                .filter(|(p, _)| p.starts_with(&prefix) && p.ends_with(".yaml"))
                .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
                .collect(),
            Fixtures::Dir(dir) => {
                let mut files: Vec<(String, String)> = std::fs::read_dir(dir.join(folder))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                    .filter_map(|p| {
                        let name = p.file_name()?.to_str()?.to_owned();
                        Some((format!("{prefix}{name}"), std::fs::read_to_string(&p).ok()?))
                    })
                    .collect();
                files.sort();
                files
            }
        }
    }

    fn label(&self, relative: &str) -> String {
        match self {
            Fixtures::Embedded => format!("fixtures/{relative}"),
            Fixtures::Dir(dir) => dir.join(relative).display().to_string(),
        }
    }

    /// The whole suite: the cases generated from `spec`, then the scenarios; and the rules that
    /// normalize answers.
    pub fn suite(&self, spec: &Spec) -> Result<(Vec<Case>, Rules), FileErrors> {
        let mut cases = generate::cases(spec);
        for (relative, text) in self.yaml_under("scenarios") {
            cases.push(scenario::load(&self.label(&relative), &text)?);
        }
        let rules = match self.read("normalize.yaml") {
            Some(text) => normalize::load(&self.label("normalize.yaml"), &text)?,
            None => {
                return Err(FileErrors::whole(
                    self.label("normalize.yaml"),
                    "is missing",
                ));
            }
        };
        Ok((cases, rules))
    }
}
