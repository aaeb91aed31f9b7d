//! A report file (`check --output`, `--coverage`) that is written whole or not at all. It is
//! written under a temporary name beside the file asked for and renamed to it once complete, so
//! a run that is stopped, or fails before its end, never leaves a report that a CI step would
//! fail to parse (a JUnit file of 0 bytes), nor destroys the last whole one.

use std::fs::File;
use std::path::{Path, PathBuf};

/// The file being written, and where it goes once whole.
#[derive(Debug)]
pub struct ReportFile {
    temporary: PathBuf,
    destination: PathBuf,
    done: bool,
}

impl ReportFile {
    /// Creates the temporary file beside `destination`; an error names `destination`'s folder
    /// problem as the file's (a folder that does not exist, one that cannot be written).
    pub fn create(destination: &Path) -> std::io::Result<(ReportFile, File)> {
        let name = destination
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report".to_owned());
        let temporary =
            destination.with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let file = File::create(&temporary)?;
        Ok((
            ReportFile {
                temporary,
                destination: destination.to_owned(),
                done: false,
            },
            file,
        ))
    }

    /// The temporary file's path, to remove if the process must exit at once.
    pub fn temporary(&self) -> &Path {
        &self.temporary
    }

    /// Gives the complete file its name. Call once everything is written and the file closed.
    pub fn commit(mut self) -> std::io::Result<()> {
        self.done = true;
        std::fs::rename(&self.temporary, &self.destination)
    }
}

impl Drop for ReportFile {
    /// A report never committed is removed: nothing half-written is left behind.
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn a_report_appears_whole_on_commit_and_never_half_written() {
        let dir = tempfile::tempdir().unwrap();
        let destination = dir.path().join("int.xml");
        std::fs::write(&destination, "the last whole report").unwrap();
        let (pending, mut file) = ReportFile::create(&destination).unwrap();
        file.write_all(b"<half").unwrap();
        drop(file);
        drop(pending);
        assert_eq!(
            std::fs::read_to_string(&destination).unwrap(),
            "the last whole report"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no leftover"
        );

        let (pending, mut file) = ReportFile::create(&destination).unwrap();
        file.write_all(b"<whole/>").unwrap();
        drop(file);
        pending.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&destination).unwrap(), "<whole/>");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
