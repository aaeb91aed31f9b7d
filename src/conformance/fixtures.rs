//! Where the suite's data comes from: a `fixtures/` directory (the repository's, or `--fixtures
//! DIR`), or the copy embedded in the binary, which can be read but not written. Holds the
//! scenarios, the normalization rules and the snapshots.

use std::path::{Path, PathBuf};

use crate::conformance::case::Case;
use crate::conformance::normalize::{self, Rules};
use crate::conformance::{contract, generate, scenario};
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
        let here = PathBuf::from(crate::conformance::DEFAULT_FIXTURES);
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

    /// The text of `relative` (`snapshots/cards/list/ok/required.json`); `None` if there is no
    /// such file, an error if there is one that cannot be read.
    pub fn read(&self, relative: &str) -> std::io::Result<Option<String>> {
        match self {
            Fixtures::Embedded => Ok(EMBEDDED
                .iter()
                .find(|(p, _)| *p == relative)
                .map(|(_, t)| (*t).to_owned())),
            Fixtures::Dir(dir) => match std::fs::read_to_string(dir.join(relative)) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
        }
    }

    /// (relative path, text) of each file under `folder` ending in `.yaml`, sorted. A folder
    /// that does not exist holds none; one that cannot be read, or a file in it, is an error.
    fn yaml_under(&self, folder: &str) -> Result<Vec<(String, String)>, FileErrors> {
        let prefix = format!("{folder}/");
        let dir = match self {
            Fixtures::Embedded => {
                return Ok(EMBEDDED
                    .iter()
                    .filter(|(p, _)| p.starts_with(&prefix) && p.ends_with(".yaml"))
                    .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
                    .collect());
            }
            Fixtures::Dir(dir) => dir.join(folder),
        };
        let unreadable = |path: &Path, e: std::io::Error| {
            FileErrors::whole(path.display().to_string(), format!("cannot read: {e}"))
        };
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(unreadable(&dir, e)),
        };
        let mut files = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| unreadable(&dir, e))?.path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
                FileErrors::whole(path.display().to_string(), "the file name is not UTF-8")
            })?;
            let text = std::fs::read_to_string(&path).map_err(|e| unreadable(&path, e))?;
            files.push((format!("{prefix}{name}"), text));
        }
        files.sort();
        Ok(files)
    }

    /// Where `relative` is, for messages.
    pub fn label(&self, relative: &str) -> String {
        match self {
            Fixtures::Embedded => format!("fixtures/{relative}"),
            Fixtures::Dir(dir) => dir.join(relative).display().to_string(),
        }
    }

    /// The whole suite: the cases generated from `spec`, then the scenarios; and the rules that
    /// normalize answers. A consumer contract (a directory holding `contract.yaml`) is its
    /// scenarios alone: the client's calls, not the spec's cases.
    pub fn suite(&self, spec: &Spec) -> Result<(Vec<Case>, Rules), FileErrors> {
        let contract = match self.read(contract::MARKER) {
            Ok(found) => found.is_some(),
            Err(e) => {
                let label = self.label(contract::MARKER);
                return Err(FileErrors::whole(label, format!("cannot read: {e}")));
            }
        };
        let mut cases = if contract {
            Vec::new()
        } else {
            generate::cases(spec)
        };
        for (relative, text) in self.yaml_under("scenarios")? {
            cases.push(scenario::load(&self.label(&relative), &text)?);
        }
        let label = self.label("normalize.yaml");
        let rules = match self.read("normalize.yaml") {
            Ok(Some(text)) => normalize::load(&label, &text)?,
            Ok(None) => {
                let missing = "not found: a fixtures directory holds normalize.yaml beside \
                               snapshots/ and scenarios/ (start from a copy of the repository's \
                               fixtures/)";
                return Err(FileErrors::whole(label, missing));
            }
            Err(e) => return Err(FileErrors::whole(label, format!("cannot read: {e}"))),
        };
        Ok((cases, rules))
    }
}
